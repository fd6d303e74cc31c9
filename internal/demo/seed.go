package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/lanesim"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// Seed fills a brand with the demo catalogue, batches and n orders made
// from the scenarios, all timed relative to now. It returns the orders
// worth opening first, one per scenario.
func Seed(ctx context.Context, svc Services, brandID int64, now time.Time, n int, clock Clock) ([]Showcase, error) {
	if clock == nil {
		clock = func(time.Time) {}
	}
	defer clock(time.Time{})
	for i := range skus {
		if _, err := svc.PutSKU(ctx, brandID, &skus[i]); err != nil {
			return nil, fmt.Errorf("seed sku %s: %w", skus[i].Code, err)
		}
	}
	expires := trail.Date(now.AddDate(1, 0, 0).In(trail.ChinaTime).Format(time.DateOnly))
	for _, c := range carriers {
		if _, err := svc.PutCompliance(ctx, brandID, &trail.Compliance{Carrier: c, Alcohol: true, Fragile: true, QualificationExpires: &expires}); err != nil {
			return nil, fmt.Errorf("seed compliance of %s: %w", c, err)
		}
	}
	if err := seedLanes(ctx, svc, brandID, now); err != nil {
		return nil, err
	}
	today := trail.Date(now.In(trail.ChinaTime).Format(time.DateOnly)).Start()
	for _, bp := range batches {
		if err := seedBatch(ctx, svc, brandID, bp, today, now); err != nil {
			return nil, fmt.Errorf("seed batch %s: %w", bp.no, err)
		}
	}
	var show []Showcase
	for i := range n {
		sc := scenarios[i%len(scenarios)]
		o := newOrder(i, sc, now)
		clock(now.Add(-orderAge(sc, i)))
		if _, err := svc.CreateOrder(ctx, brandID, o); err != nil {
			return nil, fmt.Errorf("seed order %s: %w", o.OrderNo, err)
		}
		for j, pp := range sc.parcels {
			if err := seedParcel(ctx, svc, brandID, o, i, j, pp, now, clock); err != nil {
				return nil, fmt.Errorf("seed parcel of %s: %w", o.OrderNo, err)
			}
		}
		if i < len(scenarios) {
			show = append(show, Showcase{OrderNo: o.OrderNo, What: sc.what, PhoneLast4: trail.Last4(o.Customer.Phone)})
		}
	}
	return show, nil
}

func seedBatch(ctx context.Context, svc Services, brandID int64, bp batchPlan, today, now time.Time) error {
	var stages []trail.Stage
	for _, st := range trail.Stages[1:] {
		if st != bp.skip {
			stages = append(stages, st)
		}
	}
	plan := map[trail.Stage]trail.Date{}
	for j, st := range stages {
		plan[st] = trail.Date(today.AddDate(0, 0, bp.startDay+j).Format(time.DateOnly))
	}
	b := &trail.Batch{BatchNo: bp.no, SKU: bp.sku, Plan: plan}
	if _, err := svc.CreateBatch(ctx, brandID, b); err != nil {
		return err
	}
	record := func(e trail.BatchEvent) error {
		if e.At.After(now) {
			e.At = now.Add(-time.Hour)
		}
		_, err := svc.RecordBatchEvent(ctx, brandID, bp.no, e)
		return err
	}
	for j, st := range stages[:min(bp.done, len(stages))] {
		day := plan[st].Start()
		if err := record(trail.BatchEvent{Stage: st, State: trail.StateStarted, At: day.Add(9 * time.Hour)}); err != nil {
			return err
		}
		// Stages finish on plan, the first a little early.
		if err := record(trail.BatchEvent{Stage: st, State: trail.StateCompleted, At: day.Add(time.Duration(16-min(j, 1)) * time.Hour)}); err != nil {
			return err
		}
	}
	if bp.delay != "" && bp.done < len(stages) {
		next := stages[bp.done]
		return record(trail.BatchEvent{Stage: next, State: trail.StateDelayed, At: now.Add(-3 * time.Hour), Reason: bp.delay})
	}
	return nil
}

// LaneHistoryDays and LaneHistoryPerDay size the delivery history the demo
// brand's lane statistics start from.
const (
	LaneHistoryDays   = 180
	LaneHistoryPerDay = 30
)

