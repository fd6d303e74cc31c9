package trail_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// allocOrder has two lines of the same SKU and a stock item.
func allocOrder() *trail.Order {
	return &trail.Order{
		OrderNo: "WED-7",
		Items: []trail.Item{
			{ID: 1, SKU: "ROSE", Quantity: 6},
			{ID: 2, SKU: "ROSE", Quantity: 4},
			{ID: 3, SKU: "BOX", Quantity: 1},
		},
	}
}

func TestAllocateItems(t *testing.T) {
	t.Parallel()

	type si = trail.ShipmentItem
	tests := []struct {
		name    string
		shipped map[int64]int
		want    []si
		out     []si
		field   string
		message string // a part the error message must hold
	}{
		{
			name: "fits the first line",
			want: []si{{SKU: "ROSE", Quantity: 5}},
			out:  []si{{ItemID: 1, SKU: "ROSE", Quantity: 5}},
		},
		{
			name: "first line first, then the second",
			want: []si{{SKU: "ROSE", Quantity: 8}},
			out:  []si{{ItemID: 1, SKU: "ROSE", Quantity: 6}, {ItemID: 2, SKU: "ROSE", Quantity: 2}},
		},
		{
			name: "everything at once",
			want: []si{{SKU: "BOX", Quantity: 1}, {SKU: "ROSE", Quantity: 10}},
			out:  []si{{ItemID: 3, SKU: "BOX", Quantity: 1}, {ItemID: 1, SKU: "ROSE", Quantity: 6}, {ItemID: 2, SKU: "ROSE", Quantity: 4}},
		},
		{
			name:    "what other parcels hold is not free",
			shipped: map[int64]int{1: 5},
			want:    []si{{SKU: "ROSE", Quantity: 3}},
			out:     []si{{ItemID: 1, SKU: "ROSE", Quantity: 1}, {ItemID: 2, SKU: "ROSE", Quantity: 2}},
		},
		{
			name:    "first line fully shipped: straight to the second",
			shipped: map[int64]int{1: 6},
			want:    []si{{SKU: "ROSE", Quantity: 4}},
			out:     []si{{ItemID: 2, SKU: "ROSE", Quantity: 4}},
		},
		{
			name: "two parcel lines of the same SKU share what is left",
			want: []si{{SKU: "ROSE", Quantity: 5}, {SKU: "ROSE", Quantity: 5}},
			out:  []si{{ItemID: 1, SKU: "ROSE", Quantity: 5}, {ItemID: 1, SKU: "ROSE", Quantity: 1}, {ItemID: 2, SKU: "ROSE", Quantity: 4}},
		},
		{
			name:    "more than ordered",
			want:    []si{{SKU: "ROSE", Quantity: 11}},
			field:   "items[0].quantity",
			message: "only 10 of ROSE remain unshipped in order WED-7, not 11",
		},
		{
			name:    "more than remains after other parcels",
			shipped: map[int64]int{1: 6, 2: 2},
			want:    []si{{SKU: "BOX", Quantity: 1}, {SKU: "ROSE", Quantity: 3}},
			field:   "items[1].quantity",
			message: "only 2 of ROSE remain unshipped",
		},
		{
			name:    "everything already shipped",
			shipped: map[int64]int{3: 1},
			want:    []si{{SKU: "BOX", Quantity: 1}},
			field:   "items[0].quantity",
			message: "only 0 of BOX remain unshipped",
		},
		{
			name:    "the second parcel line of a SKU sees what the first took",
			want:    []si{{SKU: "ROSE", Quantity: 5}, {SKU: "ROSE", Quantity: 6}},
			field:   "items[1].quantity",
			message: "only 5 of ROSE remain unshipped in order WED-7, not 6",
		},
		{
			name:    "SKU not in the order",
			want:    []si{{SKU: "BOX", Quantity: 1}, {SKU: "ROSE", Quantity: 1}, {SKU: "GIN", Quantity: 1}},
			field:   "items[2].sku",
			message: "order WED-7 has no item GIN",
		},
		{
			name:    "SKUs are case-sensitive",
			want:    []si{{SKU: "rose", Quantity: 1}},
			field:   "items[0].sku",
			message: "no item rose",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			shipped := map[int64]int{}
			for k, v := range tt.shipped {
				shipped[k] = v
			}
			out, err := trail.AllocateItems(allocOrder(), shipped, tt.want)
			checkInvalid(t, err, tt.field)
			if err != nil {
				if msg := trail.ErrorMessage(err); !strings.Contains(msg, tt.message) {
					t.Errorf("message: got %q, want it to contain %q", msg, tt.message)
				}
				if out != nil {
					t.Errorf("items with an error: got %v, want nil", out)
				}
				return
			}
			if !slices.Equal(out, tt.out) {
				t.Errorf("AllocateItems: got %+v, want %+v", out, tt.out)
			}
			if !maps.Equal(shipped, tt.shipped) {
				t.Errorf("shipped changed: got %v, want %v", shipped, tt.shipped)
			}
		})
	}
}

