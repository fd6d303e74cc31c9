package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// evaluate runs the evaluation schedule at now until nothing is due and
// returns how many evaluations ran.
func (b *bundle) evaluate(t *testing.T, now time.Time) int {
	t.Helper()
	total := 0
	for {
		n, err := b.s.EvaluateDue(b.ctx, now, 50)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

// alerts returns a brand's alerts in a status, keyed by type and what they
// concern: "stalled ZT1000000001", "production_overdue B-1", "eta_risk
// WED-1". Two open alerts under one key fail the test; of resolved ones,
// the newest is kept.
func (b *bundle) alerts(t *testing.T, brandID int64, status trail.AlertStatus) map[string]*trail.Alert {
	t.Helper()
	as, err := b.s.Alerts(b.ctx, brandID, trail.AlertFilter{Status: status, Limit: trail.MaxAlertPage})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*trail.Alert{}
	for _, a := range as { // newest first
		what := a.TrackingNo + a.BatchNo
		if what == "" {
			what = a.OrderNo
		}
		k := string(a.Type) + " " + what
		if out[k] != nil {
			if a.Status != trail.AlertResolved {
				t.Fatalf("two open alerts: %+v and %+v", out[k], a)
			}
			continue
		}
		out[k] = a
	}
	return out
}

func testAlerts(t *testing.T, open OpenFunc) {
	t.Run("Schedule", func(t *testing.T) { testAlertSchedule(t, open) })
	t.Run("Lifecycle", func(t *testing.T) { testAlertLifecycle(t, open) })
	t.Run("Production", func(t *testing.T) { testAlertProduction(t, open) })
	t.Run("Lanes", func(t *testing.T) { testAlertLanes(t, open) })
	t.Run("Rules", func(t *testing.T) { testAlertRules(t, open) })
	t.Run("Concurrent", func(t *testing.T) { testAlertConcurrent(t, open) })
	t.Run("Inbox", func(t *testing.T) { testAlertInbox(t, open) })
}

// testAlertSchedule checks that changes put an order on the schedule, that
// one evaluation takes it off until its next due time, and that due times
// come from the rules.
func testAlertSchedule(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	b.mustOrder(t, b.brand.ID, "WED-1")
	if n := b.evaluate(t, at(0, 10, 0)); n != 1 {
		t.Fatalf("new order: got %d evaluations, want 1", n)
	}
	if n := b.evaluate(t, at(0, 10, 0)); n != 0 {
		t.Fatalf("nothing changed: got %d evaluations, want 0", n)
	}
	b.mustShipment(t, b.brand.ID, "WED-1", "zhongtong", "ZT1000000001", trail.ShipmentItem{SKU: "RICE-500", Quantity: 6})
	if n := b.evaluate(t, at(0, 10, 0)); n != 1 {
		t.Fatalf("new parcel: got %d evaluations, want 1", n)
	}
	g := b.mustGraph(t, "WED-1")
	if len(g.ETAs) == 0 {
		t.Fatal("no estimate recorded")
	}
	revisions := len(g.ETAs)
	// Nothing happens to the parcel: the next evaluation is the ETA
	// re-check (the order has a promise), well before the 48 h of no_pickup.
	if n := b.evaluate(t, at(0, 10, 0).Add(trail.ETARecheck)); n != 1 {
		t.Fatalf("re-check: got %d evaluations, want 1", n)
	}
	if got := len(b.mustGraph(t, "WED-1").ETAs); got != revisions {
		t.Errorf("unchanged estimate: got %d revisions, want %d", got, revisions)
	}
	if n := b.evaluate(t, at(0, 10, 0).Add(49*time.Hour)); n != 1 {
		t.Fatalf("at no_pickup's due time: got %d evaluations, want 1", n)
	}
	if a := b.alerts(t, b.brand.ID, trail.AlertOpen)["no_pickup ZT1000000001"]; a == nil || a.OrderNo != "WED-1" || a.Carrier != "zhongtong" {
		t.Fatalf("no_pickup: got %+v", b.alerts(t, b.brand.ID, trail.AlertOpen))
	}
	if got := len(b.mustGraph(t, "WED-1").Alerts); got == 0 {
		t.Error("order graph: no open alerts")
	}
}

// testAlertLifecycle checks de-duplication, auto-resolution, reopening and
// the manual actions.
func testAlertLifecycle(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	b.mustOrder(t, b.brand.ID, "WED-1")
	b.mustShipment(t, b.brand.ID, "WED-1", "zhongtong", "ZT1000000001", trail.ShipmentItem{SKU: "RICE-500", Quantity: 6})
	now := at(3, 12, 0) // 58 h after the waybill
	b.evaluate(t, now)
	open1 := b.alerts(t, b.brand.ID, trail.AlertOpen)
	a := open1["no_pickup ZT1000000001"]
	if a == nil || a.Status != trail.AlertOpen || a.Explanation == "" || a.TypeName == "" {
		t.Fatalf("no_pickup: got %+v", open1)
	}

	// Evaluating again never opens a second alert for the same cause.
	if err := b.s.PutAlertRule(b.ctx, b.brand.ID, trail.AlertHeatRisk, trail.DefaultAlertRules()[trail.AlertHeatRisk]); err != nil {
		t.Fatal(err)
	}
	b.evaluate(t, now)
	if got := b.alerts(t, b.brand.ID, ""); len(got) != len(open1) {
		t.Fatalf("re-evaluated: got %d alerts, want %d", len(got), len(open1))
	}

	// Acknowledge and assign; another brand cannot.
	if _, err := b.s.AcknowledgeAlert(b.ctx, b.other.ID, a.ID, "li@rival", ""); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Fatalf("other brand's ack: got %v, want not found", err)
	}
	acked, err := b.s.AcknowledgeAlert(b.ctx, b.brand.ID, a.ID, "wang@plum", "wang@plum")
	if err != nil || acked.Status != trail.AlertAcknowledged || acked.Assignee != "wang@plum" || acked.AcknowledgedBy != "wang@plum" {
		t.Fatalf("ack: got %+v, %v", acked, err)
	}

	// The carrier picks the parcel up: the cause clears, the alert resolves
	// itself.
	pickup := ev(at(3, 13, 0), trail.StatusPickedUp, "【杭州市】已揽收")
	pickup.Location = "杭州市"
	if _, err := b.s.Ingest(b.ctx, b.brand.ID, "zhongtong", "ZT1000000001", []trail.CarrierEvent{pickup}); err != nil {
		t.Fatal(err)
	}
	b.evaluate(t, at(3, 13, 5))
	resolved := b.alerts(t, b.brand.ID, trail.AlertResolved)["no_pickup ZT1000000001"]
	if resolved == nil || resolved.ResolvedBy != trail.ResolvedAutomatically || resolved.ID != a.ID {
		t.Fatalf("picked up: got %+v", b.alerts(t, b.brand.ID, ""))
	}

	// It stalls: 48 h without a scan opens a stalled alert; a scan resolves
	// it; a second stall is a new cause and a new alert.
	b.evaluate(t, at(5, 13, 0))
	stall1 := b.alerts(t, b.brand.ID, trail.AlertOpen)["stalled ZT1000000001"]
	if stall1 == nil {
		t.Fatalf("stalled: got %+v", b.alerts(t, b.brand.ID, trail.AlertOpen))
	}
	move := ev(at(5, 14, 0), trail.StatusInTransit, "【上海市】到达上海转运中心")
	if _, err := b.s.Ingest(b.ctx, b.brand.ID, "zhongtong", "ZT1000000001", []trail.CarrierEvent{move}); err != nil {
		t.Fatal(err)
	}
	b.evaluate(t, at(5, 14, 5))
	if a := b.alerts(t, b.brand.ID, trail.AlertOpen)["stalled ZT1000000001"]; a != nil {
		t.Fatalf("moved: stalled alert still open: %+v", a)
	}
	b.evaluate(t, at(7, 14, 0))
	stall2 := b.alerts(t, b.brand.ID, trail.AlertOpen)["stalled ZT1000000001"]
	if stall2 == nil || stall2.ID == stall1.ID {
		t.Fatalf("second stall: got %+v, first %d", stall2, stall1.ID)
	}

	// Resolved by hand, the same cause stays resolved.
	if _, err := b.s.ResolveAlert(b.ctx, b.brand.ID, stall2.ID, "wang@plum", "已联系中通，包裹在途"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.ResolveAlert(b.ctx, b.brand.ID, stall2.ID, "wang@plum", "again"); trail.ErrorCode(err) != trail.ECONFLICT {
		t.Fatalf("resolve twice: got %v, want conflict", err)
	}
	if _, err := b.s.AcknowledgeAlert(b.ctx, b.brand.ID, stall2.ID, "wang@plum", ""); trail.ErrorCode(err) != trail.ECONFLICT {
		t.Fatalf("ack resolved: got %v, want conflict", err)
	}
	if err := b.s.PutAlertRule(b.ctx, b.brand.ID, trail.AlertStalled, trail.DefaultAlertRules()[trail.AlertStalled]); err != nil {
		t.Fatal(err)
	}
	b.evaluate(t, at(7, 15, 0))
	if a := b.alerts(t, b.brand.ID, trail.AlertOpen)["stalled ZT1000000001"]; a != nil {
		t.Fatalf("resolved by hand, reopened: %+v", a)
	}
	if a := b.alerts(t, b.brand.ID, trail.AlertResolved)["stalled ZT1000000001"]; a == nil || a.ResolvedBy != "wang@plum" || a.Note != "已联系中通，包裹在途" {
		t.Fatalf("manual resolution: got %+v", a)
	}

	// Nothing of it is visible to the other brand.
	if got := b.alerts(t, b.other.ID, ""); len(got) != 0 {
		t.Errorf("other brand sees %d alerts", len(got))
	}
	if _, err := b.s.Alerts(b.ctx, b.brand.ID, trail.AlertFilter{Status: "closed", Limit: 10}); trail.ErrorCode(err) != trail.EINVALID {
		t.Errorf("bad status: got %v", err)
	}
	page, err := b.s.Alerts(b.ctx, b.brand.ID, trail.AlertFilter{Limit: 1})
	if err != nil || len(page) != 1 {
		t.Fatalf("page: %v %v", page, err)
	}
	next, err := b.s.Alerts(b.ctx, b.brand.ID, trail.AlertFilter{Limit: 200, Before: page[0].ID})
	if err != nil || len(next) == 0 || next[0].ID >= page[0].ID {
		t.Fatalf("next page: %v %v", next, err)
	}
	byType, err := b.s.Alerts(b.ctx, b.brand.ID, trail.AlertFilter{Type: trail.AlertNoPickup, Limit: 10})
	if err != nil || len(byType) != 1 || byType[0].Type != trail.AlertNoPickup {
		t.Fatalf("by type: %v %v", byType, err)
	}
}

// testAlertProduction checks a batch's overdue stage: one alert for the
// batch whatever the number of orders waiting, resolved when the stage is
// done.
func testAlertProduction(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	b.mustOrder(t, b.brand.ID, "WED-1")
	b.mustOrder(t, b.brand.ID, "WED-2") // the same batches
	batch := &trail.Batch{BatchNo: "B20261125-01", SKU: "PLUM-330", Plan: map[trail.Stage]trail.Date{trail.StageFilling: "2026-11-27", trail.StageReady: "2026-12-01"}}
	if _, err := b.s.CreateBatch(b.ctx, b.brand.ID, batch); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.RecordBatchEvent(b.ctx, b.brand.ID, "B20261125-01", trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateDelayed, At: at(2, 10, 0), Reason: "原料到货晚 2 天"}); err != nil {
		t.Fatal(err)
	}
	// 27 November ends at 16:00 UTC; one minute before, nothing.
	b.evaluate(t, at(2, 23, 59))
	if got := b.alerts(t, b.brand.ID, trail.AlertOpen)["production_overdue B20261125-01"]; got != nil {
		t.Fatalf("before midnight: %+v", got)
	}
	b.evaluate(t, at(3, 0, 0))
	a := b.alerts(t, b.brand.ID, trail.AlertOpen)["production_overdue B20261125-01"]
	if a == nil || a.OrderNo != "" {
		t.Fatalf("overdue: got %+v", b.alerts(t, b.brand.ID, trail.AlertOpen))
	}
	for _, no := range []string{"WED-1", "WED-2"} {
		found := false
		for _, oa := range b.mustGraph(t, no).Alerts {
			found = found || oa.ID == a.ID
		}
		if !found {
			t.Errorf("%s: the batch's alert is not in the order graph", no)
		}
	}
	if _, err := b.s.RecordBatchEvent(b.ctx, b.brand.ID, "B20261125-01", trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateCompleted, At: at(3, 9, 0)}); err != nil {
		t.Fatal(err)
	}
	b.evaluate(t, at(3, 9, 5))
	if got := b.alerts(t, b.brand.ID, trail.AlertResolved)["production_overdue B20261125-01"]; got == nil || got.ResolvedBy != trail.ResolvedAutomatically {
		t.Fatalf("stage done: got %+v", b.alerts(t, b.brand.ID, ""))
	}
}

