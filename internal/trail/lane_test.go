package trail

import (
	"math"
	"strings"
	"testing"
	"time"
)

// uniformHistogram counts n samples spread evenly over [from, to) hours.
func uniformHistogram(from, to float64, n int) Histogram {
	var h Histogram
	for i := range n {
		h.Add(time.Duration((from + (to-from)*(float64(i)+0.5)/float64(n)) * float64(time.Hour)))
	}
	return h
}

func TestHistogramQuantiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		from, to      float64
		p10, p50, p90 float64
	}{
		{"hourly buckets", 10, 30, 12, 20, 28},
		{"two-hourly buckets", 50, 90, 54, 70, 86},
		{"daily buckets", 240, 480, 264, 360, 456},
		{"spanning bucket widths", 24, 120, 33.6, 72, 110.4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := uniformHistogram(tt.from, tt.to, 1000)
			for _, q := range []struct{ p, want float64 }{{0.1, tt.p10}, {0.5, tt.p50}, {0.9, tt.p90}} {
				// Bucket widths bound the error: 1 h, 2 h, 6 h, 24 h.
				tol := 1.0
				if q.want > 96 {
					tol = 24
				} else if q.want > 48 {
					tol = 2
				}
				if got := h.quantileAt(q.p); math.Abs(got-q.want) > tol {
					t.Errorf("p%.0f: got %.1f h, want %.1f ± %.0f h", q.p*100, got, q.want, tol)
				}
			}
		})
	}
}

func TestHistogramRemaining(t *testing.T) {
	t.Parallel()
	h := uniformHistogram(20, 60, 4000) // transit between 20 and 60 hours
	tests := []struct {
		name          string
		elapsed       time.Duration
		p10, p50, p90 float64 // hours still to go
		ok            bool
	}{
		{"just picked up", 0, 24, 40, 56, true},
		{"before the fastest delivery", 10 * time.Hour, 14, 30, 46, true},
		{"half way: conditioned on still travelling", 40 * time.Hour, 2, 10, 18, true},
		{"slower than anything seen", 70 * time.Hour, 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := h.Remaining(tt.elapsed)
			if ok != tt.ok {
				t.Fatalf("ok: got %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			for _, q := range []struct {
				name string
				got  time.Duration
				want float64
			}{{"p10", got.p10, tt.p10}, {"p50", got.p50, tt.p50}, {"p90", got.p90, tt.p90}} {
				if math.Abs(q.got.Hours()-q.want) > 2 {
					t.Errorf("%s: got %.1f h, want %.1f ± 2 h", q.name, q.got.Hours(), q.want)
				}
			}
		})
	}
}

func TestHistogramEncoding(t *testing.T) {
	t.Parallel()
	h := uniformHistogram(3, 30, 50)
	h.Add(5000 * time.Hour) // overflow
	s := h.String()
	back, err := ParseHistogram(s)
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != s || back.Total() != 51 {
		t.Errorf("round trip: got %q (%d), want %q (51)", back.String(), back.Total(), s)
	}
	if got, _ := ParseHistogram(""); got.Total() != 0 {
		t.Errorf("empty: got %d samples", got.Total())
	}
	for _, bad := range []string{"1,x", "-1", "1,,2", "1" + strings.Repeat(",1", len(bucketBounds)+1)} {
		if _, err := ParseHistogram(bad); err == nil {
			t.Errorf("ParseHistogram(%.20q): got no error", bad)
		}
	}
}

func TestLaneBookLookup(t *testing.T) {
	t.Parallel()
	full := Lane{"zhongtong", "杭州市", "440000"}
	book := LaneBook{}
	put := func(l Lane, n int) {
		book.Put(&LaneStats{Metric: MetricTransit, Lane: l, Hist: uniformHistogram(20, 40, n)})
	}
	put(Lane{"zhongtong", anyValue, anyValue}, 500)
	if s, exact := book.Lookup(MetricTransit, full); s == nil || s.Lane.Dest != anyValue || exact {
		t.Fatalf("carrier level: got %+v, %v", s, exact)
	}
	put(Lane{"zhongtong", anyValue, "440000"}, 40)
	if s, _ := book.Lookup(MetricTransit, full); s == nil || s.Lane.Dest != "440000" || s.Lane.Origin != anyValue {
		t.Fatalf("destination level: got %+v", s)
	}
	put(full, MinLaneSamples-1) // too thin to use
	if s, _ := book.Lookup(MetricTransit, full); s.Lane.Origin != anyValue {
		t.Errorf("thin lane used: got %+v", s.Lane)
	}
	put(full, MinLaneSamples)
	if s, exact := book.Lookup(MetricTransit, full); s.Lane != full || !exact {
		t.Errorf("full lane: got %+v, %v", s.Lane, exact)
	}
	if s, _ := book.Lookup(MetricPickup, full); s != nil {
		t.Errorf("other metric: got %+v, want none", s)
	}
	if s, _ := book.Lookup(MetricTransit, Lane{"yuantong", "杭州市", "440000"}); s != nil {
		t.Errorf("other carrier: got %+v, want none", s)
	}
}

