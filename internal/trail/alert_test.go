package trail

import (
	"strings"
	"testing"
	"time"
)

// alertSKUs are the catalogue of the alert tests: an alcohol glass bottle
// that must stay under 25 °C, and an unremarkable gift box.
var alertSKUs = map[string]*SKU{
	"PLUM-330": {Code: "PLUM-330", Alcohol: true, Fragile: true, TemperatureSensitive: true, MaxTempC: ptr(25.0), LeadTime: LeadTime{Min: 3, Max: 7}},
	"GIFTBOX":  {Code: "GIFTBOX", LeadTime: LeadTime{Min: 0, Max: 2}},
}

func ptr[T any](v T) *T { return &v }

// alertScan is a located carrier scan at a China time.
func alertScan(st ShipmentStatus, at, sub string) TrackingEvent {
	e := etaScan(st, at)
	e.SubStatus, e.Location, e.AreaCode = sub, "杭州市", "330100"
	return e
}

// alertParcel is parcel 7 holding the given SKU, created at 2026-12-01
// 10:00, with its events (newest first) and the status of the newest.
func alertParcel(sku string, events ...TrackingEvent) *Shipment {
	s := &Shipment{ID: 7, Carrier: "zhongtong", TrackingNo: "ZT7", Status: StatusCreated, CreatedAt: etaTime("2026-12-01 10:00"),
		Items: []ShipmentItem{{ItemID: 1, SKU: sku, Quantity: 1}}, Events: events}
	if len(events) > 0 {
		st := DeriveShipmentState(events)
		s.Status, s.SubStatus, s.LastEventAt, s.DeliveredAt = st.Status, st.SubStatus, st.LastEventAt, st.DeliveredAt
	}
	return s
}

func alertGraph(province string, s *Shipment) *OrderGraph {
	o := etaOrder(province, Item{ID: 1, SKU: "PLUM-330", Quantity: 1})
	o.ID = 3
	g := &OrderGraph{Order: o, SKUs: alertSKUs}
	if s != nil {
		o.Items[0].SKU = s.Items[0].SKU
		g.Shipments = []*Shipment{s}
	}
	return g
}

// causes renders an evaluation as "type:severity" joined by spaces.
func causes(ev Evaluation) string {
	var out []string
	for _, c := range ev.Causes {
		out = append(out, string(c.Type)+":"+string(c.Severity))
	}
	return strings.Join(out, " ")
}

