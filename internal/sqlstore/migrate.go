package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// Migrate applies, in one transaction, every file NNNN_name.up.sql of files
// not yet recorded in schema_migrations. lockSQL, if any, runs first in that
// transaction so that concurrent starts migrate once. It returns the names
// it applied.
func Migrate(ctx context.Context, db *sql.DB, d Dialect, files fs.FS, lockSQL string) (applied []string, err error) {
	names, err := fs.Glob(files, "*.up.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	slices.Sort(names)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin migrations: %w", err)
	}
	defer tx.Rollback()
	if lockSQL != "" {
		if _, err := tx.ExecContext(ctx, lockSQL); err != nil {
			return nil, fmt.Errorf("lock migrations: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	done := map[string]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	err = eachRow(rows, func() error {
		var name string
		err := rows.Scan(&name)
		done[name] = true
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	for _, name := range names {
		version := strings.TrimSuffix(name, ".up.sql")
		if done[version] {
			continue
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return nil, fmt.Errorf("migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO schema_migrations (name) VALUES (?)`), version); err != nil {
			return nil, fmt.Errorf("record migration %s: %w", name, err)
		}
		applied = append(applied, version)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit migrations: %w", err)
	}
	return applied, nil
}
