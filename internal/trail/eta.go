package trail

import (
	"fmt"
	"math"
	"time"
)

// Confidence levels of an estimate (docs/ARCHITECTURE.md §7), from best to worst. An
// estimate is as confident as its least confident part.
const (
	// ConfidenceHigh: every duration comes from the parcel's own lane
	// (carrier × origin city × destination province) with at least
	// HighConfidenceSamples deliveries.
	ConfidenceHigh = "high"
	// ConfidenceMedium: lane statistics, some from a wider lane or a lane
	// with fewer deliveries.
	ConfidenceMedium = "medium"
	// ConfidenceLow: some part comes from fixed tables (SKU lead times, the
	// default transit table), not from observed deliveries.
	ConfidenceLow = "low"
)

// HighConfidenceSamples is the number of deliveries on a parcel's own lane
// that make its estimate ConfidenceHigh.
const HighConfidenceSamples = 30

// lowerConfidence returns the worse of two confidence levels.
func lowerConfidence(a, b string) string {
	rank := map[string]int{ConfidenceHigh: 3, ConfidenceMedium: 2, ConfidenceLow: 1}
	if rank[b] < rank[a] {
		return b
	}
	return a
}

// Estimate is a window in which something is expected to happen: a parcel's
// delivery, an item's pick-up by the carrier. P50 is the headline; about 80%
// of outcomes should land inside [P10, P90]. The times are instants in China
// time; read them as days with Dates.
type Estimate struct {
	P10, P50, P90 time.Time
	Confidence    string // ConfidenceHigh, ConfidenceMedium or ConfidenceLow
	Basis         string // short English reason, e.g. "sku lead time + pickup delay + default transit (east China)"

	// independent says the window may add to another in quadrature: it is a
	// single instant or a sum of lane statistics.
	independent bool
}

// ItemEstimate is what an order item not yet (entirely) in a parcel is
// waiting for.
type ItemEstimate struct {
	Quantity int       // how many of the item are not in any parcel yet
	Ship     *Estimate // when the carrier should pick them up
	Delivery *Estimate // when they should reach the recipient
}

// OrderEstimate is everything a consumer page shows of an order's future.
type OrderEstimate struct {
	// Order is the delivery window of the whole order: the latest of its
	// parts. Nil when the order is cancelled or delivered, or when some
	// part cannot be estimated (a parcel going back to the sender, an item
	// whose SKU is unknown).
	Order *Estimate

	// Parcels holds every parcel of the order under ParcelKey, with its
	// delivery window; the value is nil for a parcel that is delivered,
	// returned or going back, and for every parcel of a cancelled order.
	Parcels map[string]*Estimate

	// Items runs parallel to the order's items: nil for an item wholly in
	// parcels (and for every item of a cancelled order), else the window of
	// its unshipped quantity.
	Items []*ItemEstimate
}

// Estimator estimates when an order's parcels and unshipped items arrive.
// Implementations are pure: the same graph, catalogue and now give the same
// answer, whatever the server's time zone.
type Estimator interface {
	// EstimateOrder estimates g as of now. skus holds the catalogue entries
	// of the order's items; when nil, g.SKUs is used.
	EstimateOrder(g *OrderGraph, skus map[string]*SKU, now time.Time) OrderEstimate
}

// ParcelKey names a parcel in OrderEstimate.Parcels: carrier + "/" +
// tracking number.
func ParcelKey(carrier, trackingNo string) string { return carrier + "/" + trackingNo }

// Outlook says whether an estimate meets a deadline day.
type Outlook string

// Outlooks, from best to worst.
const (
	OutlookOnTime Outlook = "on_time" // P90 is before the day starts
	OutlookAtRisk Outlook = "at_risk" // P50 is before the day starts, P90 after
	OutlookLate   Outlook = "late"    // P50 is after the day starts
)

// Outlook compares the estimate with a deadline day (an occasion, a promised
// delivery date): arriving before the day starts, China time, is in time.
// It returns "" for a nil estimate.
func (e *Estimate) Outlook(day Date) Outlook {
	if e == nil {
		return ""
	}
	start := day.Start()
	switch {
	case !e.P90.After(start):
		return OutlookOnTime
	case !e.P50.After(start):
		return OutlookAtRisk
	}
	return OutlookLate
}

