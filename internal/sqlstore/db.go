// Package sqlstore implements the trail services in SQL shared by both
// engines. The sqlite and postgres packages open a connection, run their own
// migrations and describe their dialect; every query lives here once.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Dialect is what differs between the SQL engines.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// NumberedParams rewrites ? placeholders to $1, $2, ...
	NumberedParams bool
	// ForUpdate is appended to a SELECT that locks the rows it reads.
	ForUpdate string
	// SkipLocked is appended to a SELECT that claims rows other workers
	// have not locked.
	SkipLocked string
	// ReadIsolation is the isolation of read-only transactions that read a
	// whole order graph from one snapshot.
	ReadIsolation sql.IsolationLevel
	// TimeArg converts an instant to the engine's column representation.
	TimeArg func(time.Time) any
	// IsUniqueViolation reports whether err is a unique-constraint violation.
	IsUniqueViolation func(error) bool
}

// DB implements the trail services on one SQL database. Writes go through
// Write; reads that need no transaction through Read, which may be a
// separate pool (SQLite has one writer connection and many readers).
type DB struct {
	write, read *sql.DB
	d           Dialect
	sealer      trail.Sealer
	// Jobs, if set, queues durable jobs with the changes that cause them.
	Jobs JobInserter
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// New returns the trail services on the given pools. write and read may be
// the same pool.
func New(write, read *sql.DB, d Dialect, sealer trail.Sealer) *DB {
	return &DB{write: write, read: read, d: d, sealer: sealer, Now: time.Now}
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", db.d.Name, err)
	}
	return nil
}

// Rebind rewrites ? placeholders for engines that number them ($1, $2,
// ...). The queries it is given have no literal question mark.
func (d Dialect) Rebind(q string) string {
	if !d.NumberedParams {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Tx is a transaction with the dialect's placeholders and the time it began.
type Tx struct {
	tx  *sql.Tx
	d   Dialect
	now time.Time
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.d.Rebind(q), args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.d.Rebind(q), args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.d.Rebind(q), args...)
}

// t converts an instant for this engine.
func (tx *Tx) t(t time.Time) any { return tx.d.TimeArg(t) }

// nt converts an optional instant for this engine.
func (tx *Tx) nt(t *time.Time) any {
	if t == nil {
		return nil
	}
	return tx.d.TimeArg(*t)
}

// transact runs fn in a write transaction and commits it if fn succeeds.
func (db *DB) transact(ctx context.Context, fn func(*Tx) error) (err error) {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, d: db.d, now: db.Now().UTC()}
	defer func() {
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return db.mapError(err)
	}
	if err := sqlTx.Commit(); err != nil {
		return db.mapError(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// snapshot runs fn in a read-only transaction on the read pool, so that
// everything it reads comes from one snapshot.
func (db *DB) snapshot(ctx context.Context, fn func(*Tx) error) error {
	sqlTx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: db.d.ReadIsolation})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer sqlTx.Rollback()
	if err := fn(&Tx{tx: sqlTx, d: db.d, now: db.Now().UTC()}); err != nil {
		return db.mapError(err)
	}
	return nil
}

// mapError turns the engine's errors into application errors: no rows is
// ENOTFOUND, a unique violation ECONFLICT. Application errors pass as they
// are.
func (db *DB) mapError(err error) error {
	var e *trail.Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, sql.ErrNoRows):
		return trail.Errorf(trail.ENOTFOUND, "Not found.")
	case db.d.IsUniqueViolation(err):
		return trail.Errorf(trail.ECONFLICT, "It already exists.")
	}
	return err
}

// timeScan scans an instant stored by either engine: PostgreSQL returns
// time.Time, SQLite the text that TimeArg wrote.
type timeScan struct{ dst **time.Time }

// Scan implements sql.Scanner.
func (s timeScan) Scan(v any) error {
	var t time.Time
	switch v := v.(type) {
	case nil:
		*s.dst = nil
		return nil
	case time.Time:
		t = v
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("scan time from %T", v)
	}
	t = t.UTC()
	*s.dst = &t
	return nil
}

func (s timeScan) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("scan time: %w", err)
	}
	t = t.UTC()
	*s.dst = &t
	return nil
}

// scanTime scans a NOT NULL instant into dst.
func scanTime(dst *time.Time) sql.Scanner { return timeInto{dst} }

type timeInto struct{ dst *time.Time }

func (s timeInto) Scan(v any) error {
	var p *time.Time
	if err := (timeScan{&p}).Scan(v); err != nil {
		return err
	}
	if p == nil {
		return errors.New("scan time: unexpected NULL")
	}
	*s.dst = *p
	return nil
}

// scanNullTime scans an optional instant into dst.
func scanNullTime(dst **time.Time) sql.Scanner { return timeScan{dst} }

// nullString returns nil for "", so optional text is NULL in the database.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// placeholders returns "?, ?, ?" for n parameters.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// isNoRows reports whether err says a query found no row.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
