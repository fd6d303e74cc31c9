package sqlstore

// The evaluation schedule: claiming the orders due (EvaluateDue) and evaluating
// one (evaluateOrder): re-estimate it, record its lanes and ETAs, reconcile its
// alerts and set its next evaluation.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.EvaluationService = (*DB)(nil)

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
