package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/httpapi"
	"github.com/bottletrail/bottletrail/internal/mock"
	"github.com/bottletrail/bottletrail/internal/trail"
	"github.com/prometheus/client_golang/prometheus"
)

// The two brands of the tests and their API keys.
const (
	keyA   = "bt_BRANDAKEYBRANDAKEYBRANDAKEY"
	keyB   = "bt_BRANDBKEYBRANDBKEYBRANDBKEY"
	brandA = int64(1)
	brandB = int64(2)
)

// publicURL is the PublicURL of every test server.
const publicURL = "https://track.example.com"

// testNow is the clock of every test server.
var testNow = time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)

// testBundle is a server over mock services. Each test sets the mock
// functions its requests reach.
type testBundle struct {
	server     *httpapi.Server
	brands     *mock.BrandService
	catalog    *mock.CatalogService
	orders     *mock.OrderService
	production *mock.ProductionService
	shipments  *mock.ShipmentService
	carriers   *mock.CarrierService
	alerts     *mock.AlertService
	lanes      *mock.LaneService
	provider   *mock.Provider // serves /hooks/kuaidi100/
	registry   *prometheus.Registry
	logs       *bytes.Buffer
	pingErr    error
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	b := &testBundle{
		brands: &mock.BrandService{
			BrandByAPIKeyFunc: func(_ context.Context, key string) (*trail.Brand, error) {
				switch key {
				case keyA:
					return &trail.Brand{ID: brandA, Slug: "plum-house", Name: "梅子酒坊"}, nil
				case keyB:
					return &trail.Brand{ID: brandB, Slug: "rice-hall", Name: "米酒堂"}, nil
				}
				return nil, trail.Errorf(trail.ENOTFOUND, "no brand with that key")
			},
			BrandBySlugFunc: func(_ context.Context, slug string) (*trail.Brand, error) {
				switch slug {
				case "plum-house":
					return &trail.Brand{ID: brandA, Slug: "plum-house", Name: "梅子酒坊"}, nil
				case "rice-hall":
					return &trail.Brand{ID: brandB, Slug: "rice-hall", Name: "米酒堂"}, nil
				}
				return nil, trail.Errorf(trail.ENOTFOUND, "no brand %q", slug)
			},
		},
		catalog:    &mock.CatalogService{},
		orders:     &mock.OrderService{},
		production: &mock.ProductionService{},
		shipments:  &mock.ShipmentService{},
		carriers:   &mock.CarrierService{},
		alerts:     &mock.AlertService{},
		lanes:      &mock.LaneService{},
		provider:   &mock.Provider{NameFunc: func() string { return trail.ProviderKuaidi100 }},
		registry:   prometheus.NewRegistry(),
		logs:       &bytes.Buffer{},
	}
	b.server = httpapi.New(httpapi.Config{
		Brands:     b.brands,
		Catalog:    b.catalog,
		Orders:     b.orders,
		Production: b.production,
		Shipments:  b.shipments,
		Carriers:   b.carriers,
		Alerts:     b.alerts,
		Lanes:      b.lanes,
		Providers:  map[string]trail.Provider{trail.ProviderKuaidi100: b.provider},
		PublicURL:  publicURL + "/", // the server drops the slash
		Ping:       func(context.Context) error { return b.pingErr },
		Logger:     slog.New(slog.NewJSONHandler(b.logs, nil)),
		Registry:   b.registry,
		Now:        func() time.Time { return testNow },
	})
	return b
}

// do serves one request. A non-empty key is sent as a bearer token, a
// non-empty body as application/json; header holds further name, value
// pairs.
func (b *testBundle) do(t *testing.T, method, path, key, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	b.server.ServeHTTP(rec, req)
	return rec
}

// apiError is the error object of an error answer.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
	Details any    `json:"details"`
}

// mustStatus fails the test now unless rec has the status.
func mustStatus(t *testing.T, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status: got %d, want %d; body: %s", rec.Code, want, rec.Body)
	}
}

