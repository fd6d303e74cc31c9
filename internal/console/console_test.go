package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/bottletrail/bottletrail/internal/console"
	"github.com/bottletrail/bottletrail/internal/demo"
	"github.com/bottletrail/bottletrail/internal/ratelimit"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// testNow is when every test starts: 2026-12-01 12:00 China time.
var testNow = time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)

// testPassword is every test user's password.
const testPassword = "correct horse battery"

// cheap are argon2id parameters that keep the tests fast.
var cheap = console.PasswordParams{Memory: 64, Time: 1, Threads: 1}

// clock is a settable test clock shared by the server and the store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// Users of the test bundle, by e-mail address.
const (
	adminA  = "admin@plum.example"   // admin of brand A
	agentA  = "agent@plum.example"   // agent of brand A
	viewerA = "viewer@plum.example"  // viewer of brand A
	multi   = "ops@platform.example" // agent of brand A, viewer of brand B
	adminB  = "admin@rival.example"  // admin of brand B only
	nobody  = "idle@plum.example"    // belongs to no brand
)

// Orders of the test bundle.
const (
	orderSplit = "DEMO-0001"  // brand A: partially shipped, a batch delayed
	orderB     = "RIVAL-0001" // brand B's only order
	trackingB  = "SF9990000000001"
	phoneB     = "13666660000"
	nameB      = "宋玉兰"
)

// testBundle is the console over real HTTP on loopback, on a SQLite store
// with two brands.
type testBundle struct {
	db     *sqlite.DB
	clock  *clock
	brandA *trail.Brand
	brandB *trail.Brand
	srv    *httptest.Server
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	return setupWith(t, func(*console.Config) {})
}

