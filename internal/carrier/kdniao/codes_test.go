package kdniao

import (
	"regexp"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// wantStatus is the mapping the status table must give, written out
// independently of it: code → status/sub-status.
var wantStatus = map[string]string{
	"0": "created/", "10": "created/awaiting_pickup", "1": "picked_up/",
	"2": "in_transit/", "201": "in_transit/destination_city", "204": "in_transit/", "205": "in_transit/", "206": "in_transit/",
	"202": "out_for_delivery/", "211": "at_pickup_point/",
	"3": "delivered/", "301": "delivered/", "302": "delivered/signed_after_exception",
	"304": "delivered/signed_by_proxy", "311": "delivered/collected_from_locker",
	"4": "exception/", "401": "exception/no_info_after_dispatch", "402": "exception/unsigned_overdue",
	"403": "exception/stalled", "404": "refused/", "405": "exception/delivery_failed",
	"406": "returned/", "407": "returning/", "412": "at_pickup_point/locker_overdue",
	"413": "exception/intercepted", "414": "exception/damaged", "415": "exception/cancelled",
	"416": "exception/unreachable", "417": "exception/delayed", "418": "exception/removed_from_pickup_point",
	"419": "out_for_delivery/redelivery", "420": "exception/address_issue", "421": "exception/phone_issue",
	"422": "exception/mis_sorted", "423": "exception/out_of_area",
	"5": "in_transit/forwarded", "6": "in_transit/customs",
	"601": "in_transit/customs", "602": "in_transit/customs", "603": "in_transit/customs", "604": "exception/customs",
}

var snakeCase = regexp.MustCompile(`^([a-z]+(_[a-z]+)*)?$`)

func TestStatusTable(t *testing.T) {
	t.Parallel()
	if len(statusRows) != len(wantStatus) || len(statusByCode) != len(statusRows) {
		t.Fatalf("rows: %d in the table (%d distinct), %d expected", len(statusRows), len(statusByCode), len(wantStatus))
	}
	for _, r := range statusRows {
		t.Run(r.code, func(t *testing.T) {
			t.Parallel()
			if !r.status.Valid() || !snakeCase.MatchString(r.sub) || r.note == "" {
				t.Errorf("bad row %+v", r)
			}
			// Through the parser, as a trace's Action.
			trace := `{"AcceptTime":"2024-05-01 08:00:00","AcceptStation":"x","Action":"` + r.code + `"}`
			updates, err := testClient().ParsePush(testAccount(""), "", signedPush("102", pushOf("2", "", trace)))
			if err != nil {
				t.Fatal(err)
			}
			e := updates[0].Events[0]
			if got := status(e); got != wantStatus[r.code] || e.RawCode != r.code {
				t.Errorf("got %s (raw %s), want %s", got, e.RawCode, wantStatus[r.code])
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		t.Parallel()
		trace := `{"AcceptTime":"2024-05-01 08:00:00","AcceptStation":"x","Action":"299"}`
		updates, err := testClient().ParsePush(testAccount(""), "", signedPush("102", pushOf("2", "", trace)))
		if err != nil {
			t.Fatal(err)
		}
		if e := updates[0].Events[0]; e.Status != trail.StatusUnknown || e.SubStatus != "" || e.RawCode != "299" {
			t.Errorf("got %+v, want unknown status with raw code 299", e)
		}
	})
}

func TestCarrierTable(t *testing.T) {
	t.Parallel()
	if len(shipperByCarrier) != len(carrierRows) || len(carrierByShipper) != len(carrierRows) {
		t.Fatal("the carrier table repeats a code")
	}
	for _, r := range carrierRows {
		t.Run(r.carrier, func(t *testing.T) {
			t.Parallel()
			if _, ok := trail.LookupCarrier(r.carrier); !ok {
				t.Errorf("trail does not know carrier %q", r.carrier)
			}
			if got, ok := ShipperCode(r.carrier); !ok || got != r.shipper {
				t.Errorf("ShipperCode(%q): got %q %v, want %q", r.carrier, got, ok, r.shipper)
			}
			if got, ok := CanonicalCarrier(r.shipper); !ok || got != r.carrier {
				t.Errorf("CanonicalCarrier(%q): got %q %v, want %q", r.shipper, got, ok, r.carrier)
			}
		})
	}
	// The reference's Kdniao ↔ Kuaidi100 table (§2.6).
	for shipper, carrier := range map[string]string{
		"SF": "shunfeng", "ZTO": "zhongtong", "YTO": "yuantong", "STO": "shentong", "YD": "yunda",
		"JD": "jd", "EMS": "ems", "YZPY": "youzhengguonei", "JTSD": "jtexpress", "HTKY": "huitongkuaidi",
		"DBL": "debangkuaidi", "JDKY": "jingdongkuaiyun", " sf ": "shunfeng",
	} {
		if got, _ := CanonicalCarrier(shipper); got != carrier {
			t.Errorf("CanonicalCarrier(%q): got %q, want %q", shipper, got, carrier)
		}
	}
	if got, _ := ShipperCode(" ShunFeng "); got != "SF" {
		t.Errorf("ShipperCode is not case-insensitive: got %q", got)
	}
	for _, code := range []string{"", "UC", "XYZ"} {
		if got, ok := CanonicalCarrier(code); ok {
			t.Errorf("CanonicalCarrier(%q): got %q", code, got)
		}
	}
	if got, ok := ShipperCode("nosuch"); ok {
		t.Errorf("ShipperCode(nosuch): got %q", got)
	}
}
