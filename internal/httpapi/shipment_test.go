package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/httpapi"
	"github.com/bottletrail/bottletrail/internal/trail"
	"github.com/prometheus/client_golang/prometheus"
)

const shipmentBody = `{"carrier":" YuanTong ","tracking_no":"yt1234567890123","items":[{"sku":"RICE-500","quantity":6}]}`

// shipmentJSON is how the API shows the parcel of orderGraphFixture.
const shipmentJSON = `{
  "carrier": "yuantong", "carrier_name": "圆通速递", "tracking_no": "YT1234567890123",
  "status": "in_transit", "status_name": "运输中", "leg": 0,
  "items": [{"sku": "RICE-500", "quantity": 6}],
  "created_at": "2026-11-29T16:00:00+08:00",
  "last_event_at": "2026-11-30T08:10:00+08:00",
  "events": [
    {"time": "2026-11-30T08:10:00+08:00", "status": "in_transit", "description": "快件已到达【杭州转运中心】",
     "location": "杭州市", "raw_code": "0", "source": "push"},
    {"time": "2026-11-29T17:00:00+08:00", "status": "picked_up", "description": "已揽收", "source": "push"}
  ]
}`

func TestShipmentCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		created    bool
		wantStatus int
	}{
		{"new parcel", true, http.StatusCreated},
		{"replay of the same parcel", false, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.shipments.CreateShipmentFunc = func(_ context.Context, brandID int64, orderNo string, s *trail.Shipment) (bool, error) {
				if brandID != brandA || orderNo != "WX20261125001" {
					t.Errorf("CreateShipment: got brand %d order %q, want %d %q", brandID, orderNo, brandA, "WX20261125001")
				}
				if s.Carrier != "yuantong" || s.TrackingNo != "YT1234567890123" {
					t.Errorf("CreateShipment parcel: got %q %q, want normalised yuantong YT1234567890123", s.Carrier, s.TrackingNo)
				}
				return tt.created, nil
			}
			b.orders.OrderGraphFunc = func(_ context.Context, brandID int64, _ string) (*trail.OrderGraph, error) {
				return orderGraphFixture(), nil
			}
			rec := b.do(t, "POST", "/api/v1/orders/WX20261125001/shipments", keyA, shipmentBody)
			mustStatus(t, rec, tt.wantStatus)
			mustJSONEqual(t, rec.Body.Bytes(), shipmentJSON)
		})
	}
}

func TestShipmentCreateMissingFromGraph(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.shipments.CreateShipmentFunc = func(context.Context, int64, string, *trail.Shipment) (bool, error) { return true, nil }
	b.orders.OrderGraphFunc = func(context.Context, int64, string) (*trail.OrderGraph, error) {
		g := orderGraphFixture()
		g.Shipments = nil
		return g, nil
	}
	rec := b.do(t, "POST", "/api/v1/orders/WX20261125001/shipments", keyA, shipmentBody)
	mustStatus(t, rec, http.StatusInternalServerError)
}

func TestShipmentEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var got []trail.CarrierEvent
	b.shipments.IngestFunc = func(_ context.Context, brandID int64, carrier, trackingNo string, events []trail.CarrierEvent) (*trail.IngestResult, error) {
		if brandID != brandA || carrier != "yuantong" || trackingNo != "YT1234567890123" {
			t.Errorf("Ingest: got brand %d parcel %q %q, want %d yuantong YT1234567890123", brandID, carrier, trackingNo, brandA)
		}
		got = events
		s := orderGraphFixture().Shipments[0]
		s.Events = nil
		return &trail.IngestResult{Shipment: s, New: 1, Duplicates: 1, UnknownCodes: []string{"X9"}, Previous: trail.StatusPickedUp}, nil
	}
	rec := b.do(t, "POST", "/api/v1/shipments/YuanTong/yt1234567890123/events", keyA, `{"events":[
		{"time":"2026-11-30T08:10:00+08:00","status":"in_transit","description":" 快件已到达【杭州转运中心】 ","location":"杭州市","raw_code":"0"},
		{"time":"2026-11-30T09:00:00+08:00","description":"神秘代码","raw_code":"X9","source":"poll"}]}`)
	mustStatus(t, rec, http.StatusOK)
	mustJSONEqual(t, rec.Body.Bytes(), `{"new":1,"duplicates":1,"shipment":{
		"carrier":"yuantong","carrier_name":"圆通速递","tracking_no":"YT1234567890123",
		"status":"in_transit","status_name":"运输中","leg":0,"items":[{"sku":"RICE-500","quantity":6}],
		"created_at":"2026-11-29T16:00:00+08:00","last_event_at":"2026-11-30T08:10:00+08:00"}}`)

	want := []trail.CarrierEvent{
		{Time: utc("2026-11-30T00:10:00Z"), Status: trail.StatusInTransit, Description: "快件已到达【杭州转运中心】", Location: "杭州市", RawCode: "0", Source: trail.SourceManual},
		{Time: utc("2026-11-30T01:00:00Z"), Description: "神秘代码", RawCode: "X9", Source: trail.SourcePoll},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Ingest events:\ngot  %+v\nwant %+v", got, want)
	}

	metrics := b.do(t, "GET", "/metrics", "", "").Body.String()
	for _, line := range []string{
		`bottletrail_tracking_events_total{result="new"} 1`,
		`bottletrail_tracking_events_total{result="duplicate"} 1`,
		`bottletrail_unknown_carrier_codes_total{carrier="yuantong",code="X9"} 1`,
	} {
		if !strings.Contains(metrics, line) {
			t.Errorf("metrics lack %s", line)
		}
	}
}

func TestIngestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := httpapi.NewIngestMetrics(reg)
	again := httpapi.NewIngestMetrics(reg) // a second user of the registry shares the counters

	codes := make([]string, 1005)
	for i := range codes {
		codes[i] = "C" + strconv.Itoa(i)
	}
	m.Record("shunfeng", &trail.IngestResult{New: 3, Duplicates: 2, UnknownCodes: codes})
	again.Record("shunfeng", &trail.IngestResult{New: 1, UnknownCodes: []string{"C0", "bad\xffcode"}})

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]float64{}
	series := 0
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			values[mf.GetName()+"{"+strings.Join(labels, ",")+"}"] = m.GetCounter().GetValue()
			if mf.GetName() == "bottletrail_unknown_carrier_codes_total" {
				series++
			}
		}
	}
	tests := []struct {
		key  string
		want float64
	}{
		{"bottletrail_tracking_events_total{result=new}", 4},
		{"bottletrail_tracking_events_total{result=duplicate}", 2},
		{"bottletrail_unknown_carrier_codes_total{carrier=shunfeng,code=C0}", 2},
		{"bottletrail_unknown_carrier_codes_total{carrier=shunfeng,code=C999}", 1},
		{"bottletrail_unknown_carrier_codes_total{carrier=shunfeng,code=other}", 5},
		{"bottletrail_unknown_carrier_codes_total{carrier=shunfeng,code=bad\uFFFDcode}", 1},
	}
	for _, tt := range tests {
		if got := values[tt.key]; got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.key, got, tt.want)
		}
	}
	// 1000 codes of the first instance, the invalid one of the second
	// (each instance bounds its own new series), and "other".
	if want := 1002; series != want {
		t.Errorf("unknown code series: got %d, want %d", series, want)
	}
}

// TestShipmentCreateDetectsCarrier: a parcel without a carrier gets the one
// its number's format points to; a carrier and a tracking number typed the
// way a person types them are stored under the canonical code and number.
func TestShipmentCreateDetectsCarrier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		body        string
		wantCarrier string
		wantNo      string
	}{
		{"carrier omitted", `{"tracking_no":"sf1040245060669","items":[{"sku":"RICE-500","quantity":6}]}`, "shunfeng", "SF1040245060669"},
		{"carrier empty", `{"carrier":"  ","tracking_no":"SF1040245060669","items":[{"sku":"RICE-500","quantity":6}]}`, "shunfeng", "SF1040245060669"},
		{"YTO prefix", `{"tracking_no":"YT1234567890123","items":[{"sku":"RICE-500","quantity":6}]}`, "yuantong", "YT1234567890123"},
		{"顺丰, number in groups", `{"carrier":"顺丰","tracking_no":"sf 1040 2450 6066 9","items":[{"sku":"RICE-500","quantity":6}]}`, "shunfeng", "SF1040245060669"},
		{"SF", `{"carrier":"SF","tracking_no":"SF1040245060669","items":[{"sku":"RICE-500","quantity":6}]}`, "shunfeng", "SF1040245060669"},
		{"圆通, number with dashes", `{"carrier":"圆通","tracking_no":"YT-1234-5678-90123","items":[{"sku":"RICE-500","quantity":6}]}`, "yuantong", "YT1234567890123"},
		{"yto in lower case", `{"carrier":"yto","tracking_no":"yt1234567890123","items":[{"sku":"RICE-500","quantity":6}]}`, "yuantong", "YT1234567890123"},
		{"京东物流, full-width number", `{"carrier":"京东物流","tracking_no":"ＪＤ００７６８１００６０５５５","items":[{"sku":"RICE-500","quantity":6}]}`, "jd", "JD0076810060555"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			var got *trail.Shipment
			b.shipments.CreateShipmentFunc = func(_ context.Context, _ int64, _ string, s *trail.Shipment) (bool, error) {
				got = s
				return true, nil
			}
			b.orders.OrderGraphFunc = func(context.Context, int64, string) (*trail.OrderGraph, error) {
				g := orderGraphFixture()
				g.Shipments[0].Carrier, g.Shipments[0].TrackingNo = tt.wantCarrier, tt.wantNo
				return g, nil
			}
			rec := b.do(t, "POST", "/api/v1/orders/WX20261125001/shipments", keyA, tt.body)
			mustStatus(t, rec, http.StatusCreated)
			if got == nil {
				t.Fatal("CreateShipment not called")
			}
			if got.Carrier != tt.wantCarrier || got.TrackingNo != tt.wantNo {
				t.Errorf("CreateShipment parcel: got %q %q, want %q %q", got.Carrier, got.TrackingNo, tt.wantCarrier, tt.wantNo)
			}
			if !strings.Contains(rec.Body.String(), `"carrier":"`+tt.wantCarrier+`"`) {
				t.Errorf("answer lacks the detected carrier: %s", rec.Body)
			}
		})
	}
}

