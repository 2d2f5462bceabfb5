package store_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wagate/wagate/store"
)

// TestSQLiteRefusesASecondProcess: while one process has the SQLite file open,
// another one is refused with a message naming the file and the holder; once the
// first closes it, the other opens it.
func TestSQLiteRefusesASecondProcess(t *testing.T) {
	if path := os.Getenv("WAGATE_TEST_SQLITE_OPEN"); path != "" {
		t.Skip("the helper process runs TestSQLiteOpenHelper")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "wagate.db")
	st, err := store.Open(context.Background(), "sqlite://"+path, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	second := func() (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSQLiteOpenHelper$", "-test.v")
		cmd.Env = append(os.Environ(), "WAGATE_TEST_SQLITE_OPEN="+path)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := second()
	if err == nil {
		t.Fatalf("a second process opened the SQLite file in use:\n%s", out)
	}
	want := "the SQLite database " + path + " is in use by another process (pid " + strconv.Itoa(os.Getpid()) + ")"
	if !strings.Contains(out, want) || !strings.Contains(out, "PostgreSQL") {
		t.Fatalf("second process said:\n%s\nwant %q", out, want)
	}
	// The same process may open it again (tests do).
	again, err := store.Open(context.Background(), "sqlite://"+path, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("reopen in the same process: %v", err)
	}
	again.Close()
	st.Close()
	if out, err := second(); err != nil {
		t.Fatalf("after the first closed, the second process failed: %v\n%s", err, out)
	}
}

// TestSQLiteOpenHelper opens the file WAGATE_TEST_SQLITE_OPEN names, as a second
// gateway process would.
func TestSQLiteOpenHelper(t *testing.T) {
	path := os.Getenv("WAGATE_TEST_SQLITE_OPEN")
	if path == "" {
		t.Skip("run by TestSQLiteRefusesASecondProcess")
	}
	st, err := store.Open(context.Background(), "sqlite://"+path, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
}