// Dates returns the China-time days of the window. An instant at exactly
// midnight is the end of the day before, so a window ending "at the end of
// 3 December" reads 2026-12-03, not 2026-12-04.
func (e *Estimate) Dates() (p10, p50, p90 Date) {
	return endingDay(e.P10), endingDay(e.P50), endingDay(e.P90)
}

// OccasionOutlook returns the China-time calendar days from now until the
// order's occasion (0 on the day itself, negative after it) and whether est
// arrives in time for it: see Estimate.Outlook. Both are zero when the
// order has no occasion; the outlook is "" when est is nil (a delivered or
// cancelled order).
func OccasionOutlook(o *Order, est *Estimate, now time.Time) (daysLeft int, outlook Outlook) {
	if o == nil || o.Occasion == nil {
		return 0, ""
	}
	d, err := ParseDate(string(o.Occasion.Date))
	if err != nil {
		return 0, ""
	}
	return daysBetween(chinaDay(now), d), est.Outlook(d)
}

// LaneEstimator is the estimator of docs/ARCHITECTURE.md §7: remaining production from
// batch plans (or SKU lead times), then pick-up, transit and last mile from
// the lane statistics in the graph's LaneBook, falling back to a default
// transit table from an east-China origin (the demo warehouse is in
// Hangzhou) where a lane has fewer than MinLaneSamples deliveries. With an
// empty book every estimate comes from the tables and is ConfidenceLow.
//
// The rules:
//
//   - A cancelled order has no estimates at all.
//   - A delivered parcel has none (it has DeliveredAt); nor has a parcel
//     that is returned, refused or returning, or damaged in transit: it is
//     not coming as sent, and promising a date would mislead.
//   - A parcel out for delivery arrives within its lane's last-mile time
//     still to go (the distribution conditioned on the time already spent
//     out for delivery); without lane statistics, between now and the end
//     of tomorrow, most likely by the end of today (China time).
//   - A parcel at a pickup point is there now: P10 = P50 = P90 = now.
//   - Any other parcel (created, picked up, in transit, exception,
//     expired) arrives at its pick-up plus the transit to the order's
//     province. The pick-up is the first scan of the current leg that shows
//     the parcel with the carrier (picked_up or in_transit). With lane
//     statistics the transit still to go is conditioned on the time since
//     the pick-up, so a slow parcel's window moves out as it stays slow;
//     without, it is the default transit added to the pick-up. Before such a
//     scan the pick-up is still to come: the lane's pick-up delay
//     conditioned on the time since the waybill was created, or a default
//     of 0.5/1/1.5 days (P10/P50/P90) from the waybill, no part of which can
//     lie before now. No such parcel arrives earlier than one out for
//     delivery would.
//   - An item not yet in a parcel is ready when production ends:
//     for a finished batch, when its last stage was completed; for a batch
//     in progress, at the end of its last planned day shifted by the days
//     the batch runs late (see batchPlanEnd); with no batch (none named, or
//     not created yet), at the order's CreatedAt plus the SKU's lead time
//     (min / midpoint / max days). Production not finished ends no earlier
//     than now. From max(ready, now) the carrier picks the items up after
//     the pick-up delay, then the transit applies as for a parcel; with no
//     carrier chosen yet, the lane is every carrier of the brand to the
//     order's province.
//   - Two durations from lane statistics add as independent variables:
//     P50s add, and the spreads P50−P10 and P90−P50 add in quadrature.
//     A sum with a fixed-table part adds quantile by quantile (P10 + P10
//     and so on): wider, which suits a low-confidence estimate.
//   - The order's window is the latest of its parts, quantile by quantile
//     (the maximum P10, the maximum P50, the maximum P90).
//
// Days are China-time days: "end of day" is midnight in Asia/Shanghai,
// whatever the zone of the inputs or of the server.
type LaneEstimator struct{}

var _ Estimator = LaneEstimator{}

