package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.NotificationService = (*DB)(nil)

// newKey returns a random idempotency key with a prefix: "msg_…".
func newKey(prefix string) string { return prefix + "_" + strings.ToLower(rand.Text()) }

// notifySettings reads a brand's policy over the defaults and its channel
// accounts (opened).
func (db *DB) notifySettings(ctx context.Context, tx *Tx, brandID int64) (trail.NotifySettings, map[trail.Channel]trail.NotifyChannel, error) {
	s := trail.DefaultNotifySettings()
	chans := map[trail.Channel]trail.NotifyChannel{}
	var raw string
	var sealed []byte
	err := tx.queryRow(ctx, `SELECT settings, channels FROM notify_settings WHERE brand_id = ?`, brandID).Scan(&raw, &sealed)
	if isNoRows(err) {
		return s, chans, nil
	} else if err != nil {
		return s, nil, fmt.Errorf("notify settings: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return s, nil, fmt.Errorf("notify settings: %w", err)
	}
	if sealed != nil {
		plain, err := db.sealer.Open(sealed)
		if err != nil {
			return s, nil, fmt.Errorf("open channels: %w", err)
		}
		if err := json.Unmarshal([]byte(plain), &chans); err != nil {
			return s, nil, fmt.Errorf("channels: %w", err)
		}
	}
	return s, chans, nil
}

// NotifySettings implements trail.NotificationService.
func (db *DB) NotifySettings(ctx context.Context, brandID int64) (trail.NotifySettings, []trail.NotifyChannel, error) {
	var s trail.NotifySettings
	var out []trail.NotifyChannel
	err := db.snapshot(ctx, func(tx *Tx) error {
		var chans map[trail.Channel]trail.NotifyChannel
		var err error
		if s, chans, err = db.notifySettings(ctx, tx, brandID); err != nil {
			return err
		}
		for _, c := range chans {
			fields := map[string]string{}
			for k, v := range c.Credentials {
				if !strings.Contains(k, "secret") && k != "password" {
					fields[k] = v
				}
			}
			out = append(out, trail.NotifyChannel{Channel: c.Channel, BaseURL: c.BaseURL, Credentials: fields})
		}
		slices.SortFunc(out, func(a, b trail.NotifyChannel) int { return strings.Compare(string(a.Channel), string(b.Channel)) })
		return nil
	})
	return s, out, err
}

// putNotify writes a brand's policy row.
func (db *DB) putNotify(ctx context.Context, tx *Tx, brandID int64, s trail.NotifySettings, chans map[trail.Channel]trail.NotifyChannel) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	plain, err := json.Marshal(chans)
	if err != nil {
		return err
	}
	sealed, err := db.sealer.Seal(string(plain))
	if err != nil {
		return fmt.Errorf("seal channels: %w", err)
	}
	_, err = tx.exec(ctx, `INSERT INTO notify_settings (brand_id, settings, channels, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (brand_id) DO UPDATE SET settings = excluded.settings, channels = excluded.channels, updated_at = excluded.updated_at`,
		brandID, string(raw), sealed, tx.t(tx.now))
	return err
}

// PutNotifySettings implements trail.NotificationService.
func (db *DB) PutNotifySettings(ctx context.Context, brandID int64, s trail.NotifySettings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		_, chans, err := db.notifySettings(ctx, tx, brandID)
		if err != nil {
			return err
		}
		return db.putNotify(ctx, tx, brandID, s, chans)
	})
}

// PutNotifyChannel implements trail.NotificationService.
func (db *DB) PutNotifyChannel(ctx context.Context, brandID int64, c trail.NotifyChannel) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		s, chans, err := db.notifySettings(ctx, tx, brandID)
		if err != nil {
			return err
		}
		chans[c.Channel] = c
		return db.putNotify(ctx, tx, brandID, s, chans)
	})
}

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

