package storetest

import (
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// testStates checks the states of issue 12 through the store: goods that
// ship finish their batch, a returned parcel's items count as back and
// may go out again, damage and broken promises hold their alerts for a
// person, and the brand's service contact is stored.
func testStates(t *testing.T, open OpenFunc) {
	t.Run("ShipFinishesBatch", func(t *testing.T) { testShipFinishesBatch(t, open) })
	t.Run("Returned", func(t *testing.T) { testReturned(t, open) })
	t.Run("DamageHeld", func(t *testing.T) { testDamageHeld(t, open) })
	t.Run("BrokenPromiseHeld", func(t *testing.T) { testBrokenPromiseHeld(t, open) })
	t.Run("ServiceContact", func(t *testing.T) { testServiceContact(t, open) })
}

// allItems is everything newOrder holds.
var allItems = []trail.ShipmentItem{{SKU: "PLUM-330", Quantity: 12}, {SKU: "RICE-500", Quantity: 6}}

// testShipFinishesBatch ships the goods of a batch whose filling is
// overdue and never reported done: the parcel records the batch's ready
// stage, so every order waiting on it sees production done, and the
// overdue alert resolves.
func testShipFinishesBatch(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	b.mustOrder(t, b.brand.ID, "WED-1")
	b.mustOrder(t, b.brand.ID, "WED-2") // waits on the same batch
	batch := &trail.Batch{BatchNo: "B20261125-01", SKU: "PLUM-330", Plan: map[trail.Stage]trail.Date{trail.StageFilling: "2026-11-27", trail.StageReady: "2026-12-01"}}
	if _, err := b.s.CreateBatch(b.ctx, b.brand.ID, batch); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.RecordBatchEvent(b.ctx, b.brand.ID, batch.BatchNo, trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateStarted, At: at(1, 9, 0)}); err != nil {
		t.Fatal(err)
	}
	b.evaluate(t, at(3, 0, 0))
	if a := b.alerts(t, b.brand.ID, trail.AlertOpen)["production_overdue B20261125-01"]; a == nil {
		t.Fatalf("overdue: got %+v", b.alerts(t, b.brand.ID, trail.AlertOpen))
	}

	b.clock.Set(at(3, 10, 0))
	b.mustShipment(t, b.brand.ID, "WED-1", "zhongtong", "ZT1000000001", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 12})
	for _, no := range []string{"WED-1", "WED-2"} {
		g := b.mustGraph(t, no)
		if len(g.Batches) != 1 || !g.Batches[0].Done() {
			t.Fatalf("%s: batch not done after its goods shipped: %+v", no, g.Batches)
		}
		last := g.Batches[0].Events[len(g.Batches[0].Events)-1]
		if last.Stage != trail.StageReady || last.State != trail.StateCompleted || !last.At.Equal(at(3, 10, 0)) || !strings.Contains(last.Reason, "ZT1000000001") {
			t.Errorf("%s: recorded event: got %+v", no, last)
		}
		for _, p := range g.Batches[0].Progress() {
			if g.Batches[0].Late(p, at(3, 11, 0)) {
				t.Errorf("%s: stage %s still late", no, p.Stage)
			}
		}
	}
	b.evaluate(t, at(3, 11, 0))
	if a := b.alerts(t, b.brand.ID, trail.AlertResolved)["production_overdue B20261125-01"]; a == nil || a.ResolvedBy != trail.ResolvedAutomatically {
		t.Fatalf("overdue after shipping: got %+v", b.alerts(t, b.brand.ID, ""))
	}
	// A second parcel of a done batch records nothing more.
	b.mustShipment(t, b.brand.ID, "WED-2", "zhongtong", "ZT1000000002", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 12})
	if n := len(b.mustGraph(t, "WED-2").Batches[0].Events); n != 2 {
		t.Errorf("events after a second parcel: got %d, want 2", n)
	}
}

