package trail_test

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// statusOrder is the order DeriveOrderStatus is tested on: two lines of the
// same SKU from one batch, a line from a second batch and a stock item that
// needs no production.
func statusOrder() *trail.Order {
	return &trail.Order{
		OrderNo: "WED-1",
		Items: []trail.Item{
			{ID: 11, SKU: "ROSE", Quantity: 6, BatchNo: "B1", Customization: "囍 张三 & 李四"},
			{ID: 12, SKU: "ROSE", Quantity: 4, BatchNo: "B1", Customization: "谢谢光临"},
			{ID: 13, SKU: "PLUM", Quantity: 2, BatchNo: "B2"},
			{ID: 14, SKU: "GIFTBOX", Quantity: 1},
		},
	}
}

// statusSKUs is the catalogue of statusOrder: ROSE and PLUM are made to
// order, GIFTBOX comes from stock.
var statusSKUs = map[string]*trail.SKU{
	"ROSE":    {Code: "ROSE", LeadTime: trail.LeadTime{Min: 5, Max: 10}},
	"PLUM":    {Code: "PLUM", LeadTime: trail.LeadTime{Min: 3, Max: 7}},
	"GIFTBOX": {Code: "GIFTBOX"},
}

// parcel is a shipment in the given status holding (item ID, quantity) pairs.
func parcel(status trail.ShipmentStatus, itemQty ...int) *trail.Shipment {
	s := &trail.Shipment{Carrier: "shunfeng", Status: status}
	for i := 0; i+1 < len(itemQty); i += 2 {
		s.Items = append(s.Items, trail.ShipmentItem{ItemID: int64(itemQty[i]), Quantity: itemQty[i+1]})
	}
	return s
}

// Batches in various states of production.
func plannedBatch(no string) *trail.Batch {
	return &trail.Batch{BatchNo: no, SKU: "ROSE", Plan: map[trail.Stage]trail.Date{
		trail.StageFilling: "2026-12-01", trail.StagePackaging: "2026-12-03",
	}}
}

func startedBatch(no string) *trail.Batch {
	b := plannedBatch(no)
	b.Events = []trail.BatchEvent{{Stage: trail.StageFilling, State: trail.StateStarted, At: at(0)}}
	return b
}

func doneBatch(no string) *trail.Batch {
	b := startedBatch(no)
	b.Events = append(b.Events,
		trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateCompleted, At: at(60)},
		trail.BatchEvent{Stage: trail.StagePackaging, State: trail.StateCompleted, At: at(120)},
	)
	return b
}

