package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wagate/wagate/store"
)

func TestGetFile(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	dir := filepath.Dir(a.Media.Path("s1", "x"))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "3EB0AB.txt"), []byte("media bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := a.Expect(a.Do("GET", "/api/files/s1/3EB0AB.txt", nil), 200)
	if string(r.Body) != "media bytes" {
		t.Fatalf("body %q", r.Body)
	}
	var nf map[string]map[string]any
	a.Expect(a.Do("GET", "/api/files/s1/nope.jpg", nil), 404).JSON(t, &nf)
	if nf["error"]["key"] != "FILE_NOT_FOUND" {
		t.Fatalf("404 body: %v", nf)
	}
	a.Expect(a.Do("GET", "/api/files/s1/..%2Fwagate.db", nil), 400)
	a.Expect(a.Do("GET", "/api/files/s1/3EB0AB.txt", nil, "X-Api-Key", ""), 401)
}

// TestGetFileRefuses: names the file system cannot take are a 400, not an
// os.Stat error passed through as 500; symlinks are never followed, wherever they
// point.
func TestGetFileRefuses(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	media := a.Media.Dir()
	dir := filepath.Join(media, "s1")
	if err := os.MkdirAll(filepath.Join(dir, "sub.jpg"), 0o700); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(a.DataDir, "secret.txt")
	for path, body := range map[string]string{secret: "secret", filepath.Join(dir, "3EB0AB.txt"): "media"} {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		filepath.Join(dir, "out.txt"):  secret,       // out of the media folder
		filepath.Join(dir, "in.txt"):   "3EB0AB.txt", // to a file beside it
		filepath.Join(media, "linked"): dir,          // a session directory
	} {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/api/files/s1/%00", 400},
		{"/api/files/s1/a%00.jpg", 400},
		{"/api/files/s1/" + strings.Repeat("a", 256), 400},
		{"/api/files/s1/" + strings.Repeat("a", 255), 404},
		{"/api/files/s1/a%5Cb.jpg", 400},
		{"/api/files/s1/out.txt", 404},
		{"/api/files/s1/in.txt", 404},
		{"/api/files/linked/3EB0AB.txt", 404},
		{"/api/files/s1/sub.jpg", 404},
		{"/api/files/nosession/3EB0AB.txt", 404},
		{"/api/files/s1/3EB0AB.txt", 200},
	} {
		r := a.Do("GET", c.path, nil)
		if r.Status != c.status {
			t.Errorf("GET %.80s: %d, want %d: %.200s", c.path, r.Status, c.status, r.Body)
		}
		if c.status != 200 && strings.Contains(string(r.Body), "secret") {
			t.Errorf("GET %s: served the file a symlink points to", c.path)
		}
	}
}
