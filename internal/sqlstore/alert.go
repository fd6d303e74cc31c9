package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var (
	_ trail.AlertService      = (*DB)(nil)
	_ trail.EvaluationService = (*DB)(nil)
	_ trail.LaneService       = (*DB)(nil)
)

// EvaluationLease is how long a claimed order stays out of other
// evaluators' reach; an evaluator that dies mid-way loses its claim after it.
const EvaluationLease = 5 * time.Minute

// scheduleEvaluation puts an order on the evaluation schedule at once.
func scheduleEvaluation(ctx context.Context, tx *Tx, orderID int64) error {
	_, err := tx.exec(ctx, `UPDATE orders SET updated_at = ?, evaluate_at = ? WHERE id = ?`, tx.t(tx.now), tx.t(tx.now), orderID)
	if err != nil {
		return fmt.Errorf("schedule evaluation of order %d: %w", orderID, err)
	}
	return nil
}

// EvaluateDue implements trail.EvaluationService.
func (db *DB) EvaluateDue(ctx context.Context, now time.Time, n int) (int, error) {
	// The lease is written and compared as stored: whole milliseconds.
	lease := now.Add(EvaluationLease).UTC().Truncate(time.Millisecond)
	type claim struct{ id, brandID int64 }
	var claims []claim
	err := db.transact(ctx, func(tx *Tx) error {
		q := `UPDATE orders SET evaluate_at = ? WHERE id IN
			(SELECT id FROM orders WHERE evaluate_at <= ? ORDER BY evaluate_at LIMIT ?` + tx.d.SkipLocked + `) RETURNING id, brand_id`
		if tx.d.NumberedParams {
			// PostgreSQL plans "id IN (subquery)" on a large table as a
			// sequential scan; "= ANY(ARRAY(...))" keeps the index.
			q = `UPDATE orders SET evaluate_at = ? WHERE id = ANY(ARRAY
				(SELECT id FROM orders WHERE evaluate_at <= ? ORDER BY evaluate_at LIMIT ?` + tx.d.SkipLocked + `)) RETURNING id, brand_id`
		}
		rows, err := tx.query(ctx, q, tx.t(lease), tx.t(now), n)
		if err != nil {
			return err
		}
		return eachRow(rows, func() error {
			var c claim
			err := rows.Scan(&c.id, &c.brandID)
			claims = append(claims, c)
			return err
		})
	})
	if err != nil {
		return 0, fmt.Errorf("claim due evaluations: %w", err)
	}
	// RETURNING gives no order, and the plan decides the one it gives:
	// evaluate oldest orders first, so that alerts opened at one time are
	// numbered the same way on every engine and plan.
	slices.SortFunc(claims, func(a, b claim) int { return cmp.Compare(a.id, b.id) })
	var errs []error
	done := 0
	for _, c := range claims {
		err := db.transact(ctx, func(tx *Tx) error {
			tx.now = now.UTC()
			return db.evaluateOrder(ctx, tx, c.brandID, c.id, lease)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("evaluate order %d: %w", c.id, err))
			continue
		}
		done++
	}
	return done, errors.Join(errs...)
}

// evaluateOrder re-estimates an order, records the lane statistics of its
// newly delivered parcels, opens and resolves its alerts and schedules its
// next evaluation. lease is the schedule value of the claim: if a change
// moved it since, the change's request to evaluate again stands.
func (db *DB) evaluateOrder(ctx context.Context, tx *Tx, brandID, orderID int64, lease time.Time) error {
	var orderNo string
	if err := tx.queryRow(ctx, `SELECT order_no FROM orders WHERE id = ? AND brand_id = ?`, orderID, brandID).Scan(&orderNo); err != nil {
		return err
	}
	g, err := db.loadGraph(ctx, tx, brandID, orderNo)
	if err != nil {
		return err
	}
	if err := recordLanes(ctx, tx, brandID, g); err != nil {
		return err
	}
	if g.Lanes, err = loadLanes(ctx, tx, brandID, g); err != nil {
		return err
	}
	rules, err := alertRules(ctx, tx, brandID)
	if err != nil {
		return err
	}
	est := trail.LaneEstimator{}.EstimateOrder(g, nil, tx.now)
	if err := reviseETAs(ctx, tx, g, est); err != nil {
		return err
	}
	ev := trail.EvaluateOrder(g, rules, est, tx.now)
	if err := db.reconcileAlerts(ctx, tx, brandID, g, ev.Causes); err != nil {
		return err
	}
	_, err = tx.exec(ctx, `UPDATE orders SET evaluate_at = ? WHERE id = ? AND evaluate_at = ?`, tx.nt(ev.Next), orderID, tx.t(lease))
	return err
}

