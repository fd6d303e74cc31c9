package trail

import (
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/Los_Angeles on hosts without a zone database
)

// etaTime parses "2006-01-02 15:04" in China time.
func etaTime(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, ChinaTime)
	if err != nil {
		panic(err)
	}
	return t
}

// etaWindow renders an estimate as "p10 | p50 | p90" in China time, or "nil".
func etaWindow(e *Estimate) string {
	if e == nil {
		return "nil"
	}
	f := func(t time.Time) string { return t.In(ChinaTime).Format("2006-01-02 15:04") }
	return f(e.P10) + " | " + f(e.P50) + " | " + f(e.P90)
}

// etaScan is a carrier scan at a China time.
func etaScan(status ShipmentStatus, at string) TrackingEvent {
	return TrackingEvent{CarrierEvent: CarrierEvent{Time: etaTime(at), Status: status}}
}

// etaStage is a stage event at a China time.
func etaStage(st Stage, state, at string) BatchEvent {
	e := BatchEvent{Stage: st, State: state, At: etaTime(at)}
	if state == StateDelayed {
		e.Reason = "原料到货晚 2 天"
	}
	return e
}

// etaBatch is batch B1 of ROSE-750 with a plan ready on 2026-12-05.
func etaBatch(events ...BatchEvent) *Batch {
	return &Batch{
		BatchNo: "B1",
		SKU:     "ROSE-750",
		Plan: map[Stage]Date{
			StageIngredients: "2026-12-01",
			StageFilling:     "2026-12-03",
			StagePackaging:   "2026-12-03",
			StageQC:          "2026-12-04",
			StageReady:       "2026-12-05",
		},
		Events: events,
	}
}

// etaSKUs is the catalogue of the tests.
var etaSKUs = map[string]*SKU{
	"ROSE-750": {Code: "ROSE-750", LeadTime: LeadTime{Min: 3, Max: 7}},
	"GIFTBOX":  {Code: "GIFTBOX", LeadTime: LeadTime{Min: 0, Max: 10}},
}

// etaOrder is an order created on 2026-12-01 at 10:00 China time, going to
// the province with the given code.
func etaOrder(provinceCode string, items ...Item) *Order {
	return &Order{
		OrderNo:   "WED-1",
		Address:   Address{ProvinceCode: provinceCode},
		Items:     items,
		CreatedAt: etaTime("2026-12-01 10:00"),
	}
}

const (
	zhejiang = "330000"
	xinjiang = "650000"
)