func TestEvaluateParcelRules(t *testing.T) {
	t.Parallel()
	picked := alertScan(StatusPickedUp, "2026-12-01 18:00", "")
	tests := []struct {
		name     string
		province string
		parcel   *Shipment
		now      string
		want     string
		next     string // China time of the next evaluation, "" for none
	}{
		{"waybill, within the threshold", zhejiang, alertParcel("PLUM-330"), "2026-12-03 09:59", "", "2026-12-03 10:00"},
		{"waybill, 48 h without pickup", zhejiang, alertParcel("PLUM-330"), "2026-12-03 10:00", "no_pickup:warning", ""},
		{"moving: next check at the stall threshold", zhejiang, alertParcel("GIFTBOX", picked), "2026-12-02 09:00", "", "2026-12-03 18:00"},
		{"stalled 48 h", zhejiang, alertParcel("GIFTBOX", picked), "2026-12-03 18:00", "stalled:warning", ""},
		{"exception: damaged is critical", zhejiang, alertParcel("GIFTBOX", alertScan(StatusException, "2026-12-02 08:00", "damaged"), picked), "2026-12-02 09:00", "exception:critical", ""},
		{"damaged, then signed for: the damage alert stays", zhejiang, alertParcel("GIFTBOX", alertScan(StatusDelivered, "2026-12-03 08:00", "signed_after_exception"), alertScan(StatusException, "2026-12-02 08:00", "damaged"), picked), "2026-12-09 09:00", "exception:critical", ""},
		{"damaged, then returned: one damage alert", zhejiang, alertParcel("GIFTBOX", alertScan(StatusReturned, "2026-12-05 08:00", ""), alertScan(StatusException, "2026-12-02 08:00", "damaged"), picked), "2026-12-06 09:00", "exception:critical", ""},
		{"exception: unreachable is a warning", zhejiang, alertParcel("GIFTBOX", alertScan(StatusException, "2026-12-02 08:00", "unreachable"), picked), "2026-12-02 09:00", "exception:warning", ""},
		{"refused", zhejiang, alertParcel("GIFTBOX", alertScan(StatusRefused, "2026-12-02 08:00", ""), picked), "2026-12-02 09:00", "exception:critical", ""},
		{"returned: final, still an alert", zhejiang, alertParcel("GIFTBOX", alertScan(StatusReturned, "2026-12-05 08:00", ""), alertScan(StatusReturning, "2026-12-02 08:00", ""), picked), "2026-12-06 09:00", "exception:critical", ""},
		{"alcohol in a locker", zhejiang, alertParcel("PLUM-330", alertScan(StatusAtPickupPoint, "2026-12-02 08:00", ""), picked), "2026-12-02 09:00", "left_at_pickup_point:warning", ""},
		{"gift box in a locker: fine", zhejiang, alertParcel("GIFTBOX", alertScan(StatusAtPickupPoint, "2026-12-02 08:00", ""), picked), "2026-12-02 09:00", "", ""},
		{"alcohol signed by proxy", zhejiang, alertParcel("PLUM-330", alertScan(StatusDelivered, "2026-12-02 08:00", "signed_by_proxy"), picked), "2026-12-02 09:00", "signed_by_proxy:warning", ""},
		{"delivered in person: nothing", zhejiang, alertParcel("PLUM-330", alertScan(StatusDelivered, "2026-12-02 08:00", ""), picked), "2026-12-02 09:00", "", ""},
		// December in Hainan: 22 °C mean maximum, under the 25 °C limit.
		{"heat: Hainan in December is not hot", "460000", alertParcel("PLUM-330", picked), "2026-12-03 19:00", "stalled:warning", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := alertGraph(tt.province, tt.parcel)
			ev := EvaluateOrder(g, DefaultAlertRules(), OrderEstimate{}, etaTime(tt.now))
			if got := causes(ev); got != tt.want {
				t.Errorf("causes: got %q, want %q", got, tt.want)
			}
			next := ""
			if ev.Next != nil {
				next = ev.Next.In(ChinaTime).Format("2006-01-02 15:04")
			}
			if next != tt.next {
				t.Errorf("next: got %q, want %q", next, tt.next)
			}
			for _, c := range ev.Causes {
				if c.ShipmentID != 7 || c.Explanation == "" || !strings.Contains(c.Explanation, "中通快递 ZT7") {
					t.Errorf("cause %s: parcel %d, explanation %q", c.Key, c.ShipmentID, c.Explanation)
				}
			}
		})
	}
}

