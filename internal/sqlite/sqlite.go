// Package sqlite is the embedded store: the trail services on a SQLite file
// through a pure-Go driver, with one writer connection and a pool of readers.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/bottletrail/bottletrail/internal/sqlstore"
	"github.com/bottletrail/bottletrail/internal/trail"
)

//go:embed migration/*.sql
var migrations embed.FS

// timeFormat is fixed-width UTC, so text order is time order.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// Dialect describes SQLite to the shared SQL.
var Dialect = sqlstore.Dialect{
	Name:          "sqlite",
	ReadIsolation: sql.LevelDefault,
	TimeArg:       func(t time.Time) any { return t.UTC().Format(timeFormat) },
	IsUniqueViolation: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
}

// DB is the trail services on one SQLite file.
type DB struct {
	*sqlstore.DB
	// Applied names the migrations that Open applied.
	Applied     []string
	write, read *sql.DB
}

// Open opens the database file at path, creating it and its directory if
// needed, and brings its schema up to date. The file runs in WAL mode with
// synchronous=NORMAL: a commit survives a crash of the process (FULL, for
// power loss, is a pragma away) and readers never wait for the writer.
//
// The file holds personal data (sealed, but with its keyed hashes), so it
// is created with mode 0600, like the key, and an existing file (with its
// -wal and -shm) readable by others is restricted to 0600. SQLite creates
// the -wal and -shm files with the mode of the database file.
func Open(ctx context.Context, path string, sealer trail.Sealer) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if err := restrictFiles(path); err != nil {
		return nil, err
	}
	params := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)", "busy_timeout(10000)"} {
		params.Add("_pragma", p)
	}
	params.Set("_txlock", "immediate")
	write, err := sql.Open("sqlite", "file:"+path+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// One writer: SQLite allows a single writer at a time, and a pool of
	// writers would only queue on the file lock.
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	params.Add("_pragma", "query_only(1)")
	params.Del("_txlock")
	read, err := sql.Open("sqlite", "file:"+path+"?"+params.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	read.SetMaxOpenConns(max(4, runtime.NumCPU()*2))
	db := &DB{DB: sqlstore.New(write, read, Dialect, sealer), write: write, read: read}
	if db.Applied, err = db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// restrictFiles creates the database file with mode 0600 if it is missing,
// and takes the group's and others' permissions off it and its -wal and
// -shm files if they have any.
func restrictFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	f.Close()
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return fmt.Errorf("database file: %w", err)
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			if err := os.Chmod(name, perm&0o700); err != nil {
				return fmt.Errorf("database file %s has mode %04o and could not be restricted to the owner (run chmod 600 on it): %w", name, perm, err)
			}
		}
	}
	return nil
}

// Migrate applies the embedded migrations not yet applied and returns their
// names, then masks the scan text stored before descriptions were masked
// (sqlstore.DB.MaskScanBacklog), which needs the key.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	files, err := fs.Sub(migrations, "migration")
	if err != nil {
		return nil, err
	}
	applied, err := sqlstore.Migrate(ctx, db.write, Dialect, files, "")
	if err != nil {
		return nil, err
	}
	if _, err := db.MaskScanBacklog(ctx); err != nil {
		return applied, fmt.Errorf("mask stored scan text: %w", err)
	}
	return applied, nil
}

// Writer returns the single writer connection pool, which River's SQLite
// driver must share so that jobs are inserted in the store's transactions.
func (db *DB) Writer() *sql.DB { return db.write }

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.read.Close(), db.write.Close())
}
