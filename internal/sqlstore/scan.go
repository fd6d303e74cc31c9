package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// scanMaskBatch is how many events one transaction of MaskScanBacklog
// reads.
const scanMaskBatch = 500

// MaskScanBacklog masks the scan text of the events stored before
// descriptions were masked (migration 0011 lists them), sealing the
// carrier's own text and re-keying the fingerprint the way Ingest stores a
// new event (trail.SealScan), so that the same scan pushed again is still
// a duplicate. It works in batches of one transaction each, so an
// interrupted run goes on where it stopped, and concurrent starts take
// turns. It returns how many events it masked.
func (db *DB) MaskScanBacklog(ctx context.Context) (masked int, err error) {
	for {
		n, done, err := db.maskScanBatch(ctx)
		masked += n
		if err != nil || done {
			return masked, err
		}
	}
}

// maskScanBatch masks one batch of the backlog; done says nothing is left.
func (db *DB) maskScanBatch(ctx context.Context) (masked int, done bool, err error) {
	err = db.transact(ctx, func(tx *Tx) error {
		var after, upto int64
		err := tx.queryRow(ctx, `SELECT after_id, upto_id FROM scan_mask_backlog`+tx.d.ForUpdate).Scan(&after, &upto)
		if err == sql.ErrNoRows {
			done = true
			return nil
		} else if err != nil {
			return fmt.Errorf("scan mask backlog: %w", err)
		}
		type row struct {
			id int64
			e  trail.CarrierEvent
		}
		rows, err := tx.query(ctx, `SELECT id, time, raw_code, description, external_id FROM tracking_events
			WHERE id > ? AND id <= ? AND description_sealed IS NULL ORDER BY id LIMIT ?`, after, upto, scanMaskBatch)
		if err != nil {
			return fmt.Errorf("scan mask backlog: %w", err)
		}
		var batch []row
		err = eachRow(rows, func() error {
			var r row
			if err := rows.Scan(&r.id, scanTime(&r.e.Time), &r.e.RawCode, &r.e.Description, &r.e.ExternalID); err != nil {
				return err
			}
			batch = append(batch, r)
			return nil
		})
		if err != nil {
			return fmt.Errorf("scan mask backlog: %w", err)
		}
		for _, r := range batch {
			fp, sealed, err := trail.SealScan(&r.e, db.sealer)
			if err != nil {
				return fmt.Errorf("event %d: %w", r.id, err)
			}
			if sealed == nil {
				continue
			}
			if _, err := tx.exec(ctx, `UPDATE tracking_events SET description = ?, description_sealed = ?, fingerprint = ? WHERE id = ?`,
				r.e.Description, sealed, fp, r.id); err != nil {
				return fmt.Errorf("event %d: mask scan text: %w", r.id, err)
			}
			masked++
		}
		if len(batch) < scanMaskBatch {
			done = true
			_, err = tx.exec(ctx, `DELETE FROM scan_mask_backlog`)
		} else {
			_, err = tx.exec(ctx, `UPDATE scan_mask_backlog SET after_id = ?`, batch[len(batch)-1].id)
		}
		return err
	})
	return masked, done, err
}
