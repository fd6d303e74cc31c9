package sqlstore

// Dispatching an order's pending notices: suppressed, held for later, or merged
// into one delivery per channel; and the consumer's opt-out.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// DispatchNotices implements trail.NotificationService.
func (db *DB) DispatchNotices(ctx context.Context, orderID int64, now time.Time) (time.Time, error) {
	var retryAt time.Time
	err := db.transact(ctx, func(tx *Tx) error {
		tx.now = now.UTC()
		var brandID int64
		var phoneHash []byte
		if err := tx.queryRow(ctx, `SELECT brand_id, customer_phone_hash FROM orders WHERE id = ?`+tx.d.ForUpdate, orderID).Scan(&brandID, &phoneHash); err != nil {
			return err
		}
		rows, err := tx.query(ctx, `SELECT id, kind, created_at FROM notices WHERE order_id = ? AND state = 'pending' ORDER BY id`, orderID)
		if err != nil {
			return err
		}
		var pending []trail.Notice
		err = eachRow(rows, func() error {
			var n trail.Notice
			err := rows.Scan(&n.ID, &n.Kind, scanTime(&n.CreatedAt))
			pending = append(pending, n)
			return err
		})
		if err != nil || len(pending) == 0 {
			return err
		}
		settings, chans, err := db.notifySettings(ctx, tx, brandID)
		if err != nil {
			return err
		}
		suppress := func(ns []trail.Notice, reason string) error {
			for _, n := range ns {
				if _, err := tx.exec(ctx, `UPDATE notices SET state = 'suppressed', reason = ? WHERE id = ?`, reason, n.ID); err != nil {
					return err
				}
			}
			return nil
		}
		var wanted, off, stale []trail.Notice
		for _, n := range pending {
			switch {
			case !settings.Sends(n.Kind):
				off = append(off, n)
			case now.Sub(n.CreatedAt) > trail.NoticeMaxAge:
				stale = append(stale, n)
			default:
				wanted = append(wanted, n)
			}
		}
		if err := suppress(off, "kind_off"); err != nil {
			return err
		}
		if err := suppress(stale, "stale"); err != nil {
			return err
		}
		if len(wanted) == 0 {
			return nil
		}
		var optedOut int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM opt_outs WHERE brand_id = ? AND contact_hash = ?`, brandID, phoneHash).Scan(&optedOut); err != nil {
			return err
		}
		var sentToday int
		dayStart := trail.Date(now.In(trail.ChinaTime).Format(time.DateOnly)).Start()
		if err := tx.queryRow(ctx, `SELECT COUNT(DISTINCT batch) FROM deliveries WHERE brand_id = ? AND contact_hash = ? AND created_at >= ?`,
			brandID, phoneHash, tx.t(dayStart)).Scan(&sentToday); err != nil {
			return err
		}
		plan := trail.PlanSend(settings, wanted, sentToday, optedOut > 0, now)
		switch {
		case plan.Reason == "opted_out":
			return suppress(wanted, plan.Reason)
		case !plan.Send:
			retryAt = plan.At
			return nil
		}
		o, err := db.loadOrderByID(ctx, tx, brandID, orderID)
		if err != nil {
			return err
		}
		batch := newKey("b")
		addresses := map[trail.Channel]string{
			trail.ChannelSMS: trail.MaskPhone(o.Customer.Phone), trail.ChannelWeChat: maskOpenID(o.Customer.WeChatOpenID),
			trail.ChannelEmail: maskEmail(o.Customer.Email),
		}
		kinds := make([]string, len(wanted))
		for i, n := range wanted {
			kinds[i] = string(n.Kind)
		}
		sent := 0
		for _, ch := range []trail.Channel{trail.ChannelSMS, trail.ChannelWeChat, trail.ChannelEmail} {
			if _, ok := chans[ch]; !ok || addresses[ch] == "" {
				continue
			}
			if err := db.insertDelivery(ctx, tx, brandID, orderID, ch, strings.Join(kinds, ","), 0, addresses[ch],
				batch+"-"+string(ch), nil, batch, phoneHash); err != nil {
				return err
			}
			sent++
		}
		if sent == 0 {
			return suppress(wanted, "no_channel")
		}
		for _, n := range wanted {
			if _, err := tx.exec(ctx, `UPDATE notices SET state = 'sent', batch = ? WHERE id = ?`, batch, n.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("dispatch notices of order %d: %w", orderID, err)
	}
	return retryAt, nil
}

func maskOpenID(s string) string {
	if len(s) < 8 {
		return s
	}
	return s[:4] + "…" + s[len(s)-4:]
}

func maskEmail(s string) string {
	user, domain, ok := strings.Cut(s, "@")
	if !ok || user == "" {
		return s
	}
	return user[:1] + "***@" + domain
}

// loadOrderByID reads an order by its id.
func (db *DB) loadOrderByID(ctx context.Context, tx *Tx, brandID, orderID int64) (*trail.Order, error) {
	var no string
	if err := tx.queryRow(ctx, `SELECT order_no FROM orders WHERE id = ? AND brand_id = ?`, orderID, brandID).Scan(&no); err != nil {
		return nil, err
	}
	return db.loadOrder(ctx, tx, brandID, no)
}

// OptOut implements trail.NotificationService.
func (db *DB) OptOut(ctx context.Context, brandID, orderID int64) error {
	err := db.transact(ctx, func(tx *Tx) error {
		var hash []byte
		if err := tx.queryRow(ctx, `SELECT customer_phone_hash FROM orders WHERE id = ? AND brand_id = ?`, orderID, brandID).Scan(&hash); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO opt_outs (brand_id, contact_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (brand_id, contact_hash) DO NOTHING`,
			brandID, hash, tx.t(tx.now))
		return err
	})
	if err != nil {
		return fmt.Errorf("opt out: %w", err)
	}
	return nil
}
