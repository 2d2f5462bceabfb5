// Package storetest opens throwaway stores on SQLite and PostgreSQL for tests.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to create and drop schemas

	"github.com/wagate/wagate/store"
)

// DefaultPostgresDSN is the PostgreSQL the tests use unless WAGATE_TEST_POSTGRES_DSN says otherwise.
const DefaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Dialects lists the databases every store test runs on.
var Dialects = []store.Dialect{store.SQLite, store.Postgres}

// DSN returns a DSN for a fresh, empty database of the dialect, removed when the test
// ends: a temp SQLite file, or a new PostgreSQL schema. PostgreSQL being unreachable
// fails the test: that path is never skipped silently.
func DSN(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return filepath.Join(t.TempDir(), "wagate.db")
	}
	base := os.Getenv("WAGATE_TEST_POSTGRES_DSN")
	if base == "" {
		base = DefaultPostgresDSN
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if err := admin.Ping(); err != nil {
		t.Fatalf("postgres at %s is not reachable (start it, or set WAGATE_TEST_POSTGRES_DSN): %v", base, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", base, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens a migrated store on a fresh database of the dialect.
func Open(t testing.TB, d store.Dialect) (*store.Store, string) {
	t.Helper()
	dsn := DSN(t, d)
	if d == store.SQLite {
		dsn = "sqlite://" + dsn
	}
	s, err := store.Open(context.Background(), dsn, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open %s store: %v", d, err)
	}
	if d == store.Postgres {
		// A gateway keeps 16 idle connections; test processes running side by
		// side, each with stores open, would hold PostgreSQL's max_connections
		// (100) between them and fail each other with "too many clients".
		s.SQL().SetMaxIdleConns(2)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}

// Each runs f as a subtest on every dialect.
func Each(t *testing.T, f func(t *testing.T, d store.Dialect)) {
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) { f(t, d) })
	}
}