func TestDeriveOrderStatus(t *testing.T) {
	t.Parallel()

	const (
		created   = trail.StatusCreated
		inTransit = trail.StatusInTransit
		delivered = trail.StatusDelivered
	)
	bothDone := []*trail.Batch{doneBatch("B1"), doneBatch("B2")}
	cancelled := func(o *trail.Order) { o.CancelledAt = ptrAt(0) }
	// everything delivered in three parcels, the ROSE lines split across them.
	allDelivered := []*trail.Shipment{
		parcel(delivered, 11, 4), parcel(delivered, 11, 2, 12, 1, 14, 1), parcel(delivered, 12, 3, 13, 2),
	}

	tests := []struct {
		name      string
		order     func(o *trail.Order)
		batches   []*trail.Batch
		shipments []*trail.Shipment
		want      trail.OrderStatus
	}{
		{name: "nothing yet: pending", want: trail.OrderPending},
		{name: "batches planned, none started: pending", batches: []*trail.Batch{plannedBatch("B1"), plannedBatch("B2")}, want: trail.OrderPending},
		{name: "one batch started: in_production", batches: []*trail.Batch{startedBatch("B1")}, want: trail.OrderInProduction},
		{name: "one done, the other only planned: in_production", batches: []*trail.Batch{doneBatch("B1"), plannedBatch("B2")}, want: trail.OrderInProduction},
		{name: "one done, the other named but not yet created: in_production", batches: []*trail.Batch{doneBatch("B1")}, want: trail.OrderInProduction},
		{name: "all batches done: ready_to_ship", batches: bothDone, want: trail.OrderReadyToShip},
		{
			name:    "ready stage completed although earlier stages were not reported: ready_to_ship",
			batches: []*trail.Batch{doneBatch("B1"), readyBatch("B2")},
			want:    trail.OrderReadyToShip,
		},
		{
			name:  "stock items only need no production: ready_to_ship",
			order: func(o *trail.Order) { o.Items = []trail.Item{{ID: 14, SKU: "GIFTBOX", Quantity: 1}} },
			want:  trail.OrderReadyToShip,
		},
		{
			name: "a made-to-order item without a batch has not started: pending, not ready_to_ship",
			order: func(o *trail.Order) {
				o.Items = []trail.Item{{ID: 11, SKU: "ROSE", Quantity: 6}, {ID: 14, SKU: "GIFTBOX", Quantity: 1}}
			},
			want: trail.OrderPending,
		},
		{
			name: "a made-to-order item without a batch beside a done batch: in_production",
			order: func(o *trail.Order) {
				o.Items = []trail.Item{{ID: 11, SKU: "ROSE", Quantity: 6, BatchNo: "B1"}, {ID: 13, SKU: "PLUM", Quantity: 2}}
			},
			batches: []*trail.Batch{doneBatch("B1")},
			want:    trail.OrderInProduction,
		},
		{
			name:  "an item of a SKU not in the catalogue counts as stock: ready_to_ship",
			order: func(o *trail.Order) { o.Items = []trail.Item{{ID: 15, SKU: "UNKNOWN", Quantity: 1}} },
			want:  trail.OrderReadyToShip,
		},
		{
			name:      "a parcel with one line: partially_shipped",
			batches:   bothDone,
			shipments: []*trail.Shipment{parcel(created, 11, 6)},
			want:      trail.OrderPartiallyShipped,
		},
		{
			name:      "a parcel before production is done: partially_shipped",
			batches:   []*trail.Batch{startedBatch("B1")},
			shipments: []*trail.Shipment{parcel(inTransit, 14, 1)},
			want:      trail.OrderPartiallyShipped,
		},
		{
			name:      "every line in a parcel but one short by a bottle: partially_shipped",
			batches:   bothDone,
			shipments: []*trail.Shipment{parcel(inTransit, 11, 6, 12, 3), parcel(created, 13, 2, 14, 1)},
			want:      trail.OrderPartiallyShipped,
		},
		{
			name:    "the same SKU's quantity on the wrong line does not count for the other line: partially_shipped",
			batches: bothDone,
			// 10 ROSE in parcels, but all on line 11: line 12 has nothing.
			shipments: []*trail.Shipment{parcel(inTransit, 11, 10, 13, 2, 14, 1)},
			want:      trail.OrderPartiallyShipped,
		},
		{
			name:    "every quantity in parcels, split across parcels and lines: shipped",
			batches: bothDone,
			shipments: []*trail.Shipment{
				parcel(inTransit, 11, 4), parcel(created, 11, 2, 12, 1), parcel(trail.StatusOutForDelivery, 12, 3, 13, 2, 14, 1),
			},
			want: trail.OrderShipped,
		},
		{
			name:      "an expired parcel is not an exception: shipped",
			shipments: []*trail.Shipment{parcel(trail.StatusExpired, 11, 6, 12, 4), parcel(inTransit, 13, 2, 14, 1)},
			want:      trail.OrderShipped,
		},
		{
			name:      "one parcel delivered, the rest on the way: partially_delivered",
			shipments: []*trail.Shipment{parcel(delivered, 11, 6), parcel(inTransit, 12, 4, 13, 2, 14, 1)},
			want:      trail.OrderPartiallyDelivered,
		},
		{
			name:      "every parcel delivered but not every bottle shipped: partially_delivered",
			shipments: []*trail.Shipment{parcel(delivered, 11, 6, 12, 3, 13, 2, 14, 1)},
			want:      trail.OrderPartiallyDelivered,
		},
		{
			name:      "a parcel returned to the sender, the rest delivered: returned",
			shipments: []*trail.Shipment{parcel(trail.StatusReturned, 11, 6), parcel(delivered, 12, 4, 13, 2, 14, 1)},
			want:      trail.OrderReturned,
		},
		{
			name:      "the only parcel refused and returned: returned, not shipped",
			shipments: []*trail.Shipment{parcel(trail.StatusReturned, 11, 6, 12, 4, 13, 2, 14, 1)},
			want:      trail.OrderReturned,
		},
		{
			name:      "a returned parcel's items sent again: shipped",
			shipments: []*trail.Shipment{parcel(trail.StatusReturned, 11, 6, 12, 4, 13, 2, 14, 1), parcel(inTransit, 11, 6, 12, 4, 13, 2, 14, 1)},
			want:      trail.OrderShipped,
		},
		{
			name:      "a returned parcel's items sent again and delivered: delivered",
			shipments: []*trail.Shipment{parcel(trail.StatusReturned, 11, 6, 12, 4, 13, 2, 14, 1), parcel(delivered, 11, 6, 12, 4, 13, 2, 14, 1)},
			want:      trail.OrderDelivered,
		},
		{
			name:      "a returning parcel beats a returned one: exception",
			shipments: []*trail.Shipment{parcel(trail.StatusReturned, 11, 6), parcel(trail.StatusReturning, 12, 4, 13, 2, 14, 1)},
			want:      trail.OrderException,
		},
		{
			name: "scanned damaged, then signed for: delivered (the damage is OrderGraph.Damaged's)",
			shipments: []*trail.Shipment{{Status: delivered, SubStatus: "signed_after_exception",
				Items: []trail.ShipmentItem{{ItemID: 11, Quantity: 6}, {ItemID: 12, Quantity: 4}, {ItemID: 13, Quantity: 2}, {ItemID: 14, Quantity: 1}},
				Events: []trail.TrackingEvent{
					{CarrierEvent: trail.CarrierEvent{Time: at(60), Status: delivered, SubStatus: "signed_after_exception"}},
					{CarrierEvent: trail.CarrierEvent{Time: at(30), Status: trail.StatusException, SubStatus: "damaged"}},
				}}},
			want: trail.OrderDelivered,
		},
		{
			name:      "every bottle in delivered parcels: delivered",
			shipments: allDelivered,
			want:      trail.OrderDelivered,
		},
		{
			name:      "delivered after a return leg reached the door again: delivered",
			shipments: []*trail.Shipment{{Status: delivered, Leg: 1, Items: []trail.ShipmentItem{{ItemID: 11, Quantity: 6}, {ItemID: 12, Quantity: 4}, {ItemID: 13, Quantity: 2}, {ItemID: 14, Quantity: 1}}}},
			want:      trail.OrderDelivered,
		},
		{
			name:      "an exception parcel beats the delivered ones: exception",
			shipments: []*trail.Shipment{parcel(delivered, 11, 6, 12, 4), parcel(trail.StatusException, 13, 2, 14, 1)},
			want:      trail.OrderException,
		},
		{
			name:      "a refused parcel: exception",
			shipments: []*trail.Shipment{parcel(delivered, 11, 6), parcel(trail.StatusRefused, 12, 4, 13, 2, 14, 1)},
			want:      trail.OrderException,
		},
		{
			name:      "a returning parcel: exception",
			shipments: []*trail.Shipment{parcel(trail.StatusReturning, 11, 6, 12, 4, 13, 2, 14, 1)},
			want:      trail.OrderException,
		},
		{
			name:      "a delivered parcel sent back on a return leg: exception, not delivered",
			shipments: []*trail.Shipment{{Status: trail.StatusReturning, Leg: 1, Items: allDelivered[0].Items}, allDelivered[1], allDelivered[2]},
			want:      trail.OrderException,
		},
		{
			name:      "exception beats shipped",
			shipments: []*trail.Shipment{parcel(trail.StatusException, 11, 6, 12, 4), parcel(inTransit, 13, 2, 14, 1)},
			want:      trail.OrderException,
		},
		{
			name:      "exception beats partially_shipped",
			shipments: []*trail.Shipment{parcel(trail.StatusException, 11, 1)},
			want:      trail.OrderException,
		},
		{name: "cancelled beats pending", order: cancelled, want: trail.OrderCancelled},
		{name: "cancelled beats ready_to_ship", order: cancelled, batches: bothDone, want: trail.OrderCancelled},
		{name: "cancelled beats delivered", order: cancelled, shipments: allDelivered, want: trail.OrderCancelled},
		{
			name:      "cancelled beats exception",
			order:     cancelled,
			shipments: []*trail.Shipment{parcel(trail.StatusException, 11, 6)},
			want:      trail.OrderCancelled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := statusOrder()
			if tt.order != nil {
				tt.order(o)
			}
			if got := trail.DeriveOrderStatus(o, statusSKUs, tt.batches, tt.shipments); got != tt.want {
				t.Errorf("DeriveOrderStatus: got %q, want %q", got, tt.want)
			}
		})
	}
}

