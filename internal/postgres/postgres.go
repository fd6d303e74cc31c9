// Package postgres is the scale-out store: the trail services on PostgreSQL
// through a native pgx pool.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/bottletrail/bottletrail/internal/sqlstore"
	"github.com/bottletrail/bottletrail/internal/trail"
)

//go:embed migration/*.sql
var migrations embed.FS

// Dialect describes PostgreSQL to the shared SQL.
var Dialect = sqlstore.Dialect{
	Name:           "postgres",
	NumberedParams: true,
	ForUpdate:      " FOR UPDATE",
	SkipLocked:     " FOR UPDATE SKIP LOCKED",
	ReadIsolation:  sql.LevelRepeatableRead,
	TimeArg:        func(t time.Time) any { return t.UTC() },
	IsUniqueViolation: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23505"
	},
}

// migrationLock serialises migrations of replicas that start together.
const migrationLock = `SELECT pg_advisory_xact_lock(7262021)`

// DB is the trail services on one PostgreSQL database.
type DB struct {
	*sqlstore.DB
	// Pool is the native pgx pool, for users such as the job queue.
	Pool *pgxpool.Pool
	// Applied names the migrations that Open applied.
	Applied []string
	sql     *sql.DB
}

// Open connects to the database at url (postgres://...; a search_path
// parameter selects a schema) and brings its schema up to date.
func Open(ctx context.Context, url string, sealer trail.Sealer) (*DB, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	db := &DB{DB: sqlstore.New(sqlDB, sqlDB, Dialect, sealer), Pool: pool, sql: sqlDB}
	if db.Applied, err = db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Migrate applies the embedded migrations not yet applied and returns their
// names, then masks the scan text stored before descriptions were masked
// (sqlstore.DB.MaskScanBacklog), which needs the key.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	files, err := fs.Sub(migrations, "migration")
	if err != nil {
		return nil, err
	}
	applied, err := sqlstore.Migrate(ctx, db.sql, Dialect, files, migrationLock)
	if err != nil {
		return nil, err
	}
	if _, err := db.MaskScanBacklog(ctx); err != nil {
		return applied, fmt.Errorf("mask stored scan text: %w", err)
	}
	return applied, nil
}

// SQL returns the database/sql view of the pool, whose transactions the
// store uses (and so must River's driver).
func (db *DB) SQL() *sql.DB { return db.sql }

// Close closes the pool.
func (db *DB) Close() error {
	err := db.sql.Close()
	db.Pool.Close()
	return err
}
