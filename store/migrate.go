package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// migrationFiles is wagate's schema, one file per version, applied in order:
// NN_name.sql, or NN_name.sqlite.sql and NN_name.postgres.sql where the two
// databases need different SQL. A file's first line is its header,
// "-- vN: what it does", or "-- vN (compatible with vM+): what it does" when
// binaries that know only version M still work on the result (an added table or
// column they do not read). Files are append-only: never edit one that has shipped;
// add the next version.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

func embeddedMigrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // "migrations" is a valid path, and the directory is embedded
	}
	return sub
}

// ErrNewerSchema is returned by Open when the database was migrated by a newer
// wagate, to a schema this binary does not know and cannot safely use.
var ErrNewerSchema = errors.New("database schema is newer than this wagate")

// versionTable holds one row: the schema version of the database and the oldest
// version whose binaries can use it (compat), as whatsmeow's and mautrix's
// migrators keep theirs.
const versionTable = "wagate_version"

// migrationLockKey is the PostgreSQL advisory lock migrations hold, so replicas
// starting together apply each migration once.
const migrationLockKey = 7215406

// migration is one version of the schema.
type migration struct {
	version int
	compat  int // binaries that know this version or later can use the result
	name    string
	file    string
	sql     string
}

var (
	migrationFileName = regexp.MustCompile(`^([0-9]+)_[a-z0-9_]+(?:\.(sqlite|postgres))?\.sql$`)
	migrationHeader   = regexp.MustCompile(`^-- v([0-9]+)(?: \(compatible with v([0-9]+)\+\))?: (\S.*)$`)
)

// loadMigrations reads the migrations of fsys for the dialect. Every file is
// checked whichever the dialect (so a broken PostgreSQL file fails on SQLite
// too): names and headers agree, a version has one file or one per dialect, and
// the versions run 1, 2, 3, … without a gap.
func loadMigrations(fsys fs.FS, dialect Dialect) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	type variants struct{ any, sqlite, postgres *migration }
	byVersion := map[int]*variants{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		parts := migrationFileName.FindStringSubmatch(name)
		if parts == nil {
			return nil, fmt.Errorf("migration %s: want a name like 12_what_it_does.sql, 12_what_it_does.sqlite.sql or 12_what_it_does.postgres.sql", name)
		}
		m, err := readMigration(fsys, name)
		if err != nil {
			return nil, err
		}
		if fileVersion, _ := strconv.Atoi(parts[1]); fileVersion != m.version {
			return nil, fmt.Errorf("migration %s: its header says v%d, its name %d", name, m.version, fileVersion)
		}
		v := byVersion[m.version]
		if v == nil {
			v = &variants{}
			byVersion[m.version] = v
		}
		slot := map[string]**migration{"": &v.any, "sqlite": &v.sqlite, "postgres": &v.postgres}[parts[2]]
		if *slot != nil {
			return nil, fmt.Errorf("migrations %s and %s: both are v%d", (*slot).file, name, m.version)
		}
		*slot = &m
	}
	out := make([]migration, 0, len(byVersion))
	for version := 1; version <= len(byVersion); version++ {
		v := byVersion[version]
		if v == nil {
			return nil, fmt.Errorf("migrations: v%d is missing (the versions run 1 to %d with no gap)", version, slices.Max(slices.Collect(maps.Keys(byVersion))))
		}
		switch {
		case v.any != nil && (v.sqlite != nil || v.postgres != nil):
			return nil, fmt.Errorf("migration v%d: %s and a dialect's file; keep one file, or one per dialect", version, v.any.file)
		case v.any == nil && (v.sqlite == nil || v.postgres == nil):
			have := v.sqlite
			if have == nil {
				have = v.postgres
			}
			return nil, fmt.Errorf("migration v%d: %s has no counterpart for the other dialect", version, have.file)
		case v.any != nil:
			out = append(out, *v.any)
		case dialect == Postgres:
			out = append(out, *v.postgres)
		default:
			out = append(out, *v.sqlite)
		}
	}
	return out, nil
}

