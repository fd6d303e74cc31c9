package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/console"
	"github.com/bottletrail/bottletrail/internal/trail"
)

func TestConsoleLoginLogout(t *testing.T) {
	b := setup(t)
	br := b.browser(t)

	p := br.get("/console/orders?q=DEMO")
	wantStatus(t, p, http.StatusSeeOther)
	if got := p.location(); got != "/console/login?next=%2Fconsole%2Forders%3Fq%3DDEMO" {
		t.Fatalf("without a session: got redirect %q", got)
	}
	p = br.get(p.location())
	wantStatus(t, p, http.StatusOK)
	if v, _ := p.doc.Find(`input[name=next]`).Attr("value"); v != "/console/orders?q=DEMO" {
		t.Fatalf("next: got %q", v)
	}
	if p.doc.Find(`input[name=email]`).Length() != 1 || p.doc.Find(`input[name=password][type=password]`).Length() != 1 {
		t.Fatal("the sign-in form lacks its fields")
	}

	wrong := br.post("/console/login", url.Values{"email": {agentA}, "password": {"wrong password!"}})
	wantStatus(t, wrong, http.StatusUnauthorized)
	unknown := br.post("/console/login", url.Values{"email": {"ghost@plum.example"}, "password": {testPassword}})
	wantStatus(t, unknown, http.StatusUnauthorized)
	if w, u := wrong.doc.Find(".error").Text(), unknown.doc.Find(".error").Text(); w != u || w == "" {
		t.Fatalf("wrong password and unknown user answer differently: %q vs %q", w, u)
	}
	if v, _ := wrong.doc.Find(`input[name=email]`).Attr("value"); v != agentA {
		t.Fatalf("the form forgot the address: %q", v)
	}
	if p := br.login(nobody, testPassword); p.status != http.StatusForbidden || !strings.Contains(p.doc.Find(".error").Text(), "尚未加入任何品牌") {
		t.Fatalf("user without a brand: got %d %q", p.status, p.doc.Find(".error").Text())
	}

	p = br.post("/console/login", url.Values{"email": {"  AGENT@plum.example "}, "password": {testPassword}, "next": {"/console/orders?q=DEMO"}})
	wantStatus(t, p, http.StatusSeeOther)
	if p.location() != "/console/orders?q=DEMO" {
		t.Fatalf("after sign-in: got redirect %q", p.location())
	}
	var session *http.Cookie
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == "bt_console" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/console" || session.Secure {
		t.Fatalf("session cookie: got %+v, want HttpOnly, SameSite=Lax, Path=/console (not Secure on plain HTTP)", session)
	}
	p = br.get("/console/orders")
	wantStatus(t, p, http.StatusOK)
	if got := p.doc.Find(".brand-name").Text(); got != b.brandA.Name {
		t.Fatalf("brand shown: got %q", got)
	}
	if got := p.doc.Find(".role").Text(); got != "客服" {
		t.Fatalf("role shown: got %q", got)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"} {
		if p.header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP: got %q", csp)
	}
	if cc := p.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control: got %q", cc)
	}
	css, _ := p.doc.Find(`link[rel=stylesheet]`).Attr("href")
	if c := br.get(css); c.status != http.StatusOK || !strings.HasPrefix(c.header.Get("Content-Type"), "text/css") {
		t.Fatalf("stylesheet %s: got %d %s", css, c.status, c.header.Get("Content-Type"))
	}

	token := br.cookie("bt_console")
	p = br.post("/console/logout", nil)
	wantStatus(t, p, http.StatusSeeOther)
	if p.location() != "/console/login" {
		t.Fatalf("after logout: got redirect %q", p.location())
	}
	if p := br.get("/console/orders"); p.status != http.StatusSeeOther {
		t.Fatalf("after logout: got %d, want a redirect to sign in", p.status)
	}
	// The old cookie is worthless: the session is gone from the store.
	if _, err := b.db.Session(t.Context(), token); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Fatalf("session after logout: got %v, want not found", err)
	}
	var actions []string
	for _, e := range b.auditLog(t, b.brandA.ID, trail.AuditFilter{}) {
		actions = append(actions, e.Action+" "+e.Actor)
	}
	if strings.Join(actions, ",") != "logout agent@plum.example,login agent@plum.example" {
		t.Fatalf("audit: got %v", actions)
	}
}