func TestLaneEstimatorParcel(t *testing.T) {
	t.Parallel()

	pickedUp := etaScan(StatusPickedUp, "2026-12-01 17:30")
	tests := []struct {
		name     string
		province string
		status   ShipmentStatus
		created  string
		events   []TrackingEvent // newest first
		now      string
		want     string
		basis    string
		sub      string
	}{
		{"in transit to Zhejiang", zhejiang, StatusInTransit, "2026-12-01 14:00",
			[]TrackingEvent{etaScan(StatusInTransit, "2026-12-02 08:00"), pickedUp}, "2026-12-02 09:00",
			"2026-12-02 17:30 | 2026-12-03 05:30 | 2026-12-04 05:30", "pickup scan + default transit (east China)", ""},
		{"in transit to Xinjiang", xinjiang, StatusInTransit, "2026-12-01 14:00",
			[]TrackingEvent{etaScan(StatusInTransit, "2026-12-02 08:00"), pickedUp}, "2026-12-02 09:00",
			"2026-12-05 17:30 | 2026-12-07 05:30 | 2026-12-09 17:30", "pickup scan + default transit (far west and Hainan)", ""},
		{"unknown province: the slowest mainland row", "", StatusInTransit, "2026-12-01 14:00",
			[]TrackingEvent{pickedUp}, "2026-12-02 09:00",
			"2026-12-05 17:30 | 2026-12-07 05:30 | 2026-12-09 17:30", "pickup scan + default transit (unknown province)", ""},
		{"no pickup scan: the first transit scan is the pickup", zhejiang, StatusInTransit, "2026-12-01 14:00",
			[]TrackingEvent{etaScan(StatusInTransit, "2026-12-02 08:00"), etaScan(StatusInTransit, "2026-12-01 20:00")}, "2026-12-02 09:00",
			"2026-12-02 20:00 | 2026-12-03 08:00 | 2026-12-04 08:00", "pickup scan + default transit (east China)", ""},
		{"waybill only: creation plus pickup delay", zhejiang, StatusCreated, "2026-12-01 14:00",
			nil, "2026-12-01 15:00",
			"2026-12-03 02:00 | 2026-12-04 02:00 | 2026-12-05 14:00", "waybill + pickup delay + default transit (east China)", ""},
		{"waybill not picked up for three days: pickup from now", zhejiang, StatusCreated, "2026-12-01 14:00",
			nil, "2026-12-04 10:00",
			"2026-12-05 10:00 | 2026-12-05 22:00 | 2026-12-06 22:00", "waybill + pickup delay + default transit (east China)", ""},
		{"overdue in transit: no earlier than out for delivery", zhejiang, StatusInTransit, "2026-12-01 14:00",
			[]TrackingEvent{pickedUp}, "2026-12-06 09:00",
			"2026-12-06 09:00 | 2026-12-07 00:00 | 2026-12-08 00:00", "pickup scan + default transit (east China)", ""},
		{"exception: still on its way", zhejiang, StatusException, "2026-12-01 14:00",
			[]TrackingEvent{etaScan(StatusException, "2026-12-02 08:00"), pickedUp}, "2026-12-02 09:00",
			"2026-12-02 17:30 | 2026-12-03 05:30 | 2026-12-04 05:30", "pickup scan + default transit (east China)", ""},
		{"forwarded after delivery: the new leg's pickup", zhejiang, StatusInTransit, "2026-12-01 14:00",
			[]TrackingEvent{etaScan(StatusInTransit, "2026-12-04 09:00"), etaScan(StatusDelivered, "2026-12-03 10:00"), pickedUp}, "2026-12-04 10:00",
			"2026-12-05 09:00 | 2026-12-05 21:00 | 2026-12-06 21:00", "pickup scan + default transit (east China)", ""},
		{"out for delivery: today or tomorrow", xinjiang, StatusOutForDelivery, "2026-12-01 14:00",
			[]TrackingEvent{etaScan(StatusOutForDelivery, "2026-12-03 08:00"), pickedUp}, "2026-12-03 09:00",
			"2026-12-03 09:00 | 2026-12-04 00:00 | 2026-12-05 00:00", "out for delivery: today or tomorrow", ""},
		{"out for delivery late at night", zhejiang, StatusOutForDelivery, "2026-12-01 14:00",
			[]TrackingEvent{etaScan(StatusOutForDelivery, "2026-12-03 08:00"), pickedUp}, "2026-12-03 23:30",
			"2026-12-03 23:30 | 2026-12-04 00:00 | 2026-12-05 00:00", "out for delivery: today or tomorrow", ""},
		{"at a pickup point: now", zhejiang, StatusAtPickupPoint, "2026-12-01 14:00",
			[]TrackingEvent{etaScan(StatusAtPickupPoint, "2026-12-03 08:00"), pickedUp}, "2026-12-03 09:00",
			"2026-12-03 09:00 | 2026-12-03 09:00 | 2026-12-03 09:00", "waiting at a pickup point", ""},
		{"delivered: no estimate", zhejiang, StatusDelivered, "2026-12-01 14:00",
			[]TrackingEvent{etaScan(StatusDelivered, "2026-12-03 10:00"), pickedUp}, "2026-12-03 11:00",
			"nil", "", ""},
		{"returning: not coming", zhejiang, StatusReturning, "2026-12-01 14:00",
			[]TrackingEvent{etaScan(StatusReturning, "2026-12-03 10:00"), pickedUp}, "2026-12-03 11:00",
			"nil", "", ""},
		{"damaged in transit: no date promised", zhejiang, StatusException, "2026-12-01 14:00",
			[]TrackingEvent{etaScan(StatusException, "2026-12-02 08:00"), pickedUp}, "2026-12-02 09:00",
			"nil", "", "damaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &Shipment{
				Carrier: "shunfeng", TrackingNo: "SF1040245060669", Status: tt.status, SubStatus: tt.sub,
				Items: []ShipmentItem{{ItemID: 1, SKU: "ROSE-750", Quantity: 1}}, Events: tt.events,
				CreatedAt: etaTime(tt.created),
			}
			g := &OrderGraph{
				Order:     etaOrder(tt.province, Item{ID: 1, SKU: "ROSE-750", Quantity: 1}),
				Shipments: []*Shipment{s},
			}
			got := LaneEstimator{}.EstimateOrder(g, etaSKUs, etaTime(tt.now))

			e, ok := got.Parcels["shunfeng/SF1040245060669"]
			if !ok {
				t.Fatalf("parcels: got %v, want the key shunfeng/SF1040245060669", got.Parcels)
			}
			if w := etaWindow(e); w != tt.want {
				t.Errorf("parcel: got %s, want %s", w, tt.want)
			}
			conf := ConfidenceLow // default tables
			if tt.status == StatusAtPickupPoint {
				conf = ConfidenceHigh // a fact: it is there now
			}
			if e != nil && (e.Basis != tt.basis || e.Confidence != conf) {
				t.Errorf("parcel basis, confidence: got %q, %q, want %q, %s", e.Basis, e.Confidence, tt.basis, conf)
			}
			if e != nil && e.P90.Before(etaTime(tt.now)) {
				t.Errorf("parcel window ends at %v, before now", e.P90)
			}
			// The order has this one parcel: its window is the parcel's,
			// and nil once the parcel is delivered or going back.
			if w := etaWindow(got.Order); w != tt.want {
				t.Errorf("order: got %s, want %s", w, tt.want)
			}
			if len(got.Items) != 1 || got.Items[0] != nil {
				t.Errorf("items: got %v, want [nil] (the item is in the parcel)", got.Items)
			}
		})
	}
}

