package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.OrderSearchService = (*DB)(nil)

// maxSearchExamined bounds the orders one search call examines when a
// status filter makes it check candidates one by one; past it the page
// ends early with a cursor to go on.
const maxSearchExamined = 2000

// statusChunk is how many candidates a status-filtered search examines
// per round trip.
const statusChunk = 200

// candidate is an order row a search examines before it decides to
// return it; personal data stays sealed until then.
type candidate struct {
	id                  int64
	orderNo             string
	custName, custPhone []byte
	recName, recPhone   []byte
	province, city      string
	occKind, occDate    sql.NullString
	cancelledAt         *time.Time
	createdAt           time.Time
	status              trail.OrderStatus
	carriers            []string
	parcels             int
}

// SearchOrders implements trail.OrderSearchService. The order status is
// derived, never stored: the query narrows candidates by what the status
// implies (cancelled or not, parcels or none, delivered or failing
// parcels), and each candidate's status is then derived exactly, a page
// of candidates at a time, as OrderGraph does.
func (db *DB) SearchOrders(ctx context.Context, brandID int64, s trail.OrderSearch) (*trail.OrderResults, error) {
	s.Normalize()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	chunk := s.Limit + 1
	if s.Status != "" {
		chunk = statusChunk
	}
	res := &trail.OrderResults{}
	var found []*candidate
	examined := 0
	plan := db.planSearch(brandID, s)
	err := db.snapshot(ctx, func(tx *Tx) error {
		var after *keyset
		if s.Cursor != "" {
			at, id, _ := trail.ParseSearchCursor(s.Cursor)
			after = &keyset{at, id}
		}
		for {
			q, args := plan.query(tx, after, chunk)
			batch, err := scanCandidates(tx.query(ctx, q, args...))
			if err != nil {
				return err
			}
			if err := deriveStatuses(ctx, tx, brandID, batch); err != nil {
				return err
			}
			for _, c := range batch {
				examined++
				if s.Status != "" && c.status != s.Status {
					continue
				}
				if len(found) == s.Limit {
					// One more match: the page is full and a next one
					// exists.
					res.NextCursor = cursorOf(found[len(found)-1])
					return nil
				}
				found = append(found, c)
			}
			if len(batch) < chunk {
				return nil // no more candidates
			}
			last := batch[len(batch)-1]
			if examined >= maxSearchExamined {
				// Stop here and let the next call go on.
				if len(found) == s.Limit {
					last = found[len(found)-1]
				}
				res.NextCursor = cursorOf(last)
				return nil
			}
			after = &keyset{last.createdAt, last.id}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("search orders: %w", err)
	}
	for _, c := range found {
		sum, err := db.summary(c)
		if err != nil {
			return nil, fmt.Errorf("search orders: %w", err)
		}
		res.Orders = append(res.Orders, sum)
	}
	return res, nil
}

// keyset is a position in the search order (created_at, id), newest
// first: a search goes on after it.
type keyset struct {
	at time.Time
	id int64
}

// candidateColumns are the columns scanCandidates reads.
const candidateColumns = `o.id, o.order_no, o.customer_name, o.customer_phone, o.recipient_name, o.recipient_phone,
	o.province, o.city, o.occasion_kind, o.occasion_date, o.cancelled_at, o.created_at`

// newestFirst orders candidates; paging is keyset paging on it, a row
// comparison that both engines bound their indexes with.
const newestFirst = ` ORDER BY o.created_at DESC, o.id DESC LIMIT ?`

// openAlertOrders are the IDs of the orders with an open alert: its order,
// or every order with an item of its batch. Two brand ID arguments.
const openAlertOrders = `SELECT a.order_id AS id FROM alerts a WHERE a.brand_id = ? AND a.resolved_at IS NULL AND a.order_id IS NOT NULL
	UNION SELECT i.order_id FROM alerts a JOIN batches b ON b.id = a.batch_id
	JOIN order_items i ON i.brand_id = b.brand_id AND i.batch_no = b.batch_no
	WHERE a.brand_id = ? AND a.resolved_at IS NULL`

// searchPlan is a search turned into SQL once, before its first chunk of
// candidates: the readings that drive it and the filters every candidate
// must pass.
//
// Text is read every way it could match — the order number, a parcel's
// tracking number, a phone number's keyed hash and a name's keyed hash —
// and each reading is its own subquery with every filter, walking its
// index newest first to the limit: indexes that end in (created_at, id)
// serve that order, so a name that thousands of orders carry costs a page,
// not thousands of rows. The union of each reading's first limit rows
// holds the first limit rows of all. Without text, open alerts (few)
// drive, joined with CROSS JOIN, which SQLite never reorders; other
// searches walk orders_created newest first.
type searchPlan struct {
	brandID  int64
	text     bool
	readings []reading
	filters  []string
	args     []any
}

// reading is one way of finding a search's orders: the tables it reads
// (orders always as o) and its condition, each with its arguments.
type reading struct {
	from     string
	fromArgs []any
	cond     string
	condArgs []any
}

func (db *DB) planSearch(brandID int64, s trail.OrderSearch) *searchPlan {
	p := &searchPlan{brandID: brandID, text: s.Q != ""}
	switch {
	case p.text:
		p.readings = []reading{{from: "orders o", cond: "o.order_no = ?", condArgs: []any{s.Q}}}
		if tn := trail.NormalizeTrackingNo(s.Q); len(tn) >= 6 {
			p.readings = append(p.readings, reading{from: "shipments p CROSS JOIN orders o",
				cond: "p.brand_id = ? AND p.tracking_no = ? AND o.id = p.order_id", condArgs: []any{brandID, tn}})
		}
		if phone, ok := trail.NormalizePhone(s.Q); ok {
			h := db.sealer.Hash(trail.HashPhone, phone)
			p.readings = append(p.readings, reading{from: "orders o", cond: "o.customer_phone_hash = ?", condArgs: []any{h}},
				reading{from: "orders o", cond: "o.recipient_phone_hash = ?", condArgs: []any{h}})
		}
		if name := trail.HashKeyName(s.Q); name != "" {
			h := db.sealer.Hash(trail.HashName, name)
			p.readings = append(p.readings, reading{from: "orders o", cond: "o.customer_name_hash = ?", condArgs: []any{h}},
				reading{from: "orders o", cond: "o.recipient_name_hash = ?", condArgs: []any{h}})
		}
		if s.HasOpenAlert {
			p.filter("o.id IN ("+openAlertOrders+")", brandID, brandID)
		}
	case s.HasOpenAlert:
		p.readings = []reading{{from: "(" + openAlertOrders + ") m CROSS JOIN orders o", fromArgs: []any{brandID, brandID}, cond: "o.id = m.id"}}
	default:
		p.readings = []reading{{from: "orders o"}}
	}
	if s.Status != "" {
		p.filter(statusPrefilter(s.Status))
	}
	if s.Carrier != "" {
		p.filter("EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id AND s.carrier = ?)", s.Carrier)
	}
	if s.CreatedFrom != nil {
		p.filter("o.created_at >= ?", db.d.TimeArg(s.CreatedFrom.Start()))
	}
	if s.CreatedTo != nil {
		p.filter("o.created_at < ?", db.d.TimeArg(s.CreatedTo.End()))
	}
	if s.OccasionWithinDays > 0 {
		today := db.Now().In(trail.ChinaTime)
		p.filter("o.occasion_date >= ? AND o.occasion_date <= ?",
			today.Format(time.DateOnly), today.AddDate(0, 0, s.OccasionWithinDays).Format(time.DateOnly))
	}
	return p
}

func (p *searchPlan) filter(cond string, args ...any) {
	p.filters, p.args = append(p.filters, cond), append(p.args, args...)
}

// query returns the query of the next limit candidates, newest first,
// after the given position (from the newest if nil).
func (p *searchPlan) query(tx *Tx, after *keyset, limit int) (string, []any) {
	filters, args := slices.Clip(p.filters), slices.Clip(p.args)
	if after != nil {
		filters, args = append(filters, "(o.created_at, o.id) < (?, ?)"), append(args, tx.t(after.at), after.id)
	}
	// sel selects cols of reading r's next limit orders.
	sel := func(cols string, r reading) (string, []any) {
		w := "o.brand_id = ?"
		if r.cond != "" {
			w += " AND " + r.cond
		}
		for _, f := range filters {
			w += " AND " + f
		}
		return `SELECT ` + cols + ` FROM ` + r.from + ` WHERE ` + w + newestFirst,
			slices.Concat(r.fromArgs, []any{p.brandID}, r.condArgs, args, []any{limit})
	}
	if !p.text {
		return sel(candidateColumns, p.readings[0])
	}
	parts := make([]string, len(p.readings))
	var all []any
	for i, r := range p.readings {
		// A compound SELECT takes ORDER BY and LIMIT only at its end:
		// each reading is wrapped in a subquery of its own.
		q, a := sel("o.id", r)
		parts[i], all = `SELECT id FROM (`+q+`) r`+strconv.Itoa(i), append(all, a...)
	}
	return `SELECT ` + candidateColumns + ` FROM (` + strings.Join(parts, " UNION ") + `) m CROSS JOIN orders o WHERE o.id = m.id` + newestFirst,
		append(all, limit)
}

// statusPrefilter narrows the candidates of a status to the orders that
// could have it; deriveStatuses decides exactly.
func statusPrefilter(st trail.OrderStatus) string {
	const (
		anyParcel = `EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id)`
		noParcel  = `NOT ` + anyParcel
	)
	switch st {
	case trail.OrderCancelled:
		return "o.cancelled_at IS NOT NULL"
	case trail.OrderDelivered, trail.OrderPartiallyDelivered:
		return `o.cancelled_at IS NULL AND EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id AND s.status = 'delivered')`
	case trail.OrderException:
		return `o.cancelled_at IS NULL AND EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id AND s.status IN ('exception', 'refused', 'returning'))`
	case trail.OrderReturned:
		return `o.cancelled_at IS NULL AND EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id AND s.status = 'returned')`
	case trail.OrderShipped, trail.OrderPartiallyShipped:
		return "o.cancelled_at IS NULL AND " + anyParcel
	case trail.OrderInProduction:
		return "o.cancelled_at IS NULL AND " + noParcel + ` AND EXISTS (SELECT 1 FROM order_items i
			JOIN batches b ON b.brand_id = i.brand_id AND b.batch_no = i.batch_no
			JOIN batch_events e ON e.batch_id = b.id WHERE i.order_id = o.id)`
	default: // ready_to_ship, pending
		return "o.cancelled_at IS NULL AND " + noParcel
	}
}

func scanCandidates(rows *sql.Rows, err error) ([]*candidate, error) {
	if err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	var out []*candidate
	err = eachRow(rows, func() error {
		c := &candidate{}
		out = append(out, c)
		return rows.Scan(&c.id, &c.orderNo, &c.custName, &c.custPhone, &c.recName, &c.recPhone,
			&c.province, &c.city, &c.occKind, &c.occDate, scanNullTime(&c.cancelledAt), scanTime(&c.createdAt))
	})
	if err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	return out, nil
}

// deriveStatuses sets the derived status, carriers and parcel count of
// each candidate, reading the items, parcels and batches of all of them
// in a fixed number of queries.
func deriveStatuses(ctx context.Context, tx *Tx, brandID int64, cs []*candidate) error {
	if len(cs) == 0 {
		return nil
	}
	orders := make(map[int64]*trail.Order, len(cs))
	ids := make([]any, len(cs))
	for i, c := range cs {
		orders[c.id] = &trail.Order{ID: c.id, CancelledAt: c.cancelledAt}
		ids[i] = c.id
	}
	in := "(" + placeholders(len(ids)) + ")"

	batchNos := map[string]bool{}
	var items []trail.Item // of every candidate, for their SKUs
	err := queryEach(ctx, tx, `SELECT order_id, id, sku, quantity, batch_no FROM order_items WHERE order_id IN `+in+` ORDER BY order_id, line`, ids,
		func(rows *sql.Rows) error {
			var orderID int64
			var it trail.Item
			var batch sql.NullString
			if err := rows.Scan(&orderID, &it.ID, &it.SKU, &it.Quantity, &batch); err != nil {
				return err
			}
			it.BatchNo = batch.String
			if it.BatchNo != "" {
				batchNos[it.BatchNo] = true
			}
			orders[orderID].Items = append(orders[orderID].Items, it)
			items = append(items, it)
			return nil
		})
	if err != nil {
		return fmt.Errorf("items: %w", err)
	}

	shipments := map[int64][]*trail.Shipment{} // by order ID
	byID := map[int64]*trail.Shipment{}
	err = queryEach(ctx, tx, `SELECT order_id, id, carrier, status FROM shipments WHERE order_id IN `+in+` ORDER BY id`, ids,
		func(rows *sql.Rows) error {
			var orderID int64
			s := &trail.Shipment{}
			if err := rows.Scan(&orderID, &s.ID, &s.Carrier, &s.Status); err != nil {
				return err
			}
			shipments[orderID] = append(shipments[orderID], s)
			byID[s.ID] = s
			return nil
		})
	if err != nil {
		return fmt.Errorf("shipments: %w", err)
	}
	if len(byID) > 0 {
		err = queryEach(ctx, tx, `SELECT si.shipment_id, si.order_item_id, si.quantity FROM shipment_items si
			JOIN shipments s ON s.id = si.shipment_id WHERE s.order_id IN `+in, ids,
			func(rows *sql.Rows) error {
				var sid int64
				var it trail.ShipmentItem
				if err := rows.Scan(&sid, &it.ItemID, &it.Quantity); err != nil {
					return err
				}
				byID[sid].Items = append(byID[sid].Items, it)
				return nil
			})
		if err != nil {
			return fmt.Errorf("shipment items: %w", err)
		}
	}

	skus, err := loadSKUs(ctx, tx, brandID, items)
	if err != nil {
		return err
	}
	batches, err := loadBatches(ctx, tx, brandID, batchNos)
	if err != nil {
		return err
	}
	for _, c := range cs {
		o := orders[c.id]
		var bs []*trail.Batch
		for _, it := range o.Items {
			if b := batches[it.BatchNo]; b != nil && !slices.Contains(bs, b) {
				bs = append(bs, b)
			}
		}
		c.status = trail.DeriveOrderStatus(o, skus, bs, shipments[c.id])
		c.parcels = len(shipments[c.id])
		for _, s := range shipments[c.id] {
			if !slices.Contains(c.carriers, s.Carrier) {
				c.carriers = append(c.carriers, s.Carrier)
			}
		}
	}
	return nil
}

// loadBatches reads the named batches of a brand with their plans and
// events, in three queries.
func loadBatches(ctx context.Context, tx *Tx, brandID int64, batchNos map[string]bool) (map[string]*trail.Batch, error) {
	out := map[string]*trail.Batch{}
	if len(batchNos) == 0 {
		return out, nil
	}
	args := []any{brandID}
	for no := range batchNos {
		args = append(args, no)
	}
	byID := map[int64]*trail.Batch{}
	err := queryEach(ctx, tx, `SELECT id, batch_no, sku FROM batches WHERE brand_id = ? AND batch_no IN (`+placeholders(len(batchNos))+`)`, args,
		func(rows *sql.Rows) error {
			b := &trail.Batch{Plan: map[trail.Stage]trail.Date{}}
			if err := rows.Scan(&b.ID, &b.BatchNo, &b.SKU); err != nil {
				return err
			}
			out[b.BatchNo], byID[b.ID] = b, b
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("batches: %w", err)
	}
	if len(byID) == 0 {
		return out, nil
	}
	ids := make([]any, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	in := "(" + placeholders(len(ids)) + ")"
	err = queryEach(ctx, tx, `SELECT batch_id, stage, planned_date FROM batch_plan WHERE batch_id IN `+in, ids,
		func(rows *sql.Rows) error {
			var id int64
			var stage, date string
			if err := rows.Scan(&id, &stage, &date); err != nil {
				return err
			}
			byID[id].Plan[trail.Stage(stage)] = trail.Date(date)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("batch plans: %w", err)
	}
	err = queryEach(ctx, tx, `SELECT batch_id, stage, state, at FROM batch_events WHERE batch_id IN `+in+` ORDER BY at, id`, ids,
		func(rows *sql.Rows) error {
			var id int64
			var e trail.BatchEvent
			var stage string
			if err := rows.Scan(&id, &stage, &e.State, scanTime(&e.At)); err != nil {
				return err
			}
			e.Stage = trail.Stage(stage)
			byID[id].Events = append(byID[id].Events, e)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("batch events: %w", err)
	}
	return out, nil
}

// queryEach runs a query in tx and calls fn for every row (eachRow).
func queryEach(ctx context.Context, tx *Tx, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return err
	}
	return eachRow(rows, func() error { return fn(rows) })
}

func cursorOf(c *candidate) string { return trail.SearchCursor(c.createdAt, c.id) }

// summary opens the personal data of one result and masks it.
func (db *DB) summary(c *candidate) (*trail.OrderSummary, error) {
	sum := &trail.OrderSummary{
		OrderNo: c.orderNo, Province: c.province, City: c.city, Status: c.status,
		Carriers: c.carriers, Parcels: c.parcels, CreatedAt: c.createdAt,
	}
	if c.occKind.Valid {
		sum.Occasion = &trail.Occasion{Kind: c.occKind.String, Date: trail.Date(c.occDate.String)}
	}
	mask := func(name, phone []byte) (trail.MaskedContact, error) {
		n, err := db.sealer.Open(name)
		if err != nil {
			return trail.MaskedContact{}, fmt.Errorf("open order %s: %w", c.orderNo, err)
		}
		p, err := db.sealer.Open(phone)
		if err != nil {
			return trail.MaskedContact{}, fmt.Errorf("open order %s: %w", c.orderNo, err)
		}
		return trail.MaskedContact{Name: trail.MaskName(n), Phone: trail.MaskPhone(p)}, nil
	}
	var err error
	if sum.Customer, err = mask(c.custName, c.custPhone); err != nil {
		return nil, err
	}
	if c.recName != nil {
		r, err := mask(c.recName, c.recPhone)
		if err != nil {
			return nil, err
		}
		sum.Recipient = &r
	}
	return sum, nil
}
