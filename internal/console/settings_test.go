package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/console"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// settingsPublicURL is the console's public address in the settings
// tests, from which callback URLs are made.
const settingsPublicURL = "https://track.example.com"

// settingsFixture is a console with its settings, and in each brand one
// of every object the settings change: a webhook endpoint, an API key, a
// user to change and remove.
type settingsFixture struct {
	*testBundle
	hookA, hookB    *trail.WebhookEndpoint
	keyA, keyB      *trail.APIKey
	rawKeyB         string
	memberA         *trail.User // an agent of brand A
	memberB         *trail.User // an agent of brand B
	adminBUser      *trail.User
	carrierSecretsB map[string]string
}

// setupSettings returns the test bundle with the settings' services wired
// and the fixture objects in both brands.
func setupSettings(t *testing.T) *settingsFixture {
	t.Helper()
	b := setupWith(t, func(c *console.Config) {
		db := c.Users.(*sqlite.DB)
		c.Carriers, c.Alerts, c.Webhooks, c.APIKeys, c.Brands, c.Notify = db, db, db, db, db, db
		c.PasswordParams = cheap
		c.PublicURL = settingsPublicURL
	})
	ctx := context.Background()
	f := &settingsFixture{testBundle: b}
	for _, x := range []struct {
		brand int64
		hook  **trail.WebhookEndpoint
		url   string
		key   **trail.APIKey
		name  string
	}{
		{b.brandA.ID, &f.hookA, "https://hooks.plum.example/bt", &f.keyA, "梅子 OMS"},
		{b.brandB.ID, &f.hookB, "https://hooks.rival.example/bt?token=rival-hook-token", &f.keyB, "竹林 ERP"},
	} {
		e := &trail.WebhookEndpoint{URL: x.url, Events: []string{trail.EventOrderUpdated}}
		if err := b.db.CreateWebhook(ctx, x.brand, e); err != nil {
			t.Fatal(err)
		}
		*x.hook = e
		k := &trail.APIKey{Name: x.name, CreatedBy: "cli"}
		raw, err := b.db.CreateAPIKey(ctx, x.brand, k)
		if err != nil {
			t.Fatal(err)
		}
		*x.key = k
		if x.brand == b.brandB.ID {
			f.rawKeyB = raw
		}
	}
	f.memberA = b.mustUser(t, "temp@plum.example", map[int64]trail.Role{b.brandA.ID: trail.RoleAgent})
	f.memberB = b.mustUser(t, "temp@rival.example", map[int64]trail.Role{b.brandB.ID: trail.RoleAgent})
	u, _, err := b.db.UserByEmail(ctx, adminB)
	if err != nil {
		t.Fatal(err)
	}
	f.adminBUser = u
	f.carrierSecretsB = map[string]string{"customer": "RIVAL-CUSTOMER-7", "key": "RIVAL-KEY-SECRET-7"}
	acct := &trail.CarrierAccount{Provider: trail.ProviderKuaidi100, Credentials: map[string]string{}}
	for k, v := range f.carrierSecretsB {
		acct.Credentials[k] = v
	}
	acct.Normalize()
	if _, err := b.db.PutCarrierAccount(ctx, b.brandB.ID, acct); err != nil {
		t.Fatal(err)
	}
	return f
}

// settingsRoute is one settings route with a request that, by an admin,
// succeeds with ok.
type settingsRoute struct {
	method, path string
	action       trail.Action
	form         url.Values
	ok           int
}