func TestLaneEstimatorItem(t *testing.T) {
	t.Parallel()

	ingredients := etaStage(StageIngredients, StateCompleted, "2026-12-01 16:00")
	tests := []struct {
		name     string
		sku      string
		batchNo  string
		batch    *Batch // nil: the batch does not exist (yet)
		now      string
		ship     string
		delivery string
		basis    string // of the delivery window
	}{
		{"batch on time", "ROSE-750", "B1", etaBatch(ingredients), "2026-12-02 09:00",
			"2026-12-06 12:00 | 2026-12-07 00:00 | 2026-12-07 12:00",
			"2026-12-07 12:00 | 2026-12-08 12:00 | 2026-12-10 00:00",
			"batch plan + pickup delay + default transit (east China)"},
		// Filling was planned for 12-03 and is still running on 12-05: two
		// days late, so the window of the on-time batch moves two days.
		{"filling delayed two days", "ROSE-750", "B1", etaBatch(ingredients,
			etaStage(StageFilling, StateStarted, "2026-12-02 09:00"),
			etaStage(StageFilling, StateDelayed, "2026-12-03 17:00")), "2026-12-05 10:00",
			"2026-12-08 12:00 | 2026-12-09 00:00 | 2026-12-09 12:00",
			"2026-12-09 12:00 | 2026-12-10 12:00 | 2026-12-12 00:00",
			"batch plan, 2 days late + pickup delay + default transit (east China)"},
		{"filling completed two days late", "ROSE-750", "B1", etaBatch(ingredients,
			etaStage(StageFilling, StateCompleted, "2026-12-05 15:00")), "2026-12-05 16:00",
			"2026-12-08 12:00 | 2026-12-09 00:00 | 2026-12-09 12:00",
			"2026-12-09 12:00 | 2026-12-10 12:00 | 2026-12-12 00:00",
			"batch plan, 2 days late + pickup delay + default transit (east China)"},
		{"delay reported before the planned day: at least a day", "ROSE-750", "B1", etaBatch(ingredients,
			etaStage(StageFilling, StateDelayed, "2026-12-02 08:00")), "2026-12-02 09:00",
			"2026-12-07 12:00 | 2026-12-08 00:00 | 2026-12-08 12:00",
			"2026-12-08 12:00 | 2026-12-09 12:00 | 2026-12-11 00:00",
			"batch plan, 1 day late + pickup delay + default transit (east China)"},
		{"late filling, qc caught up to one day", "ROSE-750", "B1", etaBatch(ingredients,
			etaStage(StageFilling, StateCompleted, "2026-12-05 10:00"),
			etaStage(StagePackaging, StateCompleted, "2026-12-05 12:00"),
			etaStage(StageQC, StateCompleted, "2026-12-05 14:00")), "2026-12-05 15:00",
			"2026-12-07 12:00 | 2026-12-08 00:00 | 2026-12-08 12:00",
			"2026-12-08 12:00 | 2026-12-09 12:00 | 2026-12-11 00:00",
			"batch plan, 1 day late + pickup delay + default transit (east China)"},
		{"batch never started", "ROSE-750", "B1", etaBatch(), "2026-12-09 10:00",
			"2026-12-14 12:00 | 2026-12-15 00:00 | 2026-12-15 12:00",
			"2026-12-15 12:00 | 2026-12-16 12:00 | 2026-12-18 00:00",
			"batch plan, 8 days late + pickup delay + default transit (east China)"},
		{"production done: pickup from now", "ROSE-750", "B1", etaBatch(ingredients,
			etaStage(StageReady, StateCompleted, "2026-12-05 15:00")), "2026-12-05 16:00",
			"2026-12-06 04:00 | 2026-12-06 16:00 | 2026-12-07 04:00",
			"2026-12-07 04:00 | 2026-12-08 04:00 | 2026-12-09 16:00",
			"production done + pickup delay + default transit (east China)"},
		{"no batch: SKU lead time", "ROSE-750", "", nil, "2026-12-01 12:00",
			"2026-12-04 22:00 | 2026-12-07 10:00 | 2026-12-09 22:00",
			"2026-12-05 22:00 | 2026-12-08 22:00 | 2026-12-12 10:00",
			"sku lead time + pickup delay + default transit (east China)"},
		{"batch not created yet: SKU lead time", "ROSE-750", "B9", nil, "2026-12-01 12:00",
			"2026-12-04 22:00 | 2026-12-07 10:00 | 2026-12-09 22:00",
			"2026-12-05 22:00 | 2026-12-08 22:00 | 2026-12-12 10:00",
			"sku lead time + pickup delay + default transit (east China)"},
		{"SKU lead time overrun: pickup from now", "ROSE-750", "", nil, "2026-12-10 10:00",
			"2026-12-10 22:00 | 2026-12-11 10:00 | 2026-12-11 22:00",
			"2026-12-11 22:00 | 2026-12-12 22:00 | 2026-12-14 10:00",
			"sku lead time + pickup delay + default transit (east China)"},
		{"unknown SKU: no estimate", "MYSTERY", "", nil, "2026-12-01 12:00", "nil", "nil", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := &OrderGraph{Order: etaOrder(zhejiang, Item{ID: 1, SKU: tt.sku, Quantity: 2, BatchNo: tt.batchNo})}
			if tt.batch != nil {
				g.Batches = []*Batch{tt.batch}
			}
			got := LaneEstimator{}.EstimateOrder(g, etaSKUs, etaTime(tt.now))

			if len(got.Items) != 1 || got.Items[0] == nil {
				t.Fatalf("items: got %v, want one estimate", got.Items)
			}
			ie := got.Items[0]
			if ie.Quantity != 2 {
				t.Errorf("quantity: got %d, want 2", ie.Quantity)
			}
			if w := etaWindow(ie.Ship); w != tt.ship {
				t.Errorf("ship: got %s, want %s", w, tt.ship)
			}
			if w := etaWindow(ie.Delivery); w != tt.delivery {
				t.Errorf("delivery: got %s, want %s", w, tt.delivery)
			}
			if ie.Delivery != nil && ie.Delivery.Basis != tt.basis {
				t.Errorf("basis: got %q, want %q", ie.Delivery.Basis, tt.basis)
			}
			if w := etaWindow(got.Order); w != tt.delivery {
				t.Errorf("order: got %s, want %s (the item's delivery)", w, tt.delivery)
			}
		})
	}
}

