package trail

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// LaneMetric names one leg of a parcel's journey whose duration lane
// statistics keep (docs/ARCHITECTURE.md §7). Together they cover the journey without
// overlap: pickup, then transit; last mile is the tail of transit, used for a
// parcel already out for delivery.
type LaneMetric string

// Lane metrics.
const (
	// MetricPickup runs from the waybill's creation to the carrier's first
	// scan of the parcel (picked up or in transit).
	MetricPickup LaneMetric = "pickup"
	// MetricTransit runs from that first scan to the delivery.
	MetricTransit LaneMetric = "transit"
	// MetricLastMile runs from the first out-for-delivery scan to the
	// delivery.
	MetricLastMile LaneMetric = "last_mile"
)

// LaneMetrics lists the metrics in journey order.
var LaneMetrics = []LaneMetric{MetricPickup, MetricTransit, MetricLastMile}

// MinLaneSamples is the number of deliveries a lane needs before its
// statistics are used; a thinner lane falls back to a wider one.
const MinLaneSamples = 10

// Lane is the key of lane statistics: carrier × origin city × destination
// province, with "*" for a level that pools every value. Lanes are per
// brand: no statistics cross brands.
type Lane struct {
	Carrier string
	Origin  string // city of the first scan, e.g. "杭州市"
	Dest    string // GB/T 2260 province code, e.g. "330000"
}

// anyValue pools a lane level.
const anyValue = "*"

// String is the lane's storage key, "carrier|origin|dest".
func (l Lane) String() string { return l.Carrier + "|" + l.Origin + "|" + l.Dest }

// Fallbacks returns the lanes to look up for a parcel, narrowest first:
// carrier × origin × destination, carrier × destination, carrier. An empty
// origin (the parcel has no located scan yet) skips the first level.
func (l Lane) Fallbacks() []Lane {
	out := make([]Lane, 0, 3)
	if l.Origin != "" && l.Origin != anyValue {
		out = append(out, l)
	}
	return append(out, Lane{l.Carrier, anyValue, l.Dest}, Lane{l.Carrier, anyValue, anyValue})
}

// LaneKeys returns every lane a delivery on lane l counts in: l, its
// fallbacks, and every carrier to l's destination (the lane of items not
// yet given to a carrier).
func LaneKeys(l Lane) []Lane {
	return append(l.Fallbacks(), Lane{anyValue, anyValue, l.Dest})
}

// bucketBounds are the upper bounds, in hours, of the histogram buckets:
// hourly for two days, then two-hourly, six-hourly from four days, daily
// from ten days up to sixty. Longer durations share an overflow bucket.
var bucketBounds = func() []float64 {
	var b []float64
	for h := 1.0; h <= 48; h++ {
		b = append(b, h)
	}
	for h := 50.0; h <= 96; h += 2 {
		b = append(b, h)
	}
	for h := 102.0; h <= 240; h += 6 {
		b = append(b, h)
	}
	for h := 264.0; h <= 1440; h += 24 {
		b = append(b, h)
	}
	return b
}()

// Histogram counts durations in hour buckets. It is small (about 150
// counters), merges by addition and is updated one sample at a time, so lane
// statistics never recompute from history.
type Histogram struct {
	Counts []int64 // Counts[i] counts durations up to bucketBounds[i]; the last counter is the overflow
}

// Add counts one duration; negative durations count as zero.
func (h *Histogram) Add(d time.Duration) {
	if len(h.Counts) == 0 {
		h.Counts = make([]int64, len(bucketBounds)+1)
	}
	hours := d.Hours()
	i := len(bucketBounds)
	for j, ub := range bucketBounds {
		if hours < ub {
			i = j
			break
		}
	}
	h.Counts[i]++
}

