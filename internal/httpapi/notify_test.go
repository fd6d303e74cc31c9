package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestNotificationSettingsAPI sets the policy, a channel account and a
// template through the API of a real store, and checks that secrets never
// come back.
func TestNotificationSettingsAPI(t *testing.T) {
	t.Parallel()
	sb := storeSetup(t)
	rec := sb.call(t, "192.0.2.1", "GET", "/api/v1/notification-settings", sb.key, "")
	mustStatus(t, rec, http.StatusOK)
	mustJSONEqual(t, rec.Body.Bytes(), `{"settings": {"quiet_start": "22:00", "quiet_end": "08:00", "urgent_overrides_quiet": false,
	  "daily_cap": 3, "merge_minutes": 10, "kinds": ["order_confirmed", "production_delayed", "order_split", "shipped",
	  "out_for_delivery", "at_pickup_point", "delivered", "exception", "eta_late"]}, "channels": []}`)

	rec = sb.call(t, "192.0.2.1", "PUT", "/api/v1/notification-settings", sb.key,
		`{"quiet_start": "21:30", "quiet_end": "08:30", "urgent_overrides_quiet": true, "daily_cap": 2, "merge_minutes": 5, "kinds": ["delivered", "exception"]}`)
	mustStatus(t, rec, http.StatusOK)
	rec = sb.call(t, "192.0.2.1", "PUT", "/api/v1/notification-channels/sms", sb.key,
		`{"base_url": "http://127.0.0.1:7071/aliyun", "credentials": {"access_key_id": "AK1", "access_key_secret": "s3cret", "sign_name": "瓶迹", "template_code": "SMS_1"}}`)
	mustStatus(t, rec, http.StatusOK)
	if body := rec.Body.String(); strings.Contains(body, "s3cret") || !strings.Contains(body, `"access_key_id":"AK1"`) || !strings.Contains(body, `"daily_cap":2`) {
		t.Errorf("answer: %s", body)
	}
	for _, tt := range []struct{ method, path, body, field string }{
		{"PUT", "/api/v1/notification-settings", `{"quiet_start": "9pm", "quiet_end": "08:00", "daily_cap": 3}`, "quiet_start"},
		{"PUT", "/api/v1/notification-channels/sms", `{"credentials": {"access_key_id": "AK1"}}`, "credentials.access_key_secret"},
		{"PUT", "/api/v1/notification-channels/email", `{"credentials": {"host": "smtp.example.com", "port": "587", "security": "ssl", "from": "a@b.c"}}`, "credentials.security"},
		{"PUT", "/api/v1/notification-templates/delivered", `{"subject": "x", "text": "已送达 {{.Link}}"}`, "text"},
	} {
		rec := sb.call(t, "192.0.2.1", tt.method, tt.path, sb.key, tt.body)
		mustStatus(t, rec, http.StatusUnprocessableEntity)
		if e := mustError(t, rec); e.Field != tt.field {
			t.Errorf("%s %s: field %q, want %q", tt.method, tt.path, e.Field, tt.field)
		}
	}
	mustStatus(t, sb.call(t, "192.0.2.1", "PUT", "/api/v1/notification-channels/fax", sb.key, `{"credentials": {}}`), http.StatusNotFound)

	rec = sb.call(t, "192.0.2.1", "PUT", "/api/v1/notification-templates/delivered", sb.key,
		`{"subject": "{{.Brand}}：已送达", "text": "{{.Name}}您好，订单 {{.OrderNo}} {{.Summary}}，请查收 {{.Link}} 退订 {{.OptOut}}"}`)
	mustStatus(t, rec, http.StatusOK)
	rec = sb.call(t, "192.0.2.1", "POST", "/api/v1/notification-templates/delivered/preview", sb.key, `{"order_no": "DEMO-0002"}`)
	mustStatus(t, rec, http.StatusOK)
	var p struct {
		Subject, Text string
		EmailText     string `json:"email_text"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	g := sb.order(t, "DEMO-0002")
	full := g.Order.Customer.Name
	if p.Subject != "瓶迹演示酒坊：已送达" || !strings.Contains(p.Text, trail.MaskName(full)+"您好") || strings.Contains(p.Text, full) ||
		!strings.Contains(p.EmailText, full+"您好") || !strings.Contains(p.Text, "顺丰速运 SF1040245060669 已签收") {
		t.Errorf("preview: %+v", p)
	}
	mustStatus(t, sb.call(t, "192.0.2.1", "POST", "/api/v1/notification-templates/delivered/preview", sb.otherKey, `{"order_no": "DEMO-0002"}`), http.StatusNotFound)
	mustStatus(t, sb.call(t, "192.0.2.1", "POST", "/api/v1/notification-templates/weather/preview", sb.key, ""), http.StatusNotFound)
	rec = sb.call(t, "192.0.2.1", "GET", "/api/v1/notification-templates", sb.key, "")
	mustStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), "请查收") {
		t.Errorf("templates: %s", rec.Body.String())
	}
}

// TestDeliveriesAPI lists the demo's webhook-less, channel-less brand (no
// deliveries), then a replay of a missing delivery, and the filters'
// errors.
func TestDeliveriesAPI(t *testing.T) {
	t.Parallel()
	sb := storeSetup(t)
	rec := sb.call(t, "192.0.2.1", "GET", "/api/v1/deliveries?state=dead", sb.key, "")
	mustStatus(t, rec, http.StatusOK)
	mustJSONEqual(t, rec.Body.Bytes(), `{"deliveries": []}`)
	mustStatus(t, sb.call(t, "192.0.2.1", "POST", "/api/v1/deliveries/999/replay", sb.key, ""), http.StatusNotFound)
	mustStatus(t, sb.call(t, "192.0.2.1", "POST", "/api/v1/deliveries/x/replay", sb.key, ""), http.StatusNotFound)
	rec = sb.call(t, "192.0.2.1", "POST", "/api/v1/deliveries/replay", sb.key, "")
	mustStatus(t, rec, http.StatusOK)
	mustJSONEqual(t, rec.Body.Bytes(), `{"replayed": 0}`)
	for _, q := range []string{"state=lost", "limit=0", "before=-1"} {
		mustStatus(t, sb.call(t, "192.0.2.1", "GET", "/api/v1/deliveries?"+q, sb.key, ""), http.StatusUnprocessableEntity)
	}
	mustStatus(t, sb.call(t, "192.0.2.1", "GET", "/api/v1/deliveries", "", ""), http.StatusUnauthorized)
}

// TestAPIChangesAudited checks that a change made with an API key is in the
// brand's audit log, under the order it concerns, and a read is not.
func TestAPIChangesAudited(t *testing.T) {
	t.Parallel()
	sb := storeSetup(t)
	audited := func(brandID int64) []*trail.AuditEntry {
		es, err := sb.db.AuditLog(context.Background(), brandID, trail.AuditFilter{Action: trail.AuditAPIChange})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	mustStatus(t, sb.call(t, "192.0.2.1", "GET", "/api/v1/orders/DEMO-0001", sb.key, ""), http.StatusOK)
	if n := len(audited(sb.brand.ID)); n != 0 {
		t.Fatalf("a read was audited: %d entries", n)
	}
	rec := sb.call(t, "192.0.2.1", "POST", "/api/v1/orders/DEMO-0001/links", sb.key, `{"kind": "gift"}`)
	mustStatus(t, rec, http.StatusCreated)
	mustStatus(t, sb.call(t, "192.0.2.1", "POST", "/api/v1/orders/NOPE/links", sb.key, `{"kind": "gift"}`), http.StatusNotFound)
	es := audited(sb.brand.ID)
	if len(es) != 1 || es[0].Target != "order:DEMO-0001" || es[0].Actor != "api" || es[0].Reason != "POST /api/v1/orders/{order_no}/links" {
		t.Fatalf("audit: %+v", es)
	}
	other, err := sb.db.BrandByAPIKey(context.Background(), sb.otherKey)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(audited(other.ID)); n != 0 {
		t.Errorf("the other brand's log has %d entries", n)
	}
}

// TestTemplateBlowUp sends the template (printf widths that
// rendered 80 MB) to the preview and the save: both refuse it with a short
// answer, and nothing is saved.
func TestTemplateBlowUp(t *testing.T) {
	t.Parallel()
	sb := storeSetup(t)
	text := strings.Repeat(`{{printf \"%0999999d\" 1}}`, 40) + "{{.Link}}{{.OptOut}}"
	body := `{"subject": "S", "text": "` + text + `"}`
	for _, path := range []string{"/api/v1/notification-templates/delivered/preview", "/api/v1/notification-templates/delivered"} {
		method := "PUT"
		if strings.HasSuffix(path, "/preview") {
			method = "POST"
		}
		rec := sb.call(t, "192.0.2.1", method, path, sb.key, body)
		mustStatus(t, rec, http.StatusUnprocessableEntity)
		if e := mustError(t, rec); e.Field != "text" || !strings.Contains(e.Message, `"printf" is not allowed`) || rec.Body.Len() > 1000 {
			t.Errorf("%s %s: %d bytes: %s", method, path, rec.Body.Len(), rec.Body.String())
		}
	}
	rec := sb.call(t, "192.0.2.1", "GET", "/api/v1/notification-templates", sb.key, "")
	if strings.Contains(rec.Body.String(), "printf") {
		t.Errorf("the template was saved: %s", rec.Body.String())
	}
}