// testAlertLanes checks that a delivered parcel's durations are counted in
// its lanes exactly once and then feed the estimate of the next parcel.
func testAlertLanes(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	located := func(e trail.CarrierEvent) trail.CarrierEvent { e.Location = "杭州市"; return e }
	for i, no := range []string{"WED-1", "WED-2"} {
		b.mustOrder(t, b.brand.ID, no)
		tn := []string{"SF1000000001", "SF1000000002"}[i]
		b.mustShipment(t, b.brand.ID, no, "shunfeng", tn, trail.ShipmentItem{SKU: "RICE-500", Quantity: 6})
	}
	events := history(5)
	events[0] = located(events[0])
	if _, err := b.s.Ingest(b.ctx, b.brand.ID, "shunfeng", "SF1000000001", events); err != nil {
		t.Fatal(err)
	}
	b.evaluate(t, at(2, 10, 0))
	// Pushed again and re-evaluated: still one delivery on the lane.
	if err := b.s.PutAlertRule(b.ctx, b.brand.ID, trail.AlertStalled, trail.DefaultAlertRules()[trail.AlertStalled]); err != nil {
		t.Fatal(err)
	}
	b.evaluate(t, at(2, 11, 0))
	g := b.mustGraph(t, "WED-1")
	lane := trail.Lane{Carrier: "shunfeng", Origin: "杭州市", Dest: "330000"}
	for _, m := range trail.LaneMetrics {
		found := false
		for _, s := range g.Lanes {
			if s.Metric == m && s.Lane == lane {
				found = true
				if s.Samples() != 1 {
					t.Errorf("%s on %s: got %d samples, want 1", m, lane, s.Samples())
				}
			}
		}
		if !found {
			t.Errorf("%s on %s: no statistics (have %d lanes)", m, lane, len(g.Lanes))
		}
	}
	listed, err := b.s.Lanes(b.ctx, b.brand.ID, "shunfeng")
	if err != nil || len(listed) == 0 {
		t.Fatalf("lanes: got %d, %v", len(listed), err)
	}
	for _, l := range listed {
		if l.Lane.Carrier != "shunfeng" || l.Samples() != 1 {
			t.Errorf("listed lane %+v with %d samples", l.Lane, l.Samples())
		}
	}
	if other, _ := b.s.Lanes(b.ctx, b.brand.ID, "zhongtong"); len(other) != 0 {
		t.Errorf("zhongtong lanes: got %d, want none", len(other))
	}
	// The other brand's lanes are its own.
	b.mustOrder(t, b.other.ID, "WED-1")
	og, err := b.s.OrderGraph(b.ctx, b.other.ID, "WED-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(og.Lanes) != 0 {
		t.Errorf("other brand sees %d lanes", len(og.Lanes))
	}
	if all, _ := b.s.Lanes(b.ctx, b.other.ID, ""); len(all) != 0 {
		t.Errorf("other brand lists %d lanes", len(all))
	}
}

