package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.SessionService = (*DB)(nil)

// CreateSession implements trail.SessionService.
func (db *DB) CreateSession(ctx context.Context, s *trail.Session) error {
	err := db.transact(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO sessions (id, user_id, brand_id, csrf_secret, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			s.TokenHash, s.UserID, s.BrandID, s.CSRFSecret, tx.t(s.CreatedAt), tx.t(s.LastSeenAt), tx.t(s.ExpiresAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("create session of user %d: %w", s.UserID, err)
	}
	return nil
}

// Session implements trail.SessionService.
func (db *DB) Session(ctx context.Context, token string) (*trail.Session, error) {
	s := &trail.Session{}
	err := db.read.QueryRowContext(ctx, db.d.Rebind(`SELECT id, user_id, brand_id, csrf_secret, created_at, last_seen_at, expires_at
		FROM sessions WHERE id = ?`), trail.HashSessionToken(token)).Scan(
		&s.TokenHash, &s.UserID, &s.BrandID, &s.CSRFSecret, scanTime(&s.CreatedAt), scanTime(&s.LastSeenAt), scanTime(&s.ExpiresAt))
	if err != nil {
		return nil, db.mapError(fmt.Errorf("find session: %w", err))
	}
	return s, nil
}

// TouchSession implements trail.SessionService.
func (db *DB) TouchSession(ctx context.Context, token string, at time.Time) error {
	err := db.transact(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, tx.t(at), trail.HashSessionToken(token))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return trail.Errorf(trail.ENOTFOUND, "session not found")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession implements trail.SessionService.
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	err := db.transact(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM sessions WHERE id = ?`, trail.HashSessionToken(token))
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions implements trail.SessionService.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) (int, error) {
	return db.deleteSessions(ctx, fmt.Sprintf("delete sessions of user %d", userID), `DELETE FROM sessions WHERE user_id = ?`, userID)
}

// DeleteExpiredSessions implements trail.SessionService.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	idle := now.Add(-trail.SessionIdleTimeout)
	return db.deleteSessions(ctx, "delete expired sessions", `DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?`,
		db.d.TimeArg(now), db.d.TimeArg(idle))
}

func (db *DB) deleteSessions(ctx context.Context, op, q string, args ...any) (int, error) {
	var n int64
	err := db.transact(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	return int(n), nil
}
