package sqlstore

// A brand's notice templates, over the defaults.

import (
	"context"
	"fmt"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// noticeTemplates reads a brand's templates over the defaults.
func noticeTemplates(ctx context.Context, tx *Tx, brandID int64) (map[trail.NoticeKind]trail.NoticeTemplate, error) {
	out := trail.DefaultNoticeTemplates()
	rows, err := tx.query(ctx, `SELECT kind, subject, text FROM notice_templates WHERE brand_id = ?`, brandID)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	err = eachRow(rows, func() error {
		var t trail.NoticeTemplate
		err := rows.Scan(&t.Kind, &t.Subject, &t.Text)
		out[t.Kind] = t
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	return out, nil
}

// NoticeTemplates implements trail.NotificationService.
func (db *DB) NoticeTemplates(ctx context.Context, brandID int64) (map[trail.NoticeKind]trail.NoticeTemplate, error) {
	var out map[trail.NoticeKind]trail.NoticeTemplate
	err := db.snapshot(ctx, func(tx *Tx) (err error) {
		out, err = noticeTemplates(ctx, tx, brandID)
		return err
	})
	return out, err
}

// PutNoticeTemplate implements trail.NotificationService.
func (db *DB) PutNoticeTemplate(ctx context.Context, brandID int64, t trail.NoticeTemplate) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO notice_templates (brand_id, kind, subject, text, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (brand_id, kind) DO UPDATE SET subject = excluded.subject, text = excluded.text, updated_at = excluded.updated_at`,
			brandID, string(t.Kind), t.Subject, t.Text, tx.t(tx.now))
		return err
	})
}