// testReturned refuses the only parcel and brings it back: the order is
// returned, not shipped, its exception alert stays, and its items may go
// out again in a new parcel.
func testReturned(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	b.mustOrder(t, b.brand.ID, "WED-1")
	s := b.mustShipment(t, b.brand.ID, "WED-1", "yuantong", "YT1234567890123", allItems...)
	if _, err := b.s.Ingest(b.ctx, b.brand.ID, s.Carrier, s.TrackingNo, []trail.CarrierEvent{
		ev(at(1, 10, 0), trail.StatusPickedUp, "已揽收"),
		ev(at(3, 10, 0), trail.StatusRefused, "收件人拒收"),
		ev(at(5, 10, 0), trail.StatusReturned, "已退回寄件人"),
	}); err != nil {
		t.Fatal(err)
	}
	if got := b.mustGraph(t, "WED-1").Status; got != trail.OrderReturned {
		t.Fatalf("status: got %s, want returned", got)
	}
	b.evaluate(t, at(5, 11, 0))
	if a := b.alerts(t, b.brand.ID, trail.AlertOpen)["exception YT1234567890123"]; a == nil || !strings.Contains(a.Explanation, "已退回") {
		t.Fatalf("exception alert: got %+v", b.alerts(t, b.brand.ID, ""))
	}
	found, err := b.s.(trail.OrderSearchService).SearchOrders(b.ctx, b.brand.ID, trail.OrderSearch{Status: trail.OrderReturned, Limit: 10})
	if err != nil || len(found.Orders) != 1 || found.Orders[0].OrderNo != "WED-1" || found.Orders[0].Status != trail.OrderReturned {
		t.Fatalf("search returned: got %+v, %v", found, err)
	}
	b.mustShipment(t, b.brand.ID, "WED-1", "shunfeng", "SF1234567890123", allItems...)
	if got := b.mustGraph(t, "WED-1").Status; got != trail.OrderShipped {
		t.Fatalf("sent again: got %s, want shipped", got)
	}
}

