package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.TrackingService = (*DB)(nil)

// JobInserter enqueues a durable job inside a store transaction, so that no
// change is committed without its job and no job exists without its change.
type JobInserter interface {
	// InsertTx queues job in tx, to run at runAt (at once if zero).
	InsertTx(ctx context.Context, tx *sql.Tx, job trail.Job, runAt time.Time) error
}

// Tracking states of a parcel.
const (
	trackingNone        = "none"        // no account serves the carrier: manual events only
	trackingSubscribing = "subscribing" // a subscription job is queued
	trackingSubscribed  = "subscribed"  // the provider pushes
	trackingPolling     = "polling"     // we poll the provider
	trackingStopped     = "stopped"     // the provider stopped watching
)

// assignProvider picks the account that tracks a new parcel and queues its
// subscription in the same transaction (or, without a job queue, schedules
// polling).
func (db *DB) assignProvider(ctx context.Context, tx *Tx, brandID int64, s *trail.Shipment) error {
	provider := ""
	for _, p := range trail.ProviderPreference(s.Carrier) {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM carrier_accounts WHERE brand_id = ? AND provider = ?`, brandID, p).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			provider = p
			break
		}
	}
	state, nextPoll := trackingNone, (*time.Time)(nil)
	switch {
	case provider == "":
	case db.Jobs != nil:
		state = trackingSubscribing
		if err := db.Jobs.InsertTx(ctx, tx.tx, trail.SubscribeJob{ShipmentID: s.ID}, time.Time{}); err != nil {
			return fmt.Errorf("queue subscription: %w", err)
		}
	default:
		state, nextPoll = trackingPolling, &tx.now
	}
	_, err := tx.exec(ctx, `UPDATE shipments SET provider = ?, tracking_state = ?, next_poll_at = ? WHERE id = ?`,
		provider, state, tx.nt(nextPoll), s.ID)
	return err
}

// checkCompliance refuses a parcel holding alcohol with a carrier the brand
// has not declared qualified for it.
func checkCompliance(ctx context.Context, tx *Tx, brandID int64, s *trail.Shipment) error {
	args := []any{brandID}
	for _, it := range s.Items {
		args = append(args, it.SKU)
	}
	var alcohol int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM skus WHERE brand_id = ? AND alcohol AND code IN (`+placeholders(len(s.Items))+`)`,
		args...).Scan(&alcohol); err != nil {
		return fmt.Errorf("check alcohol: %w", err)
	}
	if alcohol == 0 {
		return nil
	}
	c, err := compliance(ctx, tx, brandID, s.Carrier)
	if err != nil {
		return err
	}
	return trail.CheckAlcohol(s.Carrier, c, tx.now)
}

// taskQuery reads tracking tasks; callers add the WHERE clause.
const taskQuery = `SELECT s.id, s.brand_id, b.slug, s.carrier, s.tracking_no, s.provider, s.status, s.created_at, s.last_event_at,
	COALESCE(o.recipient_phone, o.customer_phone)
	FROM shipments s JOIN brands b ON b.id = s.brand_id JOIN orders o ON o.id = s.order_id `