// recordLanes adds the durations of the order's delivered parcels not yet
// counted to the brand's lane statistics, once per parcel.
func recordLanes(ctx context.Context, tx *Tx, brandID int64, g *trail.OrderGraph) error {
	var samples []trail.LaneSample
	for _, s := range g.Shipments {
		if s.Status != trail.StatusDelivered {
			continue
		}
		var recorded bool
		if err := tx.queryRow(ctx, `SELECT lane_recorded FROM shipments WHERE id = ?`, s.ID).Scan(&recorded); err != nil {
			return fmt.Errorf("lane recorded: %w", err)
		}
		if recorded {
			continue
		}
		samples = append(samples, trail.LaneSamples(s, g.Order.Address.ProvinceCode)...)
		if _, err := tx.exec(ctx, `UPDATE shipments SET lane_recorded = ? WHERE id = ?`, true, s.ID); err != nil {
			return fmt.Errorf("lane recorded: %w", err)
		}
	}
	return addLaneSamples(ctx, tx, brandID, samples)
}

// AddLaneSamples implements trail.LaneService.
func (db *DB) AddLaneSamples(ctx context.Context, brandID int64, samples []trail.LaneSample) error {
	if err := db.transact(ctx, func(tx *Tx) error { return addLaneSamples(ctx, tx, brandID, samples) }); err != nil {
		return fmt.Errorf("add lane samples: %w", err)
	}
	return nil
}