// EstimateOrder implements Estimator.
func (LaneEstimator) EstimateOrder(g *OrderGraph, skus map[string]*SKU, now time.Time) OrderEstimate {
	o := g.Order
	if skus == nil {
		skus = g.SKUs
	}
	out := OrderEstimate{
		Parcels: make(map[string]*Estimate, len(g.Shipments)),
		Items:   make([]*ItemEstimate, len(o.Items)),
	}
	for _, s := range g.Shipments {
		out.Parcels[ParcelKey(s.Carrier, s.TrackingNo)] = nil
	}
	if o.CancelledAt != nil {
		return out
	}

	now = now.In(ChinaTime)
	lg := legs{book: g.Lanes, dest: o.Address.ProvinceCode, fallback: defaultTransit(o.Address.ProvinceCode)}
	floor := outForDelivery(now)
	var parts []*Estimate
	complete := true // every part not yet delivered has an estimate
	shipped := map[int64]int{}
	for _, s := range g.Shipments {
		for _, si := range s.Items {
			shipped[si.ItemID] += si.Quantity
		}
		e := lg.parcel(s, now, floor)
		out.Parcels[ParcelKey(s.Carrier, s.TrackingNo)] = e
		switch {
		case e != nil:
			parts = append(parts, e)
		case s.Status != StatusDelivered:
			complete = false
		}
	}

	batches := make(map[string]*Batch, len(g.Batches))
	for _, b := range g.Batches {
		batches[b.BatchNo] = b
	}
	for i, it := range o.Items {
		left := it.Quantity - shipped[it.ID]
		if left <= 0 {
			continue
		}
		ie := &ItemEstimate{Quantity: left}
		out.Items[i] = ie
		ready, ok := readyAt(o, batches[it.BatchNo], skus[it.SKU], now)
		if !ok {
			complete = false
			continue
		}
		items := Lane{Carrier: anyValue, Origin: anyValue, Dest: lg.dest}
		ship := lg.add(ready.atLeast(pointAt(now, "")), lg.duration(MetricPickup, items, 0))
		delivery := lg.add(ship, lg.duration(MetricTransit, items, 0)).atLeast(floor)
		ie.Ship, ie.Delivery = &ship, &delivery
		parts = append(parts, &delivery)
	}

	if complete && len(parts) > 0 {
		out.Order = latest(parts)
	}
	return out
}

// legs is where an order's durations come from: lane statistics, else the
// default tables.
type legs struct {
	book     LaneBook
	dest     string // the order's province code
	fallback transitRow
}

// leg is a duration still to go, with where it comes from.
type leg struct {
	span
	basis      string
	confidence string
	fromLanes  bool
}

// duration returns the time still to go of metric m on lane l, after
// elapsed has already passed. The default tables ignore elapsed: the caller
// adds them to the start of the leg, not to now.
func (lg legs) duration(m LaneMetric, l Lane, elapsed time.Duration) leg {
	var st *LaneStats
	var exact bool
	if l.Carrier == anyValue {
		st = lg.book[bookKey(m, l)]
		if st != nil && st.Samples() < MinLaneSamples {
			st = nil
		}
	} else {
		st, exact = lg.book.Lookup(m, l)
	}
	if st != nil {
		if rem, ok := st.Hist.Remaining(elapsed); ok {
			conf := ConfidenceMedium
			if exact && st.Samples() >= HighConfidenceSamples {
				conf = ConfidenceHigh
			}
			return leg{rem, fmt.Sprintf("%s on lane %s (%d deliveries)", m, st.Lane, st.Samples()), conf, true}
		}
	}
	switch m {
	case MetricPickup:
		return leg{pickupDelay, "pickup delay", ConfidenceLow, false}
	case MetricLastMile:
		return leg{span{0, 12 * time.Hour, 36 * time.Hour}, "default last mile", ConfidenceLow, false}
	}
	return leg{lg.fallback.span, lg.fallback.basis(), ConfidenceLow, false}
}

// add returns e followed by d: quantiles add in quadrature when both come
// from lane statistics, else quantile by quantile.
func (lg legs) add(e Estimate, d leg) Estimate {
	if !d.fromLanes || !e.independent {
		out := e.plus(d.span, d.basis)
		out.Confidence = lowerConfidence(e.Confidence, d.confidence)
		return out
	}
	out := e.plus(span{}, d.basis)
	spread := func(a, b time.Duration) time.Duration {
		return time.Duration(math.Sqrt(float64(a)*float64(a) + float64(b)*float64(b)))
	}
	out.P50 = e.P50.Add(d.p50)
	out.P10 = out.P50.Add(-spread(e.P50.Sub(e.P10), d.p50-d.p10))
	out.P90 = out.P50.Add(spread(e.P90.Sub(e.P50), d.p90-d.p50))
	out.P10 = later(out.P10, e.P10.Add(d.p10))
	out.Confidence = lowerConfidence(e.Confidence, d.confidence)
	out.independent = true
	return out
}