func (db *DB) loadTasks(ctx context.Context, tx *Tx, where string, args ...any) ([]*trail.TrackingTask, error) {
	rows, err := tx.query(ctx, taskQuery+where, args...)
	if err != nil {
		return nil, fmt.Errorf("tracking tasks: %w", err)
	}
	type row struct {
		t        *trail.TrackingTask
		provider string
	}
	var out []row
	err = eachRow(rows, func() error {
		t := &trail.TrackingTask{}
		var provider string
		var phone []byte
		if err := rows.Scan(&t.ShipmentID, &t.BrandID, &t.BrandSlug, &t.Carrier, &t.TrackingNo, &provider, &t.Status,
			scanTime(&t.CreatedAt), scanNullTime(&t.LastEventAt), &phone); err != nil {
			return err
		}
		p, err := db.sealer.Open(phone)
		if err != nil {
			return fmt.Errorf("open phone: %w", err)
		}
		t.PhoneLast4 = trail.Last4(p)
		out = append(out, row{t, provider})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tracking tasks: %w", err)
	}
	accounts := map[[2]any]*trail.CarrierAccount{}
	tasks := make([]*trail.TrackingTask, 0, len(out))
	for _, r := range out {
		if r.provider != "" {
			key := [2]any{r.t.BrandID, r.provider}
			a, ok := accounts[key]
			if !ok {
				var err error
				if a, err = db.carrierAccount(ctx, tx, r.t.BrandID, r.provider); err != nil && !isNoRows(err) {
					return nil, err
				}
				accounts[key] = a
			}
			r.t.Account = a
		}
		tasks = append(tasks, r.t)
	}
	return tasks, nil
}

// TrackingTask implements trail.TrackingService.
func (db *DB) TrackingTask(ctx context.Context, shipmentID int64) (*trail.TrackingTask, error) {
	var tasks []*trail.TrackingTask
	err := db.snapshot(ctx, func(tx *Tx) (err error) {
		tasks, err = db.loadTasks(ctx, tx, `WHERE s.id = ?`, shipmentID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tracking task %d: %w", shipmentID, err)
	}
	if len(tasks) == 0 {
		return nil, trail.Errorf(trail.ENOTFOUND, "No parcel %d.", shipmentID)
	}
	return tasks[0], nil
}

// RecordSubscription implements trail.TrackingService.
func (db *DB) RecordSubscription(ctx context.Context, shipmentID int64, failure string) error {
	err := db.transact(ctx, func(tx *Tx) error {
		state, next := trackingSubscribed, (*time.Time)(nil)
		if failure != "" {
			state, next = trackingPolling, &tx.now
		}
		_, err := tx.exec(ctx, `UPDATE shipments SET tracking_state = ?, tracking_note = ?, next_poll_at = ?
			WHERE id = ? AND tracking_state <> ?`, state, failure, tx.nt(next), shipmentID, trackingStopped)
		return err
	})
	if err != nil {
		return fmt.Errorf("record subscription of %d: %w", shipmentID, err)
	}
	return nil
}

// ClaimDuePolls implements trail.TrackingService.
func (db *DB) ClaimDuePolls(ctx context.Context, now time.Time, n int, lease time.Duration) ([]*trail.TrackingTask, error) {
	var tasks []*trail.TrackingTask
	err := db.transact(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `UPDATE shipments SET next_poll_at = ? WHERE id IN
			(SELECT id FROM shipments WHERE next_poll_at <= ? ORDER BY next_poll_at LIMIT ?`+tx.d.SkipLocked+`) RETURNING id`,
			tx.t(now.Add(lease)), tx.t(now), n)
		if err != nil {
			return err
		}
		var ids []any
		err = eachRow(rows, func() error {
			var id int64
			err := rows.Scan(&id)
			ids = append(ids, id)
			return err
		})
		if err != nil || len(ids) == 0 {
			return err
		}
		tasks, err = db.loadTasks(ctx, tx, `WHERE s.id IN (`+placeholders(len(ids))+`) ORDER BY s.id`, ids...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim due polls: %w", err)
	}
	return tasks, nil
}

// SchedulePoll implements trail.TrackingService.
func (db *DB) SchedulePoll(ctx context.Context, shipmentID int64, next *time.Time) error {
	err := db.transact(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE shipments SET next_poll_at = ? WHERE id = ?`, tx.nt(next), shipmentID)
		return err
	})
	if err != nil {
		return fmt.Errorf("schedule poll of %d: %w", shipmentID, err)
	}
	return nil
}

// StopTracking implements trail.TrackingService.
func (db *DB) StopTracking(ctx context.Context, brandID int64, carrier, trackingNo, reason string) error {
	err := db.transact(ctx, func(tx *Tx) error {
		id, err := shipmentID(ctx, tx, brandID, carrier, trackingNo)
		if err != nil {
			return err
		}
		return stopTracking(ctx, tx, id, reason)
	})
	if err != nil {
		return fmt.Errorf("stop tracking %s %s: %w", carrier, trackingNo, err)
	}
	return nil
}

// stopTracking records that the provider stopped watching a parcel.
func stopTracking(ctx context.Context, tx *Tx, shipmentID int64, reason string) error {
	_, err := tx.exec(ctx, `UPDATE shipments SET tracking_state = ?, tracking_note = ?, next_poll_at = NULL, updated_at = ?
		WHERE id = ?`, trackingStopped, reason, tx.t(tx.now), shipmentID)
	return err
}

// shipmentID finds a brand's parcel; sql.ErrNoRows if there is none.
func shipmentID(ctx context.Context, tx *Tx, brandID int64, carrier, trackingNo string) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `SELECT id FROM shipments WHERE brand_id = ? AND carrier = ? AND tracking_no = ?`,
		brandID, carrier, trackingNo).Scan(&id)
	return id, err
}

// Resubscribe implements trail.TrackingService.
func (db *DB) Resubscribe(ctx context.Context, brandID int64, carrier, trackingNo string, at time.Time) error {
	err := db.transact(ctx, func(tx *Tx) error {
		id, err := shipmentID(ctx, tx, brandID, carrier, trackingNo)
		if err != nil {
			return err
		}
		return db.resubscribe(ctx, tx, id, at)
	})
	if err != nil {
		return fmt.Errorf("resubscribe %s %s: %w", carrier, trackingNo, err)
	}
	return nil
}

// resubscribe queues a new subscription of a parcel to run at the given
// time; without a job queue, polling takes over then.
func (db *DB) resubscribe(ctx context.Context, tx *Tx, shipmentID int64, at time.Time) error {
	if db.Jobs == nil {
		_, err := tx.exec(ctx, `UPDATE shipments SET tracking_state = ?, next_poll_at = ? WHERE id = ?`, trackingPolling, tx.t(at), shipmentID)
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE shipments SET tracking_state = ? WHERE id = ?`, trackingSubscribing, shipmentID); err != nil {
		return err
	}
	return db.Jobs.InsertTx(ctx, tx.tx, trail.SubscribeJob{ShipmentID: shipmentID}, at)
}