// readyBatch has the ready stage completed but no other stage reported.
func readyBatch(no string) *trail.Batch {
	b := plannedBatch(no)
	b.Events = []trail.BatchEvent{{Stage: trail.StageReady, State: trail.StateCompleted, At: at(30)}}
	return b
}

// validOrder is a normalised order that passes Validate.
func validOrder() *trail.Order {
	price := trail.Fen(6800)
	return &trail.Order{
		OrderNo:   "TB-2026-0001",
		Customer:  trail.Contact{Name: "张三", Phone: "13912345678"},
		Recipient: &trail.Contact{Name: "李四", Phone: "057188888888"},
		Address: trail.Address{
			Province: "浙江省", ProvinceCode: "330000", City: "杭州市", District: "西湖区", Detail: "文三路 1 号",
		},
		Occasion:           &trail.Occasion{Kind: "wedding", Date: "2026-12-20"},
		PromisedShipBy:     ptr(trail.Date("2026-12-10")),
		PromisedDeliveryBy: ptr(trail.Date("2026-12-15")),
		Items: []trail.Item{
			{ID: 1, SKU: "ROSE-750", Quantity: 6, Customization: "囍", BatchNo: "B-2026.12", UnitPrice: &price},
			{ID: 2, SKU: "GIFTBOX", Quantity: 1},
		},
	}
}

