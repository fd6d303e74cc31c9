package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"maps"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.ProductionService = (*DB)(nil)

// CreateBatch implements trail.ProductionService.
func (db *DB) CreateBatch(ctx context.Context, brandID int64, b *trail.Batch) (created bool, err error) {
	if err := b.Validate(); err != nil {
		return false, err
	}
	err = db.transact(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM skus WHERE brand_id = ? AND code = ?`, brandID, b.SKU).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return trail.Invalid("sku", "unknown SKU %s: add it with PUT /api/v1/skus/%s first", trail.Clip(b.SKU), trail.Clip(b.SKU))
		}
		var other string
		err := tx.queryRow(ctx, `SELECT sku FROM order_items WHERE brand_id = ? AND batch_no = ? AND sku <> ? LIMIT 1`,
			brandID, b.BatchNo, b.SKU).Scan(&other)
		if err == nil {
			return trail.Invalid("sku", "orders already name batch %s for SKU %s", trail.Clip(b.BatchNo), other)
		} else if err != sql.ErrNoRows {
			return err
		}
		b.CreatedAt = tx.now
		err = tx.queryRow(ctx, `INSERT INTO batches (brand_id, batch_no, sku, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (brand_id, batch_no) DO NOTHING RETURNING id`, brandID, b.BatchNo, b.SKU, tx.t(tx.now)).Scan(&b.ID)
		if err == sql.ErrNoRows {
			stored, err := loadBatch(ctx, tx, brandID, b.BatchNo)
			if err != nil {
				return err
			}
			if stored.SKU != b.SKU || !maps.Equal(stored.Plan, b.Plan) {
				return &trail.Error{Code: trail.ECONFLICT, Field: "plan",
					Message: fmt.Sprintf("batch %s already exists with a different SKU or plan", b.BatchNo)}
			}
			*b = *stored
			return nil
		} else if err != nil {
			return fmt.Errorf("insert batch: %w", err)
		}
		created = true
		for stage, date := range b.Plan {
			if _, err := tx.exec(ctx, `INSERT INTO batch_plan (batch_id, stage, planned_date) VALUES (?, ?, ?)`,
				b.ID, string(stage), string(date)); err != nil {
				return fmt.Errorf("insert plan: %w", err)
			}
		}
		return touchOrdersOfBatch(ctx, tx, brandID, b.BatchNo)
	})
	if err != nil {
		return false, fmt.Errorf("create batch %s: %w", b.BatchNo, err)
	}
	return created, nil
}

// touchOrdersOfBatch marks the orders that wait for a batch as updated and
// puts them on the evaluation schedule.
func touchOrdersOfBatch(ctx context.Context, tx *Tx, brandID int64, batchNo string) error {
	_, err := tx.exec(ctx, `UPDATE orders SET updated_at = ?, evaluate_at = ? WHERE brand_id = ? AND id IN
		(SELECT order_id FROM order_items WHERE brand_id = ? AND batch_no = ?)`, tx.t(tx.now), tx.t(tx.now), brandID, brandID, batchNo)
	if err != nil {
		return fmt.Errorf("touch orders of batch %s: %w", batchNo, err)
	}
	return nil
}

// RecordBatchEvent implements trail.ProductionService.
func (db *DB) RecordBatchEvent(ctx context.Context, brandID int64, batchNo string, e trail.BatchEvent) (*trail.Batch, error) {
	e.Normalize()
	if err := e.Validate(); err != nil {
		return nil, err
	}
	var b *trail.Batch
	err := db.transact(ctx, func(tx *Tx) error {
		var id int64
		if err := tx.queryRow(ctx, `SELECT id FROM batches WHERE brand_id = ? AND batch_no = ?`, brandID, batchNo).Scan(&id); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `INSERT INTO batch_events (batch_id, stage, state, at, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (batch_id, stage, state, at) DO NOTHING`, id, string(e.Stage), e.State, tx.t(e.At), e.Reason, tx.t(tx.now))
		if err != nil {
			return fmt.Errorf("insert batch event: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			if err := touchOrdersOfBatch(ctx, tx, brandID, batchNo); err != nil {
				return err
			}
			if e.State == trail.StateDelayed {
				if err := db.productionDelayed(ctx, tx, brandID, id, batchNo, e); err != nil {
					return err
				}
			}
		}
		b, err = loadBatch(ctx, tx, brandID, batchNo)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("record event of batch %s: %w", batchNo, err)
	}
	return b, nil
}

// productionDelayed tells every order waiting for a batch that a stage is
// late, once per order and stage.
func (db *DB) productionDelayed(ctx context.Context, tx *Tx, brandID, batchID int64, batchNo string, e trail.BatchEvent) error {
	rows, err := tx.query(ctx, `SELECT DISTINCT o.id, o.order_no FROM order_items i JOIN orders o ON o.id = i.order_id
		WHERE i.brand_id = ? AND i.batch_no = ? AND o.cancelled_at IS NULL`, brandID, batchNo)
	if err != nil {
		return err
	}
	type order struct {
		id int64
		no string
	}
	var orders []order
	err = eachRow(rows, func() error {
		var o order
		err := rows.Scan(&o.id, &o.no)
		orders = append(orders, o)
		return err
	})
	if err != nil {
		return err
	}
	text := trail.StageProgress{Stage: e.Stage, DelayReason: e.Reason}.DelayText()
	if text == "" {
		text = trail.StageNames[e.Stage] + "环节延迟"
	}
	for _, o := range orders {
		if err := db.recordNotice(ctx, tx, brandID, o.id, 0, trail.NoticeProductionDelayed, text,
			fmt.Sprintf("o%d:b%d:%s:delayed", o.id, batchID, e.Stage)); err != nil {
			return err
		}
		if err := db.recordWebhook(ctx, tx, brandID, o.id, trail.EventOrderUpdated,
			map[string]string{"order_no": o.no, "change": "production_delayed", "batch_no": batchNo, "stage": string(e.Stage)}); err != nil {
			return err
		}
	}
	return nil
}

// loadBatch reads a batch with its plan and events.
func loadBatch(ctx context.Context, tx *Tx, brandID int64, batchNo string) (*trail.Batch, error) {
	b := &trail.Batch{Plan: map[trail.Stage]trail.Date{}}
	err := tx.queryRow(ctx, `SELECT id, batch_no, sku, created_at FROM batches WHERE brand_id = ? AND batch_no = ?`,
		brandID, batchNo).Scan(&b.ID, &b.BatchNo, &b.SKU, scanTime(&b.CreatedAt))
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", batchNo, err)
	}
	rows, err := tx.query(ctx, `SELECT stage, planned_date FROM batch_plan WHERE batch_id = ?`, b.ID)
	if err != nil {
		return nil, fmt.Errorf("plan of %s: %w", batchNo, err)
	}
	err = eachRow(rows, func() error {
		var stage, date string
		err := rows.Scan(&stage, &date)
		b.Plan[trail.Stage(stage)] = trail.Date(date)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("plan of %s: %w", batchNo, err)
	}
	rows, err = tx.query(ctx, `SELECT stage, state, at, reason FROM batch_events WHERE batch_id = ? ORDER BY at, id`, b.ID)
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", batchNo, err)
	}
	err = eachRow(rows, func() error {
		var e trail.BatchEvent
		var stage string
		if err := rows.Scan(&stage, &e.State, scanTime(&e.At), &e.Reason); err != nil {
			return err
		}
		e.Stage = trail.Stage(stage)
		b.Events = append(b.Events, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", batchNo, err)
	}
	return b, nil
}