// parcel applies the parcel rules of LaneEstimator; nil when the parcel is
// delivered or not coming.
func (lg legs) parcel(s *Shipment, now time.Time, floor Estimate) *Estimate {
	if s.Status == StatusException && s.SubStatus == "damaged" {
		return nil
	}
	lane := LaneOf(s, lg.dest)
	switch s.Status {
	case StatusDelivered, StatusReturned, StatusRefused, StatusReturning:
		return nil
	case StatusOutForDelivery:
		if d := lg.duration(MetricLastMile, lane, now.Sub(latestScan(s, StatusOutForDelivery))); d.fromLanes {
			e := lg.add(startAt(now), d)
			return &e
		}
		e := floor
		e.Basis = "out for delivery: today or tomorrow"
		return &e
	case StatusAtPickupPoint:
		e := pointAt(now, "waiting at a pickup point")
		return &e
	}
	var e Estimate
	if at, ok := pickedUpAt(s); ok {
		if d := lg.duration(MetricTransit, lane, now.Sub(at)); d.fromLanes {
			e = lg.add(startAt(now), d)
		} else {
			e = pointAt(at, "pickup scan").plus(d.span, d.basis)
			e.Confidence = d.confidence
		}
	} else {
		pickup := lg.duration(MetricPickup, lane, now.Sub(s.CreatedAt))
		if pickup.fromLanes {
			e = lg.add(startAt(now), pickup)
		} else {
			e = pointAt(s.CreatedAt, "waybill").plus(pickup.span, pickup.basis).atLeast(pointAt(now, ""))
			e.Confidence = pickup.confidence
		}
		e = lg.add(e, lg.duration(MetricTransit, lane, 0))
	}
	if !e.independent {
		// A day-grained table estimate arrives no earlier than a parcel out
		// for delivery; lane statistics are finer than that.
		e = e.atLeast(floor)
	}
	return &e
}

// startAt is an estimate that starts now with nothing added yet.
func startAt(now time.Time) Estimate { return pointAt(now, "") }

// latestScan returns the time of the parcel's newest event in status st.
func latestScan(s *Shipment, st ShipmentStatus) time.Time {
	var t time.Time
	for _, e := range s.Events {
		if e.Status == st && e.Time.After(t) {
			t = e.Time
		}
	}
	return t
}

// pickedUpAt returns the time of the first scan of the parcel's current
// leg (after its last delivery, if any) that shows it with the carrier.
func pickedUpAt(s *Shipment) (time.Time, bool) {
	var delivered, first time.Time
	for _, e := range s.Events {
		if e.Status == StatusDelivered && e.Time.After(delivered) {
			delivered = e.Time
		}
	}
	for _, e := range s.Events {
		if (e.Status == StatusPickedUp || e.Status == StatusInTransit) && e.Time.After(delivered) &&
			(first.IsZero() || e.Time.Before(first)) {
			first = e.Time
		}
	}
	return first, !first.IsZero()
}

// readyAt returns when an item's production ends, its basis naming the
// source; false when there is nothing to estimate from (no batch plan and
// no SKU).
func readyAt(o *Order, b *Batch, sku *SKU, now time.Time) (Estimate, bool) {
	if b != nil && b.Done() {
		var done time.Time
		for _, p := range b.Progress() {
			if p.CompletedAt != nil && p.CompletedAt.After(done) {
				done = *p.CompletedAt
			}
		}
		return pointAt(done, "production done"), true
	}
	if b != nil {
		if end, late, ok := batchPlanEnd(b, now); ok {
			basis := "batch plan"
			switch {
			case late == 1:
				basis = "batch plan, 1 day late"
			case late > 1:
				basis = fmt.Sprintf("batch plan, %d days late", late)
			}
			e := pointAt(end, basis).atLeast(pointAt(now, ""))
			e.Confidence = ConfidenceMedium
			return e, true
		}
	}
	if sku == nil {
		return Estimate{}, false
	}
	lt := sku.LeadTime
	leadTime := span{days(float64(lt.Min)), days(float64(lt.Min+lt.Max) / 2), days(float64(lt.Max))}
	e := pointAt(o.CreatedAt, "").plus(leadTime, "sku lead time").atLeast(pointAt(now, ""))
	e.Confidence = ConfidenceLow
	return e, true
}