// cloneOrder copies an order deeply enough that changing the copy leaves
// the original alone.
func cloneOrder(o *trail.Order) *trail.Order {
	c := *o
	if o.Recipient != nil {
		c.Recipient = ptr(*o.Recipient)
	}
	if o.Occasion != nil {
		c.Occasion = ptr(*o.Occasion)
	}
	if o.PromisedShipBy != nil {
		c.PromisedShipBy = ptr(*o.PromisedShipBy)
	}
	if o.PromisedDeliveryBy != nil {
		c.PromisedDeliveryBy = ptr(*o.PromisedDeliveryBy)
	}
	c.Items = make([]trail.Item, len(o.Items))
	copy(c.Items, o.Items)
	for i := range c.Items {
		if p := c.Items[i].UnitPrice; p != nil {
			c.Items[i].UnitPrice = ptr(*p)
		}
	}
	return &c
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()

	tests := []struct {
		in    string
		want  string
		valid bool
	}{
		{"13912345678", "13912345678", true},
		{"139 1234 5678", "13912345678", true},
		{"139-1234-5678", "13912345678", true},
		{"+86 139-1234-5678", "13912345678", true},
		{"+8613912345678", "13912345678", true},
		{"0086 139 1234 5678", "13912345678", true},
		{"008613912345678", "13912345678", true},
		{"(+86) 139 1234 5678", "13912345678", true},
		{"139\u00a01234\u00a05678", "13912345678", true},
		{"19912345678", "19912345678", true},
		{"0571-88888888", "057188888888", true},
		{"(0571) 8888-8888", "057188888888", true},
		{"010-12345678", "01012345678", true},
		{"+86 571 88888888", "57188888888", false}, // the trunk 0 is part of a landline number
		{"12345", "12345", false},
		{"", "", false},
		{"12912345678", "12912345678", false}, // no mobile range starts 12
		{"1391234567", "1391234567", false},
		{"139123456789", "139123456789", false},
		{"8613912345678", "8613912345678", false}, // a country code needs + or 00
		{"0012345678", "0012345678", false},
		{"139１２３４５６７８", "139１２３４５６７８", false}, // full-width digits
		{"139.1234.5678", "139.1234.5678", false},
		{"tel:13912345678", "tel:13912345678", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, valid := trail.NormalizePhone(tt.in)
			if got != tt.want || valid != tt.valid {
				t.Errorf("NormalizePhone(%q): got %q, %v, want %q, %v", tt.in, got, valid, tt.want, tt.valid)
			}
		})
	}
}

func TestOrderNormalize(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		change func(o *trail.Order)
		check  func(t *testing.T, o *trail.Order)
	}{
		{
			name:   "mobile with spaces",
			change: func(o *trail.Order) { o.Customer.Phone = "139 1234 5678" },
			check:  wantString("customer.phone", func(o *trail.Order) string { return o.Customer.Phone }, "13912345678"),
		},
		{
			name:   "mobile with +86 and dashes",
			change: func(o *trail.Order) { o.Customer.Phone = "+86 139-1234-5678" },
			check:  wantString("customer.phone", func(o *trail.Order) string { return o.Customer.Phone }, "13912345678"),
		},
		{
			name:   "mobile with 0086",
			change: func(o *trail.Order) { o.Customer.Phone = "0086 13912345678" },
			check:  wantString("customer.phone", func(o *trail.Order) string { return o.Customer.Phone }, "13912345678"),
		},
		{
			name:   "recipient landline",
			change: func(o *trail.Order) { o.Recipient.Phone = "0571-88888888" },
			check:  wantString("recipient.phone", func(o *trail.Order) string { return o.Recipient.Phone }, "057188888888"),
		},
		{
			name:   "invalid phone is left as given",
			change: func(o *trail.Order) { o.Customer.Phone = " 123-45 " },
			check:  wantString("customer.phone", func(o *trail.Order) string { return o.Customer.Phone }, " 123-45 "),
		},
		{
			name: "names and order number trimmed",
			change: func(o *trail.Order) {
				o.OrderNo, o.Customer.Name, o.Recipient.Name = " TB-1 ", " 张三 ", "\t李四\n"
			},
			check: func(t *testing.T, o *trail.Order) {
				if o.OrderNo != "TB-1" || o.Customer.Name != "张三" || o.Recipient.Name != "李四" {
					t.Errorf("order_no, names: got %q %q %q, want %q %q %q", o.OrderNo, o.Customer.Name, o.Recipient.Name, "TB-1", "张三", "李四")
				}
			},
		},
		{
			name: "address and items trimmed",
			change: func(o *trail.Order) {
				o.Address.City, o.Address.District, o.Address.Detail = " 杭州市 ", " 西湖区 ", " 文三路 1 号 "
				o.Items[0].SKU, o.Items[0].Customization, o.Items[0].BatchNo = " ROSE-750 ", " 囍 ", " B-1 "
			},
			check: func(t *testing.T, o *trail.Order) {
				a, it := o.Address, o.Items[0]
				got := []string{a.City, a.District, a.Detail, it.SKU, it.Customization, it.BatchNo}
				want := []string{"杭州市", "西湖区", "文三路 1 号", "ROSE-750", "囍", "B-1"}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("trimmed fields: got %q, want %q", got, want)
				}
			},
		},
		{name: "province short name", change: province("浙江"), check: wantProvince("浙江省", "330000")},
		{name: "province full name", change: province("浙江省"), check: wantProvince("浙江省", "330000")},
		{name: "province code", change: province("330000"), check: wantProvince("浙江省", "330000")},
		{name: "province with spaces", change: province(" 浙江 "), check: wantProvince("浙江省", "330000")},
		{name: "autonomous region short name", change: province("广西"), check: wantProvince("广西壮族自治区", "450000")},
		{name: "autonomous region full name", change: province("内蒙古自治区"), check: wantProvince("内蒙古自治区", "150000")},
		{name: "autonomous region short", change: province("内蒙古"), check: wantProvince("内蒙古自治区", "150000")},
		{name: "municipality short name", change: province("北京"), check: wantProvince("北京市", "110000")},
		{name: "special administrative region", change: province("香港"), check: wantProvince("香港特别行政区", "810000")},
		{name: "province short name overrides a stale code", change: func(o *trail.Order) {
			o.Address.Province, o.Address.ProvinceCode = "广东", "330000"
		}, check: wantProvince("广东省", "440000")},
		{name: "unknown province keeps no code", change: func(o *trail.Order) {
			o.Address.Province, o.Address.ProvinceCode = "火星", "330000"
		}, check: wantProvince("火星", "")},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := validOrder()
			tt.change(o)
			o.Normalize()
			tt.check(t, o)
		})
	}
}

