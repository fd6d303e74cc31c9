package sqlstore

import (
	"cmp"
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
		existing, err := db.loadShipments(ctx, tx, orderID)
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

// eventColumns are the columns of tracking_events that hold a CarrierEvent,
// its description masked, and the carrier's own text sealed.
const eventColumns = `time, status, sub_status, raw_code, description, location, area_code, external_id, source, description_sealed`

// Ingest implements trail.ShipmentService.
func (db *DB) Ingest(ctx context.Context, brandID int64, carrier, trackingNo string, events []trail.CarrierEvent) (*trail.IngestResult, error) {
	if err := prepareEvents("events", events); err != nil {
		return nil, err
	}
	var res *trail.IngestResult
	err := db.transact(ctx, func(tx *Tx) error {
		p, err := findParcel(ctx, tx, brandID, trackingNo, []string{carrier})
		if isNoRows(err) {
			return trail.Errorf(trail.ENOTFOUND, "No parcel %s %s.", trail.Clip(carrier), trail.Clip(trackingNo))
		} else if err != nil {
			return err
		}
		res, err = db.ingest(ctx, tx, brandID, p, events)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ingest %s %s: %w", carrier, trackingNo, err)
	}
	return res, nil
}

// Apply implements trail.ShipmentService.
func (db *DB) Apply(ctx context.Context, brandID int64, updates []trail.TrackUpdate) ([]trail.Applied, error) {
	for i := range updates {
		if err := prepareEvents(fmt.Sprintf("updates[%d].events", i), updates[i].Events); err != nil {
			return nil, err
		}
	}
	out := make([]trail.Applied, len(updates))
	err := db.transact(ctx, func(tx *Tx) error {
		for i := range updates {
			u := &updates[i]
			a, err := db.apply(ctx, tx, brandID, u)
			if err != nil {
				return fmt.Errorf("%s %s: %w", u.Carrier, u.TrackingNo, err)
			}
			out[i] = a
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("apply tracking updates: %w", err)
	}
	return out, nil
}

// apply does, in tx, what one provider update says of its parcel.
func (db *DB) apply(ctx context.Context, tx *Tx, brandID int64, u *trail.TrackUpdate) (trail.Applied, error) {
	ch := u.Change()
	a := trail.Applied{Carrier: u.Carrier, TrackingNo: u.TrackingNo}
	p, err := findParcel(ctx, tx, brandID, u.TrackingNo, ch.Carriers)
	if isNoRows(err) {
		return a, nil
	} else if err != nil {
		return a, err
	}
	a.Found = true
	if ch.CorrectTo != "" && !trail.SameCarrierFamily(p.s.Carrier, ch.CorrectTo) {
		if err := correctCarrier(ctx, tx, p.s.ID, p.s.Carrier, ch.CorrectTo, trail.CorrectionReason); err != nil {
			return a, err
		}
		p.s.Carrier, a.Corrected = ch.CorrectTo, true
	}
	a.Carrier = p.s.Carrier
	if len(u.Events) > 0 {
		if a.Result, err = db.ingest(ctx, tx, brandID, p, u.Events); err != nil {
			return a, err
		}
	}
	if ch.Stop != "" {
		if err := stopTracking(ctx, tx, p.s.ID, ch.Stop); err != nil {
			return a, err
		}
		a.Stopped = true
		if ch.ResubscribeAfter > 0 {
			at := tx.now.Add(ch.ResubscribeAfter)
			if err := db.resubscribe(ctx, tx, p.s.ID, at); err != nil {
				return a, err
			}
			a.ResubscribeAt = &at
		}
	}
	return a, nil
}

// prepareEvents normalises and validates the events of one call of the
// ingestion core; field names them.
func prepareEvents(field string, events []trail.CarrierEvent) error {
	if len(events) > trail.MaxEventsPerPush {
		return trail.Invalid(field, "at most %d events per call", trail.MaxEventsPerPush)
	}
	for i := range events {
		events[i].Normalize()
		if err := events[i].Validate(fmt.Sprintf("%s[%d]", field, i)); err != nil {
			return err
		}
	}
	return nil
}

// parcel is a shipment locked for ingestion, with its order's id.
type parcel struct {
	s       *trail.Shipment
	orderID int64
}

// findParcel locks the brand's parcel with the tracking number under the
// first of carriers that has one; sql.ErrNoRows if none does.
func findParcel(ctx context.Context, tx *Tx, brandID int64, trackingNo string, carriers []string) (*parcel, error) {
	args := []any{brandID, trackingNo}
	for _, c := range carriers {
		args = append(args, c)
	}
	rows, err := tx.query(ctx, `SELECT s.id, s.order_id, o.order_no, s.carrier, s.tracking_no, s.status, s.sub_status, s.leg,
		s.created_at, s.last_event_at, s.delivered_at
		FROM shipments s JOIN orders o ON o.id = s.order_id
		WHERE s.brand_id = ? AND s.tracking_no = ? AND s.carrier IN (`+placeholders(len(carriers))+`)`+tx.d.ForUpdate, args...)
	if err != nil {
		return nil, fmt.Errorf("find shipment: %w", err)
	}
	var found []*parcel
	err = eachRow(rows, func() error {
		p := &parcel{s: &trail.Shipment{}}
		found = append(found, p)
		return rows.Scan(&p.s.ID, &p.orderID, &p.s.OrderNo, &p.s.Carrier, &p.s.TrackingNo, &p.s.Status, &p.s.SubStatus, &p.s.Leg,
			scanTime(&p.s.CreatedAt), scanNullTime(&p.s.LastEventAt), scanNullTime(&p.s.DeliveredAt))
	})
	if err != nil {
		return nil, fmt.Errorf("find shipment: %w", err)
	}
	for _, c := range carriers {
		for _, p := range found {
			if p.s.Carrier == c {
				return p, nil
			}
		}
	}
	return nil, sql.ErrNoRows
}

// ingest is the ingestion core, in tx: it stores the events, normalised
// and valid, that the parcel lacks (trail.FreshEvents), refuses any that
// would take it past trail.MaxEventsPerParcel, and recomputes its status.
// The result's Shipment is p's, updated.
func (db *DB) ingest(ctx context.Context, tx *Tx, brandID int64, p *parcel, events []trail.CarrierEvent) (*trail.IngestResult, error) {
	s := p.s
	res := &trail.IngestResult{Previous: s.Status, Shipment: s}
	stored, err := db.loadEvents(ctx, tx, s.ID)
	if err != nil {
		return nil, err
	}
	// The incoming events in their stored form: text masked, the carrier's
	// own text sealed where masking changed it (kept as Unmasked for the
	// notices this change may write).
	incoming := make([]trail.TrackingEvent, len(events))
	sealed := map[string][]byte{} // fingerprint → the carrier's own text, sealed
	for i, e := range events {
		fp, sl, err := trail.SealScan(&e, db.sealer)
		if err != nil {
			return nil, err
		}
		incoming[i] = trail.TrackingEvent{CarrierEvent: e, Fingerprint: fp}
		if sl != nil {
			incoming[i].Unmasked, sealed[fp] = events[i].Description, sl
		}
	}
	fresh := trail.FreshEvents(stored, incoming)
	if len(fresh) > 0 && len(stored)+len(fresh) > trail.MaxEventsPerParcel {
		return nil, trail.Invalid("events", "parcel %s %s holds %d events; %d more would pass the maximum of %d per parcel",
			s.Carrier, s.TrackingNo, len(stored), len(fresh), trail.MaxEventsPerParcel)
	}
	if err := insertEvents(ctx, tx, s.ID, fresh, sealed); err != nil {
		return nil, err
	}
	res.New, res.Duplicates = len(fresh), len(events)-len(fresh)
	for _, e := range fresh {
		if e.Status == trail.StatusUnknown {
			res.UnknownCodes = append(res.UnknownCodes, e.RawCode)
		}
	}
	if len(fresh) == 0 {
		return res, nil
	}
	all := append(stored, fresh...)
	slices.SortFunc(all, func(a, b trail.TrackingEvent) int { // newest first, as loadEvents reads them
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	st := trail.DeriveShipmentState(all)
	prevSub, prevLeg := s.SubStatus, s.Leg
	s.Status, s.SubStatus, s.Leg, s.LastEventAt, s.DeliveredAt = st.Status, st.SubStatus, st.Leg, st.LastEventAt, st.DeliveredAt
	if _, err := tx.exec(ctx, `UPDATE shipments SET status = ?, sub_status = ?, leg = ?, last_event_at = ?, delivered_at = ?, updated_at = ?
		WHERE id = ?`, string(s.Status), s.SubStatus, s.Leg, tx.nt(s.LastEventAt), tx.nt(s.DeliveredAt), tx.t(tx.now), s.ID); err != nil {
		return nil, fmt.Errorf("update shipment: %w", err)
	}
	if s.Status != res.Previous || s.SubStatus != prevSub || s.Leg != prevLeg {
		if err := db.statusChanged(ctx, tx, brandID, p.orderID, s, all); err != nil {
			return nil, err
		}
	}
	return res, scheduleEvaluation(ctx, tx, p.orderID)
}

// insertEvents stores events, one statement per chunk, setting their IDs
// and received time, with the carrier's own text sealed by fingerprint
// where masking changed it. The caller holds the shipment's row lock and
// passes only events the shipment lacks, in their stored form.
func insertEvents(ctx context.Context, tx *Tx, shipmentID int64, events []trail.TrackingEvent, sealed map[string][]byte) error {
	const perRow = 13
	const chunk = 500 // 6,000 parameters, well inside both engines' limits
	for start := 0; start < len(events); start += chunk {
		part := events[start:min(start+chunk, len(events))]
		var q strings.Builder
		q.WriteString(`INSERT INTO tracking_events (shipment_id, fingerprint, received_at, ` + eventColumns + `) VALUES `)
		args := make([]any, 0, len(part)*perRow)
		byPrint := make(map[string]*trail.TrackingEvent, len(part))
		for i := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(" + placeholders(perRow) + ")")
			e := &part[i]
			e.ReceivedAt = tx.now
			byPrint[e.Fingerprint] = e
			args = append(args, shipmentID, e.Fingerprint, tx.t(tx.now), tx.t(e.Time), string(e.Status), e.SubStatus, e.RawCode,
				e.Description, e.Location, e.AreaCode, e.ExternalID, e.Source, sealed[e.Fingerprint])
		}
		q.WriteString(` RETURNING id, fingerprint`)
		rows, err := tx.query(ctx, q.String(), args...)
		if err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
		err = eachRow(rows, func() error {
			var id int64
			var fp string
			if err := rows.Scan(&id, &fp); err != nil {
				return err
			}
			byPrint[fp].ID = id
			return nil
		})
		if err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
	}
	return nil
}

// loadEvents reads a shipment's events, newest first, with the carrier's
// own text opened where it was sealed.
func (db *DB) loadEvents(ctx context.Context, tx *Tx, shipmentID int64) ([]trail.TrackingEvent, error) {
	rows, err := tx.query(ctx, `SELECT id, fingerprint, received_at, `+eventColumns+`
		FROM tracking_events WHERE shipment_id = ? ORDER BY time DESC, id DESC`, shipmentID)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	var out []trail.TrackingEvent
	err = eachRow(rows, func() error {
		var e trail.TrackingEvent
		var sealed []byte
		if err := rows.Scan(&e.ID, &e.Fingerprint, scanTime(&e.ReceivedAt), scanTime(&e.Time), &e.Status, &e.SubStatus,
			&e.RawCode, &e.Description, &e.Location, &e.AreaCode, &e.ExternalID, &e.Source, &sealed); err != nil {
			return err
		}
		if sealed != nil {
			var err error
			if e.Unmasked, err = db.sealer.Open(sealed); err != nil {
				return fmt.Errorf("event %d: open scan text: %w", e.ID, err)
			}
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return out, nil
}

// loadShipments reads an order's parcels, oldest first, with their items and
// events.
func (db *DB) loadShipments(ctx context.Context, tx *Tx, orderID int64) ([]*trail.Shipment, error) {
	rows, err := tx.query(ctx, `SELECT s.id, o.order_no, s.carrier, s.tracking_no, s.status, s.sub_status, s.leg,
		s.created_at, s.last_event_at, s.delivered_at
		FROM shipments s JOIN orders o ON o.id = s.order_id WHERE s.order_id = ? ORDER BY s.id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("shipments: %w", err)
	}
	var out []*trail.Shipment
	byID := map[int64]*trail.Shipment{}
	err = eachRow(rows, func() error {
		s := &trail.Shipment{}
		if err := rows.Scan(&s.ID, &s.OrderNo, &s.Carrier, &s.TrackingNo, &s.Status, &s.SubStatus, &s.Leg,
			scanTime(&s.CreatedAt), scanNullTime(&s.LastEventAt), scanNullTime(&s.DeliveredAt)); err != nil {
			return err
		}
		out = append(out, s)
		byID[s.ID] = s
		return nil
	})
	if err != nil {
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
	err = eachRow(rows, func() error {
		var sid int64
		var it trail.ShipmentItem
		if err := rows.Scan(&sid, &it.ItemID, &it.SKU, &it.Quantity); err != nil {
			return err
		}
		byID[sid].Items = append(byID[sid].Items, it)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("shipment items: %w", err)
	}
	for _, s := range out {
		if s.Events, err = db.loadEvents(ctx, tx, s.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}