func setupWith(t *testing.T, edit func(*console.Config)) *testBundle {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "console.db"), storetest.MustSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := &testBundle{db: db, clock: &clock{now: testNow}}
	db.Now = b.clock.Now
	b.brandA = &trail.Brand{Slug: "plum-house", Name: "梅子酒坊"}
	b.brandB = &trail.Brand{Slug: "rival-brew", Name: "竹林酒业"}
	for _, br := range []*trail.Brand{b.brandA, b.brandB} {
		if _, err := db.CreateBrand(ctx, br); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := demo.Seed(ctx, db, b.brandA.ID, testNow, 12, nil); err != nil {
		t.Fatal(err)
	}
	// Brand B: one order of its own, with its own phone, name and parcel.
	if _, err := db.PutSKU(ctx, b.brandB.ID, &trail.SKU{Code: "PLUM-330", Name: "对手青梅酒"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutCompliance(ctx, b.brandB.ID, &trail.Compliance{Carrier: "shunfeng", Alcohol: true}); err != nil {
		t.Fatal(err)
	}
	ob := &trail.Order{OrderNo: orderB, Customer: trail.Contact{Name: nameB, Phone: phoneB},
		Address: trail.Address{Province: "江苏", City: "苏州市", Detail: "观前街1号"}, Items: []trail.Item{{SKU: "PLUM-330", Quantity: 2}}}
	ob.Normalize()
	if _, err := db.CreateOrder(ctx, b.brandB.ID, ob); err != nil {
		t.Fatal(err)
	}
	sb := &trail.Shipment{Carrier: "shunfeng", TrackingNo: trackingB, Items: []trail.ShipmentItem{{SKU: "PLUM-330", Quantity: 2}}}
	if _, err := db.CreateShipment(ctx, b.brandB.ID, orderB, sb); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		email string
		roles map[int64]trail.Role
	}{
		{adminA, map[int64]trail.Role{b.brandA.ID: trail.RoleAdmin}},
		{agentA, map[int64]trail.Role{b.brandA.ID: trail.RoleAgent}},
		{viewerA, map[int64]trail.Role{b.brandA.ID: trail.RoleViewer}},
		{multi, map[int64]trail.Role{b.brandA.ID: trail.RoleAgent, b.brandB.ID: trail.RoleViewer}},
		{adminB, map[int64]trail.Role{b.brandB.ID: trail.RoleAdmin}},
		{nobody, nil},
	} {
		b.mustUser(t, u.email, u.roles)
	}
	cfg := console.Config{
		Users: db, Sessions: db, Audit: db, Orders: db, Search: db,
		Limiter:        ratelimit.New(),
		ClientIPHeader: "X-Real-IP",
		Now:            b.clock.Now,
	}
	edit(&cfg)
	mux := http.NewServeMux()
	console.New(cfg).Register(mux)
	mux.Handle("/", http.NotFoundHandler())
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	return b
}

func (b *testBundle) mustUser(t *testing.T, email string, roles map[int64]trail.Role) *trail.User {
	t.Helper()
	hash, err := console.HashPasswordWith(testPassword, cheap)
	if err != nil {
		t.Fatal(err)
	}
	u := &trail.User{Email: email}
	u.Normalize()
	if err := b.db.CreateUser(context.Background(), u, hash); err != nil {
		t.Fatal(err)
	}
	for brandID, role := range roles {
		if _, err := b.db.PutMembership(context.Background(), u.ID, brandID, role); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// browser is one visitor with its own cookies, not following redirects.
type browser struct {
	t    *testing.T
	b    *testBundle
	c    *http.Client
	ip   string // sent as X-Real-IP
	csrf string // the CSRF token of the last page with a form
}

func (b *testBundle) browser(t *testing.T) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, b: b, ip: "203.0.113.7", c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer: its status, its headers and its parsed HTML.
type page struct {
	status int
	header http.Header
	doc    *goquery.Document
	body   string
}

func (p *page) location() string { return p.header.Get("Location") }

func (br *browser) do(req *http.Request) *page {
	br.t.Helper()
	req.Header.Set("X-Real-IP", br.ip)
	resp, err := br.c.Do(req)
	if err != nil {
		br.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(raw)))
	if err != nil {
		br.t.Fatal(err)
	}
	if tok, ok := doc.Find(`input[name=csrf]`).Attr("value"); ok {
		br.csrf = tok
	}
	return &page{status: resp.StatusCode, header: resp.Header, doc: doc, body: string(raw)}
}

func (br *browser) get(path string) *page {
	br.t.Helper()
	req, _ := http.NewRequest("GET", br.b.srv.URL+path, nil)
	return br.do(req)
}

// post submits a form as a browser on the console's origin does; the
// session's CSRF token is added unless form sets one.
func (br *browser) post(path string, form url.Values, headers ...string) *page {
	br.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", br.csrf)
	}
	req, _ := http.NewRequest("POST", br.b.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", br.b.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	return br.do(req)
}

// login signs in with the test password and returns the answer.
func (br *browser) login(email, password string) *page {
	br.t.Helper()
	br.get("/console/login")
	return br.post("/console/login", url.Values{"email": {email}, "password": {password}})
}

// mustLogin signs in and fails the test unless it works.
func (br *browser) mustLogin(email string) *browser {
	br.t.Helper()
	if p := br.login(email, testPassword); p.status != http.StatusSeeOther || p.location() != "/console/orders" {
		br.t.Fatalf("login %s: got %d → %q: %s", email, p.status, p.location(), p.doc.Find(".error").Text())
	}
	br.get("/console/orders") // for the CSRF token
	return br
}

// cookie returns the value of the visitor's cookie under the console.
func (br *browser) cookie(name string) string {
	u, _ := url.Parse(br.b.srv.URL + "/console/login")
	for _, c := range br.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (b *testBundle) auditLog(t *testing.T, brandID int64, f trail.AuditFilter) []*trail.AuditEntry {
	t.Helper()
	es, err := b.db.AuditLog(context.Background(), brandID, f)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func wantStatus(t *testing.T, p *page, want int) {
	t.Helper()
	if p.status != want {
		t.Fatalf("got status %d, want %d: %s", p.status, want, strings.TrimSpace(p.doc.Find("main").Text()))
	}
}

// goquerySel is a goquery selection, for Each callbacks.
type goquerySel = goquery.Selection

// nopLimiter never limits.
type nopLimiter struct{}

func (nopLimiter) Allow(time.Time, ...trail.AttemptKey) (bool, time.Duration) { return true, 0 }
func (nopLimiter) Fail(time.Time, ...trail.AttemptKey)                        {}
