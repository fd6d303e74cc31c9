package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// manyEvents returns an events body with n valid events.
func manyEvents(n int) string {
	events := make([]string, n)
	for i := range events {
		events[i] = fmt.Sprintf(`{"time":"2026-11-30T08:%02d:%02dZ","status":"in_transit","description":"scan %d"}`, i/60%60, i%60, i)
	}
	return `{"events":[` + strings.Join(events, ",") + `]}`
}

func TestRequestErrors(t *testing.T) {
	t.Parallel()
	replace := func(old, new string) string {
		if !strings.Contains(orderBody, old) {
			panic("fixture lacks " + old)
		}
		return strings.Replace(orderBody, old, new, 1)
	}
	tests := []struct {
		name         string
		method, path string
		key          string
		body         string
		header       []string
		wantStatus   int
		wantCode     string
		wantField    string
		wantMessage  string // a part of the message
	}{
		// 400 malformed
		{name: "syntax error", method: "POST", path: "/api/v1/orders", key: keyA, body: `{"order_no" "WX1"}`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantMessage: "malformed JSON at byte offset 13: invalid character"},
		{name: "truncated JSON", method: "POST", path: "/api/v1/orders", key: keyA, body: `{"order_no": "WX1",`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantMessage: "ends inside a value"},
		{name: "unknown field", method: "POST", path: "/api/v1/orders", key: keyA, body: replace(`"order_no"`, `"colour": "red", "order_no"`),
			wantStatus: 400, wantCode: trail.EMALFORMED, wantField: "colour", wantMessage: `unknown field "colour"`},
		{name: "unknown nested field", method: "POST", path: "/api/v1/batches", key: keyA, body: `{"batch_no":"B1","sku":"S","plan":{},"owner":1}`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantField: "owner"},
		{name: "trailing data", method: "POST", path: "/api/v1/orders", key: keyA, body: orderBody + ` {"order_no":"WX2"}`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantMessage: "after the JSON object"},
		{name: "trailing garbage", method: "POST", path: "/api/v1/orders", key: keyA, body: orderBody + `]`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantMessage: "after the JSON object"},
		{name: "wrong type", method: "POST", path: "/api/v1/orders", key: keyA, body: replace(`"quantity": 12`, `"quantity": "12"`),
			wantStatus: 400, wantCode: trail.EMALFORMED, wantField: "items.quantity", wantMessage: "must be an integer, not string"},
		{name: "wrong type for a flag", method: "PUT", path: "/api/v1/skus/S1", key: keyA, body: `{"name":"x","fragile":"yes"}`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantField: "fragile", wantMessage: "field fragile must be true or false, not string"},
		{name: "wrong type for a number", method: "PUT", path: "/api/v1/skus/S1", key: keyA, body: `{"name":"x","max_temp_c":"30"}`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantField: "max_temp_c", wantMessage: "field max_temp_c must be a number, not string"},
		{name: "wrong type for a list", method: "POST", path: "/api/v1/orders", key: keyA, body: `{"items":{}}`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantField: "items", wantMessage: "field items must be an array, not object"},
		{name: "wrong type for an object", method: "POST", path: "/api/v1/orders", key: keyA, body: `{"customer":"王小明"}`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantField: "customer", wantMessage: "field customer must be an object, not string"},
		{name: "wrong type for a date", method: "POST", path: "/api/v1/batches", key: keyA, body: `{"batch_no":"B1","sku":"S","plan":{"qc":20261201}}`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantField: "plan", wantMessage: "field plan must be a string, not number"},
		{name: "not an object", method: "POST", path: "/api/v1/orders", key: keyA, body: `[]`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantMessage: "must be a JSON object"},
		{name: "null", method: "POST", path: "/api/v1/orders", key: keyA, body: `null`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantMessage: "must be a JSON object"},
		{name: "empty body", method: "POST", path: "/api/v1/orders", key: keyA,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantMessage: "empty"},
		{name: "bad time", method: "POST", path: "/api/v1/batches/B1/events", key: keyA, body: `{"stage":"qc","state":"started","at":"2026-11-29 10:00"}`,
			wantStatus: 400, wantCode: trail.EMALFORMED, wantMessage: "RFC 3339"},
		{name: "bad amount", method: "POST", path: "/api/v1/orders", key: keyA, body: replace(`88.00`, `88.001`),
			wantStatus: 400, wantCode: trail.EMALFORMED, wantMessage: "two decimals"},
		{name: "form fields", method: "POST", path: "/api/v1/orders", key: keyA, body: `order_no=WX1`,
			header:     []string{"Content-Type", "application/x-www-form-urlencoded"},
			wantStatus: 400, wantCode: trail.EMALFORMED, wantMessage: "must be a JSON object, not form fields"},
		{name: "JSON labelled as a form, as curl -d sends it", method: "PUT", path: "/api/v1/skus/S1", key: keyA, body: `{"name":"x","lead_time_days":{"min":0,"max":0}}`,
			header: []string{"Content-Type", "application/x-www-form-urlencoded"}, wantStatus: 200},
		{name: "multipart content type", method: "PUT", path: "/api/v1/skus/S1", key: keyA, body: `{"name":"x","lead_time_days":{"min":0,"max":0}}`,
			header:     []string{"Content-Type", "multipart/form-data; boundary=x"},
			wantStatus: 400, wantCode: trail.EMALFORMED, wantMessage: "application/json"},
		{name: "plain text content type", method: "PUT", path: "/api/v1/skus/S1", key: keyA, body: `{"name":"x","lead_time_days":{"min":0,"max":0}}`,
			header:     []string{"Content-Type", "text/plain"},
			wantStatus: 400, wantCode: trail.EMALFORMED, wantMessage: "application/json"},
		{name: "JSON without content type", method: "PUT", path: "/api/v1/skus/S1", key: keyA, body: `{"name":"x","lead_time_days":{"min":0,"max":0}}`,
			header: []string{"Content-Type", ""}, wantStatus: 200},
		{name: "JSON with charset", method: "PUT", path: "/api/v1/skus/S1", key: keyA, body: `{"name":"x","lead_time_days":{"min":0,"max":0}}`,
			header: []string{"Content-Type", "application/json; charset=utf-8"}, wantStatus: 200},

		// 401 unauthorized
		{name: "missing key", method: "GET", path: "/api/v1/orders/WX1",
			wantStatus: 401, wantCode: trail.EUNAUTHORIZED, wantMessage: "API key is required"},
		{name: "unknown key", method: "GET", path: "/api/v1/orders/WX1", key: "bt_UNKNOWN",
			wantStatus: 401, wantCode: trail.EUNAUTHORIZED, wantMessage: "not valid"},
		{name: "key without prefix", method: "GET", path: "/api/v1/orders/WX1", key: "letmein",
			wantStatus: 401, wantCode: trail.EUNAUTHORIZED},
		{name: "basic auth", method: "GET", path: "/api/v1/orders/WX1", header: []string{"Authorization", "Basic " + keyA},
			wantStatus: 401, wantCode: trail.EUNAUTHORIZED},
		{name: "key checked before body", method: "POST", path: "/api/v1/orders", body: `{`,
			wantStatus: 401, wantCode: trail.EUNAUTHORIZED},

		// 413 too large
		{name: "body over 1 MiB", method: "POST", path: "/api/v1/orders", key: keyA,
			body:       replace(`"囍 张三&李四"`, `"`+strings.Repeat("x", 1<<20)+`"`),
			wantStatus: 413, wantCode: trail.ETOOLARGE},

		// 422 invalid
		{name: "bad phone", method: "POST", path: "/api/v1/orders", key: keyA, body: replace(`+86 139-1234-5678`, `1391234`),
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "customer.phone"},
		{name: "unknown province", method: "POST", path: "/api/v1/orders", key: keyA, body: replace(`"浙江"`, `"火星"`),
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "address.province", wantMessage: "火星"},
		{name: "quantity 0", method: "POST", path: "/api/v1/orders", key: keyA, body: replace(`"quantity": 6`, `"quantity": 0`),
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "items[1].quantity"},
		{name: "sku differs from path", method: "PUT", path: "/api/v1/skus/PLUM-330", key: keyA,
			body:       `{"sku":"RICE-500","name":"米酒","lead_time_days":{"min":1,"max":2}}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "sku", wantMessage: "differs"},
		{name: "bad lead time", method: "PUT", path: "/api/v1/skus/PLUM-330", key: keyA,
			body:       `{"name":"青梅酒","lead_time_days":{"min":5,"max":1}}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "lead_time_days"},
		{name: "too many events", method: "POST", path: "/api/v1/shipments/yuantong/YT1234567890123/events", key: keyA,
			body:       manyEvents(trail.MaxEventsPerPush + 1),
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "events", wantMessage: "at most 1000"},
		{name: "no events", method: "POST", path: "/api/v1/shipments/yuantong/YT1234567890123/events", key: keyA,
			body:       `{"events":[]}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "events"},
		{name: "event without status or code", method: "POST", path: "/api/v1/shipments/yuantong/YT1234567890123/events", key: keyA,
			body:       `{"events":[{"time":"2026-11-30T08:10:00+08:00","status":"in_transit","description":"a"},{"time":"2026-11-30T08:10:00+08:00","description":"b"}]}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "events[1].status"},
		{name: "event from the future", method: "POST", path: "/api/v1/shipments/yuantong/YT1234567890123/events", key: keyA,
			body:       `{"events":[{"time":"2026-12-01T14:00:00+08:00","status":"delivered","description":"已签收"}]}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "events[0].time", wantMessage: "future"},
		{name: "delay without reason", method: "POST", path: "/api/v1/batches/B1/events", key: keyA,
			body:       `{"stage":"filling","state":"delayed","at":"2026-11-29T10:00:00+08:00"}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "reason"},
		{name: "plan out of order", method: "POST", path: "/api/v1/batches", key: keyA,
			body:       `{"batch_no":"B1","sku":"PLUM-330","plan":{"filling":"2026-11-29","brewing":"2026-11-30"}}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "plan.filling"},
		{name: "unknown carrier", method: "POST", path: "/api/v1/orders/WX1/shipments", key: keyA,
			body:       `{"carrier":"pigeon","tracking_no":"P123456","items":[{"sku":"PLUM-330","quantity":1}]}`,
			wantStatus: 422, wantCode: trail.EINVALID, wantField: "carrier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.catalog.PutSKUFunc = func(context.Context, int64, *trail.SKU) (bool, error) { return false, nil }
			rec := b.do(t, tt.method, tt.path, tt.key, tt.body, tt.header...)
			mustStatus(t, rec, tt.wantStatus)
			if tt.wantCode == "" {
				return
			}
			e := mustError(t, rec)
			if e.Code != tt.wantCode {
				t.Errorf("code: got %q, want %q", e.Code, tt.wantCode)
			}
			if e.Field != tt.wantField {
				t.Errorf("field: got %q, want %q", e.Field, tt.wantField)
			}
			if !strings.Contains(e.Message, tt.wantMessage) {
				t.Errorf("message: got %q, want it to contain %q", e.Message, tt.wantMessage)
			}
			if tt.wantStatus == 401 {
				if got := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate: got %q, want a Bearer challenge", got)
				}
			}
		})
	}
}

// TestServiceErrors checks that every application error code of a service
// reaches the client with its status, and that only internal errors are
// hidden.
func TestServiceErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		err         error
		wantStatus  int
		wantCode    string
		wantMessage string
		wantField   string
		wantDetails any
	}{
		{"malformed", trail.Errorf(trail.EMALFORMED, "bad"), 400, trail.EMALFORMED, "bad", "", nil},
		{"unauthorized", trail.Errorf(trail.EUNAUTHORIZED, "who"), 401, trail.EUNAUTHORIZED, "who", "", nil},
		{"forbidden", trail.Errorf(trail.EFORBIDDEN, "no"), 403, trail.EFORBIDDEN, "no", "", nil},
		{"not found", trail.Errorf(trail.ENOTFOUND, "no order WX1"), 404, trail.ENOTFOUND, "no order WX1", "", nil},
		{"conflict with field", fmt.Errorf("create order WX1: %w",
			&trail.Error{Code: trail.ECONFLICT, Field: "address", Message: "order WX1 exists with a different address"}),
			409, trail.ECONFLICT, "order WX1 exists with a different address", "address", nil},
		{"too large", trail.Errorf(trail.ETOOLARGE, "big"), 413, trail.ETOOLARGE, "big", "", nil},
		{"invalid with details", &trail.Error{Code: trail.EINVALID, Field: "items[0].sku", Message: "unknown SKU",
			Details: map[string]any{"candidates": []any{"PLUM-330"}}},
			422, trail.EINVALID, "unknown SKU", "items[0].sku", map[string]any{"candidates": []any{"PLUM-330"}}},
		{"details that do not encode are dropped", &trail.Error{Code: trail.ECONFLICT, Message: "taken", Details: make(chan int)},
			409, trail.ECONFLICT, "taken", "", nil},
		{"empty message", &trail.Error{Code: trail.EFORBIDDEN}, 403, trail.EFORBIDDEN, "forbidden", "", nil},
		{"rate limited", trail.Errorf(trail.ERATELIMITED, "slow down"), 429, trail.ERATELIMITED, "slow down", "", nil},
		{"internal application error", trail.Errorf(trail.EINTERNAL, "pool exhausted at 10.0.0.3"), 500, trail.EINTERNAL, "Internal error.", "", nil},
		{"plain error", errors.New("sqlite: disk I/O error at /var/lib/bottletrail/data.db"), 500, trail.EINTERNAL, "Internal error.", "", nil},
		{"unknown code", &trail.Error{Code: "teapot", Message: "short and stout"}, 500, trail.EINTERNAL, "Internal error.", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.orders.CreateOrderFunc = func(context.Context, int64, *trail.Order) (bool, error) { return false, tt.err }
			rec := b.do(t, "POST", "/api/v1/orders", keyA, orderBody)
			mustStatus(t, rec, tt.wantStatus)
			e := mustError(t, rec)
			if e.Code != tt.wantCode || e.Message != tt.wantMessage || e.Field != tt.wantField {
				t.Errorf("error: got %q %q %q, want %q %q %q", e.Code, e.Message, e.Field, tt.wantCode, tt.wantMessage, tt.wantField)
			}
			if fmt.Sprint(e.Details) != fmt.Sprint(tt.wantDetails) {
				t.Errorf("details: got %v, want %v", e.Details, tt.wantDetails)
			}
			logged := strings.Contains(b.logs.String(), "http request failed")
			if want := tt.wantStatus >= 500; logged != want {
				t.Errorf("logged: got %v, want %v; logs: %s", logged, want, b.logs)
			}
			if tt.wantStatus >= 500 {
				for _, secret := range []string{"10.0.0.3", "/var/lib", "stout"} {
					if strings.Contains(rec.Body.String(), secret) {
						t.Errorf("answer leaks %q: %s", secret, rec.Body)
					}
				}
			}
		})
	}
}

// TestLogsHoldNoPersonalData sends orders full of personal data into
// failures and checks that the log never sees it.
func TestLogsHoldNoPersonalData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		create     func(context.Context, int64, *trail.Order) (bool, error)
		body       string
		wantStatus int
	}{
		{"store error", func(context.Context, int64, *trail.Order) (bool, error) {
			return false, errors.New("database is locked")
		}, orderBody, 500},
		{"panic", func(context.Context, int64, *trail.Order) (bool, error) {
			panic("index out of range")
		}, orderBody, 500},
		{"invalid phone", nil, strings.Replace(orderBody, "13800001111", "1380000111", 1), 422},
		{"unknown field", nil, strings.Replace(orderBody, `"order_no"`, `"notes": "call 13912345678", "order_no"`, 1), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.orders.CreateOrderFunc = tt.create
			rec := b.do(t, "POST", "/api/v1/orders", keyA, tt.body)
			mustStatus(t, rec, tt.wantStatus)
			logs := b.logs.String()
			if tt.wantStatus >= 500 && !strings.Contains(logs, `"brand_id":1`) && !strings.Contains(logs, "panicked") {
				t.Errorf("failure not logged with brand_id; logs: %s", logs)
			}
			for _, secret := range []string{customerPhone, "139-1234-5678", "1380000111", customerName, recipientName, streetDetail} {
				if strings.Contains(logs, secret) {
					t.Errorf("logs contain %q: %s", secret, logs)
				}
			}
		})
	}
}
