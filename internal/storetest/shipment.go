package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func testShipment(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	o := b.mustOrder(t, b.brand.ID, "WX-SHIP")
	s := b.mustShipment(t, b.brand.ID, o.OrderNo, "yuantong", "yt1234567890123", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 8})
	if s.TrackingNo != "YT1234567890123" || s.Status != trail.StatusCreated || len(s.Items) != 1 || s.Items[0].ItemID != o.Items[0].ID {
		t.Fatalf("shipment: got %+v", s)
	}

	again := &trail.Shipment{Carrier: "yuantong", TrackingNo: "YT1234567890123", Items: []trail.ShipmentItem{{SKU: "PLUM-330", Quantity: 8}}}
	if created, err := b.s.CreateShipment(b.ctx, b.brand.ID, o.OrderNo, again); err != nil || created || again.ID != s.ID {
		t.Fatalf("replay: got created=%v id=%d, %v, want the stored parcel %d", created, again.ID, err, s.ID)
	}

	tests := []struct {
		name       string
		orderNo    string
		brandID    int64
		trackingNo string
		items      []trail.ShipmentItem
		code       string
		field      string
	}{
		{"more than remains", o.OrderNo, b.brand.ID, "YT0000000000001", []trail.ShipmentItem{{SKU: "PLUM-330", Quantity: 5}}, trail.EINVALID, "items[0].quantity"},
		{"SKU not in order", o.OrderNo, b.brand.ID, "YT0000000000002", []trail.ShipmentItem{{SKU: "PLUM-750", Quantity: 1}}, trail.EINVALID, "items[0].sku"},
		{"same number other items", o.OrderNo, b.brand.ID, "YT1234567890123", []trail.ShipmentItem{{SKU: "PLUM-330", Quantity: 2}}, trail.ECONFLICT, "items"},
		{"unknown order", "WX-NONE", b.brand.ID, "YT0000000000003", []trail.ShipmentItem{{SKU: "PLUM-330", Quantity: 1}}, trail.ENOTFOUND, ""},
		{"another brand's order", o.OrderNo, b.other.ID, "YT0000000000004", []trail.ShipmentItem{{SKU: "PLUM-330", Quantity: 1}}, trail.ENOTFOUND, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &trail.Shipment{Carrier: "yuantong", TrackingNo: tt.trackingNo, Items: tt.items}
			_, err := b.s.CreateShipment(b.ctx, tt.brandID, tt.orderNo, s)
			if tt.field != "" {
				wantCode(t, err, tt.code, tt.field)
			} else {
				wantCode(t, err, tt.code)
			}
		})
	}
	// The rest of the plum wine fits, and the tracking number cannot move to
	// another order.
	b.mustShipment(t, b.brand.ID, o.OrderNo, "zhongtong", "ZT0000000000001", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 4})
	o2 := b.mustOrder(t, b.brand.ID, "WX-SHIP-2")
	_, err := b.s.CreateShipment(b.ctx, b.brand.ID, o2.OrderNo, &trail.Shipment{Carrier: "yuantong", TrackingNo: "YT1234567890123", Items: []trail.ShipmentItem{{SKU: "PLUM-330", Quantity: 8}}})
	wantCode(t, err, trail.ECONFLICT, "tracking_no")
	if n := len(b.mustGraph(t, o.OrderNo).Shipments); n != 2 {
		t.Fatalf("parcels: got %d, want 2", n)
	}
}

// history returns a parcel's full history as a carrier re-pushes it: every
// event up to the nth.
func history(n int) []trail.CarrierEvent {
	full := []trail.CarrierEvent{
		ev(at(0, 18, 0), trail.StatusPickedUp, "【杭州市】顺丰速运 已收取快件"),
		ev(at(0, 23, 30), trail.StatusInTransit, "快件已发车，下一站【杭州转运中心】"),
		ev(at(1, 6, 10), trail.StatusInTransit, "快件到达【上海转运中心】"),
		ev(at(1, 20, 0), trail.StatusOutForDelivery, "快递员正在派送"),
		ev(at(2, 9, 5), trail.StatusDelivered, "已签收，签收人：本人"),
	}
	return full[:n]
}

