package storetest

import (
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func testOrder(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	o := newOrder("WX20261125001")
	created, err := b.s.CreateOrder(b.ctx, b.brand.ID, o)
	if err != nil || !created {
		t.Fatalf("CreateOrder: got created=%v, %v", created, err)
	}
	g := b.mustGraph(t, o.OrderNo)
	got := g.Order
	if got.Customer != o.Customer || got.Address != o.Address || got.Address.ProvinceCode != "330000" ||
		*got.Occasion != *o.Occasion || *got.PromisedShipBy != "2026-12-05" || len(got.Items) != 2 {
		t.Fatalf("graph order: got %+v, want %+v", got, o)
	}
	if got.Items[0].Customization != "囍 张三&李四" || got.Items[1].BatchNo != "B20261125-02" {
		t.Fatalf("items: got %+v", got.Items)
	}
	if g.Status != trail.OrderPending {
		t.Fatalf("status: got %s, want pending", g.Status)
	}
	if len(g.SKUs) != 2 || g.SKUs["PLUM-330"] == nil || !g.SKUs["PLUM-330"].Alcohol {
		t.Fatalf("graph SKUs: got %v, want PLUM-330 and RICE-500", g.SKUs)
	}

	t.Run("replay", func(t *testing.T) {
		again := newOrder("WX20261125001")
		created, err := b.s.CreateOrder(b.ctx, b.brand.ID, again)
		if err != nil || created || again.ID != o.ID || again.Items[0].ID != o.Items[0].ID {
			t.Fatalf("replay: got created=%v id=%d, %v, want the stored order %d", created, again.ID, err, o.ID)
		}
	})
	t.Run("conflict", func(t *testing.T) {
		changed := newOrder("WX20261125001")
		changed.Items[1].Quantity = 7
		_, err := b.s.CreateOrder(b.ctx, b.brand.ID, changed)
		wantCode(t, err, trail.ECONFLICT, "items[1]")
		changed = newOrder("WX20261125001")
		changed.Customer.Phone = "13912345679"
		_, err = b.s.CreateOrder(b.ctx, b.brand.ID, changed)
		wantCode(t, err, trail.ECONFLICT, "customer")
	})
	t.Run("unknown SKU writes nothing", func(t *testing.T) {
		bad := newOrder("WX-BAD")
		bad.Items[1].SKU = "GHOST-1"
		_, err := b.s.CreateOrder(b.ctx, b.brand.ID, bad)
		wantCode(t, err, trail.EINVALID, "items[1].sku")
		_, err = b.s.OrderGraph(b.ctx, b.brand.ID, "WX-BAD")
		wantCode(t, err, trail.ENOTFOUND)
	})
	t.Run("another brand", func(t *testing.T) {
		_, err := b.s.OrderGraph(b.ctx, b.other.ID, o.OrderNo)
		wantCode(t, err, trail.ENOTFOUND)
		// The same order number is free for another brand.
		if created, err := b.s.CreateOrder(b.ctx, b.other.ID, newOrder(o.OrderNo)); err != nil || !created {
			t.Fatalf("other brand's order: got created=%v, %v", created, err)
		}
	})
}

func testOrderStatus(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	o := b.mustOrder(t, b.brand.ID, "WX-STATUS")
	status := func(want trail.OrderStatus) {
		t.Helper()
		if got := b.mustGraph(t, o.OrderNo).Status; got != want {
			t.Fatalf("status: got %s, want %s", got, want)
		}
	}
	status(trail.OrderPending)
	for _, batch := range []*trail.Batch{
		{BatchNo: "B20261125-01", SKU: "PLUM-330", Plan: map[trail.Stage]trail.Date{trail.StageFilling: "2026-11-29", trail.StageReady: "2026-12-02"}},
		{BatchNo: "B20261125-02", SKU: "RICE-500", Plan: map[trail.Stage]trail.Date{trail.StageReady: "2026-12-01"}},
	} {
		if _, err := b.s.CreateBatch(b.ctx, b.brand.ID, batch); err != nil {
			t.Fatal(err)
		}
	}
	status(trail.OrderPending)
	record := func(batchNo string, stage trail.Stage, state string) {
		t.Helper()
		if _, err := b.s.RecordBatchEvent(b.ctx, b.brand.ID, batchNo, trail.BatchEvent{Stage: stage, State: state, At: at(2, 9, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	record("B20261125-01", trail.StageFilling, trail.StateStarted)
	status(trail.OrderInProduction)
	record("B20261125-01", trail.StageReady, trail.StateCompleted)
	status(trail.OrderInProduction) // the rice wine is not ready yet
	record("B20261125-02", trail.StageReady, trail.StateCompleted)
	status(trail.OrderReadyToShip)

	plum := b.mustShipment(t, b.brand.ID, o.OrderNo, "yuantong", "YT1234567890123", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 12})
	status(trail.OrderPartiallyShipped)
	rice := b.mustShipment(t, b.brand.ID, o.OrderNo, "shunfeng", "SF1234567890123", trail.ShipmentItem{SKU: "RICE-500", Quantity: 6})
	status(trail.OrderShipped)
	push := func(s *trail.Shipment, events ...trail.CarrierEvent) {
		t.Helper()
		if _, err := b.s.Ingest(b.ctx, b.brand.ID, s.Carrier, s.TrackingNo, events); err != nil {
			t.Fatal(err)
		}
	}
	push(plum, ev(at(8, 10, 0), trail.StatusDelivered, "已签收"))
	status(trail.OrderPartiallyDelivered)
	push(rice, ev(at(8, 11, 0), trail.StatusException, "包裹破损"))
	status(trail.OrderException)
	push(rice, ev(at(9, 11, 0), trail.StatusDelivered, "已签收"))
	status(trail.OrderDelivered)
	push(rice, ev(at(10, 9, 0), trail.StatusReturning, "客户退货"))
	status(trail.OrderException) // a return leg reopens the order
}