// testAlertRules checks that rules are stored per brand, validated, and that
// turning one off resolves its alerts.
func testAlertRules(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	rules, err := b.s.AlertRules(b.ctx, b.brand.ID)
	if err != nil || len(rules) != len(trail.AlertTypes) {
		t.Fatalf("defaults: got %v, %v", rules, err)
	}
	wantCode(t, b.s.PutAlertRule(b.ctx, b.brand.ID, trail.AlertStalled, trail.AlertRule{ThresholdHours: -3}), trail.EINVALID, "threshold_hours")
	b.mustOrder(t, b.brand.ID, "WED-1")
	b.mustShipment(t, b.brand.ID, "WED-1", "zhongtong", "ZT1000000001", trail.ShipmentItem{SKU: "RICE-500", Quantity: 6})
	b.evaluate(t, at(3, 12, 0))
	if b.alerts(t, b.brand.ID, trail.AlertOpen)["no_pickup ZT1000000001"] == nil {
		t.Fatal("no_pickup not open")
	}
	if err := b.s.PutAlertRule(b.ctx, b.brand.ID, trail.AlertNoPickup, trail.AlertRule{Enabled: false, ThresholdHours: 48}); err != nil {
		t.Fatal(err)
	}
	b.evaluate(t, at(3, 12, 1))
	if a := b.alerts(t, b.brand.ID, trail.AlertOpen)["no_pickup ZT1000000001"]; a != nil {
		t.Fatalf("rule off: still open %+v", a)
	}
	got, _ := b.s.AlertRules(b.ctx, b.brand.ID)
	other, _ := b.s.AlertRules(b.ctx, b.other.ID)
	if got[trail.AlertNoPickup].Enabled || !other[trail.AlertNoPickup].Enabled {
		t.Errorf("rules: brand %+v, other %+v", got[trail.AlertNoPickup], other[trail.AlertNoPickup])
	}
}