func TestConsoleLoginCSRF(t *testing.T) {
	b := setup(t)
	form := url.Values{"email": {agentA}, "password": {testPassword}}

	// No sign-in cookie at all: a forged form.
	br := b.browser(t)
	form.Set("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAA")
	wantStatus(t, br.post("/console/login", form), http.StatusForbidden)

	// A cookie, but another token.
	br.get("/console/login")
	wantStatus(t, br.post("/console/login", form), http.StatusForbidden)

	// Cross-site, with the right token.
	br.get("/console/login")
	form.Del("csrf")
	wantStatus(t, br.post("/console/login", form, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	if br.cookie("bt_console") != "" {
		t.Fatal("a refused sign-in set a session")
	}
	wantStatus(t, br.post("/console/login", form), http.StatusSeeOther)
}

func TestConsoleLoginThrottle(t *testing.T) {
	b := setup(t)
	br := b.browser(t)
	for i := range console.MaxFailedLoginsPerEmail {
		if p := br.login(agentA, "wrong password!"); p.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: got %d, want 401", i+1, p.status)
		}
	}
	// Past the limit even the right password waits, with the same answer
	// for an address that exists and one that does not.
	p := br.login(agentA, testPassword)
	wantStatus(t, p, http.StatusTooManyRequests)
	if p.header.Get("Retry-After") == "" || !strings.Contains(p.doc.Find(".error").Text(), "分钟后再试") {
		t.Fatalf("throttled: got Retry-After %q, %q", p.header.Get("Retry-After"), p.doc.Find(".error").Text())
	}
	// The owner of the address, from another client, is not held back by
	// a stranger's wrong passwords; the stranger still is.
	other := b.browser(t)
	other.ip = "198.51.100.9"
	other.mustLogin(agentA)
	wantStatus(t, br.login(agentA, testPassword), http.StatusTooManyRequests)

	// Per client: many addresses from one client.
	flood := b.browser(t)
	flood.ip = "192.0.2.50"
	for i := range console.MaxFailedLoginsPerClient {
		if p := flood.login("guess"+string(rune('a'+i))+"@plum.example", "wrong password!"); p.status != http.StatusUnauthorized {
			t.Fatalf("client attempt %d: got %d", i+1, p.status)
		}
	}
	wantStatus(t, flood.login(adminA, testPassword), http.StatusTooManyRequests)

	// After the window, both may try again.
	b.clock.Add(console.LoginWindow + time.Second)
	br.mustLogin(agentA)
	flood.mustLogin(adminA)

	// A ceiling per address: wrong passwords from many clients hold back
	// everyone, the right password too, for the longer window.
	for i := range console.MaxFailedLoginsPerAccount {
		guesser := b.browser(t)
		guesser.ip = fmt.Sprintf("203.0.113.%d", i/console.MaxFailedLoginsPerEmail)
		wantStatus(t, guesser.login(viewerA, "wrong password!"), http.StatusUnauthorized)
	}
	owner := b.browser(t)
	owner.ip = "198.51.100.77"
	p = owner.login(viewerA, testPassword)
	wantStatus(t, p, http.StatusTooManyRequests)
	if got := p.header.Get("Retry-After"); got != "3600" {
		t.Errorf("Retry-After past the ceiling: got %q, want 3600", got)
	}
	b.clock.Add(console.AccountWindow)
	owner.mustLogin(viewerA)
}

func TestConsoleSessionExpiry(t *testing.T) {
	b := setup(t)

	t.Run("idle", func(t *testing.T) {
		br := b.browser(t).mustLogin(agentA)
		b.clock.Add(trail.SessionIdleTimeout - time.Minute)
		wantStatus(t, br.get("/console/orders"), http.StatusOK) // and the session is touched
		b.clock.Add(trail.SessionIdleTimeout - time.Minute)
		wantStatus(t, br.get("/console/orders"), http.StatusOK)
		b.clock.Add(trail.SessionIdleTimeout)
		p := br.get("/console/orders")
		wantStatus(t, p, http.StatusSeeOther)
		if !strings.Contains(p.location(), "expired=1") {
			t.Fatalf("idle session: got redirect %q, want the expired notice", p.location())
		}
		if p := br.get(p.location()); !strings.Contains(p.doc.Find(".info").Text(), "登录已超时") {
			t.Fatalf("sign-in page after expiry: %q", p.doc.Find(".info").Text())
		}
	})
	t.Run("absolute", func(t *testing.T) {
		br := b.browser(t).mustLogin(agentA)
		for elapsed := time.Duration(0); elapsed < trail.SessionMaxAge-20*time.Minute; elapsed += 20 * time.Minute {
			b.clock.Add(20 * time.Minute)
			wantStatus(t, br.get("/console/orders"), http.StatusOK)
		}
		b.clock.Add(20 * time.Minute) // 12 h after sign-in, active all along
		if p := br.get("/console/orders"); p.status != http.StatusSeeOther {
			t.Fatalf("after %v: got %d, want the session ended", trail.SessionMaxAge, p.status)
		}
	})
	t.Run("expired POST", func(t *testing.T) {
		br := b.browser(t).mustLogin(agentA)
		b.clock.Add(trail.SessionIdleTimeout)
		p := br.post("/console/orders/"+orderSplit+"/notes", url.Values{"note": {"来电"}})
		wantStatus(t, p, http.StatusSeeOther)
		if n := len(b.auditLog(t, b.brandA.ID, trail.AuditFilter{Action: trail.AuditAddNote})); n != 0 {
			t.Fatalf("a note from an expired session was kept (%d)", n)
		}
	})
}

func TestConsoleCSRF(t *testing.T) {
	b := setup(t)
	br := b.browser(t).mustLogin(agentA)
	other := b.browser(t).mustLogin(adminA)
	path := "/console/orders/" + orderSplit + "/notes"
	note := func(extra ...string) url.Values {
		v := url.Values{"note": {"客户来电"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	tests := []struct {
		name    string
		form    url.Values
		headers []string
		want    int
	}{
		{"no token", note("csrf", ""), nil, http.StatusForbidden},
		{"wrong token", note("csrf", "forged"), nil, http.StatusForbidden},
		{"another session's token", note("csrf", other.csrf), nil, http.StatusForbidden},
		{"cross-site origin", note(), []string{"Origin", "https://evil.example", "Sec-Fetch-Site", ""}, http.StatusForbidden},
		{"cross-site fetch", note(), []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"valid", note(), nil, http.StatusSeeOther},
		{"valid without Origin (not a browser)", note(), []string{"Origin", "", "Sec-Fetch-Site", ""}, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(b.auditLog(t, b.brandA.ID, trail.AuditFilter{Action: trail.AuditAddNote}))
			p := br.post(path, tt.form, tt.headers...)
			wantStatus(t, p, tt.want)
			after := len(b.auditLog(t, b.brandA.ID, trail.AuditFilter{Action: trail.AuditAddNote}))
			if wrote := after > before; wrote != (tt.want == http.StatusSeeOther) {
				t.Fatalf("note written: %v, want %v", wrote, !wrote)
			}
		})
	}
	// Logging out needs the token too.
	wantStatus(t, br.post("/console/logout", url.Values{"csrf": {"forged"}}), http.StatusForbidden)
	wantStatus(t, br.get("/console/orders"), http.StatusOK)
}

func TestConsoleBrandSwitch(t *testing.T) {
	b := setup(t)
	br := b.browser(t).mustLogin(multi)
	p := br.get("/console/orders")
	opts := p.doc.Find(`form.switch select[name=brand] option`)
	if opts.Length() != 2 {
		t.Fatalf("switcher: got %d brands, want 2", opts.Length())
	}
	if sel, _ := p.doc.Find(`form.switch option[selected]`).Attr("value"); sel != b.brandA.Slug {
		t.Fatalf("switcher: got %q selected, want the first brand", sel)
	}
	if p.doc.Find(`a.order-link:contains("`+orderB+`")`).Length() != 0 {
		t.Fatal("brand A's list shows brand B's order")
	}
	old := br.cookie("bt_console")
	oldCSRF := br.csrf

	p = br.post("/console/brand", url.Values{"brand": {b.brandB.Slug}})
	wantStatus(t, p, http.StatusSeeOther)
	if br.cookie("bt_console") == old {
		t.Fatal("switching brands kept the session token")
	}
	p = br.get("/console/orders")
	wantStatus(t, p, http.StatusOK)
	if p.doc.Find(`a.order-link:contains("`+orderB+`")`).Length() != 1 || p.doc.Find(`a.order-link:contains("DEMO-")`).Length() != 0 {
		t.Fatalf("brand B's list: %s", p.doc.Find("table").Text())
	}
	if got := p.doc.Find(".role").Text(); got != "只读" {
		t.Fatalf("role in brand B: got %q, want 只读", got)
	}
	// A viewer in brand B may not add notes, though an agent in brand A.
	wantStatus(t, br.post("/console/orders/"+orderB+"/notes", url.Values{"note": {"x"}}), http.StatusForbidden)
	// The old session is gone, and its CSRF token with it.
	if _, err := b.db.Session(t.Context(), old); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Fatalf("old session: got %v, want not found", err)
	}
	wantStatus(t, br.post("/console/orders/"+orderB+"/notes", url.Values{"note": {"x"}, "csrf": {oldCSRF}}), http.StatusForbidden)
	if es := b.auditLog(t, b.brandB.ID, trail.AuditFilter{Action: trail.AuditSwitchBrand}); len(es) != 1 || es[0].Actor != multi {
		t.Fatalf("audit of the switch: got %v", es)
	}

	// A brand the user does not belong to, or does not exist: 404.
	solo := b.browser(t).mustLogin(agentA)
	wantStatus(t, solo.post("/console/brand", url.Values{"brand": {b.brandB.Slug}}), http.StatusNotFound)
	wantStatus(t, solo.post("/console/brand", url.Values{"brand": {"no-such-brand"}}), http.StatusNotFound)
	if p := solo.get("/console/orders"); p.doc.Find(".brand-name").Text() != b.brandA.Name || p.doc.Find("form.switch").Length() != 0 {
		t.Fatal("a one-brand user moved, or sees a switcher")
	}
}

func TestConsoleMembershipRevoked(t *testing.T) {
	b := setup(t)
	u := b.mustUser(t, "temp@plum.example", map[int64]trail.Role{b.brandA.ID: trail.RoleAgent})
	br := b.browser(t).mustLogin(u.Email)
	// Demoted: the next request runs with the new role.
	if _, err := b.db.PutMembership(t.Context(), u.ID, b.brandA.ID, trail.RoleViewer); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, br.post("/console/orders/"+orderSplit+"/notes", url.Values{"note": {"x"}}), http.StatusForbidden)
	// Signed out everywhere: the session ends.
	if _, err := b.db.DeleteUserSessions(t.Context(), u.ID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, br.get("/console/orders"), http.StatusSeeOther)
}

func TestConsoleSafeNextRedirects(t *testing.T) {
	b := setup(t)
	for next, want := range map[string]string{
		"/console/orders/DEMO-0001": "/console/orders/DEMO-0001",
		"https://evil.example/":     "/console/orders",
		"//evil.example/console/":   "/console/orders",
		"/console//evil.example":    "/console/orders",
		"/console/\\evil":           "/console/orders",
		"/api/v1/orders":            "/console/orders",
		"/console/login":            "/console/orders",
	} {
		br := b.browser(t)
		br.get("/console/login")
		p := br.post("/console/login", url.Values{"email": {agentA}, "password": {testPassword}, "next": {next}})
		if p.location() != want {
			t.Errorf("next %q: got redirect %q, want %q", next, p.location(), want)
		}
	}
}

// TestConsoleTrustedOrigin: behind a proxy that rewrites Host, a form from
// the configured public address still passes the cross-origin check, and
// another origin does not.
func TestConsoleTrustedOrigin(t *testing.T) {
	b := setupWith(t, func(c *console.Config) { c.PublicURL = "https://ops.example.com/console/" })
	br := b.browser(t)
	br.get("/console/login")
	form := url.Values{"email": {agentA}, "password": {testPassword}}
	wantStatus(t, br.post("/console/login", form, "Sec-Fetch-Site", "", "Origin", "https://other.example.com"), http.StatusForbidden)
	wantStatus(t, br.post("/console/login", form, "Sec-Fetch-Site", "", "Origin", "https://ops.example.com"), http.StatusSeeOther)
}