// A split order: one line wholly in a parcel on its way, one stock line
// with a wide lead time, and one line from a batch with one bottle in a
// delivered parcel. The order's window takes each quantile from the part
// latest at it.
func TestLaneEstimatorSplitOrder(t *testing.T) {
	t.Parallel()

	order := etaOrder(zhejiang,
		Item{ID: 1, SKU: "ROSE-750", Quantity: 6, BatchNo: "B0"},
		Item{ID: 2, SKU: "GIFTBOX", Quantity: 2},
		Item{ID: 3, SKU: "ROSE-750", Quantity: 4, BatchNo: "B1"},
	)
	b0 := etaBatch(etaStage(StageReady, StateCompleted, "2026-12-01 12:00"))
	b0.BatchNo = "B0"
	g := &OrderGraph{
		Order:   order,
		Batches: []*Batch{b0, etaBatch(etaStage(StageIngredients, StateCompleted, "2026-12-01 16:00"))},
		Shipments: []*Shipment{
			{Carrier: "shunfeng", TrackingNo: "SF1", Status: StatusInTransit, CreatedAt: etaTime("2026-12-01 13:00"),
				Items:  []ShipmentItem{{ItemID: 1, SKU: "ROSE-750", Quantity: 6}},
				Events: []TrackingEvent{etaScan(StatusPickedUp, "2026-12-01 17:30")}},
			{Carrier: "yuantong", TrackingNo: "YT2", Status: StatusDelivered, CreatedAt: etaTime("2026-12-01 11:00"),
				Items:  []ShipmentItem{{ItemID: 3, SKU: "ROSE-750", Quantity: 1}},
				Events: []TrackingEvent{etaScan(StatusDelivered, "2026-12-02 08:00")}},
		},
	}
	got := LaneEstimator{}.EstimateOrder(g, etaSKUs, etaTime("2026-12-02 09:00"))

	sf := "2026-12-02 17:30 | 2026-12-03 05:30 | 2026-12-04 05:30"
	giftbox := "2026-12-03 21:00 | 2026-12-08 22:00 | 2026-12-15 10:00"
	batch := "2026-12-07 12:00 | 2026-12-08 12:00 | 2026-12-10 00:00"
	for key, want := range map[string]string{"shunfeng/SF1": sf, "yuantong/YT2": "nil"} {
		e, ok := got.Parcels[key]
		if w := etaWindow(e); !ok || w != want {
			t.Errorf("parcel %s: got %s (present %t), want %s", key, w, ok, want)
		}
	}
	if len(got.Items) != 3 {
		t.Fatalf("items: got %d, want 3", len(got.Items))
	}
	if got.Items[0] != nil {
		t.Errorf("item 1: got %+v, want nil (all six in parcel SF1)", got.Items[0])
	}
	for i, want := range []struct {
		quantity int
		delivery string
	}{1: {2, giftbox}, 2: {3, batch}} {
		if i == 0 {
			continue
		}
		ie := got.Items[i]
		if ie == nil || ie.Quantity != want.quantity || etaWindow(ie.Delivery) != want.delivery {
			t.Errorf("item %d: got %+v, want quantity %d, delivery %s", i+1, ie, want.quantity, want.delivery)
		}
	}
	// p10 from the batch line, p50 and p90 from the gift box.
	wantOrder := "2026-12-07 12:00 | 2026-12-08 22:00 | 2026-12-15 10:00"
	if w := etaWindow(got.Order); w != wantOrder {
		t.Errorf("order: got %s, want %s", w, wantOrder)
	}
	if got.Order != nil && (got.Order.Basis != "latest of 3 parts" || got.Order.Confidence != ConfidenceLow) {
		t.Errorf("order basis, confidence: got %q, %q", got.Order.Basis, got.Order.Confidence)
	}
}