// TestShipmentCreateCarrierErrors: a number whose carrier cannot be told is
// refused with the candidates, never guessed; a carrier not qualified for an
// alcohol SKU is refused by the store and named.
func TestShipmentCreateCarrierErrors(t *testing.T) {
	t.Parallel()
	candidatesJSON := func(no string) string {
		b, err := json.Marshal(trail.DetectCarrier(no))
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	tests := []struct {
		name         string
		body         string
		storeErr     error  // what CreateShipment returns; nil means it must not be called
		wantField    string // of the 422
		wantMessage  string // a part of the message
		wantDetails  string // JSON; "" means absent
		wantCarriers []string
	}{
		{
			name:         "ambiguous 15 digits",
			body:         `{"tracking_no":"773012345678901","items":[{"sku":"RICE-500","quantity":6}]}`,
			wantField:    "carrier",
			wantMessage:  "give carrier",
			wantDetails:  candidatesJSON("773012345678901"),
			wantCarriers: []string{"shentong", "yunda", "zhongtong", "youzhengguonei", "huitongkuaidi"},
		},
		{
			name:         "ambiguous 12 digits",
			body:         `{"tracking_no":"123456789012","items":[{"sku":"RICE-500","quantity":6}]}`,
			wantField:    "carrier",
			wantMessage:  "give carrier",
			wantDetails:  candidatesJSON("123456789012"),
			wantCarriers: []string{"shunfeng", "zhongtong", "shentong", "yunda", "youzhengguonei", "huitongkuaidi"},
		},
		{
			name:        "no known format",
			body:        `{"tracking_no":"HELLO-WORLD","items":[{"sku":"RICE-500","quantity":6}]}`,
			wantField:   "carrier",
			wantMessage: "matches no known carrier",
			wantDetails: `[]`,
		},
		{
			name:        "alcohol with a carrier not declared qualified",
			body:        `{"carrier":"yunda","tracking_no":"4312345678901","items":[{"sku":"PLUM-330","quantity":12}]}`,
			storeErr:    trail.CheckAlcohol("yunda", nil, testNow),
			wantField:   "carrier",
			wantMessage: "carrier yunda is not declared qualified for alcohol",
		},
		{
			name:        "alcohol with an expired qualification",
			body:        `{"carrier":"shunfeng","tracking_no":"SF1040245060669","items":[{"sku":"PLUM-330","quantity":12}]}`,
			storeErr:    trail.CheckAlcohol("shunfeng", &trail.Compliance{Carrier: "shunfeng", Alcohol: true, QualificationExpires: ptr(trail.Date("2026-11-30"))}, testNow),
			wantField:   "carrier",
			wantMessage: "the alcohol qualification of shunfeng expired on 2026-11-30",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.shipments.CreateShipmentFunc = func(context.Context, int64, string, *trail.Shipment) (bool, error) {
				if tt.storeErr == nil {
					t.Error("CreateShipment called for a parcel without a certain carrier")
				}
				return false, tt.storeErr
			}
			rec := b.do(t, "POST", "/api/v1/orders/WX20261125001/shipments", keyA, tt.body)
			mustStatus(t, rec, http.StatusUnprocessableEntity)
			e := mustError(t, rec)
			if e.Code != trail.EINVALID || e.Field != tt.wantField {
				t.Errorf("error: got %q field %q, want %q field %q", e.Code, e.Field, trail.EINVALID, tt.wantField)
			}
			if !strings.Contains(e.Message, tt.wantMessage) {
				t.Errorf("message: got %q, want it to contain %q", e.Message, tt.wantMessage)
			}

			var body struct {
				Error struct {
					Details json.RawMessage `json:"details"`
				} `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if tt.wantDetails == "" {
				if body.Error.Details != nil {
					t.Errorf("details: got %s, want none", body.Error.Details)
				}
				return
			}
			mustJSONEqual(t, body.Error.Details, tt.wantDetails)
			var cands []map[string]any
			if err := json.Unmarshal(body.Error.Details, &cands); err != nil {
				t.Fatalf("details are not a list of candidates: %s", body.Error.Details)
			}
			var carriers []string
			for _, c := range cands {
				carrier, _ := c["carrier"].(string)
				if _, ok := c["confidence"].(float64); !ok || len(c) != 2 {
					t.Errorf("candidate %v: want exactly carrier and confidence", c)
				}
				carriers = append(carriers, carrier)
			}
			if len(tt.wantCarriers) > 0 && len(carriers) < 2 {
				t.Errorf("details: got %v, want several candidates", carriers)
			}
			for _, c := range tt.wantCarriers {
				if !slices.Contains(carriers, c) {
					t.Errorf("details %v lack %s", carriers, c)
				}
			}
		})
	}
}

// TestShipmentUnknownCarrier: an unknown carrier is refused with every valid
// code listed.
func TestShipmentUnknownCarrier(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rec := b.do(t, "POST", "/api/v1/orders/WX20261125001/shipments", keyA,
		`{"carrier":"martian-post","tracking_no":"SF1040245060669","items":[{"sku":"RICE-500","quantity":6}]}`)
	mustStatus(t, rec, http.StatusUnprocessableEntity)
	var body struct {
		Error struct {
			Field   string `json:"field"`
			Message string `json:"message"`
			Details []struct {
				Carrier string `json:"carrier"`
				Name    string `json:"name"`
			} `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body.Error.Field != "carrier" || !strings.Contains(body.Error.Message, `"martian-post"`) {
		t.Errorf("error: got field %q message %q, want carrier naming the input", body.Error.Field, body.Error.Message)
	}
	var codes []string
	for _, d := range body.Error.Details {
		codes = append(codes, d.Carrier)
		if d.Name == "" {
			t.Errorf("details: %s has no name", d.Carrier)
		}
	}
	for _, want := range []string{"shunfeng", "yuantong", "zhongtong", "shentong", "yunda", "jd", "ems", "jtexpress"} {
		if !slices.Contains(codes, want) {
			t.Errorf("details %v lack %s", codes, want)
		}
	}
}

// TestCarrierPathAliases puts compliance and hand-entered events under a
// carrier named as people name it; both reach the canonical code.
func TestCarrierPathAliases(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var put string
	b.carriers.PutComplianceFunc = func(_ context.Context, _ int64, c *trail.Compliance) (bool, error) {
		put = c.Carrier
		return true, nil
	}
	rec := b.do(t, "PUT", "/api/v1/carriers/YTO", keyA, `{"alcohol":true}`)
	mustStatus(t, rec, http.StatusCreated)
	if put != "yuantong" {
		t.Errorf("PUT /carriers/YTO: stored %q, want yuantong", put)
	}
	rec = b.do(t, "PUT", "/api/v1/carriers/%E5%9C%86%E9%80%9A", keyA, `{"alcohol":true,"carrier":"yuantong"}`) // 圆通
	mustStatus(t, rec, http.StatusCreated)
	rec = b.do(t, "PUT", "/api/v1/carriers/ups", keyA, `{"alcohol":true}`)
	mustStatus(t, rec, http.StatusUnprocessableEntity)
	if !strings.Contains(rec.Body.String(), `"carrier":"shunfeng"`) {
		t.Errorf("unknown carrier: the answer lists no valid codes: %s", rec.Body.String())
	}

	var ingested [2]string
	b.shipments.IngestFunc = func(_ context.Context, _ int64, carrier, trackingNo string, _ []trail.CarrierEvent) (*trail.IngestResult, error) {
		ingested = [2]string{carrier, trackingNo}
		return nil, trail.Errorf(trail.ENOTFOUND, "no such parcel")
	}
	b.do(t, "POST", "/api/v1/shipments/SF/sf%201040-2450-6066-9/events", keyA,
		`{"events":[{"time":"2026-11-29T10:00:00+08:00","status":"in_transit","description":"运输中"}]}`)
	if ingested != [2]string{"shunfeng", "SF1040245060669"} {
		t.Errorf("events: ingested under %v, want shunfeng SF1040245060669", ingested)
	}
}