func province(p string) func(o *trail.Order) {
	return func(o *trail.Order) { o.Address.Province, o.Address.ProvinceCode = p, "" }
}

func wantProvince(name, code string) func(t *testing.T, o *trail.Order) {
	return func(t *testing.T, o *trail.Order) {
		t.Helper()
		if o.Address.Province != name || o.Address.ProvinceCode != code {
			t.Errorf("province: got %q %q, want %q %q", o.Address.Province, o.Address.ProvinceCode, name, code)
		}
	}
}

func wantString(field string, get func(o *trail.Order) string, want string) func(t *testing.T, o *trail.Order) {
	return func(t *testing.T, o *trail.Order) {
		t.Helper()
		if got := get(o); got != want {
			t.Errorf("%s: got %q, want %q", field, got, want)
		}
	}
}

func TestOrderValidate(t *testing.T) {
	t.Parallel()

	items := func(n int) []trail.Item {
		out := make([]trail.Item, n)
		for i := range out {
			out[i] = trail.Item{SKU: fmt.Sprintf("SKU-%d", i), Quantity: 1}
		}
		return out
	}
	tests := []struct {
		name   string
		change func(o *trail.Order)
		field  string
	}{
		{"valid", func(o *trail.Order) {}, ""},
		{"minimal: no recipient, occasion, promises, prices", func(o *trail.Order) {
			o.Recipient, o.Occasion, o.PromisedShipBy, o.PromisedDeliveryBy = nil, nil, nil, nil
			o.Address.District = ""
			o.Items = []trail.Item{{SKU: "S", Quantity: 1}}
		}, ""},

		{"order_no missing", func(o *trail.Order) { o.OrderNo = "" }, "order_no"},
		{"order_no with a space", func(o *trail.Order) { o.OrderNo = "TB 1" }, "order_no"},
		{"order_no starting with a dash", func(o *trail.Order) { o.OrderNo = "-TB1" }, "order_no"},
		{"order_no of 64 characters", func(o *trail.Order) { o.OrderNo = strings.Repeat("A", 64) }, ""},
		{"order_no of 65 characters", func(o *trail.Order) { o.OrderNo = strings.Repeat("A", 65) }, "order_no"},

		{"customer name missing", func(o *trail.Order) { o.Customer.Name = "" }, "customer.name"},
		{"customer name of 64 runes", func(o *trail.Order) { o.Customer.Name = strings.Repeat("张", 64) }, ""},
		{"customer name of 65 runes", func(o *trail.Order) { o.Customer.Name = strings.Repeat("张", 65) }, "customer.name"},
		{"customer phone 12345", func(o *trail.Order) { o.Customer.Phone = "12345" }, "customer.phone"},
		{"customer phone missing", func(o *trail.Order) { o.Customer.Phone = "" }, "customer.phone"},
		{"customer phone with 10 digits", func(o *trail.Order) { o.Customer.Phone = "1391234567" }, "customer.phone"},
		{"customer landline", func(o *trail.Order) { o.Customer.Phone = "057188888888" }, ""},
		{"customer landline with dash (not yet normalised)", func(o *trail.Order) { o.Customer.Phone = "0571-88888888" }, ""},
		{"recipient name missing", func(o *trail.Order) { o.Recipient.Name = "" }, "recipient.name"},
		{"recipient phone invalid", func(o *trail.Order) { o.Recipient.Phone = "12345" }, "recipient.phone"},

		{"unknown province", func(o *trail.Order) { o.Address.Province, o.Address.ProvinceCode = "火星", "" }, "address.province"},
		{"province missing", func(o *trail.Order) { o.Address.Province, o.Address.ProvinceCode = "", "" }, "address.province"},
		{"city missing", func(o *trail.Order) { o.Address.City = "" }, "address.city"},
		{"city of 51 runes", func(o *trail.Order) { o.Address.City = strings.Repeat("城", 51) }, "address.city"},
		{"district of 51 runes", func(o *trail.Order) { o.Address.District = strings.Repeat("区", 51) }, "address.district"},
		{"detail missing", func(o *trail.Order) { o.Address.Detail = "" }, "address.detail"},
		{"detail of 200 runes", func(o *trail.Order) { o.Address.Detail = strings.Repeat("路", 200) }, ""},
		{"detail of 201 runes", func(o *trail.Order) { o.Address.Detail = strings.Repeat("路", 201) }, "address.detail"},

		{"occasion kind unknown", func(o *trail.Order) { o.Occasion.Kind = "funeral" }, "occasion.kind"},
		{"occasion kind missing", func(o *trail.Order) { o.Occasion.Kind = "" }, "occasion.kind"},
		{"occasion kind in Chinese", func(o *trail.Order) { o.Occasion.Kind = "婚礼" }, "occasion.kind"},
		{"occasion birthday", func(o *trail.Order) { o.Occasion.Kind = "birthday" }, ""},
		{"occasion date impossible", func(o *trail.Order) { o.Occasion.Date = "2026-02-30" }, "occasion.date"},
		{"occasion date missing", func(o *trail.Order) { o.Occasion.Date = "" }, "occasion.date"},
		{"occasion date as time", func(o *trail.Order) { o.Occasion.Date = "2026-12-20T00:00:00Z" }, "occasion.date"},
		{"promised_ship_by bad", func(o *trail.Order) { *o.PromisedShipBy = "2026/12/10" }, "promised_ship_by"},
		{"promised_delivery_by bad", func(o *trail.Order) { *o.PromisedDeliveryBy = "2026-13-01" }, "promised_delivery_by"},

		{"no items", func(o *trail.Order) { o.Items = nil }, "items"},
		{"200 items", func(o *trail.Order) { o.Items = items(trail.MaxOrderItems) }, ""},
		{"201 items", func(o *trail.Order) { o.Items = items(trail.MaxOrderItems + 1) }, "items"},
		{"item sku missing", func(o *trail.Order) { o.Items[1].SKU = "" }, "items[1].sku"},
		{"item sku with a space", func(o *trail.Order) { o.Items[0].SKU = "ROSE 750" }, "items[0].sku"},
		{"item quantity 0", func(o *trail.Order) { o.Items[1].Quantity = 0 }, "items[1].quantity"},
		{"item quantity negative", func(o *trail.Order) { o.Items[0].Quantity = -1 }, "items[0].quantity"},
		{"item quantity 1", func(o *trail.Order) { o.Items[0].Quantity = 1 }, ""},
		{"item quantity 100000", func(o *trail.Order) { o.Items[0].Quantity = 100000 }, ""},
		{"item quantity 100001", func(o *trail.Order) { o.Items[0].Quantity = 100001 }, "items[0].quantity"},
		{"customization of 500 runes", func(o *trail.Order) { o.Items[0].Customization = strings.Repeat("囍", 500) }, ""},
		{"customization of 501 runes", func(o *trail.Order) { o.Items[0].Customization = strings.Repeat("囍", 501) }, "items[0].customization"},
		{"batch_no malformed", func(o *trail.Order) { o.Items[1].BatchNo = "B 1" }, "items[1].batch_no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := validOrder()
			tt.change(o)
			checkInvalid(t, o.Validate(), tt.field)
		})
	}
}

