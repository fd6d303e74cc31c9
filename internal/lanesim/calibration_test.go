package lanesim

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// calibration is how well estimates made at one moment of a journey match
// the deliveries: docs/ARCHITECTURE.md §7's three measures.
type calibration struct {
	n             int
	inside, byP90 int
	errorsHours   []float64 // |delivered − p50|
	high, medium  int       // confidence levels given
}

func (c *calibration) add(e *trail.Estimate, delivered time.Time) {
	c.n++
	if !delivered.Before(e.P10) && !delivered.After(e.P90) {
		c.inside++
	}
	if !delivered.After(e.P90) {
		c.byP90++
	}
	c.errorsHours = append(c.errorsHours, math.Abs(delivered.Sub(e.P50).Hours()))
	switch e.Confidence {
	case trail.ConfidenceHigh:
		c.high++
	case trail.ConfidenceMedium:
		c.medium++
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func (c *calibration) String() string {
	return fmt.Sprintf("%6d parcels | %5.1f%% inside [p10, p90] | %5.1f%% by p90 | median |error of p50| %5.1f h | confidence high %4.1f%%, medium %4.1f%%",
		c.n, 100*float64(c.inside)/float64(c.n), 100*float64(c.byP90)/float64(c.n), median(c.errorsHours),
		100*float64(c.high)/float64(c.n), 100*float64(c.medium)/float64(c.n))
}

// TestCalibration is the accuracy check of issue 5: a year of synthetic
// deliveries from DefaultModel's known lane distributions (December 2025 to
// November 2026, 60 parcels a day), the estimator trained on the first ten
// months and judged on the last two. Each test parcel is estimated when its
// waybill is created and again at its pickup scan, by the LaneEstimator
// itself, from a LaneBook built the way the store builds it. Run with -v
// for the report that docs/BENCHMARKS.md quotes.
func TestCalibration(t *testing.T) {
	t.Parallel()
	m := DefaultModel()
	from := time.Date(2025, 12, 1, 0, 0, 0, 0, trail.ChinaTime)
	split := time.Date(2026, 10, 1, 0, 0, 0, 0, trail.ChinaTime)
	to := time.Date(2026, 12, 1, 0, 0, 0, 0, trail.ChinaTime)
	history := m.History(2026, from, to, 60)

	var train, test []Delivery
	for _, d := range history {
		switch {
		case d.Delivered.Before(split):
			train = append(train, d)
		case !d.Created.Before(split):
			test = append(test, d)
		}
	}
	book := Book(train)

	periods := []struct {
		name     string
		from, to time.Time
	}{
		{"October (normal)", split, time.Date(2026, 11, 1, 0, 0, 0, 0, trail.ChinaTime)},
		{"November (Double 11 peak inside)", time.Date(2026, 11, 1, 0, 0, 0, 0, trail.ChinaTime), to},
		{"both months", split, to},
	}
	type moment struct {
		name string
		at   func(d *Delivery) time.Time
	}
	moments := []moment{
		{"at the waybill", func(d *Delivery) time.Time { return d.Created }},
		{"at the pickup scan", func(d *Delivery) time.Time { return d.PickedUp }},
	}
	results := map[string]*calibration{}
	for i := range test {
		d := &test[i]
		for _, mo := range moments {
			now := mo.at(d)
			s := d.Shipment(int64(i+1), now)
			s.Items = []trail.ShipmentItem{{ItemID: 1, SKU: "X", Quantity: 1}}
			g := &trail.OrderGraph{
				Order:     &trail.Order{OrderNo: "CAL", Address: trail.Address{ProvinceCode: d.Model.Lane.Dest}, Items: []trail.Item{{ID: 1, SKU: "X", Quantity: 1}}, CreatedAt: d.Created},
				Shipments: []*trail.Shipment{s},
				Lanes:     book,
			}
			e := trail.LaneEstimator{}.EstimateOrder(g, map[string]*trail.SKU{}, now).Parcels[trail.ParcelKey(s.Carrier, s.TrackingNo)]
			if e == nil {
				t.Fatalf("no estimate for %+v at %v", d, now)
			}
			for _, p := range periods {
				if d.Created.Before(p.from) || !d.Created.Before(p.to) {
					continue
				}
				k := p.name + " / " + mo.name
				if results[k] == nil {
					results[k] = &calibration{}
				}
				results[k].add(e, d.Delivered)
			}
		}
	}
	t.Logf("trained on %d deliveries (Dec 2025 – Sep 2026), judged on %d (Oct – Nov 2026)", len(train), len(test))
	for _, p := range periods {
		for _, mo := range moments {
			k := p.name + " / " + mo.name
			t.Logf("%-52s %s", k, results[k])
		}
	}

	// The target of issue 5 holds in normal times: 80–90% inside the
	// window. The estimator does not model seasons, so the Double 11 peak
	// is reported, not asserted.
	for _, mo := range moments {
		c := results["October (normal) / "+mo.name]
		share := float64(c.inside) / float64(c.n)
		if share < 0.78 || share > 0.92 {
			t.Errorf("October %s: %.1f%% inside [p10, p90], want about 80–90%%", mo.name, 100*share)
		}
	}
}