// batchPlanEnd returns the end of a batch's last planned day shifted by the
// whole days the batch runs late, and that shift. The furthest completed
// planned stage sets the shift: the days between its planned day and the
// day it was completed, if later (so a batch that catches up loses its
// delay, and finishing early gains nothing). Each planned stage after it
// that is not completed adds its own lateness, the largest counting: it can
// finish today at the earliest, so it is today minus its planned day late,
// and a stage reported delayed is at least one day late (the reason is free
// text the estimator does not read). False when the batch has no plan.
func batchPlanEnd(b *Batch, now time.Time) (end time.Time, late int, ok bool) {
	progress := b.Progress()
	var last Date
	from := 0 // the first stage after the furthest completed planned stage
	for i, p := range progress {
		if p.Planned == nil {
			continue
		}
		last = max(last, *p.Planned)
		if p.CompletedAt != nil {
			late, from = max(0, daysBetween(*p.Planned, chinaDay(*p.CompletedAt))), i+1
		}
	}
	if last == "" {
		return time.Time{}, 0, false
	}
	today := chinaDay(now)
	for _, p := range progress[from:] {
		if p.Planned == nil || p.CompletedAt != nil {
			continue
		}
		late = max(late, daysBetween(*p.Planned, today))
		if p.DelayedAt != nil {
			late = max(late, 1)
		}
	}
	return last.End().AddDate(0, 0, late), late, true
}

// span is a duration at each quantile.
type span struct{ p10, p50, p90 time.Duration }

// days converts a number of days to a duration.
func days(n float64) time.Duration { return time.Duration(n * float64(24*time.Hour)) }

// pickupDelay runs from a waybill's creation, or from the end of
// production, to the carrier's pick-up.
var pickupDelay = span{days(0.5), days(1), days(1.5)}

// transitRow is the default transit time to a region from east China.
type transitRow struct {
	region string
	span
}

func (r transitRow) basis() string { return "default transit (" + r.region + ")" }

// The regions of the default transit table, from an east-China origin.
var (
	transitEast     = transitRow{"east China", span{days(1), days(1.5), days(2.5)}}
	transitCentral  = transitRow{"central, north and south China", span{days(2), days(3), days(4)}}
	transitOuter    = transitRow{"north-east, north-west and south-west China", span{days(2.5), days(3.5), days(5)}}
	transitFarWest  = transitRow{"far west and Hainan", span{days(4), days(5.5), days(8)}}
	transitHKMOTW   = transitRow{"Hong Kong, Macau and Taiwan", span{days(3), days(4), days(7)}}
	transitFallback = transitRow{"unknown province", transitFarWest.span}
)

// transitTable maps each province's GB/T 2260 code to its transit row.
var transitTable = map[string]transitRow{
	"310000": transitEast, // 上海
	"320000": transitEast, // 江苏
	"330000": transitEast, // 浙江
	"340000": transitEast, // 安徽

	"110000": transitCentral, // 北京
	"120000": transitCentral, // 天津
	"130000": transitCentral, // 河北
	"140000": transitCentral, // 山西
	"350000": transitCentral, // 福建
	"360000": transitCentral, // 江西
	"370000": transitCentral, // 山东
	"410000": transitCentral, // 河南
	"420000": transitCentral, // 湖北
	"430000": transitCentral, // 湖南
	"440000": transitCentral, // 广东
	"450000": transitCentral, // 广西

	"210000": transitOuter, // 辽宁
	"220000": transitOuter, // 吉林
	"230000": transitOuter, // 黑龙江
	"500000": transitOuter, // 重庆
	"510000": transitOuter, // 四川
	"520000": transitOuter, // 贵州
	"530000": transitOuter, // 云南
	"610000": transitOuter, // 陕西

	"150000": transitFarWest, // 内蒙古
	"460000": transitFarWest, // 海南
	"540000": transitFarWest, // 西藏
	"620000": transitFarWest, // 甘肃
	"630000": transitFarWest, // 青海
	"640000": transitFarWest, // 宁夏
	"650000": transitFarWest, // 新疆

	"710000": transitHKMOTW, // 台湾
	"810000": transitHKMOTW, // 香港
	"820000": transitHKMOTW, // 澳门
}

