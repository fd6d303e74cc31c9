package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/httpapi"
	"github.com/bottletrail/bottletrail/internal/notify/webhook"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// webhookBundle is a server over a real SQLite store with two brands, for
// the webhook routes.
type webhookBundle struct {
	db       *sqlite.DB
	server   *httpapi.Server
	key      string // the brand's API key
	otherKey string // another brand's
	mu       sync.Mutex
	now      time.Time
}

func webhookSetup(t *testing.T) *webhookBundle {
	t.Helper()
	ctx := context.Background()
	wb := &webhookBundle{now: testNow}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "api.db"), storetest.MustSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = wb.clock
	wb.db = db
	if wb.key, err = db.CreateBrand(ctx, &trail.Brand{Slug: "plum-house", Name: "梅子酒坊"}); err != nil {
		t.Fatal(err)
	}
	if wb.otherKey, err = db.CreateBrand(ctx, &trail.Brand{Slug: "rice-hall", Name: "米酒堂"}); err != nil {
		t.Fatal(err)
	}
	wb.server = httpapi.New(httpapi.Config{Brands: db, Webhooks: db, PublicURL: publicURL, Now: wb.clock})
	return wb
}

func (wb *webhookBundle) clock() time.Time { wb.mu.Lock(); defer wb.mu.Unlock(); return wb.now }

func (wb *webhookBundle) advance(d time.Duration) {
	wb.mu.Lock()
	defer wb.mu.Unlock()
	wb.now = wb.now.Add(d)
}

func (wb *webhookBundle) call(t *testing.T, method, path, key, body string) *httptest.ResponseRecorder {
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
	rec := httptest.NewRecorder()
	wb.server.ServeHTTP(rec, req)
	return rec
}

type webhookAnswer struct {
	ID                  int64    `json:"id"`
	URL                 string   `json:"url"`
	Events              []string `json:"events"`
	Secret              string   `json:"secret"`
	CreatedAt           string   `json:"created_at"`
	RotatedAt           string   `json:"rotated_at"`
	PreviousSecretUntil string   `json:"previous_secret_until"`
}

func (wb *webhookBundle) mustCreate(t *testing.T, key, body string) webhookAnswer {
	t.Helper()
	rec := wb.call(t, "POST", "/api/v1/webhooks", key, body)
	mustStatus(t, rec, http.StatusCreated)
	var a webhookAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestWebhookCreate(t *testing.T) {
	t.Parallel()
	wb := webhookSetup(t)
	rec := wb.call(t, "POST", "/api/v1/webhooks", wb.key,
		`{"url":" https://erp.plum-house.example/hooks ","events":["order.updated","Alert.Opened","order.updated"]}`)
	mustStatus(t, rec, http.StatusCreated)
	var a webhookAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || !strings.HasPrefix(a.Secret, "whsec_") || len(a.Secret) != len("whsec_")+44 {
		t.Fatalf("answer %+v", a)
	}
	mustJSONEqual(t, rec.Body.Bytes(), fmt.Sprintf(`{"id":%d,"url":"https://erp.plum-house.example/hooks",
		"events":["order.updated","alert.opened"],"secret":%q,"created_at":"2026-12-01T12:00:00+08:00"}`, a.ID, a.Secret))

	// The store signs with the secret answered, and keeps it sealed.
	brand, err := wb.db.BrandByAPIKey(context.Background(), wb.key)
	if err != nil {
		t.Fatal(err)
	}
	e, err := wb.db.Webhook(context.Background(), brand.ID, a.ID)
	if err != nil || e.Secret != a.Secret {
		t.Fatalf("stored %+v, %v", e, err)
	}
	var sealed []byte
	if err := wb.db.Writer().QueryRow(`SELECT secret FROM webhook_endpoints WHERE id = ?`, a.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(strings.TrimPrefix(a.Secret, "whsec_"))) {
		t.Error("the secret is stored in clear")
	}

	// Plain http is fine to a loopback receiver.
	wb.mustCreate(t, wb.key, `{"url":"http://127.0.0.1:9000/hook","events":["notification.failed"]}`)
}

func TestWebhookCreateErrors(t *testing.T) {
	t.Parallel()
	wb := webhookSetup(t)
	tests := []struct {
		name, key, body string
		status          int
		code, field     string
	}{
		{"no API key", "", `{"url":"https://a.example/h","events":["order.updated"]}`, 401, trail.EUNAUTHORIZED, ""},
		{"unknown field", wb.key, `{"url":"https://a.example/h","events":["order.updated"],"secret":"mine"}`, 400, trail.EMALFORMED, "secret"},
		{"events not a list", wb.key, `{"url":"https://a.example/h","events":"order.updated"}`, 400, trail.EMALFORMED, "events"},
		{"no url", wb.key, `{"events":["order.updated"]}`, 422, trail.EINVALID, "url"},
		{"plain http", wb.key, `{"url":"http://a.example/h","events":["order.updated"]}`, 422, trail.EINVALID, "url"},
		{"credentials in the url", wb.key, `{"url":"https://u:p@a.example/h","events":["order.updated"]}`, 422, trail.EINVALID, "url"},
		{"no events", wb.key, `{"url":"https://a.example/h","events":[]}`, 422, trail.EINVALID, "events"},
		{"unknown event", wb.key, `{"url":"https://a.example/h","events":["order.updated","order.deleted"]}`, 422, trail.EINVALID, "events[1]"},
	}
	for _, tt := range tests {
		rec := wb.call(t, "POST", "/api/v1/webhooks", tt.key, tt.body)
		if rec.Code != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, rec.Code, tt.status, rec.Body)
			continue
		}
		e := mustError(t, rec)
		if e.Code != tt.code || e.Field != tt.field {
			t.Errorf("%s: got %+v, want %s %q", tt.name, e, tt.code, tt.field)
		}
	}

	// Each URL once, ten endpoints at most.
	wb.mustCreate(t, wb.key, `{"url":"https://a.example/h0","events":["order.updated"]}`)
	rec := wb.call(t, "POST", "/api/v1/webhooks", wb.key, `{"url":"https://a.example/h0","events":["alert.opened"]}`)
	mustStatus(t, rec, http.StatusConflict)
	for i := 1; i < trail.MaxWebhookEndpoints; i++ {
		wb.mustCreate(t, wb.key, fmt.Sprintf(`{"url":"https://a.example/h%d","events":["order.updated"]}`, i))
	}
	rec = wb.call(t, "POST", "/api/v1/webhooks", wb.key, `{"url":"https://a.example/h10","events":["order.updated"]}`)
	mustStatus(t, rec, http.StatusConflict)
	if e := mustError(t, rec); e.Code != trail.ECONFLICT || !strings.Contains(e.Message, "at most 10") {
		t.Errorf("the eleventh: got %+v", e)
	}
	// The other brand is not affected.
	wb.mustCreate(t, wb.otherKey, `{"url":"https://a.example/h10","events":["order.updated"]}`)
}

