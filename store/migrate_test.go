package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wagate/wagate/store"
	"github.com/wagate/wagate/store/storetest"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// rawDB opens the database behind a storetest DSN without migrating it.
func rawDB(t *testing.T, d store.Dialect, dsn string) *sql.DB {
	t.Helper()
	if d == store.SQLite {
		db := store.OpenSQLite(strings.TrimPrefix(dsn, "sqlite://"))
		t.Cleanup(func() { db.Close() })
		return db
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func schemaVersion(t *testing.T, db *sql.DB) (version, compat int) {
	t.Helper()
	if err := db.QueryRow(`SELECT version, compat FROM wagate_version`).Scan(&version, &compat); err != nil {
		t.Fatalf("read wagate_version: %v", err)
	}
	return version, compat
}

func TestMigrationsAreIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		_, dsn := storetest.Open(t, d)
		// Opening the same database again finds it at the latest version.
		s, err := store.Open(context.Background(), dsn, "", quietLog())
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer s.Close()
		latest := store.LatestSchemaVersion()
		if v, c := schemaVersion(t, s.SQL()); v != latest || c != latest {
			t.Fatalf("wagate_version = (%d, %d), want (%d, %d)", v, c, latest, latest)
		}
		var n int
		if err := s.SQL().QueryRow(`SELECT COUNT(*) FROM wagate_version`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("wagate_version rows = %d, %v; want 1", n, err)
		}
	})
}

// TestLegacyDatabasesUpgrade: databases made by the runner before the migration
// files open, keep their rows, and end with the schema of a new database.
func TestLegacyDatabasesUpgrade(t *testing.T) {
	cases := []struct {
		name string
		// applied are the legacy migrations the database has.
		applied []int
		// noweb: the NOWEB engine ran on it and made its tables.
		noweb bool
	}{
		// What the code of 2026-12-01 made: every migration.
		{"current", []int{1, 2, 10, 11, 12, 13, 14, 20}, true},
		// Migration 20 shipped before 12, 13 and 14: a database of that day has a gap.
		{"before contacts", []int{1, 2, 10, 11, 20}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, d store.Dialect) {
				ctx := context.Background()
				dsn := storetest.DSN(t, d)
				db := rawDB(t, d, dsn)
				mustExec(t, db, legacyMigrationsTable)
				for _, m := range legacyMigrations {
					if !slices.Contains(c.applied, m.version) {
						continue
					}
					for _, q := range m.sql {
						mustExec(t, db, q)
					}
					mustExec(t, db, fmt.Sprintf(`INSERT INTO wagate_migrations (version, name, applied_at) VALUES (%d, '%s', %d)`,
						m.version, m.name, time.Now().UnixMilli()))
				}
				mustExec(t, db, `INSERT INTO wagate_sessions (name, engine, status, created_at, updated_at) VALUES ('default', 'NOWEB', 'STOPPED', 1, 1)`)
				if c.noweb {
					mustExec(t, db, legacyNOWEBDevices)
					mustExec(t, db, `INSERT INTO wagate_noweb_devices (session, jid) VALUES ('default', '491510000001.0:1@s.whatsapp.net')`)
					if d == store.Postgres {
						mustExec(t, db, `CREATE TABLE IF NOT EXISTS whatsmeow_version (version INTEGER, compat INTEGER)`)
					}
				}

				s, err := store.Open(ctx, dsn, "", quietLog())
				if err != nil {
					t.Fatalf("open legacy database: %v", err)
				}
				defer s.Close()
				latest := store.LatestSchemaVersion()
				if v, _ := schemaVersion(t, s.SQL()); v != latest {
					t.Fatalf("version = %d, want %d", v, latest)
				}
				recs, err := s.ListSessions(ctx)
				if err != nil || len(recs) != 1 || recs[0].Name != "default" {
					t.Fatalf("sessions after upgrade = %+v, %v", recs, err)
				}
				if c.noweb {
					jid, ok, err := s.NOWEBDevices().DeviceJID(ctx, "default")
					if err != nil || !ok || jid != "491510000001.0:1@s.whatsapp.net" {
						t.Fatalf("device after upgrade = %q, %v, %v", jid, ok, err)
					}
				}
				fresh, _ := storetest.Open(t, d)
				if got, want := schemaOf(t, s.SQL(), d), schemaOf(t, fresh.SQL(), d); !slices.Equal(got, want) {
					t.Fatalf("upgraded schema differs from a new database's:\nupgraded: %s\nnew:      %s",
						strings.Join(got, "\n          "), strings.Join(want, "\n          "))
				}
			})
		})
	}
}