// readMigration reads one migration file and its header.
func readMigration(fsys fs.FS, name string) (migration, error) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return migration{}, fmt.Errorf("read migration %s: %w", name, err)
	}
	text := string(raw)
	first, _, _ := strings.Cut(text, "\n")
	h := migrationHeader.FindStringSubmatch(strings.TrimRight(first, "\r"))
	if h == nil {
		return migration{}, fmt.Errorf("migration %s: its first line must be \"-- vN: what it does\" or \"-- vN (compatible with vM+): what it does\", not %q", name, first)
	}
	m := migration{file: name, name: h[3], sql: text}
	m.version, _ = strconv.Atoi(h[1])
	m.compat = m.version
	if h[2] != "" {
		m.compat, _ = strconv.Atoi(h[2])
		if m.compat > m.version {
			return migration{}, fmt.Errorf("migration %s: compatible with v%d+, later than itself", name, m.compat)
		}
	}
	return m, nil
}

// migrate brings the database to the newest schema this binary knows.
func (s *Store) migrate(ctx context.Context, log *slog.Logger) error {
	ms, err := loadMigrations(embeddedMigrations(), s.dialect)
	if err != nil {
		return err
	}
	return runMigrations(ctx, s.db.WithContext(ctx), s.dialect, ms, log)
}

// runMigrations applies the migrations after the database's version, each in a
// transaction of its own that also records the new version, so a failed one
// leaves the database at the version before it. Each transaction holds the
// advisory lock on PostgreSQL and reads the version under it: a replica that
// waited finds the migration applied and moves on.
func runMigrations(ctx context.Context, db *gorm.DB, dialect Dialect, ms []migration, log *slog.Logger) error {
	latest := len(ms)
	for {
		var applied *migration
		done := false
		err := db.Transaction(func(tx *gorm.DB) error {
			if dialect == Postgres {
				if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, migrationLockKey).Error; err != nil {
					return fmt.Errorf("lock: %w", err)
				}
			}
			version, compat, err := schemaVersion(tx, dialect, ms)
			if err != nil {
				return err
			}
			switch {
			case version > latest && compat > latest:
				return fmt.Errorf("%w: the database is at v%d, which needs a wagate that knows v%d or later, and this one knows up to v%d; run a newer wagate, or point this one at another database",
					ErrNewerSchema, version, compat, latest)
			case version >= latest:
				if version > latest {
					log.Warn("database schema is newer than this wagate, and declared compatible with it", "version", version, "compat", compat, "known", latest)
				}
				done = true
				return nil
			}
			m := ms[version] // version v+1 is ms[v]
			if err := execMigration(tx, m); err != nil {
				return err
			}
			applied = &m
			return setSchemaVersion(tx, m.version, m.compat)
		})
		if errors.Is(err, ErrNewerSchema) {
			return err
		}
		if err != nil {
			return fmt.Errorf("migrate database: %w", err)
		}
		if done {
			return nil
		}
		log.Info("database migrated", "version", applied.version, "migration", applied.name)
	}
}

// execMigration runs one migration's SQL.
func execMigration(tx *gorm.DB, m migration) error {
	if !hasStatements(m.sql) {
		return nil
	}
	if err := tx.Exec(m.sql).Error; err != nil {
		return fmt.Errorf("v%d (%s, %s): %w", m.version, m.name, m.file, err)
	}
	return nil
}

// hasStatements reports whether sql has anything besides comments and blank lines
// (a dialect's file may have nothing to do).
func hasStatements(sql string) bool {
	for line := range strings.Lines(sql) {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "--") {
			return true
		}
	}
	return false
}