func TestShipmentNormalizeValidate(t *testing.T) {
	t.Parallel()

	valid := func() *trail.Shipment {
		return &trail.Shipment{
			Carrier:    "shunfeng",
			TrackingNo: "SF1234567890",
			Items:      []trail.ShipmentItem{{SKU: "ROSE", Quantity: 6}, {SKU: "BOX", Quantity: 1}},
		}
	}
	tests := []struct {
		name   string
		change func(s *trail.Shipment)
		field  string
	}{
		{"valid", func(s *trail.Shipment) {}, ""},
		{"carrier upper-case with spaces", func(s *trail.Shipment) { s.Carrier = " ShunFeng " }, ""},
		{"other known carriers", func(s *trail.Shipment) { s.Carrier = "jtexpress" }, ""},
		{"carrier missing", func(s *trail.Shipment) { s.Carrier = "" }, "carrier"},
		{"carrier blank", func(s *trail.Shipment) { s.Carrier = "  " }, "carrier"},
		{"carrier unknown", func(s *trail.Shipment) { s.Carrier = "ups" }, "carrier"},
		{"carrier by Chinese name", func(s *trail.Shipment) { s.Carrier = "顺丰速运" }, ""},
		{"carrier by short Chinese name", func(s *trail.Shipment) { s.Carrier = "顺丰" }, ""},
		{"carrier by abbreviation", func(s *trail.Shipment) { s.Carrier = "SF" }, ""},
		{"carrier unknown Chinese name", func(s *trail.Shipment) { s.Carrier = "火星快递" }, "carrier"},
		{"tracking number lower-case", func(s *trail.Shipment) { s.TrackingNo = " sf1234567890 " }, ""},
		{"tracking number with dashes", func(s *trail.Shipment) { s.TrackingNo = "JD-0012-3456" }, ""},
		{"tracking number of 6", func(s *trail.Shipment) { s.TrackingNo = "123456" }, ""},
		{"tracking number of 5", func(s *trail.Shipment) { s.TrackingNo = "12345" }, "tracking_no"},
		{"tracking number of 40", func(s *trail.Shipment) { s.TrackingNo = strings.Repeat("7", 40) }, ""},
		{"tracking number of 41", func(s *trail.Shipment) { s.TrackingNo = strings.Repeat("7", 41) }, "tracking_no"},
		{"tracking number with spaces", func(s *trail.Shipment) { s.TrackingNo = "SF 1234 5678 90" }, ""},
		{"tracking number starting with a dash", func(s *trail.Shipment) { s.TrackingNo = "-SF123456" }, ""},
		{"tracking number of 5 and dashes", func(s *trail.Shipment) { s.TrackingNo = "12-34-5" }, "tracking_no"},
		{"tracking number with a slash", func(s *trail.Shipment) { s.TrackingNo = "SF1234/567890" }, "tracking_no"},
		{"tracking number missing", func(s *trail.Shipment) { s.TrackingNo = "" }, "tracking_no"},
		{"no items", func(s *trail.Shipment) { s.Items = nil }, "items"},
		{"too many item lines", func(s *trail.Shipment) {
			s.Items = slices.Repeat([]trail.ShipmentItem{{SKU: "ROSE", Quantity: 1}}, trail.MaxOrderItems+1)
		}, "items"},
		{"item sku blank", func(s *trail.Shipment) { s.Items[1].SKU = "  " }, "items[1].sku"},
		{"item quantity 0", func(s *trail.Shipment) { s.Items[1].Quantity = 0 }, "items[1].quantity"},
		{"item quantity negative", func(s *trail.Shipment) { s.Items[0].Quantity = -2 }, "items[0].quantity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := valid()
			tt.change(s)
			s.Normalize()
			checkInvalid(t, s.Validate(), tt.field)
		})
	}

	t.Run("normalize", func(t *testing.T) {
		t.Parallel()
		s := &trail.Shipment{Carrier: " YunDa ", TrackingNo: "\tjt0012ab-c \n", Items: []trail.ShipmentItem{{SKU: " ROSE ", Quantity: 1}}}
		s.Normalize()
		if s.Carrier != "yunda" || s.TrackingNo != "JT0012ABC" || s.Items[0].SKU != "ROSE" {
			t.Errorf("Normalize: got %q %q %q, want %q %q %q", s.Carrier, s.TrackingNo, s.Items[0].SKU, "yunda", "JT0012ABC", "ROSE")
		}
	})
}

