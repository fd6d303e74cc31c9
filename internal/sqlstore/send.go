package sqlstore

// Sending a delivery: the task a sender needs (DeliveryTask) and the outcome of
// its attempt (RecordAttempt).

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// DeliveryTask implements trail.NotificationService.
func (db *DB) DeliveryTask(ctx context.Context, deliveryID int64) (*trail.DeliveryTask, error) {
	t := &trail.DeliveryTask{}
	err := db.transact(ctx, func(tx *Tx) error {
		var brandID, orderID sql.NullInt64
		var body []byte
		var batch sql.NullString
		var inFlight bool
		var err error
		var locked int64
		if err := tx.queryRow(ctx, `SELECT id FROM deliveries WHERE id = ?`+tx.d.ForUpdate, deliveryID).Scan(&locked); err != nil {
			return err
		}
		row := tx.queryRow(ctx, `SELECT `+deliveryColumns+`, d.brand_id, d.order_id, d.body, d.batch, d.in_flight`+deliveryFrom+` WHERE d.id = ?`, deliveryID)
		var d trail.Delivery
		if err = row.Scan(&d.ID, &d.Channel, &d.OrderNo, &d.Event, &d.EndpointID, &d.To, &d.IdempotencyKey, &d.State, &d.Attempts,
			&d.LastError, &d.Detail, scanTime(&d.CreatedAt), scanNullTime(&d.SentAt), &brandID, &orderID, &body, &batch, &inFlight); err != nil {
			return err
		}
		t.Delivery, t.Body, t.OrderID = &d, body, orderID.Int64
		if d.State != trail.DeliveryPending {
			return nil
		}
		t.PriorAttemptUnclear = inFlight || strings.HasPrefix(d.LastError, "unclear")
		if t.Brand, err = brandByID(ctx, tx, brandID.Int64); err != nil {
			return err
		}
		if d.Channel == trail.ChannelWebhook {
			if t.Endpoint, err = db.webhook(ctx, tx, brandID.Int64, d.EndpointID, ""); err != nil {
				return err
			}
		} else {
			_, chans, err := db.notifySettings(ctx, tx, brandID.Int64)
			if err != nil {
				return err
			}
			acct, ok := chans[d.Channel]
			if !ok {
				return trail.Errorf(trail.EINVALID, "The brand has no %s account any more.", d.Channel)
			}
			t.Account = &acct
			o, err := db.loadOrderByID(ctx, tx, brandID.Int64, orderID.Int64)
			if err != nil {
				return err
			}
			t.Contact = o.Customer
			if t.Notices, err = batchNotices(ctx, tx, batch.String); err != nil {
				return err
			}
			templates, err := noticeTemplates(ctx, tx, brandID.Int64)
			if err != nil {
				return err
			}
			t.Template = templates[leadKind(t.Notices)]
			if t.Link, err = buyerLink(ctx, tx, brandID.Int64, o); err != nil {
				return err
			}
		}
		_, err = tx.exec(ctx, `UPDATE deliveries SET attempts = attempts + 1, in_flight = ?, updated_at = ? WHERE id = ?`, true, tx.t(tx.now), deliveryID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delivery %d: %w", deliveryID, err)
	}
	t.Delivery.Attempts++
	return t, nil
}

// leadKind is the notice kind whose template words a merged message: the
// most pressing one.
func leadKind(ns []trail.Notice) trail.NoticeKind {
	order := []trail.NoticeKind{trail.NoticeException, trail.NoticeETALate, trail.NoticeAtPickupPoint, trail.NoticeDelivered,
		trail.NoticeOutForDelivery, trail.NoticeProductionDelayed, trail.NoticeOrderSplit, trail.NoticeShipped, trail.NoticeOrderConfirmed}
	for _, k := range order {
		for _, n := range ns {
			if n.Kind == k {
				return k
			}
		}
	}
	return trail.NoticeShipped
}

// batchNotices reads the notices of a dispatch, oldest first, with their
// parcels.
func batchNotices(ctx context.Context, tx *Tx, batch string) ([]trail.Notice, error) {
	rows, err := tx.query(ctx, `SELECT n.id, n.kind, n.detail, COALESCE(s.carrier, ''), COALESCE(s.tracking_no, ''), n.created_at
		FROM notices n LEFT JOIN shipments s ON s.id = n.shipment_id WHERE n.batch = ? ORDER BY n.id`, batch)
	if err != nil {
		return nil, err
	}
	var out []trail.Notice
	err = eachRow(rows, func() error {
		var n trail.Notice
		err := rows.Scan(&n.ID, &n.Kind, &n.Detail, &n.Carrier, &n.TrackingNo, scanTime(&n.CreatedAt))
		out = append(out, n)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// buyerLink returns the order's newest live buyer link, making one if there
// is none.
func buyerLink(ctx context.Context, tx *Tx, brandID int64, o *trail.Order) (*trail.Link, error) {
	l := &trail.Link{OrderNo: o.OrderNo, Kind: trail.LinkBuyer}
	err := tx.queryRow(ctx, `SELECT id, expires_at, created_at FROM links WHERE order_id = ? AND kind = ? AND revoked_at IS NULL
		AND expires_at > ? ORDER BY id DESC LIMIT 1`, o.ID, string(trail.LinkBuyer), tx.t(tx.now.Add(7*24*time.Hour))).
		Scan(&l.ID, scanTime(&l.ExpiresAt), scanTime(&l.CreatedAt))
	if err == nil {
		return l, nil
	} else if !isNoRows(err) {
		return nil, err
	}
	l.CreatedAt, l.ExpiresAt = tx.now, tx.now.Add(trail.DefaultLinkTTL).Truncate(time.Second)
	err = tx.queryRow(ctx, `INSERT INTO links (brand_id, order_id, kind, expires_at, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		brandID, o.ID, string(trail.LinkBuyer), tx.t(l.ExpiresAt), tx.t(l.CreatedAt)).Scan(&l.ID)
	return l, err
}

// RecordAttempt implements trail.NotificationService.
func (db *DB) RecordAttempt(ctx context.Context, deliveryID int64, a trail.Attempt) error {
	err := db.transact(ctx, func(tx *Tx) error {
		switch {
		case a.Sent:
			detail := ""
			if a.Receipt != nil {
				detail = a.Receipt.Detail
				if a.Receipt.ProviderID != "" {
					detail = strings.TrimSpace(detail + " id=" + a.Receipt.ProviderID)
				}
			}
			_, err := tx.exec(ctx, `UPDATE deliveries SET state = 'sent', in_flight = ?, detail = ?, last_error = '', sent_at = ?, updated_at = ? WHERE id = ?`,
				false, truncate(detail, 500), tx.t(tx.now), tx.t(tx.now), deliveryID)
			return err
		}
		kind := trail.FailureOf(a.Err)
		msg := truncate(kind.String()+": "+a.Err.Error(), 500)
		state := trail.DeliveryPending
		switch {
		case kind == trail.Permanent:
			state = trail.DeliveryFailed
		case a.Final:
			state = trail.DeliveryDead
		}
		if _, err := tx.exec(ctx, `UPDATE deliveries SET state = ?, in_flight = ?, last_error = ?, updated_at = ? WHERE id = ?`,
			state, kind == trail.Unclear, msg, tx.t(tx.now), deliveryID); err != nil {
			return err
		}
		if state == trail.DeliveryPending {
			return nil
		}
		var brandID int64
		var orderID sql.NullInt64
		var channel, key string
		if err := tx.queryRow(ctx, `SELECT brand_id, order_id, channel, idempotency_key FROM deliveries WHERE id = ?`, deliveryID).
			Scan(&brandID, &orderID, &channel, &key); err != nil {
			return err
		}
		if channel == string(trail.ChannelWebhook) {
			return nil // a failing endpoint is not told about its own failures
		}
		return db.recordWebhook(ctx, tx, brandID, orderID.Int64, trail.EventNotificationFailed,
			map[string]any{"delivery_id": deliveryID, "channel": channel, "idempotency_key": key, "state": state, "error": msg})
	})
	if err != nil {
		return fmt.Errorf("record attempt of delivery %d: %w", deliveryID, err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
