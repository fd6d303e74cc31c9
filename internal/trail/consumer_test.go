package trail_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// cvNow is the clock of the consumer-view tests: 2026-12-01 12:00 China time.
var cvNow = time.Date(2026, 12, 1, 12, 0, 0, 0, trail.ChinaTime)

// cvDay returns an instant on day d of December 2026 at hour h, China time.
func cvDay(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, trail.ChinaTime) }

// Personal data of the fixture order, which no consumer view may show.
var cvSecrets = []string{"张三", "李四", "13812348000", "13900001234", "文三路188号"}

var cvSKUs = map[string]*trail.SKU{
	"PLUM-330": {Code: "PLUM-330", Name: "青梅酒 330ml", LeadTime: trail.LeadTime{Min: 5, Max: 10}},
	"RICE-500": {Code: "RICE-500", Name: "桂花米酒 500ml", LeadTime: trail.LeadTime{Min: 3, Max: 7}},
}

// cvOrder is a wedding order of two made-to-order items from two batches.
func cvOrder() *trail.Order {
	price := trail.Fen(6800)
	return &trail.Order{
		OrderNo:   "WX-1",
		Customer:  trail.Contact{Name: "张三", Phone: "13812348000"},
		Address:   trail.Address{Province: "浙江省", ProvinceCode: "330000", City: "杭州市", District: "西湖区", Detail: "文三路188号"},
		Occasion:  &trail.Occasion{Kind: "wedding", Date: "2026-12-12"},
		CreatedAt: cvDay(1, 0).AddDate(0, 0, -6),
		Items: []trail.Item{
			{ID: 1, SKU: "PLUM-330", Quantity: 24, Customization: "百年好合", BatchNo: "B-PLUM", UnitPrice: &price},
			{ID: 2, SKU: "RICE-500", Quantity: 12, BatchNo: "B-RICE", UnitPrice: &price},
		},
	}
}

// cvPlan plans the stages after scheduled one a day from November 28.
func cvPlan() map[trail.Stage]trail.Date {
	plan := map[trail.Stage]trail.Date{}
	for i, st := range trail.Stages[1:] {
		plan[st] = trail.Date(time.Date(2026, 11, 28+i, 0, 0, 0, 0, trail.ChinaTime).Format(time.DateOnly))
	}
	return plan
}

// cvPlumBatch has done two stages; filling is delayed.
func cvPlumBatch() *trail.Batch {
	return &trail.Batch{BatchNo: "B-PLUM", SKU: "PLUM-330", Plan: cvPlan(), Events: []trail.BatchEvent{
		{Stage: trail.StageIngredients, State: trail.StateStarted, At: time.Date(2026, 11, 28, 9, 0, 0, 0, trail.ChinaTime)},
		{Stage: trail.StageIngredients, State: trail.StateCompleted, At: time.Date(2026, 11, 28, 15, 0, 0, 0, trail.ChinaTime)},
		{Stage: trail.StageBrewing, State: trail.StateStarted, At: time.Date(2026, 11, 29, 9, 0, 0, 0, trail.ChinaTime)},
		{Stage: trail.StageBrewing, State: trail.StateCompleted, At: time.Date(2026, 11, 29, 16, 0, 0, 0, trail.ChinaTime)},
		{Stage: trail.StageFilling, State: trail.StateDelayed, At: cvDay(1, 9), Reason: "原料到货晚 2 天"},
	}}
}

// cvBatchDone is a batch whose ready stage is completed.
func cvBatchDone(no, sku string) *trail.Batch {
	return &trail.Batch{BatchNo: no, SKU: sku, Plan: cvPlan(), Events: []trail.BatchEvent{
		{Stage: trail.StageReady, State: trail.StateCompleted, At: time.Date(2026, 11, 30, 10, 0, 0, 0, trail.ChinaTime)},
	}}
}

