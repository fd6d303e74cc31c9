package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.AuditService = (*DB)(nil)

// RecordAudit implements trail.AuditService. The audit log is
// append-only: this package has no UPDATE or DELETE of it, and the
// schema's triggers refuse them.
func (db *DB) RecordAudit(ctx context.Context, e *trail.AuditEntry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	err := db.transact(ctx, func(tx *Tx) error {
		return db.recordAudit(ctx, tx, e)
	})
	if err != nil {
		return fmt.Errorf("record audit %s: %w", e.Action, err)
	}
	return nil
}

// recordAudit appends e within tx, so that a change and its audit entry
// commit together.
func (db *DB) recordAudit(ctx context.Context, tx *Tx, e *trail.AuditEntry) error {
	var userID any
	if e.UserID != 0 {
		userID = e.UserID
	}
	e.At = tx.now
	return tx.queryRow(ctx, `INSERT INTO audit_log (brand_id, user_id, actor, action, target, reason, at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.BrandID, userID, e.Actor, e.Action, e.Target, e.Reason, tx.t(e.At)).Scan(&e.ID)
}

// AuditLog implements trail.AuditService.
func (db *DB) AuditLog(ctx context.Context, brandID int64, f trail.AuditFilter) ([]*trail.AuditEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	where, args := []string{"brand_id = ?"}, []any{brandID}
	if f.Target != "" {
		where, args = append(where, "target = ?"), append(args, f.Target)
	}
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.UserID != 0 {
		where, args = append(where, "user_id = ?"), append(args, f.UserID)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, db.d.TimeArg(f.Since))
	}
	if f.BeforeID != 0 {
		where, args = append(where, "id < ?"), append(args, f.BeforeID)
	}
	args = append(args, f.Limit)
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(`SELECT id, brand_id, user_id, actor, action, target, reason, at
		FROM audit_log WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	var out []*trail.AuditEntry
	err = eachRow(rows, func() error {
		e := &trail.AuditEntry{}
		var userID sql.NullInt64
		if err := rows.Scan(&e.ID, &e.BrandID, &userID, &e.Actor, &e.Action, &e.Target, &e.Reason, scanTime(&e.At)); err != nil {
			return err
		}
		e.UserID = userID.Int64
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}