// defaultTransit returns the transit row of a province; an unknown province
// gets the slowest mainland row.
func defaultTransit(provinceCode string) transitRow {
	if r, ok := transitTable[provinceCode]; ok {
		return r
	}
	return transitFallback
}

// pointAt is the window of something known to happen at t: as confident as
// a fact, until less certain parts are added.
func pointAt(t time.Time, basis string) Estimate {
	t = t.In(ChinaTime)
	return Estimate{P10: t, P50: t, P90: t, Confidence: ConfidenceHigh, Basis: basis, independent: true}
}

// plus adds s to the window, quantile by quantile, and basis to its basis.
func (e Estimate) plus(s span, basis string) Estimate {
	e.P10, e.P50, e.P90 = e.P10.Add(s.p10), e.P50.Add(s.p50), e.P90.Add(s.p90)
	if s != (span{}) {
		e.independent = false
	}
	switch {
	case e.Basis == "":
		e.Basis = basis
	case basis != "":
		e.Basis += " + " + basis
	}
	return e
}

// atLeast moves each quantile of the window up to that of floor, keeping
// e's basis.
func (e Estimate) atLeast(floor Estimate) Estimate {
	e.P10, e.P50, e.P90 = later(e.P10, floor.P10), later(e.P50, floor.P50), later(e.P90, floor.P90)
	return e
}

// later returns the later of two instants.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// outForDelivery is the window of a parcel out for delivery: from now to
// the end of tomorrow, most likely by the end of today.
func outForDelivery(now time.Time) Estimate {
	end := chinaDay(now).End()
	return Estimate{P10: now.In(ChinaTime), P50: end, P90: end.AddDate(0, 0, 1), Confidence: ConfidenceLow}
}

// latest is the window of all parts arriving: the latest of each quantile.
func latest(parts []*Estimate) *Estimate {
	if len(parts) == 1 {
		e := *parts[0]
		return &e
	}
	e := Estimate{Confidence: ConfidenceHigh, Basis: fmt.Sprintf("latest of %d parts", len(parts))}
	for _, p := range parts {
		e.Confidence = lowerConfidence(e.Confidence, p.Confidence)
		e.P10, e.P50, e.P90 = later(e.P10, p.P10), later(e.P50, p.P50), later(e.P90, p.P90)
	}
	return &e
}

// chinaDay returns the China-time day of an instant.
func chinaDay(t time.Time) Date { return Date(t.In(ChinaTime).Format(time.DateOnly)) }

// endingDay returns the China-time day an instant ends, reading midnight
// as the end of the day before.
func endingDay(t time.Time) Date { return chinaDay(t.Add(-time.Nanosecond)) }

// daysBetween returns the calendar days from a to b (negative if b is
// earlier).
func daysBetween(a, b Date) int { return int(b.Start().Sub(a.Start()) / (24 * time.Hour)) }

// ETARevision is one recorded estimate of an order or one of its parcels:
// every change of the window is kept, so the history of promises can be
// shown and measured.
type ETARevision struct {
	Parcel     string    `json:"parcel,omitempty"` // ParcelKey, or "" for the whole order
	P10        time.Time `json:"p10"`
	P50        time.Time `json:"p50"`
	P90        time.Time `json:"p90"`
	Confidence string    `json:"confidence"`
	Basis      string    `json:"basis"`
	At         time.Time `json:"at"` // when the estimate was made
}

// Revises reports whether e differs enough from the last recorded revision
// to be recorded: a quantile moved by an hour or more, or the confidence
// changed. A nil last always revises.
func (e *Estimate) Revises(last *ETARevision) bool {
	if last == nil {
		return true
	}
	moved := func(a, b time.Time) bool { d := a.Sub(b); return d >= time.Hour || d <= -time.Hour }
	return moved(e.P10, last.P10) || moved(e.P50, last.P50) || moved(e.P90, last.P90) || e.Confidence != last.Confidence
}