// recordNotice writes a notice in the change's transaction, once per
// onceKey, and queues the order's notifier after the brand's merge window.
// Without a job queue (store tests) the notice waits for one.
func (db *DB) recordNotice(ctx context.Context, tx *Tx, brandID, orderID, shipmentID int64, kind trail.NoticeKind, detail, onceKey string) error {
	res, err := tx.exec(ctx, `INSERT INTO notices (brand_id, order_id, shipment_id, kind, detail, once_key, state, created_at)
		VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (brand_id, once_key) DO NOTHING`,
		brandID, orderID, nullID(shipmentID), string(kind), detail, onceKey, tx.t(tx.now))
	if err != nil {
		return fmt.Errorf("record notice: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 || db.Jobs == nil {
		return nil
	}
	s, _, err := db.notifySettings(ctx, tx, brandID)
	if err != nil {
		return err
	}
	runAt := tx.now.Add(time.Duration(s.MergeMinutes) * time.Minute)
	if err := db.Jobs.InsertTx(ctx, tx.tx, trail.NotifyJob{OrderID: orderID}, runAt); err != nil {
		return fmt.Errorf("queue notifier: %w", err)
	}
	return nil
}

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

// orderConfirmed records the notices and webhook of a new order: its
// expected ship window, from the SKU lead times and batch plans.
func (db *DB) orderConfirmed(ctx context.Context, tx *Tx, brandID int64, o *trail.Order) error {
	skus, err := loadSKUs(ctx, tx, brandID, o.Items)
	if err != nil {
		return err
	}
	window := ""
	if o.PromisedShipBy != nil {
		window = chinaDate(*o.PromisedShipBy) + " 前"
	} else {
		est := trail.LaneEstimator{}.EstimateOrder(&trail.OrderGraph{Order: o, SKUs: skus}, nil, tx.now)
		var lo, hi trail.Date
		for _, ie := range est.Items {
			if ie == nil || ie.Ship == nil {
				continue
			}
			p10, _, p90 := ie.Ship.Dates()
			if lo == "" || p10 < lo {
				lo = p10
			}
			hi = max(hi, p90)
		}
		if lo != "" {
			window = chinaDate(lo) + "–" + chinaDate(hi)
		}
	}
	if window != "" {
		if err := db.recordNotice(ctx, tx, brandID, o.ID, 0, trail.NoticeOrderConfirmed, window, fmt.Sprintf("o%d:confirmed", o.ID)); err != nil {
			return err
		}
	}
	return db.recordWebhook(ctx, tx, brandID, o.ID, trail.EventOrderUpdated, map[string]string{"order_no": o.OrderNo, "change": "created"})
}

func chinaDate(d trail.Date) string { return d.Start().Format("1月2日") }

// shipmentCreated records the notices and webhooks of a new parcel: shipped,
// and the split of the order once it has a second parcel.
func (db *DB) shipmentCreated(ctx context.Context, tx *Tx, brandID, orderID int64, s *trail.Shipment, parcels int) error {
	if err := db.recordNotice(ctx, tx, brandID, orderID, s.ID, trail.NoticeShipped, "", fmt.Sprintf("s%d:shipped", s.ID)); err != nil {
		return err
	}
	if parcels >= 2 {
		if err := db.recordNotice(ctx, tx, brandID, orderID, 0, trail.NoticeOrderSplit, fmt.Sprint(parcels), fmt.Sprintf("o%d:split", orderID)); err != nil {
			return err
		}
	}
	return db.recordWebhook(ctx, tx, brandID, orderID, trail.EventShipmentUpdated, shipmentData(s))
}

func shipmentData(s *trail.Shipment) map[string]string {
	return map[string]string{"order_no": s.OrderNo, "carrier": s.Carrier, "tracking_no": s.TrackingNo,
		"status": string(s.Status), "sub_status": s.SubStatus}
}

// statusChanged records the notices and webhook of a parcel whose status
// moved: each status is announced once per parcel and leg.
func (db *DB) statusChanged(ctx context.Context, tx *Tx, brandID, orderID int64, s *trail.Shipment, events []trail.TrackingEvent) error {
	kind, detail := trail.NoticeKind(""), ""
	switch s.Status {
	case trail.StatusOutForDelivery:
		kind = trail.NoticeOutForDelivery
	case trail.StatusAtPickupPoint:
		kind = trail.NoticeAtPickupPoint
		for _, e := range events { // newest first
			if e.Status == trail.StatusAtPickupPoint {
				detail = trail.PickupCode(e.ScanText())
				break
			}
		}
	case trail.StatusDelivered:
		kind = trail.NoticeDelivered
	case trail.StatusException, trail.StatusRefused, trail.StatusReturning:
		kind, detail = trail.NoticeException, trail.StatusNames[s.Status]
		if n, ok := trail.SubStatusNames[s.SubStatus]; ok {
			detail += "（" + n + "）"
		}
	}
	if kind != "" {
		if err := db.recordNotice(ctx, tx, brandID, orderID, s.ID, kind, detail, fmt.Sprintf("s%d:%d:%s", s.ID, s.Leg, s.Status)); err != nil {
			return err
		}
	}
	return db.recordWebhook(ctx, tx, brandID, orderID, trail.EventShipmentUpdated, shipmentData(s))
}

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