func TestWebhookListDeleteRotate(t *testing.T) {
	t.Parallel()
	wb := webhookSetup(t)
	first := wb.mustCreate(t, wb.key, `{"url":"https://erp.plum-house.example/a","events":["order.updated"]}`)
	wb.advance(time.Minute)
	second := wb.mustCreate(t, wb.key, `{"url":"https://erp.plum-house.example/b","events":["shipment.updated","alert.resolved"]}`)
	theirs := wb.mustCreate(t, wb.otherKey, `{"url":"https://erp.rice-hall.example/a","events":["order.updated"]}`)

	list := func(key string) string {
		t.Helper()
		rec := wb.call(t, "GET", "/api/v1/webhooks", key, "")
		mustStatus(t, rec, http.StatusOK)
		body := rec.Body.String()
		for _, secret := range []string{first.Secret, second.Secret, theirs.Secret} {
			if strings.Contains(body, strings.TrimPrefix(secret, "whsec_")) {
				t.Errorf("the list shows a secret: %s", body)
			}
		}
		if strings.Contains(body, `"secret"`) {
			t.Errorf("the list has a secret field: %s", body)
		}
		return body
	}
	got := list(wb.key)
	mustJSONEqual(t, []byte(got), fmt.Sprintf(`{"webhooks":[
		{"id":%d,"url":"https://erp.plum-house.example/a","events":["order.updated"],"created_at":"2026-12-01T12:00:00+08:00"},
		{"id":%d,"url":"https://erp.plum-house.example/b","events":["shipment.updated","alert.resolved"],"created_at":"2026-12-01T12:01:00+08:00"}]}`,
		first.ID, second.ID))

	// Rotation.
	wb.advance(time.Hour)
	rec := wb.call(t, "POST", fmt.Sprintf("/api/v1/webhooks/%d/rotate", first.ID), wb.key, "")
	mustStatus(t, rec, http.StatusOK)
	var r webhookAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.ID != first.ID || r.Secret == first.Secret || !strings.HasPrefix(r.Secret, "whsec_") ||
		r.RotatedAt != "2026-12-01T13:01:00+08:00" || r.PreviousSecretUntil != "2026-12-02T13:01:00+08:00" {
		t.Errorf("rotation answer %+v", r)
	}
	if body := list(wb.key); !strings.Contains(body, `"previous_secret_until":"2026-12-02T13:01:00+08:00"`) || strings.Contains(body, r.Secret[6:]) {
		t.Errorf("the list after rotation: %s", body)
	}

	// Another brand's endpoint, and ids that name nothing, are 404.
	for _, tt := range []struct{ method, path string }{
		{"DELETE", fmt.Sprintf("/api/v1/webhooks/%d", theirs.ID)},
		{"POST", fmt.Sprintf("/api/v1/webhooks/%d/rotate", theirs.ID)},
		{"DELETE", "/api/v1/webhooks/abc"},
		{"DELETE", "/api/v1/webhooks/0"},
		{"POST", "/api/v1/webhooks/999999/rotate"},
	} {
		rec := wb.call(t, tt.method, tt.path, wb.key, "")
		mustStatus(t, rec, http.StatusNotFound)
		if e := mustError(t, rec); e.Code != trail.ENOTFOUND {
			t.Errorf("%s %s: got %+v", tt.method, tt.path, e)
		}
	}

	// Deletion.
	rec = wb.call(t, "DELETE", fmt.Sprintf("/api/v1/webhooks/%d", first.ID), wb.key, "")
	mustStatus(t, rec, http.StatusNoContent)
	mustStatus(t, wb.call(t, "DELETE", fmt.Sprintf("/api/v1/webhooks/%d", first.ID), wb.key, ""), http.StatusNotFound)
	mustStatus(t, wb.call(t, "POST", fmt.Sprintf("/api/v1/webhooks/%d/rotate", first.ID), wb.key, ""), http.StatusNotFound)
	if body := list(wb.key); strings.Contains(body, fmt.Sprintf(`"id":%d,`, first.ID)) || !strings.Contains(body, fmt.Sprintf(`"id":%d,`, second.ID)) {
		t.Errorf("the list after deletion: %s", body)
	}
	if body := list(wb.otherKey); !strings.Contains(body, fmt.Sprintf(`"id":%d,`, theirs.ID)) {
		t.Errorf("the other brand's list: %s", body)
	}
}

