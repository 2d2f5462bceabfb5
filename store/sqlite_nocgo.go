//go:build !cgo

package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
)

// OpenSQLite in a build without cgo: SQLite's C library is not linked in, so
// every connection fails saying why. PostgreSQL works in such a build.
func OpenSQLite(string) *sql.DB { return sql.OpenDB(noSQLite{}) }

type noSQLite struct{}

func (noSQLite) Connect(context.Context) (driver.Conn, error) { return nil, errNoSQLite() }

func (noSQLite) Driver() driver.Driver { return noSQLite{} }

func (noSQLite) Open(string) (driver.Conn, error) { return nil, errNoSQLite() }

func errNoSQLite() error {
	return errors.New("this wagate was built without cgo, so it has no SQLite: build it with CGO_ENABLED=1 (gcc needed) or use PostgreSQL (WAGATE_STORE_DSN)")
}
