package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/demo"
	"github.com/bottletrail/bottletrail/internal/httpapi"
	"github.com/bottletrail/bottletrail/internal/ratelimit"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// storeBundle is a server over a real SQLite store holding the demo brand's
// orders, for the routes of links and consumer look-ups.
type storeBundle struct {
	db       *sqlite.DB
	sealer   trail.Sealer
	brand    *trail.Brand
	key      string // the demo brand's API key
	otherKey string // another brand's, which has no orders
	now      time.Time
	server   *httpapi.Server
}

func storeSetup(t *testing.T) *storeBundle {
	t.Helper()
	ctx := context.Background()
	sb := &storeBundle{sealer: storetest.MustSealer(t), brand: &trail.Brand{Slug: "demo", Name: "瓶迹演示酒坊"}, now: testNow}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "api.db"), sb.sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return testNow }
	sb.db = db
	if sb.key, err = db.CreateBrand(ctx, sb.brand); err != nil {
		t.Fatal(err)
	}
	if sb.otherKey, err = db.CreateBrand(ctx, &trail.Brand{Slug: "other", Name: "别家"}); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, db, sb.brand.ID, testNow, 21, nil); err != nil {
		t.Fatal(err)
	}
	tracker := &trail.Tracker{Brands: db, Links: db, Limiter: ratelimit.New(),
		Now: func() time.Time { return sb.now }}
	sb.server = httpapi.New(httpapi.Config{
		Brands: db, Catalog: db, Orders: db, Production: db, Shipments: db, Carriers: db,
		Links: db, Sealer: sb.sealer, Tracker: tracker, PublicURL: publicURL + "/", Notify: db, Audit: db,
		Now: func() time.Time { return sb.now },
	})
	return sb
}

// call serves one request from the client address; a non-empty key is
// sent as a bearer token.
func (sb *storeBundle) call(t *testing.T, client, method, path, key, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = client + ":50000"
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	sb.server.ServeHTTP(rec, req)
	return rec
}

// order reads a demo order with its personal data in clear.
func (sb *storeBundle) order(t *testing.T, orderNo string) *trail.OrderGraph {
	t.Helper()
	g, err := sb.db.OrderGraph(context.Background(), sb.brand.ID, orderNo)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

type linkAnswer struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	URL       string `json:"url"`
	ExpiresAt string `json:"expires_at"`
}

func TestLinkCreate(t *testing.T) {
	t.Parallel()
	sb := storeSetup(t)
	tests := []struct {
		body, kind, expires string
	}{
		{`{"kind":"buyer"}`, "buyer", "2027-03-01T12:00:00+08:00"},
		{`{"kind":"gift","expires_in_days":1}`, "gift", "2026-12-02T12:00:00+08:00"},
		{`{"kind":"gift","expires_in_days":366}`, "gift", "2027-12-02T12:00:00+08:00"},
	}
	for _, tt := range tests {
		rec := sb.call(t, "192.0.2.1", "POST", "/api/v1/orders/DEMO-0001/links", sb.key, tt.body)
		mustStatus(t, rec, http.StatusCreated)
		var l linkAnswer
		if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		token, ok := strings.CutPrefix(l.URL, publicURL+"/t/")
		if !ok || l.Kind != tt.kind || l.ExpiresAt != tt.expires || l.ID == 0 {
			t.Errorf("%s: got %+v, want kind %s, expiry %s, URL under %s/t/", tt.body, l, tt.kind, tt.expires, publicURL)
		}
		id, kind, err := trail.ParseLinkToken(sb.sealer, token, testNow)
		if err != nil || id != l.ID || string(kind) != tt.kind {
			t.Errorf("%s: token names %d %s (%v), want %d %s", tt.body, id, kind, err, l.ID, tt.kind)
		}
		if strings.Contains(l.URL, "DEMO-0001") {
			t.Errorf("the link names the order: %s", l.URL)
		}
	}
}

func TestLinkCreateErrors(t *testing.T) {
	t.Parallel()
	sb := storeSetup(t)
	tests := []struct {
		name, path, key, body string
		status                int
		field                 string
	}{
		{"no API key", "/api/v1/orders/DEMO-0001/links", "", `{"kind":"buyer"}`, 401, ""},
		{"kind missing", "/api/v1/orders/DEMO-0001/links", sb.key, `{}`, 422, "kind"},
		{"unknown kind", "/api/v1/orders/DEMO-0001/links", sb.key, `{"kind":"friend"}`, 422, "kind"},
		{"zero days", "/api/v1/orders/DEMO-0001/links", sb.key, `{"kind":"buyer","expires_in_days":0}`, 422, "expires_in_days"},
		{"too many days", "/api/v1/orders/DEMO-0001/links", sb.key, `{"kind":"buyer","expires_in_days":367}`, 422, "expires_in_days"},
		{"days as text", "/api/v1/orders/DEMO-0001/links", sb.key, `{"kind":"buyer","expires_in_days":"7"}`, 400, "expires_in_days"},
		{"unknown order", "/api/v1/orders/DEMO-9999/links", sb.key, `{"kind":"buyer"}`, 404, ""},
		{"another brand's order", "/api/v1/orders/DEMO-0001/links", sb.otherKey, `{"kind":"buyer"}`, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := sb.call(t, "192.0.2.1", "POST", tt.path, tt.key, tt.body)
			mustStatus(t, rec, tt.status)
			if e := mustError(t, rec); e.Field != tt.field {
				t.Errorf("field: got %q, want %q", e.Field, tt.field)
			}
		})
	}
}

func TestLinkRevoke(t *testing.T) {
	t.Parallel()
	sb := storeSetup(t)
	rec := sb.call(t, "192.0.2.1", "POST", "/api/v1/orders/DEMO-0002/links", sb.key, `{"kind":"buyer"}`)
	mustStatus(t, rec, http.StatusCreated)
	var l linkAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/links/%d", l.ID)
	for _, tt := range []struct {
		path, key string
		status    int
	}{
		{path, "", http.StatusUnauthorized},
		{path, sb.otherKey, http.StatusNotFound},
		{"/api/v1/links/abc", sb.key, http.StatusNotFound},
		{"/api/v1/links/999999", sb.key, http.StatusNotFound},
		{path, sb.key, http.StatusNoContent},
		{path, sb.key, http.StatusNoContent}, // again
	} {
		rec := sb.call(t, "192.0.2.1", "DELETE", tt.path, tt.key, "")
		mustStatus(t, rec, tt.status)
		if tt.status == http.StatusNoContent && rec.Body.Len() != 0 {
			t.Errorf("204 with a body: %s", rec.Body)
		}
	}
	if _, _, _, err := sb.db.OrderByLink(context.Background(), l.ID); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Errorf("revoked link still opens: %v", err)
	}
}
