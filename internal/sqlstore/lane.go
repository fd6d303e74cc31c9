package sqlstore

// Lane statistics: the durations of delivered parcels counted per carrier,
// origin and destination (trail.LaneService), and read back for estimates.

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

var _ trail.LaneService = (*DB)(nil)

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
