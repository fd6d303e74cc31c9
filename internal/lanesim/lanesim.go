// Package lanesim generates synthetic delivery histories from known lane
// distributions: the demo seeds its lane statistics from one, and the
// calibration check trains the estimator on ten months of one and measures
// it on the last two.
package lanesim

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// LogNormal is a duration distribution given by its median and the
// standard deviation of its logarithm.
type LogNormal struct {
	Median time.Duration
	Sigma  float64
}

// Sample draws one duration.
func (d LogNormal) Sample(r *rand.Rand) time.Duration {
	return time.Duration(float64(d.Median) * math.Exp(d.Sigma*r.NormFloat64()))
}

// Quantile returns the duration below which a share p of samples fall.
func (d LogNormal) Quantile(p float64) time.Duration {
	return time.Duration(float64(d.Median) * math.Exp(d.Sigma*math.Sqrt2*math.Erfinv(2*p-1)))
}

// LaneModel is how parcels travel one lane.
type LaneModel struct {
	Lane     trail.Lane
	Pickup   LogNormal // waybill to first scan
	Transit  LogNormal // first scan to delivery
	LastMile LogNormal // out for delivery to delivery (a tail of transit)
	Weight   int       // relative share of the brand's parcels
}

// Model is a brand's lanes and how the season slows them.
type Model struct {
	Lanes []LaneModel
	// Season returns the factor by which transit times stretch at t: 1 in
	// normal times, more in peaks.
	Season func(t time.Time) float64
}

// carrierModel is a carrier's speed and spread relative to the baseline.
type carrierModel struct {
	code         string
	speed, sigma float64
	pickupHours  float64
	weight       int
}

// destination is a province's baseline transit from Hangzhou.
type destination struct {
	code   string
	median float64 // hours, baseline carrier
	weight int
}

// DefaultModel is a Hangzhou brand shipping with five carriers to ten
// provinces, with transit medians from about a day (Zhejiang by SF) to five
// days (Xinjiang by post), and a Double 11 peak (11–25 November) that
// stretches transit by 30%.
func DefaultModel() *Model {
	carriers := []carrierModel{
		{"shunfeng", 0.7, 0.25, 4, 3},
		{"zhongtong", 1.0, 0.35, 8, 4},
		{"yuantong", 1.05, 0.35, 8, 3},
		{"yunda", 1.1, 0.4, 10, 2},
		{"youzhengguonei", 1.4, 0.45, 14, 1},
	}
	dests := []destination{
		{"330000", 26, 6}, {"310000", 30, 5}, {"320000", 32, 5}, {"440000", 52, 4}, {"110000", 50, 4},
		{"510000", 64, 2}, {"420000", 44, 2}, {"210000", 66, 1}, {"460000", 80, 1}, {"650000", 110, 1},
	}
	m := &Model{Season: doubleEleven}
	for _, c := range carriers {
		for _, d := range dests {
			m.Lanes = append(m.Lanes, LaneModel{
				Lane:     trail.Lane{Carrier: c.code, Origin: "杭州市", Dest: d.code},
				Pickup:   LogNormal{time.Duration(c.pickupHours * float64(time.Hour)), 0.5},
				Transit:  LogNormal{time.Duration(d.median * c.speed * float64(time.Hour)), c.sigma},
				LastMile: LogNormal{4 * time.Hour, 0.5},
				Weight:   c.weight * d.weight,
			})
		}
	}
	return m
}

// doubleEleven stretches transit by 30% from 11 to 25 November, China time.
func doubleEleven(t time.Time) float64 {
	c := t.In(trail.ChinaTime)
	if c.Month() == time.November && c.Day() >= 11 && c.Day() <= 25 {
		return 1.3
	}
	return 1
}

// Delivery is one synthetic parcel's journey.
type Delivery struct {
	Model          *LaneModel
	Created        time.Time
	PickedUp       time.Time
	OutForDelivery time.Time
	Delivered      time.Time
}

// History returns perDay deliveries a day for the days from from (inclusive)
// to to (exclusive), created through each day, drawn with the seed: the same
// arguments give the same history.
func (m *Model) History(seed uint64, from, to time.Time, perDay int) []Delivery {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	total := 0
	for _, l := range m.Lanes {
		total += l.Weight
	}
	var out []Delivery
	for day := from; day.Before(to); day = day.Add(24 * time.Hour) {
		for range perDay {
			pick := r.IntN(total)
			var lm *LaneModel
			for i := range m.Lanes {
				if pick < m.Lanes[i].Weight {
					lm = &m.Lanes[i]
					break
				}
				pick -= m.Lanes[i].Weight
			}
			created := day.Add(time.Duration(r.Int64N(int64(24 * time.Hour))))
			picked := created.Add(lm.Pickup.Sample(r))
			transit := time.Duration(float64(lm.Transit.Sample(r)) * m.Season(picked))
			last := min(lm.LastMile.Sample(r), transit-time.Minute)
			delivered := picked.Add(transit)
			out = append(out, Delivery{Model: lm, Created: created, PickedUp: picked,
				OutForDelivery: delivered.Add(-last), Delivered: delivered})
		}
	}
	return out
}

// Shipment returns the delivery as a parcel whose events go up to at (all of
// them when at is zero): the pickup scan in the origin city, the
// out-for-delivery scan and the delivery, each only once it has happened.
func (d *Delivery) Shipment(id int64, at time.Time) *trail.Shipment {
	s := &trail.Shipment{ID: id, Carrier: d.Model.Lane.Carrier, TrackingNo: "SIM" + time.Duration(id).String(),
		Status: trail.StatusCreated, CreatedAt: d.Created}
	scan := func(t time.Time, st trail.ShipmentStatus, loc string) {
		if at.IsZero() || !t.After(at) {
			s.Events = append([]trail.TrackingEvent{{CarrierEvent: trail.CarrierEvent{Time: t, Status: st, Location: loc}}}, s.Events...)
			s.Status, s.LastEventAt = st, &t
			if st == trail.StatusDelivered {
				s.DeliveredAt = &t
			}
		}
	}
	scan(d.PickedUp, trail.StatusPickedUp, d.Model.Lane.Origin)
	scan(d.OutForDelivery, trail.StatusOutForDelivery, "")
	scan(d.Delivered, trail.StatusDelivered, "")
	return s
}

// Samples returns what the delivery adds to lane statistics, through the
// same function the store uses for real parcels.
func (d *Delivery) Samples() []trail.LaneSample {
	return trail.LaneSamples(d.Shipment(1, time.Time{}), d.Model.Lane.Dest)
}

// Book builds the lane statistics of a history, at every level the store
// keeps (see sqlstore's lane keys): the lane, its fallbacks, and every
// carrier to the destination.
func Book(history []Delivery) trail.LaneBook {
	book := trail.LaneBook{}
	for i := range history {
		for _, smp := range history[i].Samples() {
			for _, l := range trail.LaneKeys(smp.Lane) {
				s := book.Get(smp.Metric, l)
				if s == nil {
					s = &trail.LaneStats{Metric: smp.Metric, Lane: l}
					book.Put(s)
				}
				s.Hist.Add(smp.Duration)
			}
		}
	}
	return book
}
