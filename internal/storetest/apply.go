package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// testApply checks the one path of provider updates (pushes and polls):
// carrier corrections, stops and re-subscriptions, carrier families, the
// SF route id in de-duplication, the per-parcel maximum, and that a push
// of several parcels is stored whole or not at all.
func testApply(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	o := b.mustOrder(t, b.brand.ID, "WX-APPLY")
	// Plum wine is alcohol, which only the carriers setup declared may take.
	plum, rice := trail.ShipmentItem{SKU: "PLUM-330", Quantity: 1}, trail.ShipmentItem{SKU: "RICE-500", Quantity: 1}
	apply := func(us ...trail.TrackUpdate) []trail.Applied {
		t.Helper()
		a, err := b.s.Apply(b.ctx, b.brand.ID, us)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != len(us) {
			t.Fatalf("Apply: got %d results for %d updates", len(a), len(us))
		}
		return a
	}
	parcel := func(trackingNo string) *trail.Shipment {
		t.Helper()
		for _, s := range b.mustGraph(t, o.OrderNo).Shipments {
			if s.TrackingNo == trackingNo {
				return s
			}
		}
		t.Fatalf("no parcel %s", trackingNo)
		return nil
	}

	t.Run("corrected carrier", func(t *testing.T) {
		b.mustShipment(t, b.brand.ID, o.OrderNo, "yuantong", "YT6000000000001", plum)
		u := trail.TrackUpdate{Carrier: "yuantong", TrackingNo: "YT6000000000001", CorrectedCarrier: "zhongtong", Events: history(2)}
		a := apply(u)[0]
		if !a.Found || !a.Corrected || a.Carrier != "zhongtong" || a.Result == nil || a.Result.New != 2 {
			t.Fatalf("got %+v, want the parcel moved to zhongtong with 2 new events", a)
		}
		if s := parcel("YT6000000000001"); s.Carrier != "zhongtong" || len(s.Events) != 2 {
			t.Fatalf("parcel: got %s with %d events, want zhongtong with 2", s.Carrier, len(s.Events))
		}
		// The provider repeats the correction: the parcel is found under its
		// new code and nothing changes.
		u.Events = history(3)
		if a := apply(u)[0]; !a.Found || a.Corrected || a.Carrier != "zhongtong" || a.Result.New != 1 {
			t.Fatalf("repeated correction: got %+v, want found, not corrected again, 1 new", a)
		}
	})

	t.Run("stopped and subscribed again", func(t *testing.T) {
		b.mustShipment(t, b.brand.ID, o.OrderNo, "yuantong", "YT6000000000002", plum)
		now := b.clock.Now()
		a := apply(trail.TrackUpdate{Carrier: "yuantong", TrackingNo: "YT6000000000002", Stopped: "3天查询无记录", Resubscribe: true})[0]
		if !a.Stopped || a.ResubscribeAt == nil || !a.ResubscribeAt.Equal(now.Add(trail.ResubscribeDelay)) || a.Result != nil {
			t.Fatalf("got %+v, want stopped and subscribed again at %s", a, now.Add(trail.ResubscribeDelay))
		}
		// Without a job queue, polling takes the parcel up at that time.
		due, err := b.s.ClaimDuePolls(b.ctx, now.Add(trail.ResubscribeDelay), 100, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 1 || due[0].TrackingNo != "YT6000000000002" {
			t.Fatalf("due polls: got %d, want the re-subscribed parcel", len(due))
		}
		// A stop that names a corrected carrier is the provider subscribing
		// the parcel under that code itself: tracking goes on.
		b.mustShipment(t, b.brand.ID, o.OrderNo, "yuantong", "YT6000000000003", plum)
		a = apply(trail.TrackUpdate{Carrier: "yuantong", TrackingNo: "YT6000000000003", CorrectedCarrier: "zhongtong", Stopped: "abort"})[0]
		if a.Stopped || !a.Corrected {
			t.Fatalf("corrected abort: got %+v, want corrected and not stopped", a)
		}
	})

	t.Run("顺丰快运 pushed as shunfeng", func(t *testing.T) {
		b.mustShipment(t, b.brand.ID, o.OrderNo, "shunfengkuaiyun", "SF6000000000004", rice)
		a := apply(trail.TrackUpdate{Carrier: "shunfeng", TrackingNo: "SF6000000000004", Events: history(1)})[0]
		if !a.Found || a.Corrected || a.Carrier != "shunfengkuaiyun" || a.Result.New != 1 {
			t.Fatalf("got %+v, want the shunfengkuaiyun parcel found, not corrected", a)
		}
		// A "correction" within the family is none either.
		a = apply(trail.TrackUpdate{Carrier: "shunfengkuaiyun", TrackingNo: "SF6000000000004", CorrectedCarrier: "shunfeng", Events: history(2)})[0]
		if !a.Found || a.Corrected || a.Result.New != 1 {
			t.Fatalf("correction within the family: got %+v, want none", a)
		}
		if s := parcel("SF6000000000004"); s.Carrier != "shunfengkuaiyun" || len(s.Events) != 2 {
			t.Fatalf("parcel: got %s with %d events, want shunfengkuaiyun with 2", s.Carrier, len(s.Events))
		}
	})

	t.Run("SF route pushed with its id and queried without", func(t *testing.T) {
		withIDs := func(source string) []trail.CarrierEvent {
			h := history(3)
			for i := range h {
				h[i].RawCode, h[i].Source = fmt.Sprint(50+i), source
				if source == trail.SourcePush {
					h[i].ExternalID = fmt.Sprint(9000 + i)
				}
			}
			return h
		}
		for i, order := range [][]string{{trail.SourcePush, trail.SourcePoll}, {trail.SourcePoll, trail.SourcePush}} {
			no := fmt.Sprintf("SF600000000001%d", i)
			b.mustShipment(t, b.brand.ID, o.OrderNo, "shunfeng", no, plum)
			first := apply(trail.TrackUpdate{Carrier: "shunfeng", TrackingNo: no, Events: withIDs(order[0])})[0]
			second := apply(trail.TrackUpdate{Carrier: "shunfeng", TrackingNo: no, Events: withIDs(order[1])})[0]
			if first.Result.New != 3 || second.Result.New != 0 || second.Result.Duplicates != 3 {
				t.Fatalf("%s then %s: got new %d then %d, want 3 then 0", order[0], order[1], first.Result.New, second.Result.New)
			}
			if n := len(parcel(no).Events); n != 3 {
				t.Fatalf("%s then %s: got %d events stored, want 3", order[0], order[1], n)
			}
		}
		// Two routes with different ids are two events, even with one text.
		no := "SF6000000000020"
		b.mustShipment(t, b.brand.ID, o.OrderNo, "shunfeng", no, plum)
		twins := []trail.CarrierEvent{ev(at(0, 18, 0), trail.StatusInTransit, "到达"), ev(at(0, 18, 0), trail.StatusInTransit, "到达")}
		twins[0].ExternalID, twins[1].ExternalID = "1", "2"
		if a := apply(trail.TrackUpdate{Carrier: "shunfeng", TrackingNo: no, Events: twins})[0]; a.Result.New != 2 {
			t.Fatalf("routes with two ids: got %d new, want 2", a.Result.New)
		}
	})

	t.Run("unknown parcel", func(t *testing.T) {
		a := apply(trail.TrackUpdate{Carrier: "yuantong", TrackingNo: "YT6999999999999", Events: history(1), Stopped: "shutdown"})[0]
		if a.Found || a.Result != nil || a.Stopped {
			t.Fatalf("got %+v, want nothing done", a)
		}
		other, err := b.s.Apply(b.ctx, b.other.ID, []trail.TrackUpdate{{Carrier: "yuantong", TrackingNo: "YT6000000000002", Events: history(1)}})
		if err != nil || other[0].Found {
			t.Fatalf("another brand's parcel: got %+v, %v, want not found", other, err)
		}
	})

	t.Run("per-parcel maximum, and several parcels stored whole or not at all", func(t *testing.T) {
		full := b.mustShipment(t, b.brand.ID, o.OrderNo, "yuantong", "YT6000000000030", plum)
		b.mustShipment(t, b.brand.ID, o.OrderNo, "yuantong", "YT6000000000031", plum)
		many := make([]trail.CarrierEvent, trail.MaxEventsPerParcel)
		for i := range many {
			many[i] = ev(at(0, 0, 0).Add(time.Duration(i)*time.Minute), trail.StatusInTransit, fmt.Sprintf("scan %d", i))
		}
		for start := 0; start < len(many); start += trail.MaxEventsPerPush {
			if _, err := b.s.Ingest(b.ctx, b.brand.ID, full.Carrier, full.TrackingNo, many[start:start+trail.MaxEventsPerPush]); err != nil {
				t.Fatal(err)
			}
		}
		one := []trail.CarrierEvent{ev(at(3, 0, 0), trail.StatusDelivered, "已签收")}
		_, err := b.s.Ingest(b.ctx, b.brand.ID, full.Carrier, full.TrackingNo, one)
		wantCode(t, err, trail.EINVALID, "events")
		// A re-push of what the parcel holds is still fine.
		if res, err := b.s.Ingest(b.ctx, b.brand.ID, full.Carrier, full.TrackingNo, many[:10]); err != nil || res.Duplicates != 10 {
			t.Fatalf("re-push of a full parcel: got %+v, %v, want 10 duplicates", res, err)
		}

		// A Kuaidiniao push of two parcels whose second is refused stores
		// nothing of the first either, so that the failure reply covers all.
		_, err = b.s.Apply(b.ctx, b.brand.ID, []trail.TrackUpdate{
			{Carrier: "yuantong", TrackingNo: "YT6000000000031", Events: history(2)},
			{Carrier: "yuantong", TrackingNo: full.TrackingNo, Events: one},
		})
		wantCode(t, err, trail.EINVALID, "events")
		if s := parcel("YT6000000000031"); len(s.Events) != 0 || s.Status != trail.StatusCreated {
			t.Fatalf("first parcel of a refused push: got %d events and %s, want none stored", len(s.Events), s.Status)
		}
		if n := len(parcel(full.TrackingNo).Events); n != trail.MaxEventsPerParcel {
			t.Fatalf("full parcel: got %d events, want %d", n, trail.MaxEventsPerParcel)
		}
	})
}
