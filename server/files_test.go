package server_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wagate/wagate/server"
	"github.com/wagate/wagate/store"
)

func TestGetFile(t *testing.T) {
	a := newAPI(t, store.SQLite, apiOptions{})
	dir := filepath.Join(server.MediaDir(a.DataDir), "s1")
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