func TestLaneEstimatorCancelled(t *testing.T) {
	t.Parallel()

	order := etaOrder(zhejiang, Item{ID: 1, SKU: "ROSE-750", Quantity: 2})
	cancelled := etaTime("2026-12-01 11:00")
	order.CancelledAt = &cancelled
	g := &OrderGraph{Order: order, Shipments: []*Shipment{{
		Carrier: "shunfeng", TrackingNo: "SF1", Status: StatusInTransit, CreatedAt: etaTime("2026-12-01 10:30"),
		Items: []ShipmentItem{{ItemID: 1, SKU: "ROSE-750", Quantity: 1}},
	}}}
	got := LaneEstimator{}.EstimateOrder(g, etaSKUs, etaTime("2026-12-02 09:00"))
	if got.Order != nil {
		t.Errorf("order: got %s, want nil", etaWindow(got.Order))
	}
	if e, ok := got.Parcels["shunfeng/SF1"]; !ok || e != nil {
		t.Errorf("parcel: got %s (present %t), want nil under its key", etaWindow(e), ok)
	}
	if len(got.Items) != 1 || got.Items[0] != nil {
		t.Errorf("items: got %v, want [nil]", got.Items)
	}
}

// With a nil catalogue the estimator reads the graph's own SKUs.
func TestLaneEstimatorGraphSKUs(t *testing.T) {
	t.Parallel()

	g := &OrderGraph{Order: etaOrder(zhejiang, Item{ID: 1, SKU: "ROSE-750", Quantity: 2}), SKUs: etaSKUs}
	got := LaneEstimator{}.EstimateOrder(g, nil, etaTime("2026-12-01 12:00"))
	if want := "2026-12-05 22:00 | 2026-12-08 22:00 | 2026-12-12 10:00"; etaWindow(got.Order) != want {
		t.Errorf("order: got %s, want %s", etaWindow(got.Order), want)
	}
}