// mustError decodes an error answer and checks that empty field and
// details are left out.
func mustError(t *testing.T, rec *httptest.ResponseRecorder) apiError {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type: got %q, want application/json", ct)
	}
	var body struct {
		Error map[string]json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("decode error body %s: %v", rec.Body, err)
	}
	for _, key := range []string{"field", "details"} {
		if raw, ok := body.Error[key]; ok && (string(raw) == `""` || string(raw) == "null") {
			t.Errorf("error body has empty %s: %s", key, rec.Body)
		}
	}
	var e struct {
		Error apiError `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("decode error body %s: %v", rec.Body, err)
	}
	return e.Error
}

// mustJSONEqual compares a JSON answer with the expected JSON, ignoring
// white space and key order.
func mustJSONEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("decode answer %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("decode expected JSON: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		var pretty bytes.Buffer
		_ = json.Indent(&pretty, got, "", "  ")
		t.Errorf("answer differs:\ngot  %s\nwant %s", pretty.String(), want)
	}
}

func ptr[T any](v T) *T { return &v }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// Personal data of the fixture order, which no answer may show.
const (
	customerName   = "王小明"
	customerPhone  = "13912345678"
	recipientName  = "陈美玲"
	recipientPhone = "13800001111"
	streetDetail   = "文三路188号"
)

// orderGraphFixture is an order of brand B with a batch in production and
// one parcel on its way.
func orderGraphFixture() *trail.OrderGraph {
	created := utc("2026-11-25T02:00:00Z")
	o := &trail.Order{
		ID:        7,
		OrderNo:   "WX20261125001",
		Customer:  trail.Contact{Name: customerName, Phone: customerPhone},
		Recipient: &trail.Contact{Name: recipientName, Phone: recipientPhone},
		Address: trail.Address{
			Province: "浙江省", ProvinceCode: "330000", City: "杭州市", District: "西湖区", Detail: streetDetail,
		},
		Occasion:       &trail.Occasion{Kind: "wedding", Date: "2026-12-20"},
		PromisedShipBy: ptr(trail.Date("2026-12-05")),
		Items: []trail.Item{
			{ID: 1, SKU: "PLUM-330", Quantity: 12, Customization: "囍 张三&李四", BatchNo: "B20261125-01", UnitPrice: ptr(trail.Fen(8800))},
			{ID: 2, SKU: "RICE-500", Quantity: 6, BatchNo: "B20261125-02"},
		},
		CreatedAt: created,
		UpdatedAt: utc("2026-11-30T00:10:00Z"),
	}
	batch := &trail.Batch{
		ID: 3, BatchNo: "B20261125-01", SKU: "PLUM-330",
		Plan: map[trail.Stage]trail.Date{trail.StageFilling: "2026-11-29", trail.StageReady: "2026-12-02"},
		Events: []trail.BatchEvent{
			{Stage: trail.StageFilling, State: trail.StateStarted, At: utc("2026-11-28T01:00:00Z")},
			{Stage: trail.StageFilling, State: trail.StateDelayed, At: utc("2026-11-29T02:00:00Z"), Reason: "原料到货晚 2 天"},
		},
		CreatedAt: created,
	}
	lastEvent := utc("2026-11-30T00:10:00Z")
	shipment := &trail.Shipment{
		ID: 5, OrderNo: o.OrderNo, Carrier: "yuantong", TrackingNo: "YT1234567890123",
		Status: trail.StatusInTransit,
		Items:  []trail.ShipmentItem{{ItemID: 2, SKU: "RICE-500", Quantity: 6}},
		Events: []trail.TrackingEvent{ // oldest first: the answer must turn them round
			{CarrierEvent: trail.CarrierEvent{Time: utc("2026-11-29T09:00:00Z"), Status: trail.StatusPickedUp, Description: "已揽收", Source: trail.SourcePush}},
			{CarrierEvent: trail.CarrierEvent{Time: lastEvent, Status: trail.StatusInTransit, Description: "快件已到达【杭州转运中心】", Location: "杭州市", RawCode: "0", Source: trail.SourcePush}},
		},
		CreatedAt:   utc("2026-11-29T08:00:00Z"),
		LastEventAt: &lastEvent,
	}
	return &trail.OrderGraph{
		Order:     o,
		Batches:   []*trail.Batch{batch},
		Shipments: []*trail.Shipment{shipment},
		Status:    trail.OrderPartiallyShipped,
		ETAs: []trail.ETARevision{{Parcel: "yuantong/YT1234567890123", P10: utc("2026-12-01T04:00:00Z"), P50: utc("2026-12-01T16:00:00Z"),
			P90: utc("2026-12-02T16:00:00Z"), Confidence: trail.ConfidenceLow, Basis: "pickup scan + default transit (east China)", At: lastEvent}},
		Alerts: []*trail.Alert{{ID: 11, Type: trail.AlertProductionOverdue, TypeName: "生产环节逾期", Severity: trail.SeverityWarning,
			Status: trail.AlertOpen, BatchNo: "B20261125-01", Explanation: "批次 B20261125-01 的灌装环节计划 11月29日 完成，已逾期 1 天，原因：原料到货晚 2 天。",
			OpenedAt: utc("2026-11-29T16:00:00Z")}},
	}
}

// orderGraphJSON is how the API shows orderGraphFixture.
const orderGraphJSON = `{
  "order_no": "WX20261125001",
  "status": "partially_shipped",
  "customer": {"name": "王**", "phone": "139****5678"},
  "recipient": {"name": "陈**", "phone": "138****1111"},
  "address": {"province": "浙江省", "province_code": "330000", "city": "杭州市", "district": "西湖区"},
  "occasion": {"kind": "wedding", "date": "2026-12-20"},
  "promised_ship_by": "2026-12-05",
  "created_at": "2026-11-25T10:00:00+08:00",
  "updated_at": "2026-11-30T08:10:00+08:00",
  "items": [
    {"sku": "PLUM-330", "quantity": 12, "customization": "囍 张三&李四", "batch_no": "B20261125-01", "unit_price": 88.00},
    {"sku": "RICE-500", "quantity": 6, "batch_no": "B20261125-02"}
  ],
  "batches": [{
    "batch_no": "B20261125-01", "sku": "PLUM-330", "started": true, "done": false,
    "stages": [
      {"stage": "filling", "name": "灌装", "planned": "2026-11-29",
       "started_at": "2026-11-28T09:00:00+08:00", "delayed_at": "2026-11-29T10:00:00+08:00",
       "delay_reason": "原料到货晚 2 天", "delay_text": "灌装环节延迟：原料到货晚 2 天"},
      {"stage": "ready", "name": "待发货", "planned": "2026-12-02"}
    ]
  }],
  "shipments": [{
    "carrier": "yuantong", "carrier_name": "圆通速递", "tracking_no": "YT1234567890123",
    "status": "in_transit", "status_name": "运输中", "leg": 0,
    "items": [{"sku": "RICE-500", "quantity": 6}],
    "created_at": "2026-11-29T16:00:00+08:00",
    "last_event_at": "2026-11-30T08:10:00+08:00",
    "events": [
      {"time": "2026-11-30T08:10:00+08:00", "status": "in_transit", "description": "快件已到达【杭州转运中心】",
       "location": "杭州市", "raw_code": "0", "source": "push"},
      {"time": "2026-11-29T17:00:00+08:00", "status": "picked_up", "description": "已揽收", "source": "push"}
    ],
    "eta": {"p10": "2026-12-01T12:00:00+08:00", "p50": "2026-12-02T00:00:00+08:00", "p90": "2026-12-03T00:00:00+08:00",
      "p50_date": "2026-12-01", "p90_date": "2026-12-02", "confidence": "low", "basis": "pickup scan + default transit (east China)"}
  }],
  "eta": {"p10": "2026-12-06T12:00:00+08:00", "p50": "2026-12-07T12:00:00+08:00", "p90": "2026-12-09T00:00:00+08:00",
    "p50_date": "2026-12-07", "p90_date": "2026-12-08", "confidence": "low", "basis": "latest of 2 parts"},
  "eta_history": [{"parcel": "yuantong/YT1234567890123", "p10": "2026-12-01T12:00:00+08:00", "p50": "2026-12-02T00:00:00+08:00",
    "p90": "2026-12-03T00:00:00+08:00", "confidence": "low", "at": "2026-11-30T08:10:00+08:00"}],
  "alerts": [{"id": 11, "type": "production_overdue", "type_name": "生产环节逾期", "severity": "warning", "status": "open",
    "batch_no": "B20261125-01", "explanation": "批次 B20261125-01 的灌装环节计划 11月29日 完成，已逾期 1 天，原因：原料到货晚 2 天。",
    "opened_at": "2026-11-30T00:00:00+08:00"}]
}`

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.orders.OrderGraphFunc = func(context.Context, int64, string) (*trail.OrderGraph, error) {
		return orderGraphFixture(), nil
	}
	tests := []struct {
		method, path, key string
		wantStatus        int
		wantNoStore       bool
	}{
		{"GET", "/healthz", "", http.StatusOK, false},
		{"GET", "/api/v1/orders/WX20261125001", keyA, http.StatusOK, true},
		{"GET", "/api/v1/orders/WX20261125001", "", http.StatusUnauthorized, true},
		{"GET", "/api/v1/nowhere", keyA, http.StatusNotFound, true},
		{"GET", "/api/v1/openapi.yaml", "", http.StatusOK, true},
	}
	for _, tt := range tests {
		rec := b.do(t, tt.method, tt.path, tt.key, "")
		if rec.Code != tt.wantStatus {
			t.Errorf("%s %s: status: got %d, want %d", tt.method, tt.path, rec.Code, tt.wantStatus)
		}
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options: got %q, want nosniff", tt.method, tt.path, got)
		}
		if got := rec.Header().Get("Content-Security-Policy"); got != "default-src 'none'; frame-ancestors 'none'" {
			t.Errorf("%s %s: Content-Security-Policy: got %q", tt.method, tt.path, got)
		}
		if got := rec.Header().Get("Cache-Control"); tt.wantNoStore && got != "no-store" {
			t.Errorf("%s %s: Cache-Control: got %q, want no-store", tt.method, tt.path, got)
		}
	}
}

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	b := setup(t)

	rec := b.do(t, "GET", "/healthz", "", "")
	mustStatus(t, rec, http.StatusOK)
	if got := rec.Body.String(); got != "ok\n" {
		t.Errorf("healthz body: got %q, want %q", got, "ok\n")
	}

	mustStatus(t, b.do(t, "GET", "/readyz", "", ""), http.StatusOK)

	b.pingErr = errors.New("dial tcp 10.0.0.5:5432: connection refused")
	rec = b.do(t, "GET", "/readyz", "", "")
	mustStatus(t, rec, http.StatusServiceUnavailable)
	if e := mustError(t, rec); e.Code != trail.EINTERNAL {
		t.Errorf("code: got %q, want %q", e.Code, trail.EINTERNAL)
	}
	if strings.Contains(rec.Body.String(), "10.0.0.5") {
		t.Errorf("readyz leaks the ping error: %s", rec.Body)
	}
	if !strings.Contains(b.logs.String(), "connection refused") {
		t.Errorf("ping error not logged; logs: %s", b.logs)
	}
}

func TestReadyWithoutPing(t *testing.T) {
	t.Parallel()
	s := httpapi.New(httpapi.Config{})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	mustStatus(t, rec, http.StatusOK)
}

func TestRouting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantCode           string
		wantAllow          string
	}{
		{"unknown API route", "GET", "/api/v1/invoices", http.StatusNotFound, trail.ENOTFOUND, ""},
		{"unknown route elsewhere", "GET", "/nowhere", http.StatusNotFound, trail.ENOTFOUND, ""},
		{"wrong method on collection", "DELETE", "/api/v1/orders", http.StatusMethodNotAllowed, "method_not_allowed", "POST"},
		{"wrong method on item", "PUT", "/api/v1/orders/WX1", http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD"},
		{"GET on batches", "GET", "/api/v1/batches", http.StatusMethodNotAllowed, "method_not_allowed", "POST"},
		{"POST on healthz", "POST", "/healthz", http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			rec := b.do(t, tt.method, tt.path, keyA, "")
			mustStatus(t, rec, tt.wantStatus)
			if e := mustError(t, rec); e.Code != tt.wantCode {
				t.Errorf("code: got %q, want %q", e.Code, tt.wantCode)
			}
			if got := rec.Header().Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow: got %q, want %q", got, tt.wantAllow)
			}
		})
	}
}

func TestRoutesAreUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range setup(t).server.Routes() {
		key := r.Method + " " + r.Pattern
		if seen[key] {
			t.Errorf("route %s listed twice", key)
		}
		seen[key] = true
		wantAuth := strings.HasPrefix(r.Pattern, "/api/v1/") && r.Pattern != "/api/v1/openapi.yaml" &&
			!strings.HasPrefix(r.Pattern, "/api/v1/public/") // consumers' routes take no API key
		if r.Auth != wantAuth {
			t.Errorf("route %s: Auth: got %v, want %v", key, r.Auth, wantAuth)
		}
	}
}

func TestPanicIsRecovered(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.orders.OrderGraphFunc = func(context.Context, int64, string) (*trail.OrderGraph, error) {
		panic("nil map in store")
	}
	rec := b.do(t, "GET", "/api/v1/orders/WX1", keyA, "")
	mustStatus(t, rec, http.StatusInternalServerError)
	e := mustError(t, rec)
	if e.Code != trail.EINTERNAL || e.Message != "Internal error." {
		t.Errorf("error: got %q %q, want %q %q", e.Code, e.Message, trail.EINTERNAL, "Internal error.")
	}
	if strings.Contains(rec.Body.String(), "nil map") {
		t.Errorf("answer leaks the panic: %s", rec.Body)
	}
	if logs := b.logs.String(); !strings.Contains(logs, "http handler panicked") || !strings.Contains(logs, "nil map in store") {
		t.Errorf("panic not logged; logs: %s", logs)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	b := setup(t)
	mustStatus(t, b.do(t, "GET", "/healthz", "", ""), http.StatusOK)
	mustStatus(t, b.do(t, "GET", "/api/v1/orders/WX1", "", ""), http.StatusUnauthorized)
	mustStatus(t, b.do(t, "BREW", "/api/v1/anything/at/all", "", ""), http.StatusNotFound)

	rec := b.do(t, "GET", "/metrics", "", "")
	mustStatus(t, rec, http.StatusOK)
	for _, want := range []string{
		`bottletrail_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`bottletrail_http_requests_total{method="GET",route="/api/v1/orders/{order_no}",status="401"} 1`,
		`bottletrail_http_requests_total{method="other",route="unmatched",status="404"} 1`,
		`bottletrail_http_request_duration_seconds_count{method="GET",route="/healthz"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
