package sqlstore

// Deliveries: queueing webhook events and messages, listing them, and replaying
// the failed ones.

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// newKey returns a random idempotency key with a prefix: "msg_…".
func newKey(prefix string) string { return prefix + "_" + strings.ToLower(rand.Text()) }

// webhookEvent is the body of a webhook delivery: Standard Webhooks' type,
// timestamp and data. It holds no personal data.
type webhookEvent struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	Data      any    `json:"data"`
}

// recordWebhook queues event for every live endpoint of the brand
// subscribed to it, in the change's transaction.
func (db *DB) recordWebhook(ctx context.Context, tx *Tx, brandID int64, orderID int64, event string, data any) error {
	rows, err := tx.query(ctx, `SELECT id, url, events FROM webhook_endpoints WHERE brand_id = ? AND deleted_at IS NULL`, brandID)
	if err != nil {
		return fmt.Errorf("webhook endpoints: %w", err)
	}
	type target struct {
		id  int64
		url string
	}
	var targets []target
	err = eachRow(rows, func() error {
		var t target
		var events string
		if err := rows.Scan(&t.id, &t.url, &events); err != nil {
			return err
		}
		if slices.Contains(strings.Split(events, ","), event) {
			targets = append(targets, t)
		}
		return nil
	})
	if err != nil || len(targets) == 0 {
		return err
	}
	body, err := json.Marshal(webhookEvent{Type: event, Timestamp: tx.now.Format(time.RFC3339), Data: data})
	if err != nil {
		return err
	}
	for _, t := range targets {
		if err := db.insertDelivery(ctx, tx, brandID, orderID, trail.ChannelWebhook, event, t.id, t.url, newKey("msg"), body, "", nil); err != nil {
			return err
		}
	}
	return nil
}

// insertDelivery writes a pending delivery and queues its job.
func (db *DB) insertDelivery(ctx context.Context, tx *Tx, brandID, orderID int64, ch trail.Channel, event string, endpointID int64,
	recipient, key string, body []byte, batch string, contactHash []byte) error {
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO deliveries (brand_id, order_id, channel, event, endpoint_id, recipient, idempotency_key, body,
		batch, contact_hash, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING id`,
		brandID, nullID(orderID), string(ch), event, nullID(endpointID), recipient, key, nullBytes(body), nullString(batch),
		nullBytes(contactHash), tx.t(tx.now), tx.t(tx.now)).Scan(&id)
	if err != nil {
		return fmt.Errorf("insert delivery: %w", err)
	}
	if db.Jobs != nil {
		if err := db.Jobs.InsertTx(ctx, tx.tx, trail.DeliverJob{DeliveryID: id}, time.Time{}); err != nil {
			return fmt.Errorf("queue delivery: %w", err)
		}
	}
	return nil
}

// deliveryColumns are the columns scanDelivery reads.
const deliveryColumns = `d.id, d.channel, COALESCE(o.order_no, ''), d.event, COALESCE(d.endpoint_id, 0), d.recipient, d.idempotency_key,
	d.state, d.attempts, d.last_error, d.detail, d.created_at, d.sent_at`

const deliveryFrom = ` FROM deliveries d LEFT JOIN orders o ON o.id = d.order_id`

func scanDelivery(row interface{ Scan(...any) error }) (*trail.Delivery, error) {
	d := &trail.Delivery{}
	err := row.Scan(&d.ID, &d.Channel, &d.OrderNo, &d.Event, &d.EndpointID, &d.To, &d.IdempotencyKey, &d.State, &d.Attempts,
		&d.LastError, &d.Detail, scanTime(&d.CreatedAt), scanNullTime(&d.SentAt))
	return d, err
}

// Deliveries implements trail.NotificationService.
func (db *DB) Deliveries(ctx context.Context, brandID int64, f trail.DeliveryFilter) ([]*trail.Delivery, error) {
	q, args := `SELECT `+deliveryColumns+deliveryFrom+` WHERE d.brand_id = ?`, []any{brandID}
	switch f.State {
	case "", trail.DeliveryPending, trail.DeliverySent, trail.DeliveryFailed, trail.DeliveryDead:
	default:
		return nil, trail.Invalid("state", "state must be pending, sent, failed or dead")
	}
	if f.State != "" {
		q += ` AND d.state = ?`
		args = append(args, f.State)
	}
	if f.Channel != "" {
		q += ` AND d.channel = ?`
		args = append(args, string(f.Channel))
	}
	if f.OrderNo != "" {
		q += ` AND o.order_no = ?`
		args = append(args, f.OrderNo)
	}
	if f.Before > 0 {
		q += ` AND d.id < ?`
		args = append(args, f.Before)
	}
	if f.Limit < 1 || f.Limit > trail.MaxDeliveryPage {
		return nil, trail.Invalid("limit", "limit must be between 1 and %d", trail.MaxDeliveryPage)
	}
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(q+` ORDER BY d.id DESC LIMIT ?`), append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("deliveries: %w", err)
	}
	var out []*trail.Delivery
	err = eachRow(rows, func() error {
		d, err := scanDelivery(rows)
		out = append(out, d)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("deliveries: %w", err)
	}
	return out, nil
}

// replay queues a failed or dead delivery again.
func (db *DB) replay(ctx context.Context, tx *Tx, id int64) error {
	if _, err := tx.exec(ctx, `UPDATE deliveries SET state = 'pending', attempts = 0, updated_at = ? WHERE id = ?`, tx.t(tx.now), id); err != nil {
		return err
	}
	if db.Jobs == nil {
		return nil
	}
	return db.Jobs.InsertTx(ctx, tx.tx, trail.DeliverJob{DeliveryID: id}, time.Time{})
}

// ReplayDelivery implements trail.NotificationService.
func (db *DB) ReplayDelivery(ctx context.Context, brandID, id int64) (*trail.Delivery, error) {
	var d *trail.Delivery
	err := db.transact(ctx, func(tx *Tx) error {
		var err error
		if d, err = scanDelivery(tx.queryRow(ctx, `SELECT `+deliveryColumns+deliveryFrom+` WHERE d.brand_id = ? AND d.id = ?`, brandID, id)); err != nil {
			return err
		}
		if d.State != trail.DeliveryFailed && d.State != trail.DeliveryDead {
			return trail.Errorf(trail.ECONFLICT, "Delivery %d is %s; only failed or dead deliveries are replayed.", id, d.State)
		}
		if err := db.replay(ctx, tx, id); err != nil {
			return err
		}
		d.State, d.Attempts = trail.DeliveryPending, 0
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("replay delivery %d: %w", id, err)
	}
	return d, nil
}

// ReplayFailed implements trail.NotificationService.
func (db *DB) ReplayFailed(ctx context.Context, brandID int64) (int, error) {
	n := 0
	err := db.transact(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT id FROM deliveries WHERE brand_id = ? AND state IN ('failed', 'dead') ORDER BY id`, brandID)
		if err != nil {
			return err
		}
		var ids []int64
		err = eachRow(rows, func() error {
			var id int64
			err := rows.Scan(&id)
			ids = append(ids, id)
			return err
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := db.replay(ctx, tx, id); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("replay failed deliveries: %w", err)
	}
	return n, nil
}