// testDamageHeld scans a parcel damaged and then signed for: the order is
// delivered and damaged, and the damage alert stays open through later
// evaluations until a person resolves it, after which it stays resolved.
func testDamageHeld(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	b.mustOrder(t, b.brand.ID, "WED-1")
	s := b.mustShipment(t, b.brand.ID, "WED-1", "yuantong", "YT1234567890123", allItems...)
	push := func(e trail.CarrierEvent) {
		t.Helper()
		if _, err := b.s.Ingest(b.ctx, b.brand.ID, s.Carrier, s.TrackingNo, []trail.CarrierEvent{e}); err != nil {
			t.Fatal(err)
		}
	}
	damaged := ev(at(2, 10, 0), trail.StatusException, "外包装破损，内件玻璃瓶破碎")
	damaged.SubStatus = trail.SubDamaged
	push(damaged)
	b.evaluate(t, at(2, 11, 0))
	signed := ev(at(3, 10, 0), trail.StatusDelivered, "异常后签收")
	signed.SubStatus = "signed_after_exception"
	push(signed)
	g := b.mustGraph(t, "WED-1")
	if g.Status != trail.OrderDelivered || !g.Damaged() {
		t.Fatalf("status: got %s damaged=%v, want delivered and damaged", g.Status, g.Damaged())
	}
	for _, now := range []int{4, 9} {
		b.evaluate(t, at(now, 11, 0))
		b.clock.Set(at(now, 11, 0))
		if err := b.s.PutAlertRule(b.ctx, b.brand.ID, trail.AlertException, trail.AlertRule{Enabled: now != 9}); err != nil {
			t.Fatal(err)
		}
		b.evaluate(t, at(now, 11, 5))
		a := b.alerts(t, b.brand.ID, trail.AlertOpen)["exception YT1234567890123"]
		if a == nil || a.Severity != trail.SeverityCritical || !strings.Contains(a.Explanation, "破损") {
			t.Fatalf("day %d: damage alert: got %+v", now, b.alerts(t, b.brand.ID, ""))
		}
	}
	a := b.alerts(t, b.brand.ID, trail.AlertOpen)["exception YT1234567890123"]
	if _, err := b.s.ResolveAlert(b.ctx, b.brand.ID, a.ID, "agent@example.com", "已补发"); err != nil {
		t.Fatal(err)
	}
	if err := b.s.PutAlertRule(b.ctx, b.brand.ID, trail.AlertException, trail.AlertRule{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	b.evaluate(t, at(10, 11, 0))
	if got := b.alerts(t, b.brand.ID, trail.AlertResolved)["exception YT1234567890123"]; got == nil || got.ResolvedBy != "agent@example.com" {
		t.Fatalf("after a person resolved it: got %+v", b.alerts(t, b.brand.ID, ""))
	}
}

// testBrokenPromiseHeld ships after the promised ship day: the eta_risk
// alert raised while the promise was ahead stays open, now saying the
// promise was broken, until a person resolves it.
func testBrokenPromiseHeld(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	o := newOrder("WED-1")
	o.Occasion = nil // the ship promise (5 December) alone
	if _, err := b.s.CreateOrder(b.ctx, b.brand.ID, o); err != nil {
		t.Fatal(err)
	}
	b.evaluate(t, at(11, 9, 0)) // 6 December: the promised day is over
	risk := b.alerts(t, b.brand.ID, trail.AlertOpen)["eta_risk WED-1"]
	if risk == nil {
		t.Fatalf("risk: got %+v", b.alerts(t, b.brand.ID, ""))
	}
	b.clock.Set(at(12, 10, 0))
	b.mustShipment(t, b.brand.ID, "WED-1", "zhongtong", "ZT1000000001", allItems...)
	for _, day := range []int{12, 15} {
		b.evaluate(t, at(day, 11, 0))
		a := b.alerts(t, b.brand.ID, trail.AlertOpen)["eta_risk WED-1"]
		if a == nil || a.ID != risk.ID || !strings.Contains(a.Explanation, "承诺未能兑现") || !strings.Contains(a.Explanation, "晚 2 天") {
			t.Fatalf("day %d, shipped late: got %+v", day, b.alerts(t, b.brand.ID, ""))
		}
	}
	if _, err := b.s.ResolveAlert(b.ctx, b.brand.ID, risk.ID, "agent@example.com", "已致电致歉"); err != nil {
		t.Fatal(err)
	}
	b.evaluate(t, at(16, 11, 0))
	if got := b.alerts(t, b.brand.ID, trail.AlertOpen)["eta_risk WED-1"]; got != nil {
		t.Fatalf("after a person resolved it: got %+v", got)
	}
}

// testServiceContact stores a brand's service contact and reads it back
// with the brand, refuses a bad one without changing anything, and keeps
// it to its brand.
func testServiceContact(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	c := trail.ServiceContact{Phone: "400-820-1234", WeChat: "plum_kefu", Hours: "每天 9:00–21:00"}
	if err := b.s.PutServiceContact(b.ctx, b.brand.ID, c); err != nil {
		t.Fatal(err)
	}
	wantCode(t, b.s.PutServiceContact(b.ctx, b.brand.ID, trail.ServiceContact{WeChat: "1bad"}), trail.EINVALID, "wechat")
	got, err := b.s.BrandBySlug(b.ctx, b.brand.Slug)
	if err != nil || got.Service != c {
		t.Fatalf("brand: got %+v, %v", got, err)
	}
	other, err := b.s.BrandBySlug(b.ctx, b.other.Slug)
	if err != nil || !other.Service.Empty() {
		t.Fatalf("other brand: got %+v, %v", other, err)
	}
	wantCode(t, b.s.PutServiceContact(b.ctx, 999999, c), trail.ENOTFOUND)
}
