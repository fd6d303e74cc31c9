package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestConsoleStateLabels checks that the order page names states in
// Chinese: a parcel scanned damaged and then signed for is marked damaged
// on the order's badge and the parcel's, sub-statuses have their Chinese
// names, and a returned order is 已退回 and can be searched for.
func TestConsoleStateLabels(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	mustOrder := func(no string, items ...trail.Item) {
		t.Helper()
		o := &trail.Order{OrderNo: no, Customer: trail.Contact{Name: "林小满", Phone: "13712345678"},
			Address: trail.Address{Province: "浙江", City: "杭州市", Detail: "文三路1号"}, Items: items}
		o.Normalize()
		if _, err := b.db.CreateOrder(ctx, b.brandA.ID, o); err != nil {
			t.Fatal(err)
		}
	}
	ship := func(orderNo, carrier, trackingNo string, item trail.ShipmentItem, events ...trail.CarrierEvent) {
		t.Helper()
		s := &trail.Shipment{Carrier: carrier, TrackingNo: trackingNo, Items: []trail.ShipmentItem{item}}
		if _, err := b.db.CreateShipment(ctx, b.brandA.ID, orderNo, s); err != nil {
			t.Fatal(err)
		}
		if _, err := b.db.Ingest(ctx, b.brandA.ID, carrier, trackingNo, events); err != nil {
			t.Fatal(err)
		}
	}
	ev := func(hoursAgo int, st trail.ShipmentStatus, sub, desc string) trail.CarrierEvent {
		return trail.CarrierEvent{Time: testNow.Add(-time.Duration(hoursAgo) * time.Hour), Status: st, SubStatus: sub, Description: desc, Source: trail.SourcePush}
	}
	mustOrder("LBL-1", trail.Item{SKU: "PLUM-330", Quantity: 2}, trail.Item{SKU: "RICE-500", Quantity: 1})
	ship("LBL-1", "zhongtong", "ZT4400000000001", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 2},
		ev(30, trail.StatusPickedUp, "", "已揽收"), ev(10, trail.StatusException, "damaged", "外包装破损"),
		ev(5, trail.StatusDelivered, "signed_after_exception", "异常后签收"))
	ship("LBL-1", "yuantong", "YT4400000000001", trail.ShipmentItem{SKU: "RICE-500", Quantity: 1},
		ev(30, trail.StatusPickedUp, "", "已揽收"), ev(5, trail.StatusDelivered, "signed_by_proxy", "门卫代收"))
	mustOrder("LBL-2", trail.Item{SKU: "COCKTAIL-4", Quantity: 1})
	ship("LBL-2", "yuantong", "YT4400000000002", trail.ShipmentItem{SKU: "COCKTAIL-4", Quantity: 1},
		ev(60, trail.StatusPickedUp, "", "已揽收"), ev(40, trail.StatusRefused, "", "拒收"), ev(5, trail.StatusReturned, "", "已退回寄件人"))

	// A batch whose filling is overdue and never reported done, whose goods
	// shipped: the parcel finished it, and no stage shows late.
	day := func(days int) trail.Date {
		return trail.Date(testNow.AddDate(0, 0, days).In(trail.ChinaTime).Format(time.DateOnly))
	}
	if _, err := b.db.CreateBatch(ctx, b.brandA.ID, &trail.Batch{BatchNo: "B-LBL-1", SKU: "PLUM-330",
		Plan: map[trail.Stage]trail.Date{trail.StageFilling: day(-3), trail.StageReady: day(-1)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.RecordBatchEvent(ctx, b.brandA.ID, "B-LBL-1", trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateStarted, At: testNow.AddDate(0, 0, -4)}); err != nil {
		t.Fatal(err)
	}
	mustOrder("LBL-3", trail.Item{SKU: "PLUM-330", Quantity: 1, BatchNo: "B-LBL-1"})
	ship("LBL-3", "zhongtong", "ZT4400000000003", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 1}, ev(2, trail.StatusPickedUp, "", "已揽收"))

	br := b.browser(t).mustLogin(agentA)
	p := br.get("/console/orders/LBL-3")
	if n := p.doc.Find(".stages li.late").Length(); n != 0 || !strings.Contains(p.doc.Find(".batch h3").Text(), "已完成") {
		t.Errorf("shipped batch: %d late stages, heading %q", n, p.doc.Find(".batch h3").Text())
	}

	p = br.get("/console/orders/LBL-1")
	wantStatus(t, p, 200)
	head := p.doc.Find(".head .badge")
	if got := head.Text(); got != "已签收 · 含破损包裹" || !head.HasClass("damaged") {
		t.Errorf("order badge: got %q (class %q)", got, head.AttrOr("class", ""))
	}
	p1 := p.doc.Find("#p1 .badge")
	if got := p1.Text(); got != "已签收 · 异常后签收 · 破损" || !p1.HasClass("damaged") {
		t.Errorf("damaged parcel badge: got %q (class %q)", got, p1.AttrOr("class", ""))
	}
	if got := p.doc.Find("#p2 .badge").Text(); got != "已签收 · 他人代签" {
		t.Errorf("proxy parcel badge: got %q", got)
	}
	for _, code := range []string{"signed_by_proxy", "signed_after_exception", "· damaged"} {
		if strings.Contains(p.doc.Find(".parcel-head").Text(), code) {
			t.Errorf("raw code %q on the page", code)
		}
	}

	p = br.get("/console/orders/LBL-2")
	if got := p.doc.Find(".head .badge").Text(); got != "已退回" {
		t.Errorf("returned order badge: got %q", got)
	}
	p = br.get("/console/orders?status=returned")
	if got := p.doc.Find(`select[name=status] option[value=returned]`).Text(); got != "已退回" {
		t.Errorf("status filter: got %q", got)
	}
	rows := p.doc.Find(".results tbody tr")
	if rows.Length() != 1 || !strings.Contains(rows.Text(), "LBL-2") || !strings.Contains(rows.Find(".badge").Text(), "已退回") {
		t.Errorf("search returned: got %q", rows.Text())
	}
}