// testAlertConcurrent runs evaluators side by side: every due order is
// evaluated once.
func testAlertConcurrent(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	const orders = 40
	for i := range orders {
		b.mustOrder(t, b.brand.ID, "WED-"+string(rune('A'+i/26))+string(rune('a'+i%26)))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		wg.Go(func() {
			for {
				n, err := b.s.EvaluateDue(b.ctx, at(0, 12, 0), 3)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if total != orders {
		t.Errorf("got %d evaluations of %d orders", total, orders)
	}
}

// testAlertInbox checks the console's inbox: alerts of the soonest
// occasion first (a batch's alert takes the soonest of the orders waiting
// for it; a past occasion counts as none), then critical before warning,
// then the oldest; counts per type whatever the type filter; the filters,
// paging and the other brand's isolation.
func testAlertInbox(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	inbox, ok := b.s.(trail.AlertInbox)
	if !ok {
		t.Fatalf("%T does not implement trail.AlertInbox", b.s)
	}
	// Only the rules this test drives.
	for _, typ := range []trail.AlertType{trail.AlertETARisk, trail.AlertHeatRisk, trail.AlertStalled} {
		if err := b.s.PutAlertRule(b.ctx, b.brand.ID, typ, trail.AlertRule{Enabled: false}); err != nil {
			t.Fatal(err)
		}
	}
	order := func(no string, occasion *trail.Occasion, trackingNo string) {
		t.Helper()
		o := newOrder(no)
		o.Occasion = occasion
		if _, err := b.s.CreateOrder(b.ctx, b.brand.ID, o); err != nil {
			t.Fatal(err)
		}
		b.mustShipment(t, b.brand.ID, no, "zhongtong", trackingNo, trail.ShipmentItem{SKU: "RICE-500", Quantity: 6})
	}
	order("WED-1", &trail.Occasion{Kind: "wedding", Date: "2026-12-20"}, "ZT1000000001")
	order("WED-2", &trail.Occasion{Kind: "birthday", Date: "2026-12-10"}, "ZT1000000002")
	order("PLAIN-1", nil, "ZT1000000003")
	order("PAST-1", &trail.Occasion{Kind: "wedding", Date: "2026-11-20"}, "ZT1000000004")
	// Every order waits for this batch, three days late at evaluation.
	batch := &trail.Batch{BatchNo: "B20261125-01", SKU: "PLUM-330", Plan: map[trail.Stage]trail.Date{trail.StageFilling: "2026-11-25", trail.StageReady: "2026-11-30"}}
	if _, err := b.s.CreateBatch(b.ctx, b.brand.ID, batch); err != nil {
		t.Fatal(err)
	}
	damaged := ev(at(2, 9, 0), trail.StatusException, "【杭州市】包裹破损")
	damaged.SubStatus = "damaged"
	if _, err := b.s.Ingest(b.ctx, b.brand.ID, "zhongtong", "ZT1000000003", []trail.CarrierEvent{damaged}); err != nil {
		t.Fatal(err)
	}
	// Brand B has an alert of its own, never in brand A's inbox.
	b.mustOrder(t, b.other.ID, "WED-1")
	b.mustShipment(t, b.other.ID, "WED-1", "zhongtong", "ZT1000000001", trail.ShipmentItem{SKU: "RICE-500", Quantity: 6})
	b.evaluate(t, at(3, 12, 0)) // 58 h after the waybills: no pickup

	today := trail.Date("2026-11-28")
	get := func(f trail.InboxFilter) *trail.Inbox {
		t.Helper()
		if f.Today == "" {
			f.Today = today
		}
		if f.Limit == 0 {
			f.Limit = 50
		}
		in, err := inbox.InboxAlerts(b.ctx, b.brand.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	keys := func(in *trail.Inbox) []string {
		var out []string
		for _, a := range in.Alerts {
			out = append(out, string(a.Type)+" "+a.TrackingNo+a.BatchNo)
		}
		return out
	}
	want := []string{
		"production_overdue B20261125-01", // critical, WED-2's birthday on 12-10
		"no_pickup ZT1000000002",          // warning, WED-2's birthday on 12-10
		"no_pickup ZT1000000001",          // warning, WED-1's wedding on 12-20
		"exception ZT1000000003",          // critical, no occasion
		"no_pickup ZT1000000004",          // warning, its wedding has passed
	}
	in := get(trail.InboxFilter{})
	if got := keys(in); !slices.Equal(got, want) {
		t.Fatalf("inbox order:\n got %q\nwant %q", got, want)
	}
	if got := in.Counts; got[trail.AlertNoPickup] != 3 || got[trail.AlertException] != 1 || got[trail.AlertProductionOverdue] != 1 || len(got) != 3 || in.Total() != 5 {
		t.Fatalf("counts: got %v (total %d)", got, in.Total())
	}
	batchAlert, wed2, wed1, plain, past := in.Alerts[0], in.Alerts[1], in.Alerts[2], in.Alerts[3], in.Alerts[4]
	if o := batchAlert.Occasion; o == nil || o.Date != "2026-12-10" || o.Kind != "birthday" || batchAlert.WaitingOrderNo != "WED-2" || batchAlert.Waiting != 4 {
		t.Errorf("batch alert: occasion %+v, waiting %d, first %q; want WED-2's birthday on 2026-12-10, 4 orders", o, batchAlert.Waiting, batchAlert.WaitingOrderNo)
	}
	if o := wed1.Occasion; o == nil || o.Date != "2026-12-20" || o.Kind != "wedding" || wed1.WaitingOrderNo != "WED-1" || wed1.Waiting != 1 {
		t.Errorf("WED-1: got occasion %+v, order %q, waiting %d", o, wed1.WaitingOrderNo, wed1.Waiting)
	}
	if wed2.Occasion == nil || plain.Occasion != nil || past.Occasion != nil || past.WaitingOrderNo != "PAST-1" {
		t.Errorf("occasions: WED-2 %+v, PLAIN-1 %+v, PAST-1 %+v", wed2.Occasion, plain.Occasion, past.Occasion)
	}

	// A type filter narrows the list, not the counts; paging by offset.
	byType := get(trail.InboxFilter{Type: trail.AlertNoPickup})
	if got := keys(byType); !slices.Equal(got, []string{want[1], want[2], want[4]}) || byType.Total() != 5 {
		t.Errorf("no_pickup only: got %q, total %d", got, byType.Total())
	}
	if got := keys(get(trail.InboxFilter{Offset: 2, Limit: 2})); !slices.Equal(got, want[2:4]) {
		t.Errorf("offset 2, limit 2: got %q, want %q", got, want[2:4])
	}

	// Later, WED-2's birthday is past: WED-1's wedding leads, and the
	// batch's alert takes the wedding.
	later := get(trail.InboxFilter{Today: "2026-12-15"})
	if got := keys(later); !slices.Equal(got, []string{want[0], want[2], want[3], want[1], want[4]}) {
		t.Errorf("on 12-15: got %q", got)
	}
	if o := later.Alerts[0].Occasion; o == nil || o.Date != "2026-12-20" || later.Alerts[0].WaitingOrderNo != "WED-1" {
		t.Errorf("batch alert on 12-15: got %+v via %q", o, later.Alerts[0].WaitingOrderNo)
	}

	// Acknowledged, assigned and resolved.
	if _, err := b.s.AcknowledgeAlert(b.ctx, b.brand.ID, wed1.ID, "wang@plum", "li@plum"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.ResolveAlert(b.ctx, b.brand.ID, plain.ID, "wang@plum", "已补发"); err != nil {
		t.Fatal(err)
	}
	if got := keys(get(trail.InboxFilter{Status: trail.AlertAcknowledged})); !slices.Equal(got, want[2:3]) {
		t.Errorf("acknowledged: got %q", got)
	}
	mine := get(trail.InboxFilter{Assignee: "li@plum"})
	if got := keys(mine); !slices.Equal(got, want[2:3]) || mine.Total() != 1 {
		t.Errorf("assigned to li: got %q, counts %v", got, mine.Counts)
	}
	resolved := get(trail.InboxFilter{Status: trail.AlertResolved})
	if got := keys(resolved); !slices.Equal(got, want[3:4]) || resolved.Alerts[0].Note != "已补发" || resolved.Counts[trail.AlertException] != 1 {
		t.Errorf("resolved: got %q, counts %v", got, resolved.Counts)
	}
	if got := get(trail.InboxFilter{}); got.Total() != 4 || got.Alerts[2].Status != trail.AlertAcknowledged {
		t.Errorf("open after handling: total %d", got.Total())
	}

	// The other brand sees its own alert only.
	other, err := inbox.InboxAlerts(b.ctx, b.other.ID, trail.InboxFilter{Today: today, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(keys(other), "no_pickup ZT1000000001") || other.Counts[trail.AlertProductionOverdue] != 0 || other.Counts[trail.AlertException] != 0 {
		t.Errorf("other brand: got %q, counts %v", keys(other), other.Counts)
	}
	for _, a := range other.Alerts {
		for _, mine := range in.Alerts {
			if a.ID == mine.ID {
				t.Errorf("the other brand's inbox holds alert %d of this brand", a.ID)
			}
		}
	}

	for _, bad := range []trail.InboxFilter{
		{Status: "closed", Today: today, Limit: 10},
		{Type: "late", Today: today, Limit: 10},
		{Limit: 10},
		{Today: today},
		{Today: today, Limit: 10, Offset: -1},
	} {
		if _, err := inbox.InboxAlerts(b.ctx, b.brand.ID, bad); trail.ErrorCode(err) != trail.EINVALID {
			t.Errorf("filter %+v: got %v, want invalid", bad, err)
		}
	}
}
