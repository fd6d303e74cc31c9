package sqlstore

// Notices: what an order's and its parcels' changes record for the consumer
// (and announce to the brand's webhooks), in the change's transaction.

import (
	"context"
	"fmt"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

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
