package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.WebhookService = (*DB)(nil)

// CreateWebhook implements trail.WebhookService.
func (db *DB) CreateWebhook(ctx context.Context, brandID int64, e *trail.WebhookEndpoint) error {
	if err := e.Validate(); err != nil {
		return err
	}
	err := db.transact(ctx, func(tx *Tx) error {
		// Lock the brand, so that concurrent creations count one another.
		var id int64
		if err := tx.queryRow(ctx, `SELECT id FROM brands WHERE id = ?`+tx.d.ForUpdate, brandID).Scan(&id); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM webhook_endpoints WHERE brand_id = ? AND deleted_at IS NULL`, brandID).Scan(&n); err != nil {
			return err
		}
		if n >= trail.MaxWebhookEndpoints {
			return &trail.Error{Code: trail.ECONFLICT, Field: "url", Message: fmt.Sprintf(
				"已达到 %d 个 webhook 端点上限，请先删除一个 / a brand has at most %d webhook endpoints; delete one first",
				trail.MaxWebhookEndpoints, trail.MaxWebhookEndpoints)}
		}
		var dup int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM webhook_endpoints WHERE brand_id = ? AND url = ? AND deleted_at IS NULL`,
			brandID, e.URL).Scan(&dup); err != nil {
			return err
		}
		if dup > 0 {
			return &trail.Error{Code: trail.ECONFLICT, Field: "url", Message: "该 URL 已登记为 webhook 端点 / an endpoint with this url exists; subscribe it to more events instead"}
		}
		secret := trail.NewWebhookSecret()
		sealed, err := db.sealer.Seal(secret)
		if err != nil {
			return fmt.Errorf("seal secret: %w", err)
		}
		if err := tx.queryRow(ctx, `INSERT INTO webhook_endpoints (brand_id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			brandID, e.URL, strings.Join(e.Events, ","), sealed, tx.t(tx.now)).Scan(&e.ID); err != nil {
			return err
		}
		e.Secret, e.PreviousSecret, e.RotatedAt, e.CreatedAt = secret, "", nil, tx.now
		return nil
	})
	if err != nil {
		return fmt.Errorf("create webhook endpoint: %w", err)
	}
	return nil
}

const webhookColumns = `id, url, events, secret, previous_secret, rotated_at, created_at`

// scanWebhook reads an endpoint row and opens its secrets.
func (db *DB) scanWebhook(row interface{ Scan(...any) error }) (*trail.WebhookEndpoint, error) {
	var e trail.WebhookEndpoint
	var events string
	var secret, previous []byte
	if err := row.Scan(&e.ID, &e.URL, &events, &secret, &previous, scanNullTime(&e.RotatedAt), scanTime(&e.CreatedAt)); err != nil {
		return nil, err
	}
	e.Events = strings.Split(events, ",")
	var err error
	if e.Secret, err = db.sealer.Open(secret); err != nil {
		return nil, fmt.Errorf("open webhook secret: %w", err)
	}
	if previous != nil {
		if e.PreviousSecret, err = db.sealer.Open(previous); err != nil {
			return nil, fmt.Errorf("open previous webhook secret: %w", err)
		}
	}
	return &e, nil
}

func (db *DB) webhook(ctx context.Context, tx *Tx, brandID, id int64, lock string) (*trail.WebhookEndpoint, error) {
	return db.scanWebhook(tx.queryRow(ctx, `SELECT `+webhookColumns+` FROM webhook_endpoints
		WHERE brand_id = ? AND id = ? AND deleted_at IS NULL`+lock, brandID, id))
}

// Webhooks implements trail.WebhookService.
func (db *DB) Webhooks(ctx context.Context, brandID int64) ([]*trail.WebhookEndpoint, error) {
	var out []*trail.WebhookEndpoint
	err := db.snapshot(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+webhookColumns+` FROM webhook_endpoints
			WHERE brand_id = ? AND deleted_at IS NULL ORDER BY id`, brandID)
		if err != nil {
			return err
		}
		return eachRow(rows, func() error {
			e, err := db.scanWebhook(rows)
			out = append(out, e)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("webhook endpoints: %w", err)
	}
	return out, nil
}

// Webhook implements trail.WebhookService.
func (db *DB) Webhook(ctx context.Context, brandID, id int64) (*trail.WebhookEndpoint, error) {
	var e *trail.WebhookEndpoint
	err := db.snapshot(ctx, func(tx *Tx) (err error) {
		e, err = db.webhook(ctx, tx, brandID, id, "")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("webhook endpoint %d: %w", id, err)
	}
	return e, nil
}

// DeleteWebhook implements trail.WebhookService.
func (db *DB) DeleteWebhook(ctx context.Context, brandID, id int64) error {
	err := db.transact(ctx, func(tx *Tx) error {
		var got int64
		return tx.queryRow(ctx, `UPDATE webhook_endpoints SET deleted_at = ? WHERE brand_id = ? AND id = ? AND deleted_at IS NULL RETURNING id`,
			tx.t(tx.now), brandID, id).Scan(&got)
	})
	if err != nil {
		return fmt.Errorf("delete webhook endpoint %d: %w", id, err)
	}
	return nil
}

// RotateWebhookSecret implements trail.WebhookService.
func (db *DB) RotateWebhookSecret(ctx context.Context, brandID, id int64) (*trail.WebhookEndpoint, error) {
	var e *trail.WebhookEndpoint
	err := db.transact(ctx, func(tx *Tx) error {
		var err error
		if e, err = db.webhook(ctx, tx, brandID, id, tx.d.ForUpdate); err != nil {
			return err
		}
		secret := trail.NewWebhookSecret()
		sealed, err := db.sealer.Seal(secret)
		if err != nil {
			return fmt.Errorf("seal secret: %w", err)
		}
		previous, err := db.sealer.Seal(e.Secret)
		if err != nil {
			return fmt.Errorf("seal secret: %w", err)
		}
		if _, err := tx.exec(ctx, `UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, rotated_at = ? WHERE id = ?`,
			sealed, previous, tx.t(tx.now), e.ID); err != nil {
			return err
		}
		now := tx.now
		e.Secret, e.PreviousSecret, e.RotatedAt = secret, e.Secret, &now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rotate webhook secret %d: %w", id, err)
	}
	return e, nil
}