// TestNewerSchemaRefused: a database a newer wagate migrated is refused, saying
// what it is at and what this binary knows, unless that version declared itself
// compatible with this one.
func TestNewerSchemaRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		s, dsn := storetest.Open(t, d)
		latest := store.LatestSchemaVersion()
		mustExec(t, s.SQL(), fmt.Sprintf(`UPDATE wagate_version SET version = %d, compat = %d`, latest+2, latest+1))
		_, err := store.Open(ctx, dsn, "", quietLog())
		if !errors.Is(err, store.ErrNewerSchema) {
			t.Fatalf("open newer database: err = %v, want ErrNewerSchema", err)
		}
		for _, want := range []string{
			fmt.Sprintf("the database is at v%d", latest+2),
			fmt.Sprintf("knows v%d or later", latest+1),
			fmt.Sprintf("knows up to v%d", latest),
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		// Nothing was changed by the refusal.
		if v, c := schemaVersion(t, s.SQL()); v != latest+2 || c != latest+1 {
			t.Fatalf("wagate_version = (%d, %d) after the refusal", v, c)
		}

		mustExec(t, s.SQL(), fmt.Sprintf(`UPDATE wagate_version SET compat = %d`, latest))
		s2, err := store.Open(ctx, dsn, "", quietLog())
		if err != nil {
			t.Fatalf("open newer database compatible with this binary: %v", err)
		}
		s2.Close()
		if v, c := schemaVersion(t, s.SQL()); v != latest+2 || c != latest {
			t.Fatalf("wagate_version = (%d, %d) after opening, want it untouched", v, c)
		}
	})
}

// TestConcurrentOpensMigrateOnce: replicas starting together on one new PostgreSQL
// database all open it, each migration applied once.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	dsn := storetest.DSN(t, store.Postgres)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := store.Open(context.Background(), dsn, "", quietLog())
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
		}
	}
	db := rawDB(t, store.Postgres, dsn)
	if v, _ := schemaVersion(t, db); v != store.LatestSchemaVersion() {
		t.Fatalf("version = %d, want %d", v, store.LatestSchemaVersion())
	}
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

var spaces = regexp.MustCompile(`\s+`)

// schemaOf describes the tables, columns and indexes of a database, besides the
// migration bookkeeping, in a form two databases can be compared in.
func schemaOf(t *testing.T, db *sql.DB, d store.Dialect) []string {
	t.Helper()
	q := `SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master
		WHERE name NOT LIKE 'sqlite_%' AND name NOT IN ('wagate_version', 'wagate_migrations')`
	if d == store.Postgres {
		q = `SELECT 'column ' || table_name || '.' || column_name || ': ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '')
				FROM information_schema.columns
				WHERE table_schema = current_schema() AND table_name NOT IN ('wagate_version', 'wagate_migrations')
			UNION ALL
			SELECT 'index ' || indexname || ': ' || replace(indexdef, current_schema() || '.', '')
				FROM pg_indexes WHERE schemaname = current_schema()`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		// SQLite keeps each statement's text as written: compare it without its
		// layout.
		s = spaces.ReplaceAllString(s, " ")
		s = strings.NewReplacer("( ", "(", " )", ")", "IF NOT EXISTS ", "").Replace(s)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