func TestLaneSamples(t *testing.T) {
	t.Parallel()
	scan := func(st ShipmentStatus, at, loc string) TrackingEvent {
		e := etaScan(st, at)
		e.Location = loc
		return e
	}
	delivered := etaTime("2026-12-04 15:00")
	s := &Shipment{
		Carrier: "zhongtong", Status: StatusDelivered, CreatedAt: etaTime("2026-12-01 10:00"), DeliveredAt: &delivered,
		Events: []TrackingEvent{
			scan(StatusDelivered, "2026-12-04 15:00", "广州市"),
			scan(StatusOutForDelivery, "2026-12-04 09:00", "广州市"),
			scan(StatusInTransit, "2026-12-02 02:00", "杭州市"),
			scan(StatusPickedUp, "2026-12-01 18:00", "杭州市"),
		},
	}
	got := LaneSamples(s, "440000")
	want := []LaneSample{
		{MetricPickup, Lane{"zhongtong", "杭州市", "440000"}, 8 * time.Hour},
		{MetricTransit, Lane{"zhongtong", "杭州市", "440000"}, 69 * time.Hour},
		{MetricLastMile, Lane{"zhongtong", "杭州市", "440000"}, 6 * time.Hour},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("sample %d: got %+v, want %+v", i, got[i], want[i])
		}
	}

	for name, s := range map[string]*Shipment{
		"in transit":           {Carrier: "zhongtong", Status: StatusInTransit, Events: s.Events[1:]},
		"delivered on return":  {Carrier: "zhongtong", Status: StatusDelivered, Leg: 1, DeliveredAt: &delivered, Events: s.Events},
		"delivered, no scans":  {Carrier: "zhongtong", Status: StatusDelivered, DeliveredAt: &delivered},
		"returned to a sender": {Carrier: "zhongtong", Status: StatusReturned, Events: s.Events},
	} {
		if got := LaneSamples(s, "440000"); len(got) != 0 {
			t.Errorf("%s: got %v, want no samples", name, got)
		}
	}
}

// TestLaneEstimatorWithLanes checks that lane statistics replace the default
// tables, condition on the time already spent, and set the confidence.
func TestLaneEstimatorWithLanes(t *testing.T) {
	t.Parallel()
	lane := Lane{"zhongtong", "杭州市", zhejiang}
	book := LaneBook{}
	book.Put(&LaneStats{Metric: MetricTransit, Lane: lane, Hist: uniformHistogram(20, 60, 400)})
	book.Put(&LaneStats{Metric: MetricTransit, Lane: Lane{"zhongtong", anyValue, zhejiang}, Hist: uniformHistogram(20, 60, 20)})
	book.Put(&LaneStats{Metric: MetricPickup, Lane: Lane{"zhongtong", anyValue, zhejiang}, Hist: uniformHistogram(2, 12, 20)})
	book.Put(&LaneStats{Metric: MetricLastMile, Lane: Lane{"zhongtong", anyValue, anyValue}, Hist: uniformHistogram(1, 9, 50)})

	pickup := etaScan(StatusPickedUp, "2026-12-01 12:00")
	pickup.Location = "杭州市"
	tests := []struct {
		name       string
		status     ShipmentStatus
		events     []TrackingEvent
		now        string
		p50        string // China time, ± 2 h
		confidence string
	}{
		{"just picked up: the full lane", StatusPickedUp, []TrackingEvent{pickup}, "2026-12-01 12:00", "2026-12-03 04:00", ConfidenceHigh},
		{"40 h on the way: 10 h to go", StatusInTransit, []TrackingEvent{etaScan(StatusInTransit, "2026-12-02 20:00"), pickup}, "2026-12-03 04:00", "2026-12-03 14:00", ConfidenceHigh},
		{"waybill only: pickup from a wider lane", StatusCreated, nil, "2026-12-01 10:00", "2026-12-03 09:00", ConfidenceMedium},
		{"out for delivery: last mile from the carrier lane", StatusOutForDelivery, []TrackingEvent{etaScan(StatusOutForDelivery, "2026-12-03 08:00"), pickup}, "2026-12-03 09:00", "2026-12-03 13:00", ConfidenceMedium},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &Shipment{Carrier: "zhongtong", TrackingNo: "ZT1", Status: tt.status, Events: tt.events,
				CreatedAt: etaTime("2026-12-01 10:00"), Items: []ShipmentItem{{ItemID: 1, SKU: "ROSE-750", Quantity: 1}}}
			g := &OrderGraph{Order: etaOrder(zhejiang, Item{ID: 1, SKU: "ROSE-750", Quantity: 1}), Shipments: []*Shipment{s}, Lanes: book}
			e := LaneEstimator{}.EstimateOrder(g, etaSKUs, etaTime(tt.now)).Parcels["zhongtong/ZT1"]
			if e == nil {
				t.Fatal("no estimate")
			}
			if d := e.P50.Sub(etaTime(tt.p50)); d > 2*time.Hour || d < -2*time.Hour {
				t.Errorf("p50: got %s, want %s ± 2 h (window %s, basis %s)", e.P50.In(ChinaTime).Format("2006-01-02 15:04"), tt.p50, etaWindow(e), e.Basis)
			}
			if e.Confidence != tt.confidence {
				t.Errorf("confidence: got %s, want %s (basis %s)", e.Confidence, tt.confidence, e.Basis)
			}
			if !(e.P10.Before(e.P50) && e.P50.Before(e.P90)) {
				t.Errorf("window not ordered: %s", etaWindow(e))
			}
		})
	}
}