// TestEvaluateDamageHeld checks that a damaged parcel's alert is one cause
// per parcel, keyed by the parcel alone and held for a person, from the
// first damaged scan to after the parcel is signed for; and that the rule
// being off raises none.
func TestEvaluateDamageHeld(t *testing.T) {
	t.Parallel()
	picked := alertScan(StatusPickedUp, "2026-12-01 18:00", "")
	damaged := alertScan(StatusException, "2026-12-02 08:00", "damaged")
	for _, s := range []*Shipment{
		alertParcel("PLUM-330", damaged, picked),
		alertParcel("PLUM-330", alertScan(StatusDelivered, "2026-12-03 08:00", "signed_after_exception"), damaged, picked),
	} {
		ev := EvaluateOrder(alertGraph(zhejiang, s), DefaultAlertRules(), OrderEstimate{}, etaTime("2026-12-04 09:00"))
		if len(ev.Causes) != 1 {
			t.Fatalf("%s: got %+v, want one damage cause", s.Status, ev.Causes)
		}
		c := ev.Causes[0]
		if c.Key != "damage:s7" || !c.Held || c.Severity != SeverityCritical || !strings.Contains(c.Explanation, "12月2日 08:00 被扫描为破损") ||
			!strings.Contains(c.Explanation, "当前状态："+StatusNames[s.Status]) {
			t.Errorf("%s: got %+v", s.Status, c)
		}
	}
	rules := DefaultAlertRules()
	rules[AlertException] = AlertRule{}
	if got := causes(EvaluateOrder(alertGraph(zhejiang, alertParcel("PLUM-330", damaged, picked)), rules, OrderEstimate{}, etaTime("2026-12-04 09:00"))); got != "" {
		t.Errorf("exception rule off: got %q", got)
	}
}

// TestEvaluateHeat checks the heat rule against the built-in table: July in
// Guangdong (33 °C) is over the 25 °C limit, so a parcel picked up more than
// 48 h ago raises it; the rule clears after delivery.
func TestEvaluateHeat(t *testing.T) {
	t.Parallel()
	july := func(s string) string { return strings.Replace(s, "2026-12", "2026-07", 1) }
	picked := alertScan(StatusPickedUp, july("2026-12-01 18:00"), "")
	picked.AreaCode = "" // the destination alone decides
	rules := DefaultAlertRules()
	rules[AlertStalled] = AlertRule{} // off, to see the heat rule alone

	for _, tt := range []struct {
		name, province, now, want string
	}{
		{"Guangdong in July, 47 h", "440000", "2026-07-03 17:00", ""},
		{"Guangdong in July, 48 h", "440000", "2026-07-03 18:00", "heat_risk:critical"},
		{"Heilongjiang in July: 28 °C, just over", "230000", "2026-07-03 18:00", "heat_risk:warning"},
		{"Yunnan in July: 24 °C, under", "530000", "2026-07-03 18:00", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := alertParcel("PLUM-330", picked)
			s.CreatedAt = etaTime(july("2026-12-01 10:00"))
			ev := EvaluateOrder(alertGraph(tt.province, s), rules, OrderEstimate{}, etaTime(tt.now))
			if got := causes(ev); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}

	// Passing through a hot province counts: the newest scan's area code.
	through := alertScan(StatusInTransit, "2026-07-02 18:00", "")
	through.AreaCode = "440100"
	s := alertParcel("PLUM-330", through, picked)
	s.CreatedAt = etaTime("2026-07-01 10:00")
	if got := causes(EvaluateOrder(alertGraph("530000", s), rules, OrderEstimate{}, etaTime("2026-07-03 18:00"))); got != "heat_risk:critical" {
		t.Errorf("through Guangdong to Yunnan: got %q", got)
	}
}

func TestEvaluateProductionOverdue(t *testing.T) {
	t.Parallel()
	b := &Batch{ID: 9, BatchNo: "B-9", SKU: "PLUM-330", Plan: map[Stage]Date{StageFilling: "2026-12-03", StageReady: "2026-12-06"},
		Events: []BatchEvent{etaStage(StageFilling, StateDelayed, "2026-12-03 10:00")}}
	tests := []struct {
		name, now, want, next string
	}{
		// The planned day ends at midnight in Shanghai: 16:00 UTC.
		{"last minute of the planned day", "2026-12-03 23:59", "", "2026-12-04 00:00"},
		{"midnight in Shanghai", "2026-12-04 00:00", "production_overdue:warning", "2026-12-07 00:00"},
		{"three days late is critical", "2026-12-06 12:00", "production_overdue:critical", "2026-12-07 00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := alertGraph(zhejiang, nil)
			g.Batches = []*Batch{b}
			ev := EvaluateOrder(g, DefaultAlertRules(), OrderEstimate{}, etaTime(tt.now).In(time.UTC))
			if got := causes(ev); got != tt.want {
				t.Errorf("causes: got %q, want %q", got, tt.want)
			}
			if ev.Next == nil || ev.Next.In(ChinaTime).Format("2006-01-02 15:04") != tt.next {
				t.Errorf("next: got %v, want %s", ev.Next, tt.next)
			}
			for _, c := range ev.Causes {
				if c.BatchID != 9 || c.Key != "production:b9:filling" || !strings.Contains(c.Explanation, "原料到货晚 2 天") {
					t.Errorf("cause: %+v", c)
				}
			}
		})
	}
	done := *b
	done.Events = append(done.Events, etaStage(StageFilling, StateCompleted, "2026-12-04 09:00"))
	g := alertGraph(zhejiang, nil)
	g.Batches = []*Batch{&done}
	if got := causes(EvaluateOrder(g, DefaultAlertRules(), OrderEstimate{}, etaTime("2026-12-04 10:00"))); got != "" {
		t.Errorf("stage completed: got %q, want nothing", got)
	}

	// Goods shipped from the batch while filling was never reported done:
	// the parcel recorded the ready stage, and no stage is overdue.
	s := &Shipment{Carrier: "zhongtong", TrackingNo: "ZT7", CreatedAt: etaTime("2026-12-05 10:00")}
	shipped := *b
	shipped.Events = append(append([]BatchEvent{}, b.Events...), ShippedEvent(s))
	if e := ShippedEvent(s); e.Stage != StageReady || e.State != StateCompleted || !e.At.Equal(s.CreatedAt) || e.Reason != "随包裹 中通快递 ZT7 发出" || e.Validate() != nil {
		t.Errorf("shipped event: got %+v (%v)", e, e.Validate())
	}
	g.Batches = []*Batch{&shipped}
	if got := causes(EvaluateOrder(g, DefaultAlertRules(), OrderEstimate{}, etaTime("2026-12-06 12:00"))); got != "" {
		t.Errorf("shipped from the batch: got %q, want nothing", got)
	}
}

