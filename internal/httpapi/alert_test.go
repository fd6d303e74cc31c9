package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func alertFixture(id int64, status trail.AlertStatus) *trail.Alert {
	a := &trail.Alert{ID: id, Type: trail.AlertStalled, TypeName: "物流停滞", Severity: trail.SeverityWarning, Status: status,
		OrderNo: "WX20261125001", Carrier: "zhongtong", TrackingNo: "ZT1000000001",
		Explanation: "包裹 中通快递 ZT1000000001 自 11月28日 13:00 起已超过 48 小时没有新的物流扫描。", OpenedAt: utc("2026-11-30T05:00:00Z")}
	if status == trail.AlertResolved {
		at := utc("2026-11-30T06:00:00Z")
		a.ResolvedAt, a.ResolvedBy, a.Note = &at, "客服 小王", "已联系中通"
	}
	return a
}

func TestAlertList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var got []trail.AlertFilter
	b.alerts.AlertsFunc = func(_ context.Context, brandID int64, f trail.AlertFilter) ([]*trail.Alert, error) {
		if brandID != brandA {
			t.Errorf("brand: got %d, want %d", brandID, brandA)
		}
		got = append(got, f)
		if f.Status != "" && f.Status != trail.AlertOpen && f.Status != trail.AlertResolved {
			return nil, trail.Invalid("status", "status must be open, acknowledged or resolved")
		}
		out := []*trail.Alert{alertFixture(9, trail.AlertOpen), alertFixture(8, trail.AlertOpen)}
		return out[:min(len(out), f.Limit)], nil
	}

	rec := b.do(t, "GET", "/api/v1/alerts?status=open&type=stalled&limit=2", keyA, "")
	mustStatus(t, rec, http.StatusOK)
	mustJSONEqual(t, rec.Body.Bytes(), `{"alerts": [
	  {"id": 9, "type": "stalled", "type_name": "物流停滞", "severity": "warning", "status": "open", "order_no": "WX20261125001",
	   "carrier": "zhongtong", "tracking_no": "ZT1000000001", "explanation": "包裹 中通快递 ZT1000000001 自 11月28日 13:00 起已超过 48 小时没有新的物流扫描。",
	   "opened_at": "2026-11-30T13:00:00+08:00"},
	  {"id": 8, "type": "stalled", "type_name": "物流停滞", "severity": "warning", "status": "open", "order_no": "WX20261125001",
	   "carrier": "zhongtong", "tracking_no": "ZT1000000001", "explanation": "包裹 中通快递 ZT1000000001 自 11月28日 13:00 起已超过 48 小时没有新的物流扫描。",
	   "opened_at": "2026-11-30T13:00:00+08:00"}],
	  "next": "8"}`)
	if f := got[0]; f.Status != trail.AlertOpen || f.Type != trail.AlertStalled || f.Limit != 2 || f.Before != 0 {
		t.Errorf("filter: got %+v", f)
	}

	rec = b.do(t, "GET", "/api/v1/alerts?before=8", keyA, "")
	mustStatus(t, rec, http.StatusOK)
	if f := got[1]; f.Before != 8 || f.Limit != 50 {
		t.Errorf("second page filter: got %+v", f)
	}

	for _, tt := range []struct{ query, field string }{
		{"limit=ten", "limit"},
		{"before=-3", "before"},
		{"status=closed", "status"},
	} {
		rec := b.do(t, "GET", "/api/v1/alerts?"+tt.query, keyA, "")
		mustStatus(t, rec, http.StatusUnprocessableEntity)
		if e := mustError(t, rec); e.Field != tt.field {
			t.Errorf("%s: field %q, want %q", tt.query, e.Field, tt.field)
		}
	}
	mustStatus(t, b.do(t, "GET", "/api/v1/alerts", "", ""), http.StatusUnauthorized)
}