func TestOccasionOutlook(t *testing.T) {
	t.Parallel()

	// Dates 2026-12-07, 12-08 and 12-09: P90 is the end of 12-09.
	est := &Estimate{P10: etaTime("2026-12-07 12:00"), P50: etaTime("2026-12-08 12:00"), P90: etaTime("2026-12-10 00:00")}
	tests := []struct {
		name     string
		occasion *Occasion
		est      *Estimate
		now      time.Time
		days     int
		outlook  Outlook
	}{
		{"on time: P90 ends as the day starts", &Occasion{"wedding", "2026-12-10"}, est, etaTime("2026-12-02 09:00"), 8, OutlookOnTime},
		{"at risk: P50 before, P90 after", &Occasion{"wedding", "2026-12-09"}, est, etaTime("2026-12-02 09:00"), 7, OutlookAtRisk},
		{"late: P50 on the day", &Occasion{"wedding", "2026-12-08"}, est, etaTime("2026-12-02 09:00"), 6, OutlookLate},
		{"no occasion", nil, est, etaTime("2026-12-02 09:00"), 0, ""},
		{"no estimate (delivered)", &Occasion{"birthday", "2026-12-10"}, nil, etaTime("2026-12-02 09:00"), 8, ""},
		{"the occasion is today", &Occasion{"birthday", "2026-12-02"}, est, etaTime("2026-12-02 09:00"), 0, OutlookLate},
		{"the occasion has passed", &Occasion{"birthday", "2026-11-30"}, est, etaTime("2026-12-02 09:00"), -2, OutlookLate},
		// 00:30 in China is still the day before in UTC: days count in
		// China time.
		{"just after midnight in China", &Occasion{"wedding", "2026-12-10"}, est, etaTime("2026-12-02 00:30").UTC(), 8, OutlookOnTime},
		{"just before midnight in China", &Occasion{"wedding", "2026-12-10"}, est, etaTime("2026-12-01 23:30").UTC(), 9, OutlookOnTime},
		{"malformed date", &Occasion{"wedding", "2026-12-32"}, est, etaTime("2026-12-02 09:00"), 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := etaOrder(zhejiang)
			o.Occasion = tt.occasion
			days, outlook := OccasionOutlook(o, tt.est, tt.now)
			if days != tt.days || outlook != tt.outlook {
				t.Errorf("got %d, %q, want %d, %q", days, outlook, tt.days, tt.outlook)
			}
		})
	}
}