func TestNormalizeTrackingNo(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"sf1234567890":        "SF1234567890",
		" SF1234567890 ":      "SF1234567890",
		"jd-001a":             "JD001A",
		"SF 1040 2450 6066 9": "SF1040245060669",
		"7700-1234-5678":      "770012345678",
		"ｓｆ１０４０２４５０６０６６９":             "SF1040245060669",
		"SF\u30001040\u3000245060669": "SF1040245060669",
		"YT－1234－5678":                "YT12345678",
		"YT–1234—5678":                "YT12345678",
		"":                            "",
	} {
		if got := trail.NormalizeTrackingNo(in); got != want {
			t.Errorf("NormalizeTrackingNo(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestLookupCarrier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		name string
		ok   bool
	}{
		{"shunfeng", "顺丰速运", true},
		{"zhongtong", "中通快递", true},
		{"jd", "京东物流", true},
		{"ems", "EMS", true},
		{"youzhengguonei", "邮政快递包裹", true},
		{"jtexpress", "极兔速递", true},
		{"SHUNFENG", "", false},
		{"sf", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		c, ok := trail.LookupCarrier(tt.code)
		if ok != tt.ok || c.Name != tt.name || (ok && c.Code != tt.code) {
			t.Errorf("LookupCarrier(%q): got %+v, %v, want %q, %v", tt.code, c, ok, tt.name, tt.ok)
		}
	}
}

func TestNormalizeCarrier(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"shunfeng": "shunfeng", " ShunFeng ": "shunfeng", "SF": "shunfeng", "sf": "shunfeng", "ＳＦ": "shunfeng",
		"顺丰": "shunfeng", "顺丰速运": "shunfeng", "SF Express": "shunfeng",
		"YTO": "yuantong", "yto": "yuantong", "圆通": "yuantong", "圆通速递": "yuantong",
		"ZTO": "zhongtong", "中通": "zhongtong", "STO": "shentong", "申通": "shentong",
		"YD": "yunda", "韵达": "yunda", "JD": "jd", "京东": "jd", "京东物流": "jd",
		"EMS": "ems", "ems": "ems", "邮政": "youzhengguonei", "中国邮政": "youzhengguonei", "YZPY": "youzhengguonei",
		"JT": "jtexpress", "J&T": "jtexpress", "极兔": "jtexpress", "极兔速递": "jtexpress", "JTSD": "jtexpress",
		"德邦": "debangkuaidi", "百世": "huitongkuaidi", "宅急送": "zhaijisong",
		"ups": "ups", " Martian Post ": "martianpost", "": "",
	} {
		if got := trail.NormalizeCarrier(in); got != want {
			t.Errorf("NormalizeCarrier(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestUnknownCarrierListsCodes(t *testing.T) {
	t.Parallel()
	s := &trail.Shipment{Carrier: "ups", TrackingNo: "1Z999AA10123456784", Items: []trail.ShipmentItem{{SKU: "ROSE", Quantity: 1}}}
	s.Normalize()
	var e *trail.Error
	if !errors.As(s.Validate(), &e) || e.Field != "carrier" {
		t.Fatalf("Validate: got %v, want an invalid carrier", s.Validate())
	}
	list, ok := e.Details.([]trail.Carrier)
	if !ok || len(list) != len(trail.Carriers()) {
		t.Fatalf("details: got %#v, want every carrier", e.Details)
	}
	for _, code := range []string{"shunfeng", "yuantong", "zhongtong", "jtexpress"} {
		if !slices.ContainsFunc(list, func(c trail.Carrier) bool { return c.Code == code }) {
			t.Errorf("details lack %s", code)
		}
	}
	if !strings.Contains(e.Message, `"ups"`) || !strings.Contains(e.Message, "SF") {
		t.Errorf("message: got %q, want the input named and aliases mentioned", e.Message)
	}
}