// TestWebhookSecretSigns checks the secrets end to end: what the API
// answered verifies what the sender signs with the stored endpoint's
// secrets, before and after a rotation.
func TestWebhookSecretSigns(t *testing.T) {
	t.Parallel()
	wb := webhookSetup(t)
	created := wb.mustCreate(t, wb.key, `{"url":"http://127.0.0.1:1/unused","events":["order.updated"]}`)
	var mu sync.Mutex
	secrets := []string{created.Secret} // what the receiver knows
	var verdicts []error
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		var err error
		for _, s := range secrets {
			if err = webhook.Verify(s, r.Header, body, wb.clock(), 0); err == nil {
				break
			}
		}
		verdicts = append(verdicts, err)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	brand, err := wb.db.BrandByAPIKey(context.Background(), wb.key)
	if err != nil {
		t.Fatal(err)
	}
	deliver := func() {
		t.Helper()
		e, err := wb.db.Webhook(context.Background(), brand.ID, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		s := &webhook.Sender{Now: wb.clock}
		m := &trail.Message{IdempotencyKey: "evt_1", Channel: trail.ChannelWebhook, To: recv.URL,
			Body: []byte(`{"type":"order.updated","data":{"order_no":"WX-1"}}`), Secrets: e.SigningSecrets(wb.clock())}
		if _, err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	deliver()
	rec := wb.call(t, "POST", fmt.Sprintf("/api/v1/webhooks/%d/rotate", created.ID), wb.key, "")
	mustStatus(t, rec, http.StatusOK)
	var r webhookAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	deliver() // the receiver still knows only the old secret: the grace period covers it
	mu.Lock()
	secrets = []string{r.Secret}
	mu.Unlock()
	deliver() // the receiver switched
	wb.advance(trail.WebhookRotationGrace)
	deliver() // only the new secret signs now
	mu.Lock()
	secrets = []string{created.Secret}
	mu.Unlock()
	deliver() // a receiver still on the old secret fails after the grace period
	mu.Lock()
	defer mu.Unlock()
	for i, want := range []bool{true, true, true, true, false} {
		if ok := verdicts[i] == nil; ok != want {
			t.Errorf("delivery %d: verified %v (%v), want %v", i+1, ok, verdicts[i], want)
		}
	}
}