// cvParcel is a parcel of the given items (order item ID, quantity) whose
// events, oldest first, end in status.
func cvParcel(carrier, trackingNo string, status trail.ShipmentStatus, sub string, items ...[2]int) *trail.Shipment {
	s := &trail.Shipment{Carrier: carrier, TrackingNo: trackingNo, Status: status, SubStatus: sub, CreatedAt: cvDay(1, 8)}
	for _, it := range items {
		sku := map[int]string{1: "PLUM-330", 2: "RICE-500"}[it[0]]
		s.Items = append(s.Items, trail.ShipmentItem{ItemID: int64(it[0]), SKU: sku, Quantity: it[1]})
	}
	path := []trail.ShipmentStatus{trail.StatusPickedUp, trail.StatusInTransit}
	if status != trail.StatusPickedUp && status != trail.StatusInTransit {
		path = append(path, status)
	}
	for i, st := range path {
		e := trail.TrackingEvent{CarrierEvent: trail.CarrierEvent{Time: cvDay(1, 9+i), Status: st, Description: "scan " + string(st), Location: "杭州市"}}
		s.Events = append([]trail.TrackingEvent{e}, s.Events...) // newest first
	}
	if status == trail.StatusDelivered {
		at := cvDay(1, 11)
		s.DeliveredAt = &at
	}
	return s
}

// cvGraph joins the order, batches and parcels and derives the status the
// way the store does.
func cvGraph(o *trail.Order, batches []*trail.Batch, shipments ...*trail.Shipment) *trail.OrderGraph {
	return &trail.OrderGraph{Order: o, Batches: batches, Shipments: shipments, SKUs: cvSKUs,
		Status: trail.DeriveOrderStatus(o, cvSKUs, batches, shipments)}
}

func cvView(g *trail.OrderGraph, gift bool) *trail.ConsumerView {
	if gift {
		return cvViewFor(g, trail.AudienceGift)
	}
	return cvViewFor(g, trail.AudienceBuyer)
}

func cvViewFor(g *trail.OrderGraph, audience trail.Audience) *trail.ConsumerView {
	brand := &trail.Brand{ID: 1, Slug: "plum-house", Name: "梅子酒坊"}
	est := trail.LaneEstimator{}.EstimateOrder(g, nil, cvNow)
	return trail.NewConsumerView(brand, g, audience, est, cvNow)
}

func cvMessage(v *trail.ConsumerView, code string) string {
	for _, m := range v.Messages {
		if m.Code == code {
			return m.ZH + " | " + m.EN
		}
	}
	return ""
}

func cvStates(b trail.ConsumerBatch) string {
	var out []string
	for _, st := range b.Stages {
		out = append(out, string(st.Stage)+"="+st.State)
	}
	return strings.Join(out, " ")
}