func TestEstimateDates(t *testing.T) {
	t.Parallel()

	// Out for delivery at 09:00 on 12-03: today or tomorrow.
	e := outForDelivery(etaTime("2026-12-03 09:00"))
	p10, p50, p90 := e.Dates()
	if got, want := fmt.Sprintf("%s %s %s", p10, p50, p90), "2026-12-03 2026-12-03 2026-12-04"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestDefaultTransitCoversProvinces(t *testing.T) {
	t.Parallel()

	for _, p := range provinces {
		r, ok := transitTable[p.Code]
		if !ok {
			t.Errorf("%s %s: no transit row", p.Code, p.Name)
			continue
		}
		if !(0 < r.p10 && r.p10 <= r.p50 && r.p50 <= r.p90) {
			t.Errorf("%s %s: got %v / %v / %v, want 0 < p10 ≤ p50 ≤ p90", p.Code, p.Name, r.p10, r.p50, r.p90)
		}
	}
	if len(transitTable) != len(provinces) {
		t.Errorf("transit table: got %d rows, want one per province (%d)", len(transitTable), len(provinces))
	}
}

// tzScenario is one order around the end of US daylight saving time
// (2026-11-01), every instant expressed in loc: a parcel out for delivery,
// a parcel waiting for pickup, a stock line with a lead time, a batch line
// running a day late, and a wedding. now is 07:30 on 11-01 in China, still
// 10-31 in UTC and Los Angeles.
func tzScenario(loc *time.Location) (*OrderGraph, time.Time) {
	in := func(s string) time.Time { return etaTime(s).In(loc) }
	b := etaBatch(BatchEvent{Stage: StageIngredients, State: StateCompleted, At: in("2026-10-31 18:00")})
	b.Plan = map[Stage]Date{StageIngredients: "2026-10-30", StageFilling: "2026-11-02", StageReady: "2026-11-03"}
	order := etaOrder(xinjiang,
		Item{ID: 1, SKU: "ROSE-750", Quantity: 1},
		Item{ID: 2, SKU: "ROSE-750", Quantity: 1},
		Item{ID: 3, SKU: "GIFTBOX", Quantity: 1},
		Item{ID: 4, SKU: "ROSE-750", Quantity: 1, BatchNo: "B1"},
	)
	order.CreatedAt = in("2026-10-29 21:00")
	order.Occasion = &Occasion{"wedding", "2026-11-08"}
	g := &OrderGraph{
		Order:   order,
		Batches: []*Batch{b},
		Shipments: []*Shipment{
			{Carrier: "shunfeng", TrackingNo: "SF1", Status: StatusOutForDelivery, CreatedAt: in("2026-10-29 22:00"),
				Items:  []ShipmentItem{{ItemID: 1, SKU: "ROSE-750", Quantity: 1}},
				Events: []TrackingEvent{{CarrierEvent: CarrierEvent{Time: in("2026-11-01 07:00"), Status: StatusOutForDelivery}}}},
			{Carrier: "yuantong", TrackingNo: "YT2", Status: StatusCreated, CreatedAt: in("2026-10-31 22:00"),
				Items: []ShipmentItem{{ItemID: 2, SKU: "ROSE-750", Quantity: 1}}},
		},
	}
	return g, in("2026-11-01 07:30")
}

// tzAnswer renders everything the estimator says of the scenario, times
// with their zones, so that a time leaking another zone shows.
func tzAnswer(g *OrderGraph, now time.Time) string {
	got := LaneEstimator{}.EstimateOrder(g, etaSKUs, now)
	var b strings.Builder
	show := func(name string, e *Estimate) {
		if e == nil {
			fmt.Fprintf(&b, "%s: nil\n", name)
			return
		}
		p10, p50, p90 := e.Dates()
		fmt.Fprintf(&b, "%s: %s | %s | %s (%s %s %s) %s\n", name, e.P10, e.P50, e.P90, p10, p50, p90, e.Basis)
	}
	show("order", got.Order)
	for _, key := range []string{"shunfeng/SF1", "yuantong/YT2"} {
		show(key, got.Parcels[key])
	}
	for i, ie := range got.Items {
		if ie != nil {
			show(fmt.Sprintf("item %d ship", i+1), ie.Ship)
			show(fmt.Sprintf("item %d delivery", i+1), ie.Delivery)
		}
	}
	days, outlook := OccasionOutlook(g.Order, got.Order, now)
	fmt.Fprintf(&b, "occasion: %d days, %s\n", days, outlook)
	return b.String()
}

// The same instants give the same answer whatever the zone of the inputs and
// of the server. Not parallel: it changes time.Local, which no other test
// may see change (parallel tests start only after this one ends).
func TestLaneEstimatorTimeZones(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	saved := time.Local
	t.Cleanup(func() { time.Local = saved })

	time.Local = time.UTC
	want := tzAnswer(tzScenario(ChinaTime))
	// Pin the parts that a zone mistake would move: "today" is 11-01 in
	// China, 10-31 in UTC and Los Angeles.
	for _, line := range []string{
		"shunfeng/SF1: 2026-11-01 07:30:00 +0800 Asia/Shanghai | 2026-11-02 00:00:00 +0800 Asia/Shanghai | 2026-11-03 00:00:00 +0800 Asia/Shanghai (2026-11-01 2026-11-01 2026-11-02)",
		"item 4 ship: 2026-11-05 12:00:00 +0800 Asia/Shanghai | 2026-11-06 00:00:00 +0800 Asia/Shanghai | 2026-11-06 12:00:00 +0800 Asia/Shanghai (2026-11-05 2026-11-05 2026-11-06) batch plan, 1 day late + pickup delay\n",
		"item 3 ship: 2026-11-01 19:30:00 +0800 Asia/Shanghai | 2026-11-04 21:00:00 +0800 Asia/Shanghai | 2026-11-10 09:00:00 +0800 Asia/Shanghai",
		"order: 2026-11-09 12:00:00 +0800 Asia/Shanghai | 2026-11-11 12:00:00 +0800 Asia/Shanghai | 2026-11-18 09:00:00 +0800 Asia/Shanghai",
		"occasion: 7 days, late",
	} {
		if !strings.Contains(want, line) {
			t.Errorf("China time, Local UTC: missing %q in\n%s", line, want)
		}
	}
	for _, local := range []*time.Location{time.UTC, la} {
		for _, in := range []*time.Location{ChinaTime, time.UTC, la} {
			time.Local = local
			if got := tzAnswer(tzScenario(in)); got != want {
				t.Errorf("inputs in %s, Local %s:\ngot\n%s\nwant\n%s", in, local, got, want)
			}
		}
	}
}
