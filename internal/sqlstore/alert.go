package sqlstore

// Alert rules and the alert lifecycle: a brand's rules, reconciling an
// order's alerts with its causes, and reading, acknowledging and resolving
// alerts (trail.AlertService).

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.AlertService = (*DB)(nil)

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