// TestOrderNormalizeValidate runs client input through both steps, as the
// API does.
func TestOrderNormalizeValidate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		change func(o *trail.Order)
		field  string
	}{
		{"phone forms", func(o *trail.Order) { o.Customer.Phone, o.Recipient.Phone = "+86 139-1234-5678", "0571-88888888" }, ""},
		{"short province", province("广西"), ""},
		{"province code", province("330000"), ""},
		{"unknown province", province("火星"), "address.province"},
		{"partial code", province("33"), "address.province"},
		{"suffix only", province("自治区"), "address.province"},
		// A province_code sent by the client, or kept from an earlier version
		// of the order, must not let an unknown province through.
		{"unknown province with a code", func(o *trail.Order) { o.Address.Province, o.Address.ProvinceCode = "火星", "330000" }, "address.province"},
		{"no province, only a code", func(o *trail.Order) { o.Address.Province, o.Address.ProvinceCode = "", "330000" }, "address.province"},
		{"phone 12345", func(o *trail.Order) { o.Customer.Phone = "12345" }, "customer.phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := validOrder()
			tt.change(o)
			o.Normalize()
			checkInvalid(t, o.Validate(), tt.field)
		})
	}
}

func TestOrderConflict(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		change func(o *trail.Order)
		want   string
	}{
		{"same order", func(o *trail.Order) {}, ""},
		{"store-assigned fields are not compared", func(o *trail.Order) {
			o.ID, o.CreatedAt, o.UpdatedAt = 99, at(5), at(6)
			o.Items[0].ID, o.Items[1].ID = 101, 102
		}, ""},
		{"equal values behind other pointers", func(o *trail.Order) {
			o.Recipient = &trail.Contact{Name: "李四", Phone: "057188888888"}
			o.PromisedShipBy = ptr(trail.Date("2026-12-10"))
			o.Items[0].UnitPrice = ptr(trail.Fen(6800))
		}, ""},
		{"customer name", func(o *trail.Order) { o.Customer.Name = "张三丰" }, "customer"},
		{"customer phone", func(o *trail.Order) { o.Customer.Phone = "13912345679" }, "customer"},
		{"recipient removed", func(o *trail.Order) { o.Recipient = nil }, "recipient"},
		{"recipient phone", func(o *trail.Order) { o.Recipient.Phone = "13800000000" }, "recipient"},
		{"address detail", func(o *trail.Order) { o.Address.Detail = "文三路 2 号" }, "address"},
		{"address province", func(o *trail.Order) { o.Address.Province, o.Address.ProvinceCode = "江苏省", "320000" }, "address"},
		{"occasion removed", func(o *trail.Order) { o.Occasion = nil }, "occasion"},
		{"occasion date", func(o *trail.Order) { o.Occasion.Date = "2026-12-21" }, "occasion"},
		{"occasion kind", func(o *trail.Order) { o.Occasion.Kind = "anniversary" }, "occasion"},
		{"promised_ship_by removed", func(o *trail.Order) { o.PromisedShipBy = nil }, "promised_ship_by"},
		{"promised_ship_by changed", func(o *trail.Order) { *o.PromisedShipBy = "2026-12-11" }, "promised_ship_by"},
		{"promised_delivery_by changed", func(o *trail.Order) { *o.PromisedDeliveryBy = "2026-12-16" }, "promised_delivery_by"},
		{"an item more", func(o *trail.Order) { o.Items = append(o.Items, trail.Item{SKU: "X", Quantity: 1}) }, "items"},
		{"an item less", func(o *trail.Order) { o.Items = o.Items[:1] }, "items"},
		{"item sku", func(o *trail.Order) { o.Items[1].SKU = "GIFTBOX-2" }, "items[1]"},
		{"item quantity", func(o *trail.Order) { o.Items[1].Quantity = 2 }, "items[1]"},
		{"item customization", func(o *trail.Order) { o.Items[0].Customization = "喜" }, "items[0]"},
		{"item batch", func(o *trail.Order) { o.Items[1].BatchNo = "B-1" }, "items[1]"},
		{"item price added", func(o *trail.Order) { o.Items[1].UnitPrice = ptr(trail.Fen(100)) }, "items[1]"},
		{"item price removed", func(o *trail.Order) { o.Items[0].UnitPrice = nil }, "items[0]"},
		{"item price changed", func(o *trail.Order) { *o.Items[0].UnitPrice = 6801 }, "items[0]"},
		{"items swapped", func(o *trail.Order) { o.Items[0], o.Items[1] = o.Items[1], o.Items[0] }, "items[0]"},
		{"the first differing field is named", func(o *trail.Order) {
			o.Items[1].Quantity = 3
			o.Address.City = "宁波市"
			o.Recipient.Name = "王五"
		}, "recipient"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := validOrder()
			b := cloneOrder(a)
			tt.change(b)
			if got := a.Conflict(b); got != tt.want {
				t.Errorf("a.Conflict(b): got %q, want %q", got, tt.want)
			}
			if got := b.Conflict(a); got != tt.want {
				t.Errorf("b.Conflict(a): got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOrderRecipientContact(t *testing.T) {
	t.Parallel()
	o := validOrder()
	if got, want := o.RecipientContact(), *o.Recipient; got != want {
		t.Errorf("RecipientContact with a recipient: got %+v, want %+v", got, want)
	}
	o.Recipient = nil
	if got, want := o.RecipientContact(), o.Customer; got != want {
		t.Errorf("RecipientContact without a recipient: got %+v, want %+v", got, want)
	}
}

func TestFenUnmarshalJSON(t *testing.T) {
	t.Parallel()

	tests := []struct {
		in   string
		want trail.Fen
		ok   bool
	}{
		{"68", 6800, true},
		{"68.5", 6850, true},
		{"68.50", 6850, true},
		{"68.05", 6805, true},
		{"0.1", 10, true},
		{"0.01", 1, true},
		{"0", 0, true},
		{"0.00", 0, true},
		{"92233720368547757.99", 9223372036854775799, true},

		{"1.234", 0, false},
		{"68.000", 0, false},
		{"-1", 0, false},
		{"-0.5", 0, false},
		{"-0", 0, false},
		{"1e3", 0, false},
		{"1E3", 0, false},
		{"6.8e1", 0, false},
		{`"68"`, 0, false},
		{`"68.05"`, 0, false},
		{`""`, 0, false},
		{`"abc"`, 0, false},
		{"true", 0, false},
		{"[68]", 0, false},
		{"{}", 0, false},
		{"", 0, false},
		{"68.", 0, false},
		{".5", 0, false},
		{"068", 0, false},
		{"0x10", 0, false},
		{"92233720368547758", 0, false},
		{"9223372036854775807", 0, false},
		{"99999999999999999999", 0, false},
		{"1" + strings.Repeat("0", 400), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			var got trail.Fen
			err := got.UnmarshalJSON([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("UnmarshalJSON(%s): got error %v, want ok %v", tt.in, err, tt.ok)
			}
			if tt.ok && got != tt.want {
				t.Errorf("UnmarshalJSON(%s): got %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestFenInItem(t *testing.T) {
	t.Parallel()

	tests := []struct {
		body string
		want *trail.Fen
		ok   bool
	}{
		{`{"sku":"S","quantity":1,"unit_price":68.05}`, ptr(trail.Fen(6805)), true},
		{`{"sku":"S","quantity":1,"unit_price": 0.1 }`, ptr(trail.Fen(10)), true},
		{`{"sku":"S","quantity":1}`, nil, true},
		{`{"sku":"S","quantity":1,"unit_price":null}`, nil, true},
		{`{"sku":"S","quantity":1,"unit_price":"68"}`, nil, false},
		{`{"sku":"S","quantity":1,"unit_price":1.234}`, nil, false},
		{`{"sku":"S","quantity":1,"unit_price":-1}`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			var it trail.Item
			err := json.Unmarshal([]byte(tt.body), &it)
			if (err == nil) != tt.ok {
				t.Fatalf("Unmarshal: got error %v, want ok %v", err, tt.ok)
			}
			if !tt.ok {
				return
			}
			if (it.UnitPrice == nil) != (tt.want == nil) || (it.UnitPrice != nil && *it.UnitPrice != *tt.want) {
				t.Errorf("unit_price: got %v, want %v", fmtFen(it.UnitPrice), fmtFen(tt.want))
			}
		})
	}
}

func fmtFen(f *trail.Fen) string {
	if f == nil {
		return "nil"
	}
	return fmt.Sprint(int64(*f))
}

func TestFenMarshalJSON(t *testing.T) {
	t.Parallel()

	tests := []struct {
		in   trail.Fen
		want string
	}{
		{6800, "68.00"},
		{6850, "68.50"},
		{6805, "68.05"},
		{10, "0.10"},
		{1, "0.01"},
		{0, "0.00"},
		{9223372036854775799, "92233720368547757.99"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.in)
			if err != nil || string(b) != tt.want {
				t.Fatalf("Marshal(%d): got %s, %v, want %s", tt.in, b, err, tt.want)
			}
			var back trail.Fen
			if err := json.Unmarshal(b, &back); err != nil || back != tt.in {
				t.Errorf("round trip of %d: got %d, %v, want %d", tt.in, back, err, tt.in)
			}
		})
	}

	t.Run("item round trip", func(t *testing.T) {
		t.Parallel()
		in := trail.Item{SKU: "ROSE", Quantity: 2, UnitPrice: ptr(trail.Fen(6805))}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"sku":"ROSE","quantity":2,"unit_price":68.05}`; string(b) != want {
			t.Errorf("Marshal: got %s, want %s", b, want)
		}
		var out trail.Item
		if err := json.Unmarshal(b, &out); err != nil || out.UnitPrice == nil || *out.UnitPrice != 6805 {
			t.Errorf("Unmarshal: got %v, %v, want 6805", fmtFen(out.UnitPrice), err)
		}
	})
}

func FuzzFenUnmarshal(f *testing.F) {
	for _, s := range []string{
		"68", "68.5", "68.05", "0.1", "0", "92233720368547757.99", " 68 ",
		"1.234", "-1", "1e3", `"68"`, `"\u0036\u0038"`, "92233720368547758", "99999999999999999999",
		"null", "", "68.", ".5", "[1]", "{}", "true",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v trail.Fen
		if err := v.UnmarshalJSON(data); err != nil {
			return
		}
		if v < 0 {
			t.Fatalf("UnmarshalJSON(%q): got %d, want a non-negative amount", data, v)
		}
		text := strings.TrimSpace(string(data))
		if text == "" || text[0] < '0' || text[0] > '9' {
			t.Fatalf("UnmarshalJSON(%q): got %d, want an error for anything but a JSON number", data, v)
		}
		// The amount is exactly the decimal number times 100.
		r, ok := new(big.Rat).SetString(text)
		if !ok {
			t.Fatalf("UnmarshalJSON(%q) accepted what is not a decimal number", data)
		}
		r.Mul(r, big.NewRat(100, 1))
		if !r.IsInt() || r.Num().Cmp(big.NewInt(int64(v))) != 0 {
			t.Fatalf("UnmarshalJSON(%q): got %d fen, want %s", data, v, r.RatString())
		}
		b, err := v.MarshalJSON()
		if err != nil || !json.Valid(b) {
			t.Fatalf("MarshalJSON(%d): got %q, %v, want valid JSON", v, b, err)
		}
		var back trail.Fen
		if err := back.UnmarshalJSON(b); err != nil || back != v {
			t.Fatalf("re-parse of %s: got %d, %v, want %d", b, back, err, v)
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"13912345678", "139 1234 5678", "+86 139-1234-5678", "0086 13912345678", "0571-88888888",
		"(0571) 8888-8888", "12345", "", "+86", "0086", "+860086139", "008613912345678", "+8613912345678",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := trail.NormalizePhone(s)
		if !ok {
			return
		}
		if strings.Trim(p, "0123456789") != "" || len(p) < 10 || len(p) > 12 {
			t.Fatalf("NormalizePhone(%q): got %q, want 10–12 digits", s, p)
		}
		again, ok := trail.NormalizePhone(p)
		if again != p || !ok {
			t.Fatalf("NormalizePhone(%q) = %q, then NormalizePhone(%q): got %q, %v, want %q, true", s, p, p, again, ok, p)
		}
		o := validOrder()
		o.Customer.Phone = s
		o.Normalize()
		if o.Customer.Phone != p {
			t.Fatalf("Normalize with phone %q: got %q, want %q", s, o.Customer.Phone, p)
		}
		if err := o.Validate(); err != nil {
			t.Fatalf("Validate with phone %q (%q): got %v, want nil", s, p, err)
		}
		if m := trail.MaskPhone(p); len(m) != 11 || m[3:7] != "****" || trail.Last4(m) != trail.Last4(p) {
			t.Fatalf("MaskPhone(%q): got %q, want 3 digits, ****, the last 4", p, m)
		}
	})
}
