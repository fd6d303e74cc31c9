package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.ShipmentService = (*DB)(nil)

// CreateShipment implements trail.ShipmentService.
func (db *DB) CreateShipment(ctx context.Context, brandID int64, orderNo string, s *trail.Shipment) (created bool, err error) {
	if err := s.Validate(); err != nil {
		return false, err
	}
	err = db.transact(ctx, func(tx *Tx) error {
		// Lock the order so that two parcels cannot both take the last
		// unshipped bottles.
		var orderID int64
		if err := tx.queryRow(ctx, `SELECT id FROM orders WHERE brand_id = ? AND order_no = ?`+tx.d.ForUpdate,
			brandID, orderNo).Scan(&orderID); err != nil {
			return err
		}
		order, err := db.loadOrder(ctx, tx, brandID, orderNo)
		if err != nil {
			return err
		}
		existing, err := loadShipments(ctx, tx, orderID)
		if err != nil {
			return err
		}
		for _, e := range existing {
			if e.Carrier == s.Carrier && e.TrackingNo == s.TrackingNo {
				if !sameItems(e.Items, s.Items) {
					return &trail.Error{Code: trail.ECONFLICT, Field: "items",
						Message: fmt.Sprintf("parcel %s %s already exists with other items", s.Carrier, s.TrackingNo)}
				}
				*s = *e
				return nil
			}
		}
		// The items of a returned parcel are back with the brand: they may
		// go out again.
		items, err := trail.AllocateItems(order, trail.ShippedQuantities(existing), s.Items)
		if err != nil {
			return err
		}
		if err := checkCompliance(ctx, tx, brandID, s); err != nil {
			return err
		}
		s.OrderNo, s.Items, s.Status, s.CreatedAt = orderNo, items, trail.StatusCreated, tx.now
		err = tx.queryRow(ctx, `INSERT INTO shipments (brand_id, order_id, carrier, tracking_no, status, sub_status, leg, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, '', 0, ?, ?) RETURNING id`,
			brandID, orderID, s.Carrier, s.TrackingNo, string(s.Status), tx.t(tx.now), tx.t(tx.now)).Scan(&s.ID)
		if tx.d.IsUniqueViolation(err) {
			return &trail.Error{Code: trail.ECONFLICT, Field: "tracking_no",
				Message: fmt.Sprintf("tracking number %s of %s already belongs to another order", s.TrackingNo, s.Carrier)}
		} else if err != nil {
			return fmt.Errorf("insert shipment: %w", err)
		}
		for _, it := range items {
			if _, err := tx.exec(ctx, `INSERT INTO shipment_items (shipment_id, order_item_id, quantity) VALUES (?, ?, ?)`,
				s.ID, it.ItemID, it.Quantity); err != nil {
				return fmt.Errorf("insert shipment item: %w", err)
			}
		}
		created = true
		if err := finishBatches(ctx, tx, brandID, order, s); err != nil {
			return err
		}
		if err := db.assignProvider(ctx, tx, brandID, s); err != nil {
			return err
		}
		if err := db.shipmentCreated(ctx, tx, brandID, orderID, s, len(existing)+1); err != nil {
			return err
		}
		return scheduleEvaluation(ctx, tx, orderID)
	})
	if err != nil {
		return false, fmt.Errorf("create shipment %s %s: %w", s.Carrier, s.TrackingNo, err)
	}
	return created, nil
}

// finishBatches records, on each batch of the parcel's items that is not
// done, that its goods shipped (trail.ShippedEvent): goods leave only
// finished, so the batch is done for every order waiting on it.
func finishBatches(ctx context.Context, tx *Tx, brandID int64, order *trail.Order, s *trail.Shipment) error {
	var batchNos []string
	for _, si := range s.Items {
		for _, it := range order.Items {
			if it.ID == si.ItemID && it.BatchNo != "" && !slices.Contains(batchNos, it.BatchNo) {
				batchNos = append(batchNos, it.BatchNo)
			}
		}
	}
	for _, no := range batchNos {
		b, err := loadBatch(ctx, tx, brandID, no)
		if errors.Is(err, sql.ErrNoRows) {
			continue // never planned: nothing to finish
		} else if err != nil {
			return err
		}
		if b.Done() {
			continue
		}
		e := trail.ShippedEvent(s)
		if _, err := tx.exec(ctx, `INSERT INTO batch_events (batch_id, stage, state, at, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (batch_id, stage, state, at) DO NOTHING`, b.ID, string(e.Stage), e.State, tx.t(e.At), e.Reason, tx.t(tx.now)); err != nil {
			return fmt.Errorf("finish batch %s: %w", no, err)
		}
		if err := touchOrdersOfBatch(ctx, tx, brandID, no); err != nil {
			return err
		}
	}
	return nil
}

