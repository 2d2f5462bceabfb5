package store

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

func files(kv ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := 0; i < len(kv); i += 2 {
		fsys[kv[i]] = &fstest.MapFile{Data: []byte(kv[i+1])}
	}
	return fsys
}

func TestEmbeddedMigrationsLoad(t *testing.T) {
	for _, d := range []Dialect{SQLite, Postgres} {
		ms, err := loadMigrations(embeddedMigrations(), d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		for i, m := range ms {
			if m.version != i+1 {
				t.Fatalf("%s: migration %d is v%d", d, i, m.version)
			}
			if d == Postgres && strings.Contains(m.file, ".sqlite.") || d == SQLite && strings.Contains(m.file, ".postgres.") {
				t.Fatalf("%s: v%d from %s", d, m.version, m.file)
			}
		}
	}
}

func TestLoadMigrations(t *testing.T) {
	ok := files(
		"01_a.sql", "-- v1: first\nCREATE TABLE a (x INTEGER);\n",
		"02_b.sqlite.sql", "-- v2: second\nCREATE TABLE b (x INTEGER);\n",
		"02_b.postgres.sql", "-- v2: second\nCREATE TABLE b (x BIGINT);\n",
		"03_c.sql", "-- v3 (compatible with v2+): third\nALTER TABLE b ADD COLUMN y INTEGER;\n",
		"README", "not a migration",
	)
	ms, err := loadMigrations(ok, Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 || ms[1].file != "02_b.postgres.sql" || ms[2].compat != 2 || ms[0].compat != 1 || ms[2].name != "third" {
		t.Fatalf("loaded %+v", ms)
	}
	if ms, _ := loadMigrations(ok, SQLite); ms[1].file != "02_b.sqlite.sql" {
		t.Fatalf("sqlite got %s", ms[1].file)
	}

	bad := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"gap", files("01_a.sql", "-- v1: a\n", "03_c.sql", "-- v3: c\n"), "v2 is missing"},
		{"not from one", files("02_b.sql", "-- v2: b\n"), "v1 is missing"},
		{"two files", files("01_a.sql", "-- v1: a\n", "01_b.sql", "-- v1: b\n"), "both are v1"},
		{"header and name disagree", files("01_a.sql", "-- v2: a\n"), "header says v2, its name 1"},
		{"no header", files("01_a.sql", "CREATE TABLE a (x INTEGER);\n"), "first line must be"},
		{"bad name", files("1-a.sql", "-- v1: a\n"), "want a name like"},
		{"one dialect only", files("01_a.sqlite.sql", "-- v1: a\n"), "no counterpart"},
		{"common and dialect", files("01_a.sql", "-- v1: a\n", "01_a.postgres.sql", "-- v1: a\n", "01_a.sqlite.sql", "-- v1: a\n"), "keep one file, or one per dialect"},
		{"compat ahead", files("01_a.sql", "-- v1 (compatible with v2+): a\n"), "later than itself"},
		// The PostgreSQL file is checked when loading for SQLite too.
		{"other dialect broken", files("01_a.sqlite.sql", "-- v1: a\n", "01_a.postgres.sql", "CREATE TABLE a (x INTEGER);\n"), "first line must be"},
	}
	for _, c := range bad {
		if _, err := loadMigrations(c.fsys, SQLite); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one saying %q", c.name, err, c.want)
		}
	}
}

// TestFailedMigrationKeepsVersion: a migration that fails leaves the database at
// the version before it, with none of its statements applied, and says which
// migration failed.
func TestFailedMigrationKeepsVersion(t *testing.T) {
	sqlDB := OpenSQLite(filepath.Join(t.TempDir(), "m.db"))
	defer sqlDB.Close()
	db, err := gorm.Open(sqlite.New(sqlite.Config{Conn: sqlDB}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ms, err := loadMigrations(files(
		"01_a.sql", "-- v1: a\nCREATE TABLE a (x INTEGER);\n",
		"02_b.sql", "-- v2: b\nCREATE TABLE b (x INTEGER);\nINSERT INTO nowhere VALUES (1);\n",
		"03_c.sql", "-- v3: c\n-- nothing to do on either database\n",
	), SQLite)
	if err != nil {
		t.Fatal(err)
	}
	err = runMigrations(context.Background(), db, SQLite, ms, log)
	if err == nil || !strings.Contains(err.Error(), "v2 (b, 02_b.sql)") {
		t.Fatalf("err = %v, want one naming v2", err)
	}
	var v int
	if err := db.Raw(`SELECT version FROM wagate_version`).Scan(&v).Error; err != nil || v != 1 {
		t.Fatalf("version = %d, %v; want 1", v, err)
	}
	if ok, _ := tableExists(db, SQLite, "b"); ok {
		t.Fatal("table b of the failed migration exists")
	}
	// Fixed, the rest applies, the comment-only v3 too.
	ms[1].sql = "-- v2: b\nCREATE TABLE b (x INTEGER);\n"
	if err := runMigrations(context.Background(), db, SQLite, ms, log); err != nil {
		t.Fatal(err)
	}
	if err := db.Raw(`SELECT version FROM wagate_version`).Scan(&v).Error; err != nil || v != 3 {
		t.Fatalf("version = %d, %v; want 3", v, err)
	}
}
