package sqlstore

// The console's alert inbox (trail.AlertInbox): alerts ranked by the soonest
// occasion waiting on them, then severity, with the orders waiting on each.

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/bottletrail/bottletrail/internal/trail"
)

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