// sameItems compares a stored parcel's contents with a request, by SKU.
func sameItems(stored, want []trail.ShipmentItem) bool {
	count := func(items []trail.ShipmentItem) map[string]int {
		m := map[string]int{}
		for _, it := range items {
			m[it.SKU] += it.Quantity
		}
		return m
	}
	a, b := count(stored), count(want)
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// eventColumns are the columns of tracking_events that hold a CarrierEvent.
const eventColumns = `time, status, sub_status, raw_code, description, location, area_code, external_id, source`

// Ingest implements trail.ShipmentService.
func (db *DB) Ingest(ctx context.Context, brandID int64, carrier, trackingNo string, events []trail.CarrierEvent) (*trail.IngestResult, error) {
	if len(events) > trail.MaxEventsPerPush {
		return nil, trail.Invalid("events", "at most %d events per call", trail.MaxEventsPerPush)
	}
	byPrint := make(map[string]*trail.CarrierEvent, len(events))
	var prints []string // first occurrence order
	for i := range events {
		e := &events[i]
		e.Normalize()
		if err := e.Validate(fmt.Sprintf("events[%d]", i)); err != nil {
			return nil, err
		}
		fp := e.Fingerprint()
		if _, dup := byPrint[fp]; !dup {
			byPrint[fp] = e
			prints = append(prints, fp)
		}
	}
	res := &trail.IngestResult{}
	err := db.transact(ctx, func(tx *Tx) error {
		s := &trail.Shipment{Carrier: carrier, TrackingNo: trackingNo}
		var orderID int64
		err := tx.queryRow(ctx, `SELECT s.id, s.order_id, o.order_no, s.status, s.sub_status, s.leg, s.created_at
			FROM shipments s JOIN orders o ON o.id = s.order_id
			WHERE s.brand_id = ? AND s.carrier = ? AND s.tracking_no = ?`+tx.d.ForUpdate, brandID, carrier, trackingNo).
			Scan(&s.ID, &orderID, &s.OrderNo, &s.Status, &s.SubStatus, &s.Leg, scanTime(&s.CreatedAt))
		if err == sql.ErrNoRows {
			return trail.Errorf(trail.ENOTFOUND, "No parcel %s %s.", carrier, trackingNo)
		} else if err != nil {
			return fmt.Errorf("find shipment: %w", err)
		}
		res.Previous, res.Shipment = s.Status, s
		inserted, err := insertEvents(ctx, tx, s.ID, prints, byPrint)
		if err != nil {
			return err
		}
		res.New, res.Duplicates = len(inserted), len(events)-len(inserted)
		for _, fp := range prints {
			if e := byPrint[fp]; inserted[fp] && e.Status == trail.StatusUnknown {
				res.UnknownCodes = append(res.UnknownCodes, e.RawCode)
			}
		}
		if len(inserted) == 0 {
			return nil
		}
		all, err := loadEvents(ctx, tx, s.ID)
		if err != nil {
			return err
		}
		st := trail.DeriveShipmentState(all)
		prevSub, prevLeg := s.SubStatus, s.Leg
		s.Status, s.SubStatus, s.Leg, s.LastEventAt, s.DeliveredAt = st.Status, st.SubStatus, st.Leg, st.LastEventAt, st.DeliveredAt
		if _, err := tx.exec(ctx, `UPDATE shipments SET status = ?, sub_status = ?, leg = ?, last_event_at = ?, delivered_at = ?, updated_at = ?
			WHERE id = ?`, string(s.Status), s.SubStatus, s.Leg, tx.nt(s.LastEventAt), tx.nt(s.DeliveredAt), tx.t(tx.now), s.ID); err != nil {
			return fmt.Errorf("update shipment: %w", err)
		}
		if s.Status != res.Previous || s.SubStatus != prevSub || s.Leg != prevLeg {
			if err := db.statusChanged(ctx, tx, brandID, orderID, s, all); err != nil {
				return err
			}
		}
		return scheduleEvaluation(ctx, tx, orderID)
	})
	if err != nil {
		return nil, fmt.Errorf("ingest %s %s: %w", carrier, trackingNo, err)
	}
	return res, nil
}

// insertEvents stores the events whose fingerprints the shipment lacks, in
// one statement per chunk, and returns the fingerprints it stored.
func insertEvents(ctx context.Context, tx *Tx, shipmentID int64, prints []string, byPrint map[string]*trail.CarrierEvent) (map[string]bool, error) {
	const perRow = 12
	const chunk = 500 // 6,000 parameters, well inside both engines' limits
	inserted := map[string]bool{}
	for start := 0; start < len(prints); start += chunk {
		part := prints[start:min(start+chunk, len(prints))]
		var q strings.Builder
		q.WriteString(`INSERT INTO tracking_events (shipment_id, fingerprint, received_at, ` + eventColumns + `) VALUES `)
		args := make([]any, 0, len(part)*perRow)
		for i, fp := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(" + placeholders(perRow) + ")")
			e := byPrint[fp]
			args = append(args, shipmentID, fp, tx.t(tx.now), tx.t(e.Time), string(e.Status), e.SubStatus, e.RawCode,
				e.Description, e.Location, e.AreaCode, e.ExternalID, e.Source)
		}
		q.WriteString(` ON CONFLICT (shipment_id, fingerprint) DO NOTHING RETURNING fingerprint`)
		rows, err := tx.query(ctx, q.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("insert events: %w", err)
		}
		for rows.Next() {
			var fp string
			if err := rows.Scan(&fp); err != nil {
				rows.Close()
				return nil, err
			}
			inserted[fp] = true
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("insert events: %w", err)
		}
	}
	return inserted, nil
}