// schemaVersion reads the database's version, creating the version table on a new
// database, or from the migrations table of a database older wagate made.
func schemaVersion(tx *gorm.DB, dialect Dialect, ms []migration) (version, compat int, err error) {
	exists, err := tableExists(tx, dialect, versionTable)
	if err != nil {
		return 0, 0, err
	}
	if !exists {
		if err := tx.Exec(`CREATE TABLE ` + versionTable + ` (version INTEGER NOT NULL, compat INTEGER NOT NULL)`).Error; err != nil {
			return 0, 0, fmt.Errorf("create %s: %w", versionTable, err)
		}
		if err := adoptLegacyMigrations(tx, dialect, ms); err != nil {
			return 0, 0, err
		}
	}
	var rows []struct{ Version, Compat int }
	if err := tx.Raw(`SELECT version, compat FROM ` + versionTable).Scan(&rows).Error; err != nil {
		return 0, 0, fmt.Errorf("read %s: %w", versionTable, err)
	}
	switch len(rows) {
	case 0:
		return 0, 0, nil
	case 1:
		return rows[0].Version, rows[0].Compat, nil
	default:
		return 0, 0, fmt.Errorf("%s has %d rows, want one", versionTable, len(rows))
	}
}

func setSchemaVersion(tx *gorm.DB, version, compat int) error {
	if err := tx.Exec(`DELETE FROM ` + versionTable).Error; err != nil {
		return fmt.Errorf("record v%d: %w", version, err)
	}
	if err := tx.Exec(`INSERT INTO `+versionTable+` (version, compat) VALUES (?, ?)`, version, compat).Error; err != nil {
		return fmt.Errorf("record v%d: %w", version, err)
	}
	return nil
}

// tableExists looks for a table where unqualified names resolve (the first schema
// of PostgreSQL's search_path), never in a sibling schema.
func tableExists(tx *gorm.DB, dialect Dialect, table string) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	if dialect == Postgres {
		q = `SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?`
	}
	var n int64
	if err := tx.Raw(q, table).Scan(&n).Error; err != nil {
		return false, fmt.Errorf("look for table %s: %w", table, err)
	}
	return n > 0, nil
}

// legacyVersions maps the versions of the migrations table wagate kept before the
// migration files (one row per applied migration, numbered 1, 2, 10–14 and 20) to
// the files that carry the same SQL.
var legacyVersions = map[int]int{1: 1, 2: 2, 10: 3, 11: 4, 12: 5, 13: 6, 14: 7, 20: 8}

// adoptLegacyMigrations moves a database made before the migration files onto
// the version table: the old runner applied whichever of its migrations a
// database lacked, in list order, so its rows may skip one (20 shipped before 12);
// those are applied here, as the old runner would have, and the database is at v8.
// The old table goes, so an older wagate refuses the database instead of applying
// its migrations again. It runs in the transaction that created the version table.
func adoptLegacyMigrations(tx *gorm.DB, dialect Dialect, ms []migration) error {
	exists, err := tableExists(tx, dialect, "wagate_migrations")
	if err != nil || !exists {
		return err
	}
	var old []int
	if err := tx.Raw(`SELECT version FROM wagate_migrations`).Scan(&old).Error; err != nil {
		return fmt.Errorf("read wagate_migrations: %w", err)
	}
	have := map[int]bool{}
	for _, o := range old {
		v, ok := legacyVersions[o]
		if !ok {
			return fmt.Errorf("wagate_migrations records migration %d, which no wagate release had", o)
		}
		have[v] = true
	}
	top := 0
	for _, v := range legacyVersions {
		top = max(top, v)
	}
	if len(have) > 0 {
		for _, m := range ms[:top] {
			if !have[m.version] {
				if err := execMigration(tx, m); err != nil {
					return err
				}
			}
		}
	}
	if err := tx.Exec(`DROP TABLE wagate_migrations`).Error; err != nil {
		return fmt.Errorf("drop wagate_migrations: %w", err)
	}
	if len(have) == 0 {
		return nil
	}
	return setSchemaVersion(tx, top, top)
}
