package httpapi_test

import (
	"context"
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