func TestNewConsumerView(t *testing.T) {
	t.Parallel()
	done := func() []*trail.Batch {
		return []*trail.Batch{cvBatchDone("B-PLUM", "PLUM-330"), cvBatchDone("B-RICE", "RICE-500")}
	}
	tests := []struct {
		name  string
		graph *trail.OrderGraph
		gift  bool
		check func(t *testing.T, v *trail.ConsumerView)
	}{
		{"in production", cvGraph(cvOrder(), []*trail.Batch{cvPlumBatch(), cvBatchDone("B-RICE", "RICE-500")}), false,
			func(t *testing.T, v *trail.ConsumerView) {
				if v.Status != trail.OrderInProduction || v.StatusName != "生产中" {
					t.Errorf("status: got %s %s, want in_production 生产中", v.Status, v.StatusName)
				}
				if got, want := cvMessage(v, trail.MessageLeadTime), "定制产品包含手工环节，发货周期约 5–10 天 | Made-to-order products include handcrafted steps; they ship in about 5–10 days."; got != want {
					t.Errorf("lead time message: got %q, want %q", got, want)
				}
				if got, want := cvMessage(v, trail.MessageSplit), "您的订单包含 2 个生产批次，将分为 2 个包裹发出 | Your order is made in 2 production batches and will ship in 2 parcels."; got != want {
					t.Errorf("split message: got %q, want %q", got, want)
				}
				plum := v.Production[0]
				if got, want := cvStates(plum), "ingredients=done brewing=done filling=delayed packaging=upcoming qc=upcoming warehoused=upcoming ready=upcoming"; got != want {
					t.Errorf("stages: got %s, want %s", got, want)
				}
				filling := plum.Stages[2]
				if filling.Delay != "灌装环节延迟：原料到货晚 2 天" || filling.DelayReason != "原料到货晚 2 天" {
					t.Errorf("delay: got %q (%q)", filling.Delay, filling.DelayReason)
				}
				if !filling.Late || plum.Stages[3].Late {
					t.Errorf("late: filling %v (planned %s), packaging %v", filling.Late, *filling.Planned, plum.Stages[3].Late)
				}
				if got := plum.Stages[0].CompletedAt.Format(time.RFC3339); got != "2026-11-28T15:00:00+08:00" {
					t.Errorf("completed at: got %s", got)
				}
				if rice := v.Production[1]; !rice.Done || cvStates(rice) != "ingredients=done brewing=done filling=done packaging=done qc=done warehoused=done ready=done" {
					t.Errorf("finished batch: done %v, %s", rice.Done, cvStates(rice))
				}
				for _, it := range v.Items {
					if it.Unshipped != it.Quantity || len(it.Parcels) != 0 || it.Ships == nil {
						t.Errorf("item %s: unshipped %d of %d, parcels %v, ships %v", it.SKU, it.Unshipped, it.Quantity, it.Parcels, it.Ships)
					}
				}
				if v.Delivery == nil || v.Delivery.Confidence != trail.ConfidenceLow || v.Delivery.P10 > v.Delivery.P50 || v.Delivery.P50 > v.Delivery.P90 {
					t.Errorf("delivery: got %+v", v.Delivery)
				}
				if oc := v.Occasion; oc == nil || oc.DaysLeft != 11 || oc.Name != "婚礼" || oc.Outlook != trail.OutlookOnTime ||
					oc.Message.ZH != "距婚礼还有 11 天，预计在婚礼前送达" || oc.Message.EN != "11 days until the occasion: expected to arrive before it." {
					t.Errorf("occasion: got %+v", oc)
				}
			}},
		{"partially shipped", cvGraph(cvOrder(), []*trail.Batch{cvPlumBatch(), cvBatchDone("B-RICE", "RICE-500")},
			cvParcel("shunfeng", "SF1400000000001", trail.StatusInTransit, "", [2]int{2, 12})), false,
			func(t *testing.T, v *trail.ConsumerView) {
				if v.Status != trail.OrderPartiallyShipped || v.StatusName != "部分发货" {
					t.Errorf("status: got %s %s", v.Status, v.StatusName)
				}
				rice, plum := v.Items[1], v.Items[0]
				if !slices.Equal(rice.Parcels, []trail.ItemInParcel{{Parcel: 1, TrackingNo: "SF1400000000001", Quantity: 12}}) || rice.Unshipped != 0 || rice.Ships != nil {
					t.Errorf("shipped item: parcels %v, unshipped %d, ships %v", rice.Parcels, rice.Unshipped, rice.Ships)
				}
				if plum.Unshipped != 24 || len(plum.Parcels) != 0 || plum.Ships == nil {
					t.Errorf("unshipped item: parcels %v, unshipped %d", plum.Parcels, plum.Unshipped)
				}
				p := v.Parcels[0]
				if p.Number != 1 || p.CarrierName != "顺丰速运" || p.StatusName != "运输中" || p.Estimate == nil || len(p.Items) != 1 || p.Items[0].Name != "桂花米酒 500ml" {
					t.Errorf("parcel: got %+v", p)
				}
				if len(p.Events) != 2 || !p.Events[0].Time.After(p.Events[1].Time) || p.Events[0].StatusName != "运输中" {
					t.Errorf("timeline is not newest first: %+v", p.Events)
				}
				if !strings.Contains(cvMessage(v, trail.MessageSplit), "将分为 2 个包裹发出") || !strings.Contains(cvMessage(v, trail.MessageLeadTime), "5–10 天") {
					t.Errorf("messages: got %+v", v.Messages)
				}
			}},
		{"split across carriers", cvGraph(cvOrder(), done(),
			cvParcel("zhongtong", "7731000000001", trail.StatusInTransit, "", [2]int{1, 24}),
			cvParcel("jd", "JDVA00000000001", trail.StatusOutForDelivery, "", [2]int{2, 12})), false,
			func(t *testing.T, v *trail.ConsumerView) {
				if v.Status != trail.OrderShipped {
					t.Errorf("status: got %s", v.Status)
				}
				if got := []string{v.Parcels[0].CarrierName, v.Parcels[1].CarrierName}; !slices.Equal(got, []string{"中通快递", "京东物流"}) {
					t.Errorf("carriers: got %v", got)
				}
				if got, want := cvMessage(v, trail.MessageSplit), "您的订单分为 2 个包裹发出 | Your order ships in 2 parcels."; got != want {
					t.Errorf("split message: got %q, want %q", got, want)
				}
				if cvMessage(v, trail.MessageLeadTime) != "" {
					t.Errorf("lead time message once everything shipped: %q", cvMessage(v, trail.MessageLeadTime))
				}
				if v.Items[0].Parcels[0].Parcel != 1 || v.Items[1].Parcels[0].Parcel != 2 {
					t.Errorf("items ride in: %v, %v", v.Items[0].Parcels, v.Items[1].Parcels)
				}
			}},
		{"delivered", cvGraph(cvOrder(), done(),
			cvParcel("shunfeng", "SF1400000000002", trail.StatusDelivered, "", [2]int{1, 24}, [2]int{2, 12})), false,
			func(t *testing.T, v *trail.ConsumerView) {
				if v.Status != trail.OrderDelivered || v.StatusName != "已签收" {
					t.Errorf("status: got %s %s", v.Status, v.StatusName)
				}
				if v.Delivery != nil || v.Parcels[0].Estimate != nil {
					t.Errorf("a delivered order has no estimate: %+v %+v", v.Delivery, v.Parcels[0].Estimate)
				}
				if v.DeliveredAt == nil || v.DeliveredAt.Format(time.RFC3339) != "2026-12-01T11:00:00+08:00" {
					t.Errorf("delivered at: got %v", v.DeliveredAt)
				}
				if len(v.Messages) != 0 {
					t.Errorf("messages for a delivered order in one parcel: %+v", v.Messages)
				}
				if oc := v.Occasion; oc.Outlook != "" || oc.Message.ZH != "距婚礼还有 11 天，订单已全部送达" {
					t.Errorf("occasion: got %+v", oc)
				}
			}},
		{"exception", cvGraph(cvOrder(), done(),
			cvParcel("yuantong", "YT8800000000001", trail.StatusException, "damaged", [2]int{1, 24}, [2]int{2, 12})), false,
			func(t *testing.T, v *trail.ConsumerView) {
				p := v.Parcels[0]
				if v.Status != trail.OrderException || v.StatusName != "运输异常" || p.StatusName != "异常" || p.SubStatus != "damaged" {
					t.Errorf("status: got %s %s, parcel %s %s", v.Status, v.StatusName, p.StatusName, p.SubStatus)
				}
				if p.Events[0].Status != trail.StatusException {
					t.Errorf("newest event: got %+v", p.Events[0])
				}
			}},
		{"gift view", cvGraph(cvOrder(), []*trail.Batch{cvPlumBatch(), cvBatchDone("B-RICE", "RICE-500")}), true,
			func(t *testing.T, v *trail.ConsumerView) {
				if !v.Gift || v.Buyer != nil {
					t.Errorf("gift view shows the buyer: %+v", v.Buyer)
				}
				for _, it := range v.Items {
					if it.UnitPrice != nil {
						t.Errorf("gift view shows the price of %s", it.SKU)
					}
				}
				if v.Recipient != (trail.MaskedContact{Name: "李*", Phone: "139****1234"}) {
					t.Errorf("recipient: got %+v", v.Recipient)
				}
				body, _ := json.Marshal(v)
				for _, key := range []string{`"buyer"`, `"unit_price"`} {
					if strings.Contains(string(body), key) {
						t.Errorf("gift JSON has %s: %s", key, body)
					}
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.gift {
				tt.graph.Order.Recipient = &trail.Contact{Name: "李四", Phone: "13900001234"}
			}
			v := cvView(tt.graph, tt.gift)
			tt.check(t, v)
			if v.OrderNo != "WX-1" || v.Brand.Name != "梅子酒坊" || !v.AsOf.Equal(cvNow) {
				t.Errorf("header: got %s %+v %s", v.OrderNo, v.Brand, v.AsOf)
			}
			if v.Address != (trail.ConsumerAddress{Province: "浙江省", City: "杭州市", District: "西湖区"}) {
				t.Errorf("address: got %+v", v.Address)
			}
			if !tt.gift && (v.Buyer == nil || *v.Buyer != v.Recipient || v.Buyer.Phone != "138****8000" || v.Items[0].UnitPrice == nil) {
				t.Errorf("buyer view: buyer %+v, recipient %+v", v.Buyer, v.Recipient)
			}
			body, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range cvSecrets {
				if strings.Contains(string(body), secret) {
					t.Errorf("the view shows %q: %s", secret, body)
				}
			}
			if strings.Contains(string(body), "Z\"") {
				t.Errorf("a time is not in China time: %s", body)
			}
		})
	}
}

func TestConsumerOccasion(t *testing.T) {
	t.Parallel()
	batches := []*trail.Batch{cvPlumBatch(), cvBatchDone("B-RICE", "RICE-500")}
	tests := []struct {
		date        trail.Date
		outlook     trail.Outlook
		zh, en      string
		daysLeft    int
		noEstimates bool
	}{
		{"2027-01-20", trail.OutlookOnTime, "距婚礼还有 50 天，预计在婚礼前送达", "50 days until the occasion: expected to arrive before it.", 50, false},
		{"2026-12-03", trail.OutlookLate, "距婚礼还有 2 天，预计晚于婚礼送达", "2 days until the occasion: expected to arrive after it.", 2, false},
		{"2026-12-02", trail.OutlookLate, "距婚礼还有 1 天，预计晚于婚礼送达", "1 day until the occasion: expected to arrive after it.", 1, false},
		{"2026-12-01", trail.OutlookLate, "今天就是婚礼，预计晚于婚礼送达", "The occasion is today: expected to arrive after it.", 0, false},
		{"2026-11-30", trail.OutlookLate, "婚礼日期已过", "The occasion has passed.", -1, false},
		{"2026-12-20", "", "距婚礼还有 19 天", "19 days until the occasion.", 19, true},
	}
	for _, tt := range tests {
		o := cvOrder()
		o.Occasion.Date = tt.date
		g := cvGraph(o, batches)
		var v *trail.ConsumerView
		if tt.noEstimates {
			v = trail.NewConsumerView(&trail.Brand{}, g, trail.AudienceBuyer, trail.OrderEstimate{}, cvNow)
		} else {
			v = cvView(g, false)
		}
		oc := v.Occasion
		if oc.DaysLeft != tt.daysLeft || oc.Outlook != tt.outlook || oc.Message.ZH != tt.zh || oc.Message.EN != tt.en {
			t.Errorf("%s: got %d %q %q %q, want %d %q %q %q", tt.date, oc.DaysLeft, oc.Outlook, oc.Message.ZH, oc.Message.EN,
				tt.daysLeft, tt.outlook, tt.zh, tt.en)
		}
	}
}

func TestConsumerLeadTimeOneDay(t *testing.T) {
	t.Parallel()
	o := cvOrder()
	o.Items = o.Items[1:]
	g := cvGraph(o, nil)
	g.SKUs = map[string]*trail.SKU{"RICE-500": {Code: "RICE-500", Name: "米酒", LeadTime: trail.LeadTime{Min: 4, Max: 4}}}
	v := cvView(g, false)
	if got, want := cvMessage(v, trail.MessageLeadTime), "定制产品包含手工环节，发货周期约 4 天 | Made-to-order products include handcrafted steps; they ship in about 4 days."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if cvMessage(v, trail.MessageSplit) != "" || v.Status != trail.OrderPending || v.StatusName != "待生产" {
		t.Errorf("one batch, nothing started: %+v %s", v.Messages, v.Status)
	}
}

func TestGiftLookup(t *testing.T) {
	t.Parallel()
	o := cvOrder()
	if trail.GiftLookup(o, "8000") {
		t.Error("an order without a recipient is never a gift look-up")
	}
	o.Recipient = &trail.Contact{Name: "李四", Phone: "13900001234"}
	for digits, want := range map[string]bool{"1234": true, " 1234 ": true, "8000": false} {
		if got := trail.GiftLookup(o, digits); got != want {
			t.Errorf("GiftLookup(%q): got %v, want %v", digits, got, want)
		}
	}
	o.Customer.Phone = "13700001234" // the same last four digits: the recipient may be asking
	if !trail.GiftLookup(o, "1234") {
		t.Error("digits shared by buyer and recipient must give the gift view, which shows less")
	}
}

func TestLookupAudience(t *testing.T) {
	t.Parallel()
	o := cvOrder()
	o.Recipient = &trail.Contact{Name: "李四", Phone: "13900001234"}
	tests := []struct {
		q    trail.TrackQuery
		want trail.Audience
	}{
		{trail.TrackQuery{OrderNo: "WX-1", PhoneLast4: "8000"}, trail.AudienceBuyer},
		{trail.TrackQuery{TrackingNo: "SF1040245060669", PhoneLast4: "8000"}, trail.AudienceBuyerByTrackingNo},
		{trail.TrackQuery{OrderNo: "WX-1", PhoneLast4: "1234"}, trail.AudienceGift},
		{trail.TrackQuery{TrackingNo: "SF1040245060669", PhoneLast4: "1234"}, trail.AudienceGift},
	}
	for _, tt := range tests {
		if got := trail.LookupAudience(o, tt.q); got != tt.want {
			t.Errorf("LookupAudience(%+v): got %v, want %v", tt.q, got, tt.want)
		}
	}
}

// TestConsumerScanText: the timeline masks the carrier's text for every
// audience and keeps the pickup code for the buyer only.
func TestConsumerScanText(t *testing.T) {
	t.Parallel()
	s := cvParcel("zhongtong", "ZT1", trail.StatusAtPickupPoint, "", [2]int{2, 12})
	raw := "已放入丰巢柜，收件人：欧阳娜娜，电话13987654321，取件码 6-2-0815"
	s.Events[0].Unmasked, s.Events[0].Description = raw, trail.MaskScanText(raw)
	g := cvGraph(cvOrder(), []*trail.Batch{cvPlumBatch(), cvBatchDone("B-RICE", "RICE-500")}, s)
	for audience, want := range map[trail.Audience]string{
		trail.AudienceBuyer:             "已放入丰巢柜，收件人：欧***，电话139****4321，取件码 6-2-0815",
		trail.AudienceBuyerByTrackingNo: "已放入丰巢柜，收件人：欧***，电话139****4321，取件码 *-*-****",
		trail.AudienceGift:              "已放入丰巢柜，收件人：欧***，电话139****4321，取件码 *-*-****",
	} {
		if got := cvViewFor(g, audience).Parcels[0].Events[0].Description; got != want {
			t.Errorf("audience %d: got %q, want %q", audience, got, want)
		}
	}
}

// TestConsumerProblems checks what the consumer is told of each kind of
// parcel problem, with what happens next, and that the brand's service
// contact comes along when it is set.
func TestConsumerProblems(t *testing.T) {
	t.Parallel()
	done := []*trail.Batch{cvBatchDone("B-PLUM", "PLUM-330"), cvBatchDone("B-RICE", "RICE-500")}
	// damagedThenSigned is scanned damaged, then signed for.
	damagedThenSigned := cvParcel("yuantong", "YT8800000000001", trail.StatusDelivered, "signed_after_exception", [2]int{1, 24}, [2]int{2, 12})
	damagedThenSigned.Events[1].SubStatus = "damaged"
	stalledAlert := cvParcel("zhongtong", "ZT7700000000001", trail.StatusInTransit, "", [2]int{1, 24}, [2]int{2, 12})
	for _, tt := range []struct {
		name   string
		parcel *trail.Shipment
		alerts []*trail.Alert
		status trail.OrderStatus
		kind   string
		what   string
		next   string
	}{
		{"damaged, then signed for", damagedThenSigned, nil, trail.OrderDelivered, trail.ProblemDamaged,
			"包裹 1 已签收，但商品在运输中破损", "请拍照保留外包装和破损商品（包裹 1），并联系客服登记破损"},
		{"damaged on the way", cvParcel("yuantong", "YT8800000000001", trail.StatusException, "damaged", [2]int{1, 24}, [2]int{2, 12}), nil, trail.OrderException,
			trail.ProblemDamaged, "包裹 1 在运输中破损", "客服核实后会与您商定补发或退款"},
		{"refused", cvParcel("yuantong", "YT8800000000001", trail.StatusRefused, "", [2]int{1, 24}, [2]int{2, 12}), nil, trail.OrderException,
			trail.ProblemRefused, "包裹 1 已被拒收", "包裹 1 将退回发货仓库"},
		{"returning", cvParcel("yuantong", "YT8800000000001", trail.StatusReturning, "", [2]int{1, 24}, [2]int{2, 12}), nil, trail.OrderException,
			trail.ProblemReturning, "包裹 1 正在退回发货仓库", "客服会与您确认重新发货或退款"},
		{"returned", cvParcel("yuantong", "YT8800000000001", trail.StatusReturned, "", [2]int{1, 24}, [2]int{2, 12}), nil, trail.OrderReturned,
			trail.ProblemReturned, "包裹 1 已退回发货仓库", "客服会与您确认包裹 1 的商品重新发货或退款"},
		{"address issue", cvParcel("yuantong", "YT8800000000001", trail.StatusException, "address_issue", [2]int{1, 24}, [2]int{2, 12}), nil, trail.OrderException,
			trail.ProblemException, "包裹 1 派送遇到问题：地址有误", "如需修改地址或约定派送时间，请联系客服"},
		{"no news for too long", cvParcel("yuantong", "YT8800000000001", trail.StatusExpired, "", [2]int{1, 24}, [2]int{2, 12}), nil, trail.OrderShipped,
			trail.ProblemStalled, "包裹 1 的物流信息已有一段时间没有更新", "我们正在向快递公司核实包裹 1 的位置"},
		{"an open stalled alert", stalledAlert, []*trail.Alert{{Type: trail.AlertStalled, Status: trail.AlertOpen, Carrier: "zhongtong", TrackingNo: "ZT7700000000001"}},
			trail.OrderShipped, trail.ProblemStalled, "包裹 1 的物流信息已有一段时间没有更新", "如着急，请联系客服"},
		{"on its way: no problem", cvParcel("yuantong", "YT8800000000001", trail.StatusInTransit, "", [2]int{1, 24}, [2]int{2, 12}), nil, trail.OrderShipped, "", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := cvGraph(cvOrder(), done, tt.parcel)
			g.Alerts = tt.alerts
			brand := &trail.Brand{Slug: "plum-house", Name: "梅子酒坊", Service: trail.ServiceContact{Phone: "400-820-1234", WeChat: "meizi_kefu", Hours: "每天 9:00–21:00"}}
			v := trail.NewConsumerView(brand, g, trail.AudienceBuyer, trail.LaneEstimator{}.EstimateOrder(g, nil, cvNow), cvNow)
			if v.Status != tt.status {
				t.Errorf("status: got %s, want %s", v.Status, tt.status)
			}
			if v.Service == nil || *v.Service != brand.Service {
				t.Errorf("service: got %+v", v.Service)
			}
			if tt.kind == "" {
				if len(v.Problems) != 0 {
					t.Errorf("problems: got %+v, want none", v.Problems)
				}
				return
			}
			if len(v.Problems) != 1 {
				t.Fatalf("problems: got %+v, want one", v.Problems)
			}
			p := v.Problems[0]
			if p.Kind != tt.kind || p.Parcel != 1 || p.What.ZH != tt.what || !strings.Contains(p.Next.ZH, tt.next) ||
				p.What.Code != "problem_"+tt.kind || p.Next.Code != "next_"+tt.kind || p.What.EN == "" || p.Next.EN == "" {
				t.Errorf("got %+v, want %s %q / %q", p, tt.kind, tt.what, tt.next)
			}
			if v.Parcels[0].Damaged != (tt.kind == trail.ProblemDamaged) {
				t.Errorf("parcel damaged: got %v", v.Parcels[0].Damaged)
			}
		})
	}
	// Without a contact, no service block.
	g := cvGraph(cvOrder(), done)
	if v := cvView(g, false); v.Service != nil || len(v.Problems) != 0 {
		t.Errorf("no contact: got %+v, problems %+v", v.Service, v.Problems)
	}
}

// TestConsumerMadeToOrderWithoutBatch checks that an order of a made-to-order
// SKU that names no batch is pending while the page gives its lead time:
// status and text agree.
func TestConsumerMadeToOrderWithoutBatch(t *testing.T) {
	t.Parallel()
	o := cvOrder()
	o.Items = o.Items[:1]
	o.Items[0].BatchNo = ""
	v := cvView(cvGraph(o, nil), false)
	if v.Status != trail.OrderPending || v.StatusName != "待生产" {
		t.Errorf("status: got %s %s, want pending", v.Status, v.StatusName)
	}
	if got := cvMessage(v, trail.MessageLeadTime); !strings.Contains(got, "发货周期约 5–10 天") {
		t.Errorf("lead time: got %q", got)
	}
}