// seedLanes counts half a year of synthetic deliveries from the Hangzhou
// warehouse (lanesim.DefaultModel) in the brand's lane statistics, so that
// estimates come from lanes from the first minute.
func seedLanes(ctx context.Context, svc Services, brandID int64, now time.Time) error {
	history := lanesim.DefaultModel().History(uint64(brandID), now.AddDate(0, 0, -LaneHistoryDays), now.AddDate(0, 0, -7), LaneHistoryPerDay)
	var samples []trail.LaneSample
	for i := range history {
		samples = append(samples, history[i].Samples()...)
	}
	if err := svc.AddLaneSamples(ctx, brandID, samples); err != nil {
		return fmt.Errorf("seed lane history: %w", err)
	}
	return nil
}

// orderAge is how long ago a demo order was placed: before its parcels'
// waybills, or a few days ago for one still in production.
func orderAge(sc scenario, i int) time.Duration {
	age := time.Duration(48+i%3*24) * time.Hour
	for _, pp := range sc.parcels {
		age = max(age, journeySpan(pp.journey)+waybillLead+24*time.Hour)
	}
	return age
}

func newOrder(i int, sc scenario, now time.Time) *trail.Order {
	name, partner := buyers[i%len(buyers)], buyers[(i+7)%len(buyers)]
	place := places[(i*5)%len(places)]
	for _, p := range places {
		if p.city == sc.place {
			place = p
		}
	}
	o := &trail.Order{
		OrderNo:  fmt.Sprintf("DEMO-%04d", i+1),
		Customer: trail.Contact{Name: name, Phone: fmt.Sprintf("13%d%08d", 5+i%5, 10000000+i*7919)},
		Address:  trail.Address{Province: place.province, City: place.city, District: place.district, Detail: place.street},
	}
	ship := trail.Date(now.AddDate(0, 0, 5+i%4).In(trail.ChinaTime).Format(time.DateOnly))
	o.PromisedShipBy = &ship
	if sc.occasion != "" {
		o.Occasion = &trail.Occasion{Kind: sc.occasion, Date: trail.Date(now.AddDate(0, 0, 12+i%20).In(trail.ChinaTime).Format(time.DateOnly))}
	}
	if sc.occasion == "birthday" && i%2 == 0 { // a gift sent to someone else
		o.Recipient = &trail.Contact{Name: partner, Phone: fmt.Sprintf("18%d%08d", i%10, 20000000+i*104729)}
	}
	r := strings.NewReplacer("{name}", name, "{partner}", partner)
	for _, it := range sc.items {
		it.Customization = r.Replace(it.Customization)
		price := trail.Fen(6800 + 1000*(len(it.SKU)%5))
		it.UnitPrice = &price
		o.Items = append(o.Items, it)
	}
	o.Normalize()
	return o
}

// trackingNo makes a number in the carrier's own pattern.
func trackingNo(carrier string, order, parcel int) string {
	n := 1000000 + order*31 + parcel*7
	switch carrier {
	case "shunfeng":
		return fmt.Sprintf("SF14%011d", n)
	case "yuantong":
		return fmt.Sprintf("YT88%011d", n)
	case "jd":
		return fmt.Sprintf("JDVA%011d", n)
	case "ems":
		return fmt.Sprintf("11%011d", n)
	default:
		return fmt.Sprintf("7731%010d", n)
	}
}

// waybillLead is how long before its first scan a demo parcel's waybill
// was printed.
const waybillLead = 3 * time.Hour

// unpickedAge is how old the waybill of a demo parcel never picked up is:
// past every carrier's no-pickup threshold.
const unpickedAge = 60 * time.Hour

func seedParcel(ctx context.Context, svc Services, brandID int64, o *trail.Order, i, j int, pp parcelPlan, now time.Time, clock Clock) error {
	s := &trail.Shipment{Carrier: pp.carrier, TrackingNo: trackingNo(pp.carrier, i, j), Items: pp.items}
	s.Normalize()
	events := route(pp.journey, o.Address.City, now.Add(-time.Duration(i%7)*time.Hour))
	waybill := now.Add(-unpickedAge)
	if len(events) > 0 {
		waybill = events[0].Time.Add(-waybillLead)
	}
	clock(waybill)
	if _, err := svc.CreateShipment(ctx, brandID, o.OrderNo, s); err != nil {
		return err
	}
	clock(time.Time{})
	if len(events) == 0 {
		return nil
	}
	_, err := svc.Ingest(ctx, brandID, s.Carrier, s.TrackingNo, events)
	return err
}

