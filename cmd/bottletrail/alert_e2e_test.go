package main

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestAlertScenarios drives every alert rule end to end on both stores:
// simulator scenarios push scans through Kuaidi100's signed protocol, the
// evaluator judges the orders in the scenarios' time, and each order ends
// with the alert its rule should have raised — open while the cause holds,
// resolved by itself once it cleared.
func TestAlertScenarios(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		playAlerts(t, "sqlite:"+filepath.Join(t.TempDir(), "bt.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		playAlerts(t, storetest.PostgresSchema(t, t, "bt_e2e_", nil))
	})
}

// alertCase is an order, the scenario its parcel plays and the alert it
// must end with.
type alertCase struct {
	orderNo, carrier, scenario, province, sku string
	occasionInDays                            int // 0: no occasion
	alert                                     trail.AlertType
	status                                    trail.AlertStatus // where the alert ends
	resolvedBy                                string
}

func playAlerts(t *testing.T, dsn string) {
	e := startE2E(t, dsn, true)
	ctx, b := e.ctx, e.b
	brand := e.brand(t, "alerts", trail.ProviderKuaidi100)

	// A heat-sensitive SKU whose limit sits just under this month's mean
	// maximum in Hainan, so that the heat rule fires whatever the month the
	// test runs in.
	hainan, _ := trail.HeatTable.MeanMax("460000", e.clock.Now())
	limit := hainan - 2
	if _, err := b.PutSKU(ctx, brand.ID, &trail.SKU{Code: "PLUM-330", Name: "青梅酒", Alcohol: true, Fragile: true,
		TemperatureSensitive: true, MaxTempC: &limit, LeadTime: trail.LeadTime{Min: 3, Max: 5}}); err != nil {
		t.Fatal(err)
	}

	cases := []alertCase{
		{"AL-NOPICKUP", "yuantong", "lost", "北京", "RICE-500", 0, trail.AlertNoPickup, trail.AlertOpen, ""},
		{"AL-STALL", "zhongtong", "stalled_in_transit", "广东", "RICE-500", 0, trail.AlertStalled, trail.AlertOpen, ""},
		{"AL-REFUSE", "yuantong", "refusal", "北京", "RICE-500", 0, trail.AlertException, trail.AlertOpen, ""},
		// Damaged, then signed for: the damage alert waits for a person.
		{"AL-DAMAGE", "yuantong", "damage", "北京", "RICE-500", 0, trail.AlertException, trail.AlertOpen, ""},
		{"AL-LOCKER", "zhongtong", "locker_drop", "北京", "RICE-500", 0, trail.AlertPickupPoint, trail.AlertResolved, trail.ResolvedAutomatically},
		{"AL-PROXY", "zhongtong", "split_parcels", "北京", "RICE-500", 0, trail.AlertSignedByProxy, trail.AlertOpen, ""},
		{"AL-OCCASION", "yuantong", "delay_stall", "青海", "RICE-500", 3, trail.AlertETARisk, trail.AlertOpen, ""},
		{"AL-HEAT", "yuantong", "slow_line_haul", "海南", "PLUM-330", 0, trail.AlertHeatRisk, trail.AlertResolved, trail.ResolvedAutomatically},
	}
	start := e.clock.Now()
	for i, c := range cases {
		o := &trail.Order{OrderNo: c.orderNo, Customer: trail.Contact{Name: "张三", Phone: "13912345678"},
			Address: trail.Address{Province: c.province, City: "某市", Detail: "建国路88号"}, Items: []trail.Item{{SKU: c.sku, Quantity: 1}}}
		if c.occasionInDays > 0 {
			day := trail.Date(start.In(trail.ChinaTime).AddDate(0, 0, c.occasionInDays).Format(time.DateOnly))
			o.Occasion = &trail.Occasion{Kind: "wedding", Date: day}
		}
		o.Normalize()
		if _, err := b.CreateOrder(ctx, brand.ID, o); err != nil {
			t.Fatal(err)
		}
		no := map[string]string{"yuantong": "YT", "zhongtong": "7"}[c.carrier] + fmt.Sprintf("%013d", 4000000000000+i)
		if err := e.sim.Assign(c.carrier, no, c.scenario); err != nil {
			t.Fatal(err)
		}
		s := &trail.Shipment{Carrier: c.carrier, TrackingNo: no, Items: []trail.ShipmentItem{{SKU: c.sku, Quantity: 1}}}
		if _, err := b.CreateShipment(ctx, brand.ID, o.OrderNo, s); err != nil {
			t.Fatal(err)
		}
	}

	// Production: a batch whose filling was due tomorrow and never reported.
	prod := &trail.Order{OrderNo: "AL-PROD", Customer: trail.Contact{Name: "李四", Phone: "13800001111"},
		Address: trail.Address{Province: "浙江", City: "杭州市", Detail: "文三路188号"},
		Items:   []trail.Item{{SKU: "PLUM-330", Quantity: 6, BatchNo: "B-AL-1"}}}
	prod.Normalize()
	if _, err := b.CreateOrder(ctx, brand.ID, prod); err != nil {
		t.Fatal(err)
	}
	tomorrow := trail.Date(start.In(trail.ChinaTime).AddDate(0, 0, 1).Format(time.DateOnly))
	if _, err := b.CreateBatch(ctx, brand.ID, &trail.Batch{BatchNo: "B-AL-1", SKU: "PLUM-330",
		Plan: map[trail.Stage]trail.Date{trail.StageFilling: tomorrow, trail.StageReady: trail.Date(start.In(trail.ChinaTime).AddDate(0, 0, 3).Format(time.DateOnly))}}); err != nil {
		t.Fatal(err)
	}

	// Six days of scenario time, a scan round and an evaluation every 15
	// minutes; every alert ever opened is remembered, to catch the ones
	// that open and resolve along the way.
	e.waitSubscribed(t, len(cases))
	for range 6 * 24 * 4 {
		e.clock.Add(15 * time.Minute)
		e.sim.Tick()
		for {
			n, err := b.EvaluateDue(ctx, e.clock.Now(), 500)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
	}

	all, err := b.Alerts(ctx, brand.ID, trail.AlertFilter{Limit: trail.MaxAlertPage})
	if err != nil {
		t.Fatal(err)
	}
	byOrder := map[string][]*trail.Alert{}
	for _, a := range all {
		no := a.OrderNo
		if a.BatchNo == "B-AL-1" {
			no = "AL-PROD"
		}
		byOrder[no] = append(byOrder[no], a)
	}
	cases = append(cases, alertCase{orderNo: "AL-PROD", scenario: "batch_plan", alert: trail.AlertProductionOverdue, status: trail.AlertOpen})
	for _, c := range cases {
		t.Run(string(c.alert)+"/"+c.scenario, func(t *testing.T) {
			var found *trail.Alert
			keys := map[string]bool{}
			for _, a := range byOrder[c.orderNo] { // newest first
				if keys[a.Key] {
					t.Errorf("two alerts for one cause: %s", a.Key)
				}
				keys[a.Key] = true
				if a.Type == c.alert && found == nil {
					found = a
				}
			}
			if found == nil {
				t.Fatalf("no %s alert; the order has %+v", c.alert, byOrder[c.orderNo])
			}
			if found.Status != c.status || found.ResolvedBy != c.resolvedBy {
				t.Errorf("%s: status %s resolved by %q, want %s by %q (%s)", c.alert, found.Status, found.ResolvedBy, c.status, c.resolvedBy, found.Explanation)
			}
			if found.Explanation == "" || found.TypeName == "" {
				t.Errorf("%s: no explanation: %+v", c.alert, found)
			}
		})
	}

	// The estimates were revised as the scans came in, and the lanes of the
	// delivered parcels were counted.
	g, err := b.OrderGraph(ctx, brand.ID, "AL-HEAT")
	if err != nil {
		t.Fatal(err)
	}
	if len(g.ETAs) < 3 {
		t.Errorf("AL-HEAT: %d estimate revisions, want several", len(g.ETAs))
	}
	if len(g.Lanes) == 0 {
		t.Error("AL-HEAT: its delivered parcel left no lane statistics")
	}
}