func testIngest(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	o := b.mustOrder(t, b.brand.ID, "WX-INGEST")
	s := b.mustShipment(t, b.brand.ID, o.OrderNo, "shunfeng", "SF1000000000001", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 12})
	ingest := func(events []trail.CarrierEvent) *trail.IngestResult {
		t.Helper()
		res, err := b.s.Ingest(b.ctx, b.brand.ID, s.Carrier, s.TrackingNo, events)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	for n := 1; n <= 5; n++ { // full history re-pushed after every scan
		res := ingest(history(n))
		if res.New != 1 || res.Duplicates != n-1 {
			t.Fatalf("push %d: got new=%d dup=%d, want 1 and %d", n, res.New, res.Duplicates, n-1)
		}
	}
	res := ingest(history(5))
	if res.New != 0 || res.Duplicates != 5 || res.Shipment.Status != trail.StatusDelivered {
		t.Fatalf("repeat: got %+v, want nothing new and delivered", res)
	}
	// Whitespace differences are the same event.
	e := history(2)[1]
	e.Description = "  快件已发车，下一站【杭州转运中心】 "
	if res := ingest([]trail.CarrierEvent{e}); res.New != 0 {
		t.Fatalf("re-spaced description: got new=%d, want 0", res.New)
	}

	// A late in-transit scan stays in the timeline without undoing delivery.
	res = ingest([]trail.CarrierEvent{ev(at(2, 10, 0), trail.StatusInTransit, "快件到达【上海转运中心】(延迟上传)")})
	if res.New != 1 || res.Shipment.Status != trail.StatusDelivered || res.Shipment.Leg != 0 {
		t.Fatalf("late scan: got %+v, want delivered on leg 0", res.Shipment)
	}
	// An unknown code keeps the status and is reported.
	res = ingest([]trail.CarrierEvent{{Time: at(1, 8, 0), RawCode: "9999", Description: "神秘状态"}})
	if len(res.UnknownCodes) != 1 || res.UnknownCodes[0] != "9999" || res.Shipment.Status != trail.StatusDelivered {
		t.Fatalf("unknown code: got %+v", res)
	}
	// A return after delivery opens a new leg.
	res = ingest([]trail.CarrierEvent{ev(at(4, 9, 0), trail.StatusReturning, "客户申请退货，快件退回中")})
	if res.Shipment.Status != trail.StatusReturning || res.Shipment.Leg != 1 {
		t.Fatalf("return: got %s leg %d, want returning on leg 1", res.Shipment.Status, res.Shipment.Leg)
	}
	g := b.mustGraph(t, o.OrderNo)
	events := g.Shipments[0].Events
	if len(events) != 8 || events[0].Status != trail.StatusReturning || events[len(events)-1].Status != trail.StatusPickedUp {
		t.Fatalf("timeline: got %d events, want 8 newest first", len(events))
	}

	// Bad input stores nothing.
	before := len(events)
	_, err := b.s.Ingest(b.ctx, b.brand.ID, s.Carrier, s.TrackingNo, []trail.CarrierEvent{
		ev(at(5, 9, 0), trail.StatusInTransit, "ok"), {Description: "no time", Status: trail.StatusInTransit}})
	wantCode(t, err, trail.EINVALID, "events[1].time")
	if n := len(b.mustGraph(t, o.OrderNo).Shipments[0].Events); n != before {
		t.Fatalf("after a bad push: got %d events, want %d", n, before)
	}
	_, err = b.s.Ingest(b.ctx, b.other.ID, s.Carrier, s.TrackingNo, history(1))
	wantCode(t, err, trail.ENOTFOUND)
	_, err = b.s.Ingest(b.ctx, b.brand.ID, "shunfeng", "SF9999999999999", history(1))
	wantCode(t, err, trail.ENOTFOUND)
}

// testIngestConcurrent pushes overlapping histories of several parcels from
// many goroutines at once: each event must be stored once and every parcel
// end delivered.
func testIngestConcurrent(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	const parcels, workers = 4, 8
	o := b.mustOrder(t, b.brand.ID, "WX-CONC")
	var ss []*trail.Shipment
	for i := range parcels {
		ss = append(ss, b.mustShipment(t, b.brand.ID, o.OrderNo, "shunfeng", fmt.Sprintf("SF20000000000%02d", i), trail.ShipmentItem{SKU: "PLUM-330", Quantity: 3}))
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*parcels*5)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, s := range ss {
				// Each worker pushes a different prefix, newest last or first.
				h := history(1 + (w+i)%5)
				if w%2 == 1 {
					h = history(5)
				}
				if _, err := b.s.Ingest(b.ctx, b.brand.ID, s.Carrier, s.TrackingNo, h); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	g := b.mustGraph(t, o.OrderNo)
	for _, s := range g.Shipments {
		if len(s.Events) != 5 || s.Status != trail.StatusDelivered {
			t.Fatalf("parcel %s: got %d events and %s, want 5 and delivered", s.TrackingNo, len(s.Events), s.Status)
		}
	}
	if g.Status != trail.OrderPartiallyDelivered {
		t.Fatalf("order: got %s, want partially_delivered (6 of 18 bottles unshipped)", g.Status)
	}
}