// settingsRoutes lists a request for every settings route of brand A's
// fixture, in an order in which an admin can make them all.
func (f *settingsFixture) settingsRoutes() []settingsRoute {
	hook := "/console/settings/webhooks/" + strconv.FormatInt(f.hookA.ID, 10)
	user := "/console/settings/users/" + strconv.FormatInt(f.memberA.ID, 10)
	return []settingsRoute{
		{"GET", "/console/settings", trail.ActionManageSettings, nil, http.StatusOK},
		{"GET", "/console/settings/carriers", trail.ActionManageCarriers, nil, http.StatusOK},
		{"POST", "/console/settings/carriers/kuaidi100", trail.ActionManageCarriers,
			url.Values{"credentials.customer": {"PLUM-CUSTOMER-1"}, "credentials.key": {"PLUM-KEY-SECRET-1"}, "rate_per_minute": {"30"}}, http.StatusSeeOther},
		{"POST", "/console/settings/compliance", trail.ActionManageCarriers,
			url.Values{"carrier": {"yunda"}, "alcohol": {"1"}, "qualification_expires": {"2027-06-30"}}, http.StatusSeeOther},
		{"GET", "/console/settings/alerts", trail.ActionManageSettings, nil, http.StatusOK},
		{"POST", "/console/settings/alerts/stalled", trail.ActionManageSettings,
			url.Values{"enabled": {"1"}, "threshold_hours": {"36"}}, http.StatusSeeOther},
		{"GET", "/console/settings/webhooks", trail.ActionManageSettings, nil, http.StatusOK},
		{"POST", "/console/settings/webhooks", trail.ActionManageSettings,
			url.Values{"url": {"https://hooks.plum.example/second"}, "events": {trail.EventAlertOpened}}, http.StatusOK},
		{"POST", hook + "/rotate", trail.ActionManageSettings, url.Values{}, http.StatusOK},
		{"POST", hook + "/delete", trail.ActionManageSettings, url.Values{}, http.StatusSeeOther},
		{"GET", "/console/settings/api-keys", trail.ActionManageAPIKeys, nil, http.StatusOK},
		{"POST", "/console/settings/api-keys", trail.ActionManageAPIKeys, url.Values{"name": {"小程序"}}, http.StatusOK},
		{"POST", "/console/settings/api-keys/" + strconv.FormatInt(f.keyA.ID, 10) + "/revoke", trail.ActionManageAPIKeys, url.Values{}, http.StatusSeeOther},
		{"GET", "/console/settings/users", trail.ActionManageUsers, nil, http.StatusOK},
		{"POST", "/console/settings/users", trail.ActionManageUsers,
			url.Values{"email": {"new@plum.example"}, "role": {"viewer"}}, http.StatusOK},
		{"POST", user + "/role", trail.ActionManageUsers, url.Values{"role": {"viewer"}}, http.StatusSeeOther},
		{"POST", user + "/remove", trail.ActionManageUsers, url.Values{}, http.StatusSeeOther},
		{"GET", "/console/settings/service", trail.ActionManageSettings, nil, http.StatusOK},
		{"POST", "/console/settings/service", trail.ActionManageSettings,
			url.Values{"phone": {"400-820-1234"}, "wechat": {"meizi_kefu"}, "hours": {"每天 9:00–21:00"}}, http.StatusSeeOther},
		{"GET", "/console/settings/notifications", trail.ActionManageSettings, nil, http.StatusOK},
		{"POST", "/console/settings/notifications", trail.ActionManageSettings,
			url.Values{"quiet_start": {"21:30"}, "quiet_end": {"08:30"}, "daily_cap": {"2"}, "merge_minutes": {"15"}, "kinds": {"order_confirmed", "production_delayed"}}, http.StatusSeeOther},
		{"GET", "/console/settings/notifications/channels", trail.ActionManageSettings, nil, http.StatusOK},
		{"POST", "/console/settings/notifications/channels/sms", trail.ActionManageSettings,
			url.Values{"credentials.access_key_id": {"LTAI-PLUM"}, "credentials.access_key_secret": {"PLUM-SMS-SECRET-1"},
				"credentials.sign_name": {"梅子酒坊"}, "credentials.template_code": {"SMS_100"}}, http.StatusSeeOther},
		{"GET", "/console/settings/notifications/templates", trail.ActionManageSettings, nil, http.StatusOK},
		{"POST", "/console/settings/notifications/templates/shipped", trail.ActionManageSettings,
			url.Values{"subject": {"{{.Brand}}：已发货"}, "text": {"{{.Name}}，{{.Summary}}。{{.Link}} 退订 {{.OptOut}}"}}, http.StatusSeeOther},
	}
}