// TestBatchLate checks the one rule pages and alerts share for an overdue
// stage: planned, its day over, not completed, and the batch not done.
func TestBatchLate(t *testing.T) {
	t.Parallel()
	plan := map[Stage]Date{StageFilling: "2026-12-03", StageQC: "2026-12-05"}
	filling := func(b *Batch) StageProgress { return b.Progress()[0] }
	for _, tt := range []struct {
		name   string
		events []BatchEvent
		now    string
		want   bool
	}{
		{"before the planned day ends", nil, "2026-12-03 23:59", false},
		{"the planned day is over", nil, "2026-12-04 00:00", true},
		{"delayed and over", []BatchEvent{etaStage(StageFilling, StateDelayed, "2026-12-03 10:00")}, "2026-12-06 00:00", true},
		{"completed late", []BatchEvent{etaStage(StageFilling, StateCompleted, "2026-12-05 10:00")}, "2026-12-06 00:00", false},
		{"ready completed, filling never reported", []BatchEvent{etaStage(StageReady, StateCompleted, "2026-12-05 10:00")}, "2026-12-06 00:00", false},
	} {
		b := &Batch{BatchNo: "B-1", Plan: plan, Events: tt.events}
		if got := b.Late(filling(b), etaTime(tt.now)); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestEvaluateETARisk runs the eta_risk rule on estimates made by the
// LaneEstimator with no lane history (the default tables).
func TestEvaluateETARisk(t *testing.T) {
	t.Parallel()
	picked := alertScan(StatusPickedUp, "2026-12-01 18:00", "")
	tests := []struct {
		name     string
		province string
		occasion string
		promise  string
		want     string
	}{
		// East China: default transit 1/1.5/2.5 days from pickup → P90 4 Dec 06:00.
		{"occasion after the window", zhejiang, "2026-12-05", "", ""},
		{"occasion inside the window", zhejiang, "2026-12-04", "", "eta_risk:critical"},
		{"promise by the end of the P90 day", zhejiang, "", "2026-12-04", ""},
		{"promise before P50", zhejiang, "", "2026-12-02", "eta_risk:critical"},
		// Xinjiang: 4/5.5/8 days → P50 7 Dec 06:00, P90 9 Dec 18:00.
		{"promise between P50 and P90", xinjiang, "", "2026-12-08", "eta_risk:warning"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := alertGraph(tt.province, alertParcel("GIFTBOX", picked))
			if tt.occasion != "" {
				g.Order.Occasion = &Occasion{Kind: "wedding", Date: Date(tt.occasion)}
			}
			if tt.promise != "" {
				g.Order.PromisedDeliveryBy = ptr(Date(tt.promise))
			}
			now := etaTime("2026-12-01 20:00")
			est := LaneEstimator{}.EstimateOrder(g, nil, now)
			ev := EvaluateOrder(g, DefaultAlertRules(), est, now)
			if got := causes(ev); got != tt.want {
				t.Errorf("causes: got %q, want %q (window %s)", got, tt.want, etaWindow(est.Order))
			}
			if ev.Next == nil || ev.Next.Sub(now) > ETARecheck {
				t.Errorf("next: got %v, want within %v", ev.Next, ETARecheck)
			}
			for _, c := range ev.Causes {
				if !strings.Contains(c.Explanation, "WED-1") || !strings.Contains(c.Key, "eta:o3:") {
					t.Errorf("cause: %+v", c)
				}
			}
		})
	}
}

// TestEvaluatePromiseSettled checks eta_risk once the order shipped or
// arrived: a promise kept raises nothing (a risk alert resolves), a
// promise broken is a held cause under the same key as the risk was.
func TestEvaluatePromiseSettled(t *testing.T) {
	t.Parallel()
	picked := alertScan(StatusPickedUp, "2026-12-04 18:00", "")
	delivered := alertScan(StatusDelivered, "2026-12-06 11:00", "")
	tests := []struct {
		name     string
		shipBy   string
		deliver  string
		occasion string
		events   []TrackingEvent
		want     string // key:held, space separated
	}{
		{"shipped on the promised day: kept", "2026-12-01", "", "", []TrackingEvent{picked}, ""},
		{"shipped after the promised day: broken", "2026-11-30", "", "", []TrackingEvent{picked}, "eta:o3:ship:2026-11-30:held"},
		{"delivered by the promised day: kept", "", "2026-12-06", "", []TrackingEvent{delivered, picked}, ""},
		{"delivered after the promised day: broken", "", "2026-12-05", "", []TrackingEvent{delivered, picked}, "eta:o3:delivery:2026-12-05:held"},
		{"delivered on the occasion's day: broken", "", "", "2026-12-06", []TrackingEvent{delivered, picked}, "eta:o3:occasion:2026-12-06:held"},
		{"delivered the day before the occasion: kept", "", "", "2026-12-07", []TrackingEvent{delivered, picked}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := alertParcel("GIFTBOX", tt.events...)
			g := alertGraph(zhejiang, s)
			g.Status = DeriveOrderStatus(g.Order, g.SKUs, nil, g.Shipments)
			if tt.shipBy != "" {
				g.Order.PromisedShipBy = ptr(Date(tt.shipBy))
			}
			if tt.deliver != "" {
				g.Order.PromisedDeliveryBy = ptr(Date(tt.deliver))
			}
			if tt.occasion != "" {
				g.Order.Occasion = &Occasion{Kind: "wedding", Date: Date(tt.occasion)}
			}
			now := etaTime("2026-12-07 20:00")
			ev := EvaluateOrder(g, DefaultAlertRules(), LaneEstimator{}.EstimateOrder(g, nil, now), now)
			var got []string
			for _, c := range ev.Causes {
				if c.Type != AlertETARisk {
					continue
				}
				k := c.Key
				if c.Held {
					k += ":held"
				}
				if c.Detail != "" || c.Severity != SeverityCritical || !strings.Contains(c.Explanation, "承诺未能兑现") {
					t.Errorf("broken cause: %+v", c)
				}
				got = append(got, k)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("got %q, want %q", g, tt.want)
			}
		})
	}
}