// loadEvents reads a shipment's events, newest first.
func loadEvents(ctx context.Context, tx *Tx, shipmentID int64) ([]trail.TrackingEvent, error) {
	rows, err := tx.query(ctx, `SELECT id, fingerprint, received_at, `+eventColumns+`
		FROM tracking_events WHERE shipment_id = ? ORDER BY time DESC, id DESC`, shipmentID)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer rows.Close()
	var out []trail.TrackingEvent
	for rows.Next() {
		var e trail.TrackingEvent
		if err := rows.Scan(&e.ID, &e.Fingerprint, scanTime(&e.ReceivedAt), scanTime(&e.Time), &e.Status, &e.SubStatus,
			&e.RawCode, &e.Description, &e.Location, &e.AreaCode, &e.ExternalID, &e.Source); err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// loadShipments reads an order's parcels, oldest first, with their items and
// events.
func loadShipments(ctx context.Context, tx *Tx, orderID int64) ([]*trail.Shipment, error) {
	rows, err := tx.query(ctx, `SELECT s.id, o.order_no, s.carrier, s.tracking_no, s.status, s.sub_status, s.leg,
		s.created_at, s.last_event_at, s.delivered_at
		FROM shipments s JOIN orders o ON o.id = s.order_id WHERE s.order_id = ? ORDER BY s.id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("shipments: %w", err)
	}
	var out []*trail.Shipment
	byID := map[int64]*trail.Shipment{}
	for rows.Next() {
		s := &trail.Shipment{}
		if err := rows.Scan(&s.ID, &s.OrderNo, &s.Carrier, &s.TrackingNo, &s.Status, &s.SubStatus, &s.Leg,
			scanTime(&s.CreatedAt), scanNullTime(&s.LastEventAt), scanNullTime(&s.DeliveredAt)); err != nil {
			rows.Close()
			return nil, fmt.Errorf("shipments: %w", err)
		}
		out = append(out, s)
		byID[s.ID] = s
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("shipments: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	rows, err = tx.query(ctx, `SELECT si.shipment_id, si.order_item_id, i.sku, si.quantity
		FROM shipment_items si JOIN order_items i ON i.id = si.order_item_id
		JOIN shipments s ON s.id = si.shipment_id WHERE s.order_id = ? ORDER BY si.shipment_id, i.line`, orderID)
	if err != nil {
		return nil, fmt.Errorf("shipment items: %w", err)
	}
	for rows.Next() {
		var sid int64
		var it trail.ShipmentItem
		if err := rows.Scan(&sid, &it.ItemID, &it.SKU, &it.Quantity); err != nil {
			rows.Close()
			return nil, fmt.Errorf("shipment items: %w", err)
		}
		byID[sid].Items = append(byID[sid].Items, it)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("shipment items: %w", err)
	}
	for _, s := range out {
		if s.Events, err = loadEvents(ctx, tx, s.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}