// TestSettingsRoleActions tries every settings route as every role:
// agents and viewers get 403 on every one, GET and POST, and change
// nothing; admins get the page or make the change, and the change is in
// the audit log.
func TestSettingsRoleActions(t *testing.T) {
	f := setupSettings(t)
	routes := f.settingsRoutes()

	// Every settings route of the server is in the table, and only admins
	// may perform its action.
	srv := console.New(console.Config{Users: f.db, Sessions: f.db, Audit: f.db, Orders: f.db, Search: f.db,
		Carriers: f.db, Alerts: f.db, Webhooks: f.db, APIKeys: f.db, Brands: f.db, Notify: f.db, Limiter: nopLimiter{}})
	n := 0
	for _, r := range srv.Routes() {
		if !strings.HasPrefix(r.Pattern, "/console/settings") {
			continue
		}
		n++
		if r.Action == "" || trail.RoleAgent.Can(r.Action) || trail.RoleViewer.Can(r.Action) || !trail.RoleAdmin.Can(r.Action) {
			t.Errorf("route %s %s: action %q is not for admins only", r.Method, r.Pattern, r.Action)
		}
		found := false
		for _, rt := range routes {
			if rt.method == r.Method && rt.action == r.Action && matchPattern(r.Pattern, rt.path) {
				found = true
			}
		}
		if !found {
			t.Errorf("route %s %s (%s) is not in the role test", r.Method, r.Pattern, r.Action)
		}
	}
	if n != len(routes) {
		t.Errorf("the server has %d settings routes, the test %d", n, len(routes))
	}
	// Without the settings' services there are none.
	bare := console.New(console.Config{Users: f.db, Sessions: f.db, Audit: f.db, Orders: f.db, Search: f.db,
		Alerts: f.db, Limiter: nopLimiter{}})
	for _, r := range bare.Routes() {
		if strings.HasPrefix(r.Pattern, "/console/settings") {
			t.Errorf("without the settings' services: route %s %s", r.Method, r.Pattern)
		}
	}

	// multi is an agent of brand A, and a viewer of brand B.
	for _, email := range []string{agentA, viewerA, multi} {
		br := f.browser(t).mustLogin(email)
		t.Run(email, func(t *testing.T) {
			if br.get("/console/orders").doc.Find(`nav a[href="/console/settings"]`).Length() != 0 {
				t.Error("the nav offers the settings")
			}
			for _, rt := range routes {
				before := len(f.auditLog(t, f.brandA.ID, trail.AuditFilter{Limit: 500}))
				var p *page
				if rt.method == "GET" {
					p = br.get(rt.path)
				} else {
					p = br.post(rt.path, cloneForm(rt.form))
				}
				if p.status != http.StatusForbidden || !strings.Contains(p.doc.Find("h1").Text(), "无权操作") {
					t.Fatalf("%s %s: got %d %q, want 403", rt.method, rt.path, p.status, p.doc.Find("h1").Text())
				}
				if after := len(f.auditLog(t, f.brandA.ID, trail.AuditFilter{Limit: 500})); after != before {
					t.Fatalf("%s %s: a refused request wrote %d audit entries", rt.method, rt.path, after-before)
				}
			}
		})
	}
	// Nothing changed.
	if _, err := f.db.Webhook(t.Context(), f.brandA.ID, f.hookA.ID); err != nil {
		t.Fatalf("webhook after refusals: %v", err)
	}
	if keys, _ := f.db.APIKeys(t.Context(), f.brandA.ID); len(keys) != 2 || !keys[0].Live() {
		t.Fatalf("API keys after refusals: %+v", keys)
	}
	if m, err := f.db.Membership(t.Context(), f.memberA.ID, f.brandA.ID); err != nil || m.Role != trail.RoleAgent {
		t.Fatalf("member after refusals: %+v, %v", m, err)
	}
	if _, err := f.db.CarrierAccount(t.Context(), f.brandA.ID, trail.ProviderKuaidi100); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Fatalf("carrier account after refusals: %v", err)
	}
	if b, _ := f.db.BrandBySlug(t.Context(), f.brandA.Slug); !b.Service.Empty() {
		t.Fatalf("service contact after refusals: %+v", b.Service)
	}

	br := f.browser(t).mustLogin(adminA)
	if br.get("/console/orders").doc.Find(`nav a[href="/console/settings"]`).Length() != 1 {
		t.Error("the nav does not offer the settings to an admin")
	}
	for _, rt := range routes {
		before := len(f.auditLog(t, f.brandA.ID, trail.AuditFilter{Limit: 500}))
		var p *page
		if rt.method == "GET" {
			p = br.get(rt.path)
		} else {
			p = br.post(rt.path, cloneForm(rt.form))
		}
		if p.status != rt.ok {
			t.Fatalf("admin %s %s: got %d, want %d: %s", rt.method, rt.path, p.status, rt.ok, strings.TrimSpace(p.doc.Find("main").Text()))
		}
		after := len(f.auditLog(t, f.brandA.ID, trail.AuditFilter{Limit: 500}))
		if want := map[bool]int{true: 1, false: 0}[rt.method == "POST"]; after-before != want {
			t.Fatalf("admin %s %s: wrote %d audit entries, want %d", rt.method, rt.path, after-before, want)
		}
		if rt.method == "GET" && p.doc.Find(`nav a[href="/console/settings"][aria-current=page]`).Length() != 1 {
			t.Errorf("GET %s: the settings are not the current section", rt.path)
		}
	}
	assertNoSecretsInAudit(t, f.testBundle, f.brandA.ID, "PLUM-CUSTOMER-1", "PLUM-KEY-SECRET-1", "PLUM-SMS-SECRET-1")
}

