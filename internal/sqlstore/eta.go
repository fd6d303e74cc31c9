package sqlstore

// ETA revisions: an order's and its parcels' estimates, recorded where they
// moved.

import (
	"context"
	"fmt"

	"github.com/bottletrail/bottletrail/internal/trail"
)

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