// Lanes implements trail.LaneService.
func (db *DB) Lanes(ctx context.Context, brandID int64, carrier string) ([]*trail.LaneStats, error) {
	q, args := `SELECT metric, lane, counts FROM lane_stats WHERE brand_id = ?`, []any{brandID}
	if carrier != "" {
		q += ` AND lane LIKE ?`
		args = append(args, carrier+"|%")
	}
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(q+` ORDER BY samples DESC, lane, metric`), args...)
	if err != nil {
		return nil, fmt.Errorf("lanes: %w", err)
	}
	var out []*trail.LaneStats
	err = eachRow(rows, func() error {
		s, err := scanLane(rows)
		out = append(out, s)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanLane reads a lane_stats row of metric, lane and counts.
func scanLane(rows *sql.Rows) (*trail.LaneStats, error) {
	var metric, lane, counts string
	if err := rows.Scan(&metric, &lane, &counts); err != nil {
		return nil, fmt.Errorf("lanes: %w", err)
	}
	h, err := trail.ParseHistogram(counts)
	if err != nil {
		return nil, fmt.Errorf("lane %s: %w", lane, err)
	}
	parts := strings.SplitN(lane, "|", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("lane %q: want carrier|origin|dest", lane)
	}
	return &trail.LaneStats{Metric: trail.LaneMetric(metric), Lane: trail.Lane{Carrier: parts[0], Origin: parts[1], Dest: parts[2]}, Hist: h}, nil
}

// addLaneSamples counts samples at every level of trail.LaneKeys. Rows are
// read for update and written in key order, so concurrent evaluators cannot
// deadlock on them.
func addLaneSamples(ctx context.Context, tx *Tx, brandID int64, samples []trail.LaneSample) error {
	type key struct {
		metric trail.LaneMetric
		lane   string
	}
	add := map[key][]time.Duration{}
	for _, smp := range samples {
		for _, l := range trail.LaneKeys(smp.Lane) {
			k := key{smp.Metric, l.String()}
			add[k] = append(add[k], smp.Duration)
		}
	}
	keys := make([]key, 0, len(add))
	for k := range add {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int { return strings.Compare(string(a.metric)+"/"+a.lane, string(b.metric)+"/"+b.lane) })
	for _, k := range keys {
		var counts string
		err := tx.queryRow(ctx, `SELECT counts FROM lane_stats WHERE brand_id = ? AND metric = ? AND lane = ?`+tx.d.ForUpdate,
			brandID, string(k.metric), k.lane).Scan(&counts)
		if err != nil && !isNoRows(err) {
			return fmt.Errorf("lane %s: %w", k.lane, err)
		}
		h, err := trail.ParseHistogram(counts)
		if err != nil {
			return fmt.Errorf("lane %s: %w", k.lane, err)
		}
		for _, d := range add[k] {
			h.Add(d)
		}
		if _, err := tx.exec(ctx, `INSERT INTO lane_stats (brand_id, metric, lane, counts, samples, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (brand_id, metric, lane) DO UPDATE SET counts = excluded.counts, samples = excluded.samples, updated_at = excluded.updated_at`,
			brandID, string(k.metric), k.lane, h.String(), h.Total(), tx.t(tx.now)); err != nil {
			return fmt.Errorf("lane %s: %w", k.lane, err)
		}
	}
	return nil
}

// loadLanes reads the lane statistics an estimate of g may use.
func loadLanes(ctx context.Context, tx *Tx, brandID int64, g *trail.OrderGraph) (trail.LaneBook, error) {
	want := map[string]bool{}
	dest := g.Order.Address.ProvinceCode
	want[trail.Lane{Carrier: "*", Origin: "*", Dest: dest}.String()] = true
	for _, s := range g.Shipments {
		for _, l := range trail.LaneOf(s, dest).Fallbacks() {
			want[l.String()] = true
		}
	}
	args := []any{brandID}
	for k := range want {
		args = append(args, k)
	}
	rows, err := tx.query(ctx, `SELECT metric, lane, counts FROM lane_stats WHERE brand_id = ? AND lane IN (`+placeholders(len(want))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("lanes: %w", err)
	}
	book := trail.LaneBook{}
	err = eachRow(rows, func() error {
		st, err := scanLane(rows)
		if err != nil {
			return err
		}
		book.Put(st)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return book, nil
}

// reviseETAs records the order's and each parcel's estimate where it moved
// since the last revision.
func reviseETAs(ctx context.Context, tx *Tx, g *trail.OrderGraph, est trail.OrderEstimate) error {
	last := map[string]*trail.ETARevision{}
	for i := range g.ETAs {
		last[g.ETAs[i].Parcel] = &g.ETAs[i]
	}
	revise := func(parcel string, e *trail.Estimate) error {
		if e == nil || !e.Revises(last[parcel]) {
			return nil
		}
		_, err := tx.exec(ctx, `INSERT INTO eta_revisions (order_id, parcel, p10, p50, p90, confidence, basis, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			g.Order.ID, parcel, tx.t(e.P10), tx.t(e.P50), tx.t(e.P90), e.Confidence, e.Basis, tx.t(tx.now))
		if err != nil {
			return fmt.Errorf("revise eta: %w", err)
		}
		return nil
	}
	if err := revise("", est.Order); err != nil {
		return err
	}
	for _, s := range g.Shipments {
		key := trail.ParcelKey(s.Carrier, s.TrackingNo)
		if err := revise(key, est.Parcels[key]); err != nil {
			return err
		}
	}
	return nil
}

// loadETAs reads an order's recorded estimates, oldest first.
func loadETAs(ctx context.Context, tx *Tx, orderID int64) ([]trail.ETARevision, error) {
	rows, err := tx.query(ctx, `SELECT parcel, p10, p50, p90, confidence, basis, at FROM eta_revisions WHERE order_id = ? ORDER BY id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("eta revisions: %w", err)
	}
	var out []trail.ETARevision
	err = eachRow(rows, func() error {
		var r trail.ETARevision
		err := rows.Scan(&r.Parcel, scanTime(&r.P10), scanTime(&r.P50), scanTime(&r.P90), &r.Confidence, &r.Basis, scanTime(&r.At))
		out = append(out, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("eta revisions: %w", err)
	}
	return out, nil
}

// alertRules reads a brand's rules over the defaults.
func alertRules(ctx context.Context, tx *Tx, brandID int64) (trail.AlertRules, error) {
	rules := trail.DefaultAlertRules()
	rows, err := tx.query(ctx, `SELECT type, rule FROM alert_rules WHERE brand_id = ?`, brandID)
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	err = eachRow(rows, func() error {
		var typ, raw string
		if err := rows.Scan(&typ, &raw); err != nil {
			return err
		}
		var r trail.AlertRule
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			return fmt.Errorf("rule %s: %w", typ, err)
		}
		rules[trail.AlertType(typ)] = r
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	return rules, nil
}

// AlertRules implements trail.AlertService.
func (db *DB) AlertRules(ctx context.Context, brandID int64) (trail.AlertRules, error) {
	var rules trail.AlertRules
	err := db.snapshot(ctx, func(tx *Tx) (err error) {
		rules, err = alertRules(ctx, tx, brandID)
		return err
	})
	return rules, err
}

// RecentOrders bounds which orders a rule change re-evaluates: those not
// cancelled, on the schedule or changed within this span.
const RecentOrders = 90 * 24 * time.Hour

// PutAlertRule implements trail.AlertService.
func (db *DB) PutAlertRule(ctx context.Context, brandID int64, t trail.AlertType, r trail.AlertRule) error {
	if err := r.Validate(t); err != nil {
		return err
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	err = db.transact(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO alert_rules (brand_id, type, rule, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (brand_id, type) DO UPDATE SET rule = excluded.rule, updated_at = excluded.updated_at`,
			brandID, string(t), string(raw), tx.t(tx.now)); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE orders SET evaluate_at = ? WHERE brand_id = ? AND cancelled_at IS NULL
			AND (evaluate_at IS NOT NULL OR updated_at >= ?)`, tx.t(tx.now), brandID, tx.t(tx.now.Add(-RecentOrders)))
		return err
	})
	if err != nil {
		return fmt.Errorf("put alert rule %s: %w", t, err)
	}
	return nil
}

// storedAlert is what reconciliation needs of an alert row.
type storedAlert struct {
	id                  int64
	key                 string
	severity            string
	explanation         string
	resolved            bool
	resolvedBy          string
	held                bool
	shipmentID, batchID sql.NullInt64
}

// reconcileAlerts makes the alerts of an order match its causes: a new cause
// opens an alert; an open alert whose cause is gone resolves itself, unless
// a held cause (trail.AlertCause.Held) ever opened or updated it: that one
// waits for a person; a cause that comes back reopens its alert if it had
// resolved itself, but not if a person resolved it.
//
// Opening (or reopening) an alert sends alert.opened to the brand's
// webhooks, and a late ETA tells the consumer once; resolving sends
// alert.resolved.
func (db *DB) reconcileAlerts(ctx context.Context, tx *Tx, brandID int64, g *trail.OrderGraph, causes []trail.AlertCause) error {
	args := []any{brandID, g.Order.ID}
	batchFilter := ""
	if len(g.Batches) > 0 {
		batchFilter = ` OR batch_id IN (` + placeholders(len(g.Batches)) + `)`
		for _, b := range g.Batches {
			args = append(args, b.ID)
		}
	}
	rows, err := tx.query(ctx, `SELECT id, cause_key, severity, explanation, resolved_at IS NOT NULL, resolved_by, held, shipment_id, batch_id
		FROM alerts WHERE brand_id = ? AND (order_id = ?`+batchFilter+`)`, args...)
	if err != nil {
		return fmt.Errorf("alerts of order: %w", err)
	}
	byKey := map[string]*storedAlert{}
	err = eachRow(rows, func() error {
		a := &storedAlert{}
		err := rows.Scan(&a.id, &a.key, &a.severity, &a.explanation, &a.resolved, &a.resolvedBy, &a.held, &a.shipmentID, &a.batchID)
		byKey[a.key] = a
		return err
	})
	if err != nil {
		return fmt.Errorf("alerts of order: %w", err)
	}

	wanted := map[string]bool{}
	for _, c := range causes {
		wanted[c.Key] = true
		a := byKey[c.Key]
		opened := false
		switch {
		case a == nil:
			var orderID any = g.Order.ID
			if c.BatchID != 0 {
				orderID = nil // a batch's alert belongs to every order waiting for it
			}
			var res sql.Result
			res, err = tx.exec(ctx, `INSERT INTO alerts (brand_id, type, severity, cause_key, order_id, shipment_id, batch_id, explanation, held, opened_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (brand_id, cause_key) DO NOTHING`,
				brandID, string(c.Type), string(c.Severity), c.Key, orderID, nullID(c.ShipmentID), nullID(c.BatchID), c.Explanation, c.Held, tx.t(tx.now), tx.t(tx.now))
			if err == nil {
				n, _ := res.RowsAffected()
				opened = n > 0
			}
		case a.resolved && a.resolvedBy == trail.ResolvedAutomatically:
			_, err = tx.exec(ctx, `UPDATE alerts SET resolved_at = NULL, resolved_by = '', acknowledged_at = NULL, acknowledged_by = '',
				reopened = reopened + 1, severity = ?, explanation = ?, held = ?, opened_at = ?, updated_at = ? WHERE id = ?`,
				string(c.Severity), c.Explanation, c.Held, tx.t(tx.now), tx.t(tx.now), a.id)
			opened = true
		case !a.resolved && (a.severity != string(c.Severity) || a.explanation != c.Explanation || (c.Held && !a.held)):
			// A risk that became a broken promise keeps its alert, now held.
			_, err = tx.exec(ctx, `UPDATE alerts SET severity = ?, explanation = ?, held = ?, updated_at = ? WHERE id = ?`,
				string(c.Severity), c.Explanation, c.Held || a.held, tx.t(tx.now), a.id)
		}
		if err != nil {
			return fmt.Errorf("alert %s: %w", c.Key, err)
		}
		if !opened {
			continue
		}
		if err := db.recordWebhook(ctx, tx, brandID, g.Order.ID, trail.EventAlertOpened, map[string]string{
			"type": string(c.Type), "severity": string(c.Severity), "order_no": g.Order.OrderNo, "explanation": c.Explanation}); err != nil {
			return err
		}
		if c.Type == trail.AlertETARisk && c.Detail != "" { // a broken promise is no forecast to tell
			if err := db.recordNotice(ctx, tx, brandID, g.Order.ID, 0, trail.NoticeETALate, c.Detail, "late:"+c.Key); err != nil {
				return err
			}
		}
	}
	for key, a := range byKey {
		if a.resolved || a.held || wanted[key] {
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE alerts SET resolved_at = ?, resolved_by = ?, updated_at = ? WHERE id = ?`,
			tx.t(tx.now), trail.ResolvedAutomatically, tx.t(tx.now), a.id); err != nil {
			return fmt.Errorf("resolve alert %s: %w", key, err)
		}
		if err := db.alertResolved(ctx, tx, brandID, a.id, trail.ResolvedAutomatically); err != nil {
			return err
		}
	}
	return nil
}

// alertResolved sends alert.resolved to the brand's webhooks.
func (db *DB) alertResolved(ctx context.Context, tx *Tx, brandID, id int64, by string) error {
	a, err := alertByID(ctx, tx, brandID, id)
	if err != nil {
		return err
	}
	var orderID int64
	if a.OrderNo != "" {
		if err := tx.queryRow(ctx, `SELECT id FROM orders WHERE brand_id = ? AND order_no = ?`, brandID, a.OrderNo).Scan(&orderID); err != nil {
			return err
		}
	}
	return db.recordWebhook(ctx, tx, brandID, orderID, trail.EventAlertResolved, map[string]any{
		"id": a.ID, "type": a.Type, "order_no": a.OrderNo, "tracking_no": a.TrackingNo, "batch_no": a.BatchNo, "resolved_by": by})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// alertSelect reads alerts with the numbers people know them by.
const alertSelect = `SELECT a.id, a.type, a.severity, a.cause_key, COALESCE(o.order_no, ''), COALESCE(s.carrier, ''),
	COALESCE(s.tracking_no, ''), COALESCE(b.batch_no, ''), a.explanation, a.assignee, a.note, a.opened_at,
	a.acknowledged_at, a.acknowledged_by, a.resolved_at, a.resolved_by, a.reopened
	FROM alerts a LEFT JOIN orders o ON o.id = a.order_id LEFT JOIN shipments s ON s.id = a.shipment_id
	LEFT JOIN batches b ON b.id = a.batch_id`

func scanAlerts(rows *sql.Rows) ([]*trail.Alert, error) {
	var out []*trail.Alert
	err := eachRow(rows, func() error {
		a := &trail.Alert{}
		if err := rows.Scan(&a.ID, &a.Type, &a.Severity, &a.Key, &a.OrderNo, &a.Carrier, &a.TrackingNo, &a.BatchNo,
			&a.Explanation, &a.Assignee, &a.Note, scanTime(&a.OpenedAt), scanNullTime(&a.AcknowledgedAt), &a.AcknowledgedBy,
			scanNullTime(&a.ResolvedAt), &a.ResolvedBy, &a.Reopened); err != nil {
			return err
		}
		a.TypeName = trail.AlertTypeNames[a.Type]
		switch {
		case a.ResolvedAt != nil:
			a.Status = trail.AlertResolved
		case a.AcknowledgedAt != nil:
			a.Status = trail.AlertAcknowledged
		default:
			a.Status = trail.AlertOpen
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return out, nil
}

// openAlertsOfOrder reads the open alerts of an order, its parcels and its
// batches, newest first.
func openAlertsOfOrder(ctx context.Context, tx *Tx, brandID int64, g *trail.OrderGraph) ([]*trail.Alert, error) {
	args := []any{brandID, g.Order.ID}
	batchFilter := ""
	if len(g.Batches) > 0 {
		batchFilter = ` OR a.batch_id IN (` + placeholders(len(g.Batches)) + `)`
		for _, b := range g.Batches {
			args = append(args, b.ID)
		}
	}
	rows, err := tx.query(ctx, alertSelect+` WHERE a.brand_id = ? AND a.resolved_at IS NULL AND (a.order_id = ?`+batchFilter+`) ORDER BY a.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("open alerts: %w", err)
	}
	return scanAlerts(rows)
}

// Alerts implements trail.AlertService.
func (db *DB) Alerts(ctx context.Context, brandID int64, f trail.AlertFilter) ([]*trail.Alert, error) {
	q := alertSelect + ` WHERE a.brand_id = ?`
	args := []any{brandID}
	switch f.Status {
	case "":
	case trail.AlertOpen:
		q += ` AND a.resolved_at IS NULL`
	case trail.AlertAcknowledged:
		q += ` AND a.resolved_at IS NULL AND a.acknowledged_at IS NOT NULL`
	case trail.AlertResolved:
		q += ` AND a.resolved_at IS NOT NULL`
	default:
		return nil, trail.Invalid("status", "status must be open, acknowledged or resolved")
	}
	if f.Type != "" {
		if _, ok := trail.AlertTypeNames[f.Type]; !ok {
			return nil, trail.Invalid("type", "unknown alert type %s", trail.Quote(f.Type))
		}
		q += ` AND a.type = ?`
		args = append(args, string(f.Type))
	}
	if f.OrderNo != "" {
		q += ` AND o.order_no = ?`
		args = append(args, f.OrderNo)
	}
	if f.Before > 0 {
		q += ` AND a.id < ?`
		args = append(args, f.Before)
	}
	if f.Limit < 1 || f.Limit > trail.MaxAlertPage {
		return nil, trail.Invalid("limit", "limit must be between 1 and %d", trail.MaxAlertPage)
	}
	q += ` ORDER BY a.id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return scanAlerts(rows)
}

// alertByID reads one of a brand's alerts, locking it for an update.
func alertByID(ctx context.Context, tx *Tx, brandID, id int64) (*trail.Alert, error) {
	rows, err := tx.query(ctx, alertSelect+` WHERE a.brand_id = ? AND a.id = ?`, brandID, id)
	if err != nil {
		return nil, err
	}
	as, err := scanAlerts(rows)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, trail.Errorf(trail.ENOTFOUND, "No alert %d.", id)
	}
	return as[0], nil
}

// AcknowledgeAlert implements trail.AlertService.
func (db *DB) AcknowledgeAlert(ctx context.Context, brandID, id int64, actor, assignee string) (*trail.Alert, error) {
	var a *trail.Alert
	err := db.transact(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE alerts SET acknowledged_at = COALESCE(acknowledged_at, ?),
			acknowledged_by = CASE WHEN acknowledged_by = '' THEN ? ELSE acknowledged_by END,
			assignee = CASE WHEN ? = '' THEN assignee ELSE ? END, updated_at = ?
			WHERE brand_id = ? AND id = ? AND resolved_at IS NULL`,
			tx.t(tx.now), actor, assignee, assignee, tx.t(tx.now), brandID, id)
		if err != nil {
			return err
		}
		if a, err = alertByID(ctx, tx, brandID, id); err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return trail.Errorf(trail.ECONFLICT, "Alert %d is already resolved.", id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("acknowledge alert %d: %w", id, err)
	}
	return a, nil
}

// ResolveAlert implements trail.AlertService.
func (db *DB) ResolveAlert(ctx context.Context, brandID, id int64, actor, note string) (*trail.Alert, error) {
	if actor == "" || actor == trail.ResolvedAutomatically {
		return nil, trail.Invalid("actor", "an alert is resolved by someone")
	}
	var a *trail.Alert
	err := db.transact(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE alerts SET resolved_at = ?, resolved_by = ?, note = ?, updated_at = ?
			WHERE brand_id = ? AND id = ? AND resolved_at IS NULL`, tx.t(tx.now), actor, note, tx.t(tx.now), brandID, id)
		if err != nil {
			return err
		}
		if a, err = alertByID(ctx, tx, brandID, id); err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return trail.Errorf(trail.ECONFLICT, "Alert %d is already resolved.", id)
		}
		return db.alertResolved(ctx, tx, brandID, id, actor)
	})
	if err != nil {
		return nil, fmt.Errorf("resolve alert %d: %w", id, err)
	}
	return a, nil
}

var _ trail.AlertInbox = (*DB)(nil)

// inboxOccasion is the soonest occasion on or after a day (the two
// placeholders) of the orders an alert concerns: its own order's, or for a
// batch's alert the orders naming the batch that are not cancelled.
const inboxOccasion = `CASE WHEN a.order_id IS NOT NULL THEN (CASE WHEN o.occasion_date >= ? THEN o.occasion_date END)
	ELSE (SELECT MIN(w.occasion_date) FROM order_items wi JOIN orders w ON w.id = wi.order_id
		WHERE wi.brand_id = a.brand_id AND wi.batch_no = b.batch_no AND w.cancelled_at IS NULL AND w.occasion_date >= ?) END`

// severityRank orders severities most urgent first.
const severityRank = `CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END`

// InboxAlerts implements trail.AlertInbox.
func (db *DB) InboxAlerts(ctx context.Context, brandID int64, f trail.InboxFilter) (*trail.Inbox, error) {
	if f.Status == "" {
		f.Status = trail.AlertOpen
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	where, args := ` WHERE a.brand_id = ?`, []any{brandID}
	switch f.Status {
	case trail.AlertOpen:
		where += ` AND a.resolved_at IS NULL`
	case trail.AlertAcknowledged:
		where += ` AND a.resolved_at IS NULL AND a.acknowledged_at IS NOT NULL`
	case trail.AlertResolved:
		where += ` AND a.resolved_at IS NOT NULL`
	}
	if f.Assignee != "" {
		where += ` AND a.assignee = ?`
		args = append(args, f.Assignee)
	}
	in := &trail.Inbox{Counts: map[trail.AlertType]int{}}
	err := db.snapshot(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT a.type, COUNT(*) FROM alerts a`+where+` GROUP BY a.type`, args...)
		if err != nil {
			return fmt.Errorf("count: %w", err)
		}
		err = eachRow(rows, func() error {
			var typ string
			var n int
			err := rows.Scan(&typ, &n)
			in.Counts[trail.AlertType(typ)] = n
			return err
		})
		if err != nil {
			return fmt.Errorf("count: %w", err)
		}

		pageArgs := append([]any{string(f.Today), string(f.Today)}, args...)
		pageWhere := where
		if f.Type != "" {
			pageWhere += ` AND a.type = ?`
			pageArgs = append(pageArgs, string(f.Type))
		}
		occasion, order := inboxOccasion, ` ORDER BY occasion NULLS LAST, `+severityRank+`, a.opened_at, a.id`
		if f.Status == trail.AlertResolved {
			// Resolved alerts pile up: newest first by the primary key,
			// without ranking (or sorting) them all.
			occasion, order = `NULL`, ` ORDER BY a.id DESC`
			pageArgs = pageArgs[2:]
		}
		type rank struct {
			id       int64
			occasion sql.NullString
			kind     sql.NullString
		}
		var ranks []rank
		rows, err = tx.query(ctx, `SELECT a.id, `+occasion+` AS occasion, o.occasion_kind
			FROM alerts a LEFT JOIN orders o ON o.id = a.order_id LEFT JOIN batches b ON b.id = a.batch_id`+
			pageWhere+order+` LIMIT ? OFFSET ?`, append(pageArgs, f.Limit, f.Offset)...)
		if err != nil {
			return fmt.Errorf("rank: %w", err)
		}
		err = eachRow(rows, func() error {
			var r rank
			err := rows.Scan(&r.id, &r.occasion, &r.kind)
			ranks = append(ranks, r)
			return err
		})
		if err != nil {
			return fmt.Errorf("rank: %w", err)
		}
		if len(ranks) == 0 {
			return nil
		}

		idArgs := []any{brandID}
		for _, r := range ranks {
			idArgs = append(idArgs, r.id)
		}
		rows, err = tx.query(ctx, alertSelect+` WHERE a.brand_id = ? AND a.id IN (`+placeholders(len(ranks))+`)`, idArgs...)
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		loaded, err := scanAlerts(rows)
		if err != nil {
			return err
		}
		byID := map[int64]*trail.Alert{}
		for _, a := range loaded {
			byID[a.ID] = a
		}
		for _, r := range ranks {
			a := byID[r.id]
			if a == nil {
				continue
			}
			ia := &trail.InboxAlert{Alert: a}
			switch {
			case a.OrderNo != "":
				ia.WaitingOrderNo, ia.Waiting = a.OrderNo, 1
				if r.occasion.Valid {
					ia.Occasion = &trail.Occasion{Kind: r.kind.String, Date: trail.Date(r.occasion.String)}
				}
			case a.BatchNo != "":
				if err := waitingForBatch(ctx, tx, brandID, f.Today, ia); err != nil {
					return err
				}
			}
			in.Alerts = append(in.Alerts, ia)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("inbox alerts: %w", err)
	}
	return in, nil
}

// waitingForBatch fills in the orders waiting for a batch's alert: how
// many, and the one with the soonest occasion on or after today (else the
// first), with that occasion.
func waitingForBatch(ctx context.Context, tx *Tx, brandID int64, today trail.Date, ia *trail.InboxAlert) error {
	const from = ` FROM order_items wi JOIN orders w ON w.id = wi.order_id
		WHERE wi.brand_id = ? AND wi.batch_no = ? AND w.cancelled_at IS NULL`
	if err := tx.queryRow(ctx, `SELECT COUNT(DISTINCT wi.order_id)`+from, brandID, ia.BatchNo).Scan(&ia.Waiting); err != nil {
		return fmt.Errorf("orders waiting for %s: %w", ia.BatchNo, err)
	}
	if ia.Waiting == 0 {
		return nil
	}
	var kind, date sql.NullString
	err := tx.queryRow(ctx, `SELECT w.order_no, w.occasion_kind, w.occasion_date`+from+`
		ORDER BY CASE WHEN w.occasion_date >= ? THEN w.occasion_date ELSE '9999-12-31' END, w.id LIMIT 1`,
		brandID, ia.BatchNo, string(today)).Scan(&ia.WaitingOrderNo, &kind, &date)
	if err != nil {
		return fmt.Errorf("orders waiting for %s: %w", ia.BatchNo, err)
	}
	if date.Valid && date.String >= string(today) {
		ia.Occasion = &trail.Occasion{Kind: kind.String, Date: trail.Date(date.String)}
	}
	return nil
}