// Total is the number of samples.
func (h *Histogram) Total() int64 {
	var n int64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

// lower returns the lower bound of bucket i in hours.
func lower(i int) float64 {
	if i == 0 {
		return 0
	}
	return bucketBounds[i-1]
}

// upper returns the upper bound of bucket i in hours; the overflow bucket
// reads as one more day.
func upper(i int) float64 {
	if i < len(bucketBounds) {
		return bucketBounds[i]
	}
	return bucketBounds[len(bucketBounds)-1] + 24
}

// cdf returns the share of samples up to x hours, spreading each bucket's
// samples evenly over it.
func (h *Histogram) cdf(x float64) float64 {
	total := float64(h.Total())
	if total == 0 {
		return 0
	}
	var below float64
	for i, c := range h.Counts {
		lo, hi := lower(i), upper(i)
		switch {
		case x >= hi:
			below += float64(c)
		case x > lo:
			below += float64(c) * (x - lo) / (hi - lo)
		}
	}
	return below / total
}

// quantileAt returns the duration below which a share p of samples fall.
func (h *Histogram) quantileAt(p float64) float64 {
	total := float64(h.Total())
	target := p * total
	var cum float64
	for i, c := range h.Counts {
		if c == 0 {
			continue
		}
		if cum+float64(c) >= target {
			lo, hi := lower(i), upper(i)
			return lo + (hi-lo)*(target-cum)/float64(c)
		}
		cum += float64(c)
	}
	return upper(len(h.Counts) - 1)
}

// Remaining returns the quantiles of the time still to go for something
// that has already taken elapsed: the distribution conditioned on lasting
// longer than elapsed, minus elapsed. False when no sample lasted that long
// (the parcel is slower than anything seen on the lane).
func (h *Histogram) Remaining(elapsed time.Duration) (span, bool) {
	e := max(0, elapsed.Hours())
	f := h.cdf(e)
	if h.Total() == 0 || f >= 0.999 {
		return span{}, false
	}
	q := func(p float64) time.Duration {
		x := h.quantileAt(f + p*(1-f))
		return time.Duration(max(0, x-e) * float64(time.Hour))
	}
	return span{q(0.1), q(0.5), q(0.9)}, true
}

// String encodes the counts for storage: comma-separated, trailing zeros
// trimmed.
func (h *Histogram) String() string {
	n := len(h.Counts)
	for n > 0 && h.Counts[n-1] == 0 {
		n--
	}
	parts := make([]string, n)
	for i := range n {
		parts[i] = strconv.FormatInt(h.Counts[i], 10)
	}
	return strings.Join(parts, ",")
}

// ParseHistogram decodes what Histogram.String wrote.
func ParseHistogram(s string) (Histogram, error) {
	h := Histogram{Counts: make([]int64, len(bucketBounds)+1)}
	if s == "" {
		return h, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > len(h.Counts) {
		return h, fmt.Errorf("histogram: %d buckets, at most %d", len(parts), len(h.Counts))
	}
	for i, p := range parts {
		c, err := strconv.ParseInt(p, 10, 64)
		if err != nil || c < 0 {
			return h, fmt.Errorf("histogram: bad count %q", p)
		}
		h.Counts[i] = c
	}
	return h, nil
}

// LaneStats is the distribution of one metric on one lane.
type LaneStats struct {
	Metric LaneMetric
	Lane   Lane
	Hist   Histogram
}

// Samples is the number of deliveries counted.
func (s *LaneStats) Samples() int64 { return s.Hist.Total() }

// Quantiles returns the lane's p50 and p90 in hours, for reports.
func (s *LaneStats) Quantiles() (p50, p90 float64) {
	return math.Round(s.Hist.quantileAt(0.5)*10) / 10, math.Round(s.Hist.quantileAt(0.9)*10) / 10
}

// LaneBook holds the lane statistics an estimate may use, by metric and
// lane. The store loads the lanes of an order's parcels with the order.
type LaneBook map[string]*LaneStats

func bookKey(m LaneMetric, l Lane) string { return string(m) + "/" + l.String() }

// Get returns the statistics of metric m on lane l, or nil.
func (b LaneBook) Get(m LaneMetric, l Lane) *LaneStats { return b[bookKey(m, l)] }

// Put adds s to the book.
func (b LaneBook) Put(s *LaneStats) { b[bookKey(s.Metric, s.Lane)] = s }

// Lookup returns the narrowest lane of l's fallbacks with at least
// MinLaneSamples deliveries of metric m, and whether it is l itself.
func (b LaneBook) Lookup(m LaneMetric, l Lane) (s *LaneStats, exact bool) {
	for i, f := range l.Fallbacks() {
		if s := b[bookKey(m, f)]; s != nil && s.Samples() >= MinLaneSamples {
			return s, i == 0 && l.Origin != "" && l.Origin != anyValue
		}
	}
	return nil, false
}

// LaneSample is one duration a delivered parcel contributes to lane
// statistics.
type LaneSample struct {
	Metric   LaneMetric
	Lane     Lane
	Duration time.Duration
}

// LaneOf returns the lane of a parcel going to destProvince: its carrier, the
// city of its first located carrier scan, and the destination.
func LaneOf(s *Shipment, destProvince string) Lane {
	l := Lane{Carrier: s.Carrier, Dest: destProvince}
	first := time.Time{}
	for _, e := range s.Events {
		if e.Location == "" || (e.Status != StatusPickedUp && e.Status != StatusInTransit) {
			continue
		}
		if first.IsZero() || e.Time.Before(first) {
			first, l.Origin = e.Time, e.Location
		}
	}
	return l
}

// LaneSamples returns what a delivered parcel tells of its lane: the pickup
// delay, the transit time and the last mile of its outbound leg. Parcels not
// delivered, delivered after a return leg, or without the scans a metric
// needs contribute nothing to that metric.
func LaneSamples(s *Shipment, destProvince string) []LaneSample {
	if s.Status != StatusDelivered || s.Leg != 0 || s.DeliveredAt == nil {
		return nil
	}
	lane := LaneOf(s, destProvince)
	delivered := *s.DeliveredAt
	var pickup, ofd time.Time
	for _, e := range s.Events {
		if e.Time.After(delivered) {
			continue
		}
		switch e.Status {
		case StatusPickedUp, StatusInTransit:
			if pickup.IsZero() || e.Time.Before(pickup) {
				pickup = e.Time
			}
		case StatusOutForDelivery:
			if ofd.IsZero() || e.Time.Before(ofd) {
				ofd = e.Time
			}
		}
	}
	var out []LaneSample
	if !pickup.IsZero() {
		if !pickup.Before(s.CreatedAt) {
			out = append(out, LaneSample{MetricPickup, lane, pickup.Sub(s.CreatedAt)})
		}
		out = append(out, LaneSample{MetricTransit, lane, delivered.Sub(pickup)})
	}
	if !ofd.IsZero() {
		out = append(out, LaneSample{MetricLastMile, lane, delivered.Sub(ofd)})
	}
	return out
}

// LaneService keeps lane statistics.
type LaneService interface {
	// AddLaneSamples counts durations in a brand's lane statistics, at
	// every level of LaneKeys: for importing a history. Delivered parcels
	// are counted by the evaluation schedule.
	AddLaneSamples(ctx context.Context, brandID int64, samples []LaneSample) error

	// Lanes returns a brand's lane statistics, the most delivered first;
	// a non-empty carrier keeps that carrier's lanes only.
	Lanes(ctx context.Context, brandID int64, carrier string) ([]*LaneStats, error)
}