func TestAlertActions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	type call struct {
		brand, id       int64
		actor, assignee string
	}
	var acks, resolves []call
	b.alerts.AcknowledgeAlertFunc = func(_ context.Context, brandID, id int64, actor, assignee string) (*trail.Alert, error) {
		acks = append(acks, call{brandID, id, actor, assignee})
		switch {
		case brandID != brandA || id != 9:
			return nil, trail.Errorf(trail.ENOTFOUND, "No alert %d.", id)
		}
		a := alertFixture(9, trail.AlertAcknowledged)
		a.Assignee = assignee
		return a, nil
	}
	b.alerts.ResolveAlertFunc = func(_ context.Context, brandID, id int64, actor, note string) (*trail.Alert, error) {
		resolves = append(resolves, call{brandID, id, actor, note})
		if id == 7 {
			return nil, trail.Errorf(trail.ECONFLICT, "Alert 7 is already resolved.")
		}
		return alertFixture(id, trail.AlertResolved), nil
	}

	rec := b.do(t, "POST", "/api/v1/alerts/9/ack", keyA, `{"by": "客服 小王", "assignee": "wang@plum.example"}`)
	mustStatus(t, rec, http.StatusOK)
	if acks[0] != (call{brandA, 9, "客服 小王", "wang@plum.example"}) {
		t.Errorf("ack: got %+v", acks[0])
	}
	rec = b.do(t, "POST", "/api/v1/alerts/9/ack", keyA, "") // empty body: by "api"
	mustStatus(t, rec, http.StatusOK)
	if acks[1].actor != "api" {
		t.Errorf("empty ack: actor %q, want api", acks[1].actor)
	}
	mustStatus(t, b.do(t, "POST", "/api/v1/alerts/9/ack", keyB, ""), http.StatusNotFound) // another brand's
	mustStatus(t, b.do(t, "POST", "/api/v1/alerts/abc/ack", keyA, ""), http.StatusNotFound)
	mustStatus(t, b.do(t, "POST", "/api/v1/alerts/9/ack", keyA, `{"by": "auto"}`), http.StatusUnprocessableEntity)
	mustStatus(t, b.do(t, "POST", "/api/v1/alerts/9/ack", keyA, `{"by": `), http.StatusBadRequest)

	rec = b.do(t, "POST", "/api/v1/alerts/9/resolve", keyA, `{"by": "客服 小王", "note": "已联系中通"}`)
	mustStatus(t, rec, http.StatusOK)
	if resolves[0] != (call{brandA, 9, "客服 小王", "已联系中通"}) {
		t.Errorf("resolve: got %+v", resolves[0])
	}
	mustStatus(t, b.do(t, "POST", "/api/v1/alerts/7/resolve", keyA, ""), http.StatusConflict)
	long := `{"note": "` + strings.Repeat("很", 400) + `"}`
	mustStatus(t, b.do(t, "POST", "/api/v1/alerts/9/resolve", keyA, long), http.StatusUnprocessableEntity)
}

func TestAlertRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.alerts.AlertRulesFunc = func(context.Context, int64) (trail.AlertRules, error) { return trail.DefaultAlertRules(), nil }
	var put trail.AlertRule
	b.alerts.PutAlertRuleFunc = func(_ context.Context, _ int64, typ trail.AlertType, r trail.AlertRule) error {
		if err := r.Validate(typ); err != nil {
			return err
		}
		put = r
		return nil
	}
	rec := b.do(t, "GET", "/api/v1/alert-rules", keyA, "")
	mustStatus(t, rec, http.StatusOK)
	rec = b.do(t, "PUT", "/api/v1/alert-rules/stalled", keyA, `{"enabled": true, "threshold_hours": 36, "carriers": {"shunfeng": 24}}`)
	mustStatus(t, rec, http.StatusOK)
	mustJSONEqual(t, rec.Body.Bytes(), `{"enabled": true, "threshold_hours": 36, "carriers": {"shunfeng": 24}}`)
	if put.ThresholdHours != 36 || put.Carriers["shunfeng"] != 24 {
		t.Errorf("stored: %+v", put)
	}
	mustStatus(t, b.do(t, "PUT", "/api/v1/alert-rules/weather", keyA, `{"enabled": true}`), http.StatusNotFound)
	mustStatus(t, b.do(t, "PUT", "/api/v1/alert-rules/stalled", keyA, `{"enabled": true, "threshold_hours": -1}`), http.StatusUnprocessableEntity)
	mustStatus(t, b.do(t, "PUT", "/api/v1/alert-rules/stalled", keyA, `{"enabled": true, "colour": "red"}`), http.StatusBadRequest)
}

func TestLaneList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var hist trail.Histogram
	for h := range 20 {
		hist.Add(time.Duration(20+h) * time.Hour)
	}
	var gotCarrier string
	b.lanes.LanesFunc = func(_ context.Context, brandID int64, carrier string) ([]*trail.LaneStats, error) {
		gotCarrier = carrier
		return []*trail.LaneStats{{Metric: trail.MetricTransit, Lane: trail.Lane{Carrier: "zhongtong", Origin: "杭州市", Dest: "440000"}, Hist: hist}}, nil
	}
	rec := b.do(t, "GET", "/api/v1/lanes?carrier=zhongtong", keyA, "")
	mustStatus(t, rec, http.StatusOK)
	mustJSONEqual(t, rec.Body.Bytes(), `{"lanes": [{"metric": "transit", "carrier": "zhongtong", "origin": "杭州市", "destination": "440000",
	  "samples": 20, "p50_hours": 30, "p90_hours": 38}]}`)
	if gotCarrier != "zhongtong" {
		t.Errorf("carrier: got %q", gotCarrier)
	}
	mustStatus(t, b.do(t, "GET", "/api/v1/lanes?carrier=nosuch", keyA, ""), http.StatusUnprocessableEntity)
}
