package httpapi_test

import (
	"strings"
	"testing"
)

// TestErrorsQuoteAShortPrefix sends a 300,000-character value (or field
// name) wherever an error message names the input, and finds every answer
// short: messages quote at most a short prefix.
func TestErrorsQuoteAShortPrefix(t *testing.T) {
	t.Parallel()
	sb := storeSetup(t)
	long := strings.Repeat("酒", 300_000)
	order := func(field, value string) string {
		body := `{"order_no": "LONG-1", "customer": {"name": "王小明", "phone": "13912345678"},
		  "address": {"province": "浙江", "city": "杭州市", "district": "西湖区", "detail": "文三路188号"},
		  "occasion": {"kind": "wedding", "date": "2026-12-20"},
		  "items": [{"sku": "PLUM-330", "quantity": 1}]}`
		return strings.Replace(body, field, value, 1)
	}
	for _, tt := range []struct{ name, method, path, body string }{
		{"occasion kind", "POST", "/api/v1/orders", order(`"wedding"`, `"`+long+`"`)},
		{"occasion date", "POST", "/api/v1/orders", order(`"2026-12-20"`, `"`+long+`"`)},
		{"province", "POST", "/api/v1/orders", order(`"浙江"`, `"`+long+`"`)},
		{"sku", "POST", "/api/v1/orders", order(`"PLUM-330"`, `"`+long+`"`)},
		{"unknown field", "POST", "/api/v1/orders", order(`"order_no"`, `"`+long+`"`)},
		{"number for a string", "POST", "/api/v1/orders", order(`"LONG-1"`, strings.Repeat("9", 300_000))},
		{"time", "POST", "/api/v1/batches/B1/events", `{"stage": "filling", "at": "` + long + `"}`},
		{"stage", "POST", "/api/v1/batches/B1/events", `{"stage": "` + long + `", "at": "2026-11-25T10:00:00+08:00"}`},
		{"plan stage", "POST", "/api/v1/batches", `{"batch_no": "B1", "sku": "PLUM-330", "plan": {"` + long + `": "2026-12-01"}}`},
		{"plan date", "POST", "/api/v1/batches", `{"batch_no": "B1", "sku": "PLUM-330", "plan": {"filling": "` + long + `"}}`},
		{"sku in the body", "PUT", "/api/v1/skus/PLUM-330", `{"code": "` + long + `", "name": "x"}`},
		{"alert type", "GET", "/api/v1/alerts?type=" + long, ""},
		{"notice kinds", "PUT", "/api/v1/notification-settings", `{"quiet_start": "22:00", "quiet_end": "08:00", "daily_cap": 3, "kinds": ["` + long + `"]}`},
		{"channel credential", "PUT", "/api/v1/notification-channels/sms", `{"credentials": {"access_key_id": "a", "access_key_secret": "b", "sign_name": "c", "template_code": "d", "` + long + `": "x"}}`},
		{"carrier credential", "PUT", "/api/v1/carrier-accounts/kuaidi100", `{"credentials": {"key": "a", "customer": "b", "` + long + `": "x"}}`},
		{"carrier", "PUT", "/api/v1/carriers/shunfeng", `{"carrier": "` + long + `"}`},
		{"webhook event", "POST", "/api/v1/webhooks", `{"url": "https://example.com/h", "events": ["` + long + `"]}`},
		{"webhook scheme", "POST", "/api/v1/webhooks", `{"url": "` + strings.Repeat("h", 300_000) + `://example.com/h", "events": ["order.updated"]}`},
		{"no route", "GET", "/api/v1/" + strings.Repeat("x", 300_000), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := sb.call(t, "192.0.2.1", tt.method, tt.path, sb.key, tt.body)
			if rec.Code < 400 || rec.Body.Len() > 600 {
				t.Errorf("got %d with %d bytes, want an error under 600 bytes: %.300s", rec.Code, rec.Body.Len(), rec.Body.String())
			}
		})
	}
}