func TestEvaluateRulesOffAndCancelled(t *testing.T) {
	t.Parallel()
	s := alertParcel("PLUM-330", alertScan(StatusAtPickupPoint, "2026-12-02 08:00", ""))
	off := DefaultAlertRules()
	for _, typ := range AlertTypes {
		off[typ] = AlertRule{}
	}
	if got := causes(EvaluateOrder(alertGraph(zhejiang, s), off, OrderEstimate{}, etaTime("2026-12-09 09:00"))); got != "" {
		t.Errorf("all rules off: got %q", got)
	}
	g := alertGraph(zhejiang, s)
	g.Order.CancelledAt = ptr(etaTime("2026-12-02 09:00"))
	if ev := EvaluateOrder(g, DefaultAlertRules(), OrderEstimate{}, etaTime("2026-12-09 09:00")); len(ev.Causes) != 0 || ev.Next != nil {
		t.Errorf("cancelled: got %+v", ev)
	}
	// A per-carrier threshold wins over the rule's own.
	rules := DefaultAlertRules()
	rules[AlertNoPickup] = AlertRule{Enabled: true, ThresholdHours: 48, Carriers: map[string]float64{"zhongtong": 6}}
	if got := causes(EvaluateOrder(alertGraph(zhejiang, alertParcel("GIFTBOX")), rules, OrderEstimate{}, etaTime("2026-12-01 16:00"))); got != "no_pickup:warning" {
		t.Errorf("carrier threshold: got %q", got)
	}
}

func TestAlertRuleValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		typ   AlertType
		rule  AlertRule
		field string
	}{
		{AlertStalled, AlertRule{Enabled: true, ThresholdHours: 24, Carriers: map[string]float64{"shunfeng": 12}}, ""},
		{"weather", AlertRule{}, "type"},
		{AlertStalled, AlertRule{ThresholdHours: -1}, "threshold_hours"},
		{AlertStalled, AlertRule{Carriers: map[string]float64{"nosuch": 1}}, "carriers"},
		{AlertHeatRisk, AlertRule{Carriers: map[string]float64{"shunfeng": 1}}, "carriers"},
		{AlertStalled, AlertRule{MaxTempC: 30}, "max_temp_c"},
	} {
		err := tt.rule.Validate(tt.typ)
		got := ""
		if e, ok := err.(*Error); ok {
			got = e.Field
		}
		if got != tt.field {
			t.Errorf("%s %+v: got field %q (%v), want %q", tt.typ, tt.rule, got, err, tt.field)
		}
	}
}

func TestHeatTable(t *testing.T) {
	t.Parallel()
	if len(HeatTable) != 34 {
		t.Errorf("provinces: got %d, want 34", len(HeatTable))
	}
	// 31 July 23:30 UTC is 1 August in Shanghai.
	if v, ok := HeatTable.MeanMax("440000", time.Date(2026, 7, 31, 23, 30, 0, 0, time.UTC)); !ok || v != 33 {
		t.Errorf("Guangdong, August in Shanghai: got %v %v", v, ok)
	}
	for _, bad := range []string{"code\n", "h\n999999,x,1,2,3,4,5,6,7,8,9,10,11,12\n", "h\n440000,x,1,2\n", "h\n440000,x,1,2,3,4,5,6,7,8,9,10,11,hot\n"} {
		if _, err := ParseHeatTable(bad); err == nil {
			t.Errorf("ParseHeatTable(%q): no error", bad)
		}
	}
}