// matchPattern reports whether path fits a mux pattern's segments.
func matchPattern(pattern, path string) bool {
	ps, ss := strings.Split(pattern, "/"), strings.Split(strings.SplitN(path, "?", 2)[0], "/")
	if len(ps) != len(ss) {
		return false
	}
	for i := range ps {
		if !strings.HasPrefix(ps[i], "{") && ps[i] != ss[i] {
			return false
		}
	}
	return true
}

// assertNoSecretsInAudit fails if any audit entry of the brand holds one
// of the secrets, an API key or a webhook secret.
func assertNoSecretsInAudit(t *testing.T, b *testBundle, brandID int64, secrets ...string) {
	t.Helper()
	for _, e := range b.auditLog(t, brandID, trail.AuditFilter{Limit: 500}) {
		text := e.Actor + " " + e.Action + " " + e.Target + " " + e.Reason
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Fatalf("audit entry %d holds a secret: %q", e.ID, text)
			}
		}
		for _, prefix := range []string{"whsec_", trail.APIKeyPrefix} {
			if strings.Contains(text, prefix) {
				t.Fatalf("audit entry %d holds what looks like a secret (%s): %q", e.ID, prefix, text)
			}
		}
	}
}

// TestSettingsCSRF: every settings POST needs the session's CSRF token
// and a same-origin request; a refused one changes nothing.
func TestSettingsCSRF(t *testing.T) {
	f := setupSettings(t)
	br := f.browser(t).mustLogin(adminA)
	other := f.browser(t).mustLogin(agentA)
	for _, rt := range f.settingsRoutes() {
		if rt.method != "POST" {
			continue
		}
		for _, tt := range []struct {
			name    string
			token   string
			headers []string
		}{
			{"no token", "", nil},
			{"forged token", "forged", nil},
			{"another session's token", other.csrf, nil},
			{"cross-site", br.csrf, []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}},
		} {
			before := len(f.auditLog(t, f.brandA.ID, trail.AuditFilter{Limit: 500}))
			form := cloneForm(rt.form)
			form.Set("csrf", tt.token)
			if p := br.post(rt.path, form, tt.headers...); p.status != http.StatusForbidden {
				t.Fatalf("%s %s: got %d, want 403", tt.name, rt.path, p.status)
			}
			if after := len(f.auditLog(t, f.brandA.ID, trail.AuditFilter{Limit: 500})); after != before {
				t.Fatalf("%s %s: a refused request wrote %d audit entries", tt.name, rt.path, after-before)
			}
		}
	}
	if _, err := f.db.Webhook(t.Context(), f.brandA.ID, f.hookA.ID); err != nil {
		t.Fatalf("webhook after refusals: %v", err)
	}
	if keys, _ := f.db.APIKeys(t.Context(), f.brandA.ID); len(keys) != 2 || !keys[0].Live() {
		t.Fatalf("API keys after refusals: %+v", keys)
	}
	if _, err := f.db.Membership(t.Context(), f.memberA.ID, f.brandA.ID); err != nil {
		t.Fatalf("member after refusals: %v", err)
	}
	// A session that ended: back to sign in, nothing changed.
	wantStatus(t, br.post("/console/logout", nil), http.StatusSeeOther)
	wantStatus(t, br.post("/console/settings/api-keys", url.Values{"name": {"x"}}), http.StatusSeeOther)
	if keys, _ := f.db.APIKeys(t.Context(), f.brandA.ID); len(keys) != 2 {
		t.Fatalf("a signed-out POST made a key: %d keys", len(keys))
	}
}