// journeySpan is how long before the end of its history a demo parcel was
// picked up.
func journeySpan(j journey) time.Duration {
	return time.Duration(map[journey]int{inTransit: 26, outForDelivery: 32, atLocker: 36, delivered: 40, damaged: 30,
		refused: 34, returning: 60, stalled: 80, signedByProxy: 40, slowRoad: 62, damagedSigned: 40, returnedHome: 72}[j]) * time.Hour
}

// WarehouseCity is where the demo brand's parcels are picked up: the
// origin of its lane statistics (lanesim.DefaultModel) and of every demo
// parcel's scans.
const WarehouseCity = "杭州市"

// route writes a parcel's carrier history from the warehouse in
// WarehouseCity to city, ending where the journey stands at end.
func route(j journey, city string, end time.Time) []trail.CarrierEvent {
	if j == labelOnly {
		return nil
	}
	hub := hubs[city]
	var out []trail.CarrierEvent
	t := end
	add := func(hoursBefore int, st trail.ShipmentStatus, sub, loc, desc string) {
		out = append(out, trail.CarrierEvent{Time: t.Add(-time.Duration(hoursBefore) * time.Hour).Truncate(time.Minute),
			Status: st, SubStatus: sub, Location: loc, Description: desc, Source: trail.SourcePush})
	}
	span := int(journeySpan(j) / time.Hour)
	add(span, trail.StatusPickedUp, "", WarehouseCity, "【杭州余杭营业点】快递员已揽收")
	add(span-4, trail.StatusInTransit, "", WarehouseCity, "快件已发往【"+hub+"】")
	switch j {
	case stalled:
		add(span-10, trail.StatusInTransit, "", WarehouseCity, "快件已到达【杭州转运中心】，正在分拣")
		return out
	case slowRoad:
		add(span-26, trail.StatusInTransit, "", "广州市", "快件已到达【广州白云转运中心】")
		add(span-50, trail.StatusInTransit, "", "湛江市", "快件已到达【湛江转运中心】，等待过海")
		return out
	}
	add(span-20, trail.StatusInTransit, "", city, "快件已到达【"+hub+"】")
	switch j {
	case damaged:
		add(2, trail.StatusException, "damaged", city, "快件外包装破损，内件玻璃瓶破碎，网点已拍照留证")
		return out
	case damagedSigned:
		add(8, trail.StatusException, "damaged", city, "快件外包装破损，内件一瓶破碎，网点已拍照留证")
		add(3, trail.StatusDelivered, "signed_after_exception", city, "派件异常后最终签收，签收人：本人")
		return out
	}
	if j == inTransit {
		return out
	}
	add(span-28, trail.StatusOutForDelivery, "", city, "快递员正在为您派件，电话：95338")
	switch j {
	case atLocker:
		add(1, trail.StatusAtPickupPoint, "", city, "快件已投放至【丰巢智能柜】，请凭取件码 6-2-0815 取件")
	case delivered:
		add(span-31, trail.StatusDelivered, "", city, "已签收，签收人：本人")
	case signedByProxy:
		add(span-31, trail.StatusDelivered, "signed_by_proxy", city, "已签收，签收人：门卫代收")
	case refused:
		add(1, trail.StatusRefused, "", city, "收件人拒收，快件将退回寄件方")
	case returnedHome:
		add(span-31, trail.StatusRefused, "", city, "收件人拒收，快件将退回寄件方")
		add(30, trail.StatusReturning, "", city, "退回件已发往【杭州转运中心】")
		add(2, trail.StatusReturned, "", "杭州市", "退回件已由寄件方签收")
	case returning:
		add(span-31, trail.StatusDelivered, "", city, "已签收，签收人：本人")
		add(6, trail.StatusReturning, "", city, "客户申请退货，快件已退回【"+hub+"】")
	}
	return out
}