// TestSettingsCrossBrand: brand A's admin reaches nothing of brand B's by
// any ID: not its endpoints, keys, users or carrier accounts, in a list
// or by a POST; and brand B's admin nothing of A's.
func TestSettingsCrossBrand(t *testing.T) {
	f := setupSettings(t)
	ctx := t.Context()
	br := f.browser(t).mustLogin(adminA)
	id := func(n int64) string { return strconv.FormatInt(n, 10) }

	for _, path := range []string{
		"/console/settings/webhooks/" + id(f.hookB.ID) + "/rotate",
		"/console/settings/webhooks/" + id(f.hookB.ID) + "/delete",
		"/console/settings/api-keys/" + id(f.keyB.ID) + "/revoke",
		"/console/settings/users/" + id(f.memberB.ID) + "/role",
		"/console/settings/users/" + id(f.memberB.ID) + "/remove",
		"/console/settings/users/" + id(f.adminBUser.ID) + "/role",
		"/console/settings/users/" + id(f.adminBUser.ID) + "/remove",
		"/console/settings/webhooks/999999/rotate",
		"/console/settings/api-keys/0/revoke",
		"/console/settings/users/-1/remove",
		"/console/settings/users/abc/role",
		"/console/settings/carriers/ups",
		"/console/settings/alerts/no_such_type",
	} {
		p := br.post(path, url.Values{"role": {"admin"}})
		if p.status != http.StatusNotFound {
			t.Fatalf("POST %s: got %d, want 404", path, p.status)
		}
		if strings.Contains(p.body, "whsec_") || strings.Contains(p.body, f.hookB.URL) {
			t.Fatalf("POST %s shows brand B's endpoint", path)
		}
	}
	// Brand B's objects are as they were.
	if e, err := f.db.Webhook(ctx, f.brandB.ID, f.hookB.ID); err != nil || e.Secret != f.hookB.Secret || e.RotatedAt != nil {
		t.Fatalf("brand B's webhook: got %+v, %v", e, err)
	}
	if got, err := f.db.BrandByAPIKey(ctx, f.rawKeyB); err != nil || got.ID != f.brandB.ID {
		t.Fatalf("brand B's key: got %v, %v", got, err)
	}
	for _, u := range []*trail.User{f.memberB, f.adminBUser} {
		if _, err := f.db.Membership(ctx, u.ID, f.brandA.ID); trail.ErrorCode(err) != trail.ENOTFOUND {
			t.Fatalf("brand B's user %s joined brand A: %v", u.Email, err)
		}
	}
	if m, err := f.db.Membership(ctx, f.adminBUser.ID, f.brandB.ID); err != nil || m.Role != trail.RoleAdmin {
		t.Fatalf("brand B's admin: got %+v, %v", m, err)
	}
	if m, err := f.db.Membership(ctx, f.memberB.ID, f.brandB.ID); err != nil || m.Role != trail.RoleAgent {
		t.Fatalf("brand B's agent: got %+v, %v", m, err)
	}

	// A user of both brands: brand A's admin changes their role in A only.
	mu, _, _ := f.db.UserByEmail(ctx, multi)
	wantStatus(t, br.post("/console/settings/users/"+id(mu.ID)+"/role", url.Values{"role": {"viewer"}}), http.StatusSeeOther)
	if m, _ := f.db.Membership(ctx, mu.ID, f.brandA.ID); m.Role != trail.RoleViewer {
		t.Fatalf("multi in brand A: got %s", m.Role)
	}
	if m, _ := f.db.Membership(ctx, mu.ID, f.brandB.ID); m.Role != trail.RoleViewer {
		t.Fatalf("multi in brand B: got %s, want unchanged viewer", m.Role)
	}
	wantStatus(t, br.post("/console/settings/users/"+id(mu.ID)+"/remove", nil), http.StatusSeeOther)
	if _, err := f.db.Membership(ctx, mu.ID, f.brandB.ID); err != nil {
		t.Fatalf("multi removed from brand A lost brand B: %v", err)
	}

	// Brand A's own carrier account and compliance leave brand B's alone.
	wantStatus(t, br.post("/console/settings/carriers/kuaidi100", url.Values{"credentials.customer": {"PLUM-C"}, "credentials.key": {"PLUM-K"}}), http.StatusSeeOther)
	wantStatus(t, br.post("/console/settings/compliance", url.Values{"carrier": {"shunfeng"}}), http.StatusSeeOther)
	if a, err := f.db.CarrierAccount(ctx, f.brandB.ID, trail.ProviderKuaidi100); err != nil || a.Credentials["key"] != f.carrierSecretsB["key"] {
		t.Fatalf("brand B's account: got %v, %v", a, err)
	}
	list, _ := f.db.Compliances(ctx, f.brandB.ID)
	for _, c := range list {
		if c.Carrier == "shunfeng" && !c.Alcohol {
			t.Fatal("brand A's declaration changed brand B's")
		}
	}

	// The lists show brand A's only.
	for path, foreign := range map[string][]string{
		"/console/settings/carriers": {f.carrierSecretsB["customer"], f.carrierSecretsB["key"], f.brandB.Slug},
		"/console/settings/webhooks": {f.hookB.URL, "hooks.rival.example"},
		"/console/settings/api-keys": {f.keyB.Name, f.keyB.Hint + "<"},
		"/console/settings/users":    {adminB, f.memberB.Email},
	} {
		p := br.get(path)
		wantStatus(t, p, http.StatusOK)
		for _, s := range foreign {
			if strings.Contains(p.body, s) {
				t.Errorf("GET %s shows brand B's %q", path, s)
			}
		}
	}
	if es, _ := f.db.AuditLog(ctx, f.brandB.ID, trail.AuditFilter{Limit: 500}); len(es) != 0 {
		t.Fatalf("brand B's audit log got %d entries from brand A's admin", len(es))
	}

	// And the other way round.
	bb := f.browser(t).mustLogin(adminB)
	for _, path := range []string{
		"/console/settings/webhooks/" + id(f.hookA.ID) + "/delete",
		"/console/settings/api-keys/" + id(f.keyA.ID) + "/revoke",
		"/console/settings/users/" + id(f.memberA.ID) + "/remove",
	} {
		wantStatus(t, bb.post(path, nil), http.StatusNotFound)
	}
	for path, foreign := range map[string]string{
		"/console/settings/webhooks": f.hookA.URL,
		"/console/settings/api-keys": f.keyA.Name,
		"/console/settings/users":    f.memberA.Email,
	} {
		if p := bb.get(path); strings.Contains(p.body, foreign) {
			t.Errorf("brand B's GET %s shows brand A's %q", path, foreign)
		}
	}
}

// TestSettingsIndex: the first page names every section, the
// notification settings among them.
func TestSettingsIndex(t *testing.T) {
	f := setupSettings(t)
	br := f.browser(t).mustLogin(adminA)
	p := br.get("/console/settings")
	wantStatus(t, p, http.StatusOK)
	for _, href := range []string{"/console/settings/carriers", "/console/settings/alerts", "/console/settings/webhooks",
		"/console/settings/api-keys", "/console/settings/users", "/console/settings/service", "/console/settings/notifications"} {
		if p.doc.Find(`main a[href="`+href+`"]`).Length() == 0 {
			t.Errorf("no link to %s", href)
		}
	}
	slot := p.doc.Find("#notifications")
	if slot.Find(`h2 a[href="/console/settings/notifications"]`).Length() != 1 || strings.Contains(p.body, "即将推出") {
		t.Fatalf("notification section: %q", slot.Text())
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control: got %q", p.header.Get("Cache-Control"))
	}
}
