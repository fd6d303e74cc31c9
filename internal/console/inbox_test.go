package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/console"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// evaluatedAt is when the test bundle's alerts are evaluated: a day after
// testNow, so that brand B's parcel is overdue for pickup too.
var evaluatedAt = testNow.Add(26 * time.Hour)

// publicURL is where the ops bundle's consumers reach the server.
const publicURL = "https://track.plum.example"

// setupOps is the test bundle with the inbox and the order actions on,
// and the alerts of both brands evaluated.
func setupOps(t *testing.T) *testBundle {
	t.Helper()
	b := setupWith(t, func(cfg *console.Config) { opsConfig(t, cfg, cfg.Users.(*sqlite.DB)) })
	ctx := context.Background()
	for {
		n, err := b.db.EvaluateDue(ctx, evaluatedAt, 100)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	return b
}

// opsConfig adds the inbox's and the order actions' services (and the
// settings', which come with them) to cfg.
func opsConfig(t *testing.T, cfg *console.Config, db *sqlite.DB) {
	cfg.Alerts, cfg.Inbox, cfg.Links, cfg.Tracking, cfg.Carriers = db, db, db, db, db
	cfg.Webhooks, cfg.APIKeys = db, db
	cfg.Sealer = storetest.MustSealer(t)
	cfg.PublicURL = publicURL
}

// alerts returns a brand's alerts in a status ("" for all), newest first.
func (b *testBundle) alerts(t *testing.T, brandID int64, status trail.AlertStatus) []*trail.Alert {
	t.Helper()
	as, err := b.db.Alerts(context.Background(), brandID, trail.AlertFilter{Status: status, Limit: trail.MaxAlertPage})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// alert returns one of a brand's alerts by ID.
func (b *testBundle) alert(t *testing.T, brandID, id int64) *trail.Alert {
	t.Helper()
	for _, a := range b.alerts(t, brandID, "") {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("brand %d has no alert %d", brandID, id)
	return nil
}

// openAlert returns an open alert of the brand that is about an order,
// not yet acknowledged if there is one.
func (b *testBundle) openAlert(t *testing.T, brandID int64) *trail.Alert {
	t.Helper()
	var found *trail.Alert
	for _, a := range b.alerts(t, brandID, trail.AlertOpen) {
		if a.OrderNo != "" && (found == nil || (found.AcknowledgedAt != nil && a.AcknowledgedAt == nil)) {
			found = a
		}
	}
	if found == nil {
		t.Fatal("no open alert about an order is left")
	}
	return found
}

func (b *testBundle) auditCount(t *testing.T, brandID int64) int {
	t.Helper()
	return len(b.auditLog(t, brandID, trail.AuditFilter{Limit: 500}))
}

// opsRoute is a route of the inbox or the order actions with a request
// that works when the role allows it.
type opsRoute struct {
	method, pattern string
	action          trail.Action
	path            func() string     // the URL to request, made when the request is
	form            func() url.Values // the form, made when the request is
	ok              int               // the status when allowed
	audits          int               // audit entries an allowed request writes
}

// opsRoutes are every route of the inbox and the order actions, each with
// a request that works in the test bundle.
func opsRoutes(t *testing.T, b *testBundle) []opsRoute {
	alertPath := func(suffix string) func() string {
		return func() string {
			return "/console/alerts/" + strconv.FormatInt(b.openAlert(t, b.brandA.ID).ID, 10) + suffix
		}
	}
	orderAlertPath := func(suffix string) func() string {
		return func() string {
			a := b.openAlert(t, b.brandA.ID)
			return "/console/orders/" + a.OrderNo + "/alerts/" + strconv.FormatInt(a.ID, 10) + suffix
		}
	}
	fixed := func(p string) func() string { return func() string { return p } }
	form := func(kv ...string) func() url.Values {
		return func() url.Values {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Add(kv[i], kv[i+1])
			}
			return v
		}
	}
	parcel := func() *trail.Shipment {
		g, err := b.db.OrderGraph(context.Background(), b.brandA.ID, orderSplit)
		if err != nil {
			t.Fatal(err)
		}
		return g.Shipments[0]
	}
	return []opsRoute{
		{"GET", "/console/alerts", trail.ActionViewAlerts, fixed("/console/alerts"), nil, http.StatusOK, 0},
		{"GET", "/console/alerts/live", trail.ActionViewAlerts, fixed("/console/alerts/live?type=stalled"), nil, http.StatusOK, 0},
		{"POST", "/console/alerts/{id}/ack", trail.ActionHandleAlerts, alertPath("/ack"), form(), http.StatusSeeOther, 1},
		{"POST", "/console/alerts/{id}/assign", trail.ActionHandleAlerts, alertPath("/assign"), form("assignee", "me"), http.StatusSeeOther, 1},
		{"POST", "/console/alerts/{id}/resolve", trail.ActionHandleAlerts, alertPath("/resolve"), form("note", "已联系快递，明天派送"), http.StatusSeeOther, 1},
		{"POST", "/console/alerts/bulk", trail.ActionHandleAlerts, fixed("/console/alerts/bulk"),
			func() url.Values {
				return url.Values{"op": {"ack"}, "id": {strconv.FormatInt(b.openAlert(t, b.brandA.ID).ID, 10)}}
			}, http.StatusSeeOther, 1},
		{"POST", "/console/orders/{order_no}/link", trail.ActionOperateParcels, fixed("/console/orders/" + orderSplit + "/link"),
			form("reason", "客户没收到短信"), http.StatusOK, 1},
		{"POST", "/console/orders/{order_no}/resubscribe", trail.ActionOperateParcels, fixed("/console/orders/" + orderSplit + "/resubscribe"),
			func() url.Values {
				p := parcel()
				return url.Values{"carrier": {p.Carrier}, "tracking_no": {p.TrackingNo}, "reason": {"轨迹三天未更新"}}
			}, http.StatusSeeOther, 1},
		{"POST", "/console/orders/{order_no}/carrier", trail.ActionOperateParcels, fixed("/console/orders/" + orderSplit + "/carrier"),
			func() url.Values {
				p := parcel()
				to := "yunda"
				if p.Carrier == to {
					to = "zhongtong"
				}
				return url.Values{"carrier": {p.Carrier}, "tracking_no": {p.TrackingNo}, "new_carrier": {to}, "reason": {"面单与录入不符"}}
			}, http.StatusSeeOther, 1},
		{"POST", "/console/orders/{order_no}/alerts/{id}/ack", trail.ActionHandleAlerts, orderAlertPath("/ack"), form("assignee", "me"), http.StatusSeeOther, 1},
		{"POST", "/console/orders/{order_no}/alerts/{id}/resolve", trail.ActionHandleAlerts, orderAlertPath("/resolve"), form("note", "已与客户确认"), http.StatusSeeOther, 1},
	}
}

// isOpsRoute reports whether a route is the inbox's or an order action's.
func isOpsRoute(r console.Route) bool {
	if strings.HasPrefix(r.Pattern, "/console/alerts") {
		return true
	}
	rest, ok := strings.CutPrefix(r.Pattern, "/console/orders/{order_no}/")
	return ok && rest != "notes" && rest != "reveal"
}

// TestConsoleInboxRoleActions tries every route of the inbox and the
// order actions as every role: the role decides between the answer and
// 403, a refusal writes nothing, and the pages offer only what the role
// may do.
func TestConsoleInboxRoleActions(t *testing.T) {
	b := setupOps(t)
	routes := opsRoutes(t, b)
	cfg := console.Config{Users: b.db, Sessions: b.db, Audit: b.db, Orders: b.db, Search: b.db,
		Limiter: nopLimiter{}}
	opsConfig(t, &cfg, b.db)
	n := 0
	for _, r := range console.New(cfg).Routes() {
		if !isOpsRoute(r) {
			continue
		}
		n++
		if !slices.ContainsFunc(routes, func(rt opsRoute) bool {
			return rt.method == r.Method && rt.pattern == r.Pattern && rt.action == r.Action
		}) {
			t.Errorf("route %s %s (%s) is not in the role test", r.Method, r.Pattern, r.Action)
		}
	}
	if n != len(routes) {
		t.Errorf("the server has %d inbox and order-action routes, the test %d", n, len(routes))
	}
	for _, u := range []struct {
		email string
		role  trail.Role
	}{{adminA, trail.RoleAdmin}, {agentA, trail.RoleAgent}, {viewerA, trail.RoleViewer}} {
		br := b.browser(t).mustLogin(u.email)
		for _, rt := range routes {
			allowed := u.role.Can(rt.action)
			t.Run(string(u.role)+" "+rt.method+" "+rt.pattern, func(t *testing.T) {
				before := b.auditCount(t, b.brandA.ID)
				openBefore := len(b.alerts(t, b.brandA.ID, trail.AlertOpen))
				ackedBefore := len(b.alerts(t, b.brandA.ID, trail.AlertAcknowledged))
				var p *page
				if rt.method == "GET" {
					p = br.get(rt.path())
				} else {
					p = br.post(rt.path(), rt.form())
				}
				if allowed {
					wantStatus(t, p, rt.ok)
					if got := b.auditCount(t, b.brandA.ID) - before; got != rt.audits {
						t.Fatalf("audit entries written: got %d, want %d", got, rt.audits)
					}
					return
				}
				wantStatus(t, p, http.StatusForbidden)
				if !strings.Contains(p.doc.Find("h1").Text(), "无权操作") {
					t.Fatalf("refusal page: %q", p.doc.Find("h1").Text())
				}
				if after := b.auditCount(t, b.brandA.ID); after != before {
					t.Fatalf("a refused %s wrote %d audit entries", rt.action, after-before)
				}
				if len(b.alerts(t, b.brandA.ID, trail.AlertOpen)) != openBefore || len(b.alerts(t, b.brandA.ID, trail.AlertAcknowledged)) != ackedBefore {
					t.Fatal("a refused request changed an alert")
				}
			})
		}

		// The pages offer only what the role may do.
		p := br.get("/console/alerts")
		wantStatus(t, p, http.StatusOK)
		handle := u.role.Can(trail.ActionHandleAlerts)
		if got := p.doc.Find(`form#bulk`).Length() == 1; got != handle {
			t.Errorf("%s: bulk form shown %v", u.role, got)
		}
		if got := p.doc.Find(`#inbox-list form[action$="/resolve"]`).Length() > 0; got != handle {
			t.Errorf("%s: resolve forms shown %v", u.role, got)
		}
		if got := p.doc.Find(`#inbox-list input[name=id]`).Length() > 0; got != handle {
			t.Errorf("%s: check boxes shown %v", u.role, got)
		}
		if p.doc.Find(`nav.nav a[href="/console/alerts"][aria-current=page]`).Length() != 1 {
			t.Errorf("%s: no current inbox link in the navigation", u.role)
		}
		p = br.get("/console/orders/" + orderSplit)
		operate := u.role.Can(trail.ActionOperateParcels)
		for sel, want := range map[string]bool{
			`form[action$="/link"]`:                          operate,
			`form[action$="/resubscribe"]`:                   operate,
			`form[action$="/carrier"]`:                       operate,
			`#alerts form[action$="/resolve"]`:               handle,
			`#notifications .notify-off`:                     true,
			`#eta-history`:                                   true,
			`#alerts li.al`:                                  true,
			`.parcel-ops`:                                    operate,
			`#people form[action$="/reveal"], #people .info`: u.role.Can(trail.ActionRevealPII),
		} {
			if got := p.doc.Find(sel).Length() > 0; got != want {
				t.Errorf("%s: %s shown %v, want %v", u.role, sel, got, want)
			}
		}
	}
}

// TestConsoleInboxCrossBrand proves that brand A's operators reach none
// of brand B's alerts, orders or parcels by any URL of the inbox or the
// order actions, and that brand B's alert is untouched by it all.
func TestConsoleInboxCrossBrand(t *testing.T) {
	b := setupOps(t)
	bAlerts := b.alerts(t, b.brandB.ID, trail.AlertOpen)
	if len(bAlerts) == 0 {
		t.Fatal("brand B has no open alert to probe with")
	}
	theirs := bAlerts[0]
	idB := strconv.FormatInt(theirs.ID, 10)
	g, err := b.db.OrderGraph(context.Background(), b.brandA.ID, orderSplit)
	if err != nil {
		t.Fatal(err)
	}
	mine := g.Shipments[0]
	for _, email := range []string{adminA, agentA, viewerA, multi} {
		br := b.browser(t).mustLogin(email)
		role := map[string]trail.Role{adminA: trail.RoleAdmin, agentA: trail.RoleAgent, viewerA: trail.RoleViewer, multi: trail.RoleAgent}[email]
		t.Run(email, func(t *testing.T) {
			for _, path := range []string{"/console/alerts", "/console/alerts/live", "/console/alerts?status=resolved", "/console/alerts?type=no_pickup"} {
				p := br.get(path)
				wantStatus(t, p, http.StatusOK)
				if strings.Contains(p.body, trackingB) || strings.Contains(p.body, orderB) || p.doc.Find(`[data-id="`+idB+`"]`).Length() != 0 {
					t.Fatalf("GET %s shows brand B's alert", path)
				}
			}
			posts := []struct {
				path   string
				form   url.Values
				action trail.Action
			}{
				{"/console/alerts/" + idB + "/ack", url.Values{}, trail.ActionHandleAlerts},
				{"/console/alerts/" + idB + "/assign", url.Values{"assignee": {"me"}}, trail.ActionHandleAlerts},
				{"/console/alerts/" + idB + "/resolve", url.Values{"note": {"偷偷关掉"}}, trail.ActionHandleAlerts},
				{"/console/alerts/bulk", url.Values{"op": {"resolve"}, "id": {idB}, "note": {"偷偷关掉"}}, trail.ActionHandleAlerts},
				{"/console/orders/" + orderB + "/alerts/" + idB + "/ack", url.Values{"assignee": {"me"}}, trail.ActionHandleAlerts},
				{"/console/orders/" + orderB + "/alerts/" + idB + "/resolve", url.Values{"note": {"偷偷关掉"}}, trail.ActionHandleAlerts},
				{"/console/orders/" + orderSplit + "/alerts/" + idB + "/resolve", url.Values{"note": {"偷偷关掉"}}, trail.ActionHandleAlerts},
				{"/console/orders/" + orderB + "/link", url.Values{"reason": {"看看别家"}}, trail.ActionOperateParcels},
				{"/console/orders/" + orderB + "/resubscribe", url.Values{"carrier": {"shunfeng"}, "tracking_no": {trackingB}, "reason": {"看看别家"}}, trail.ActionOperateParcels},
				{"/console/orders/" + orderSplit + "/resubscribe", url.Values{"carrier": {"shunfeng"}, "tracking_no": {trackingB}, "reason": {"看看别家"}}, trail.ActionOperateParcels},
				{"/console/orders/" + orderB + "/carrier", url.Values{"carrier": {"shunfeng"}, "tracking_no": {trackingB}, "new_carrier": {"yunda"}, "reason": {"看看别家"}}, trail.ActionOperateParcels},
				{"/console/orders/" + orderSplit + "/carrier", url.Values{"carrier": {"shunfeng"}, "tracking_no": {trackingB}, "new_carrier": {"yunda"}, "reason": {"看看别家"}}, trail.ActionOperateParcels},
			}
			for _, pp := range posts {
				p := br.post(pp.path, pp.form)
				want := http.StatusNotFound
				if !role.Can(pp.action) {
					want = http.StatusForbidden // refused before anything is looked up
				}
				if p.status != want || strings.Contains(p.body, trackingB) || strings.Contains(p.body, nameB) {
					t.Errorf("POST %s: got %d, want %d", pp.path, p.status, want)
				}
			}
			// Mixed with one of brand A's, brand B's ID is skipped untouched.
			if role.Can(trail.ActionHandleAlerts) {
				a := b.openAlert(t, b.brandA.ID)
				p := br.post("/console/alerts/bulk", url.Values{"op": {"ack"}, "id": {strconv.FormatInt(a.ID, 10), idB}})
				wantStatus(t, p, http.StatusSeeOther)
				if !strings.Contains(p.location(), "skip=1") {
					t.Errorf("mixed bulk: got redirect %q, want brand B's ID counted as skipped", p.location())
				}
			}
		})
	}
	// Nothing of brand B changed or was recorded, in either brand's log.
	after := b.alert(t, b.brandB.ID, theirs.ID)
	if after.Status != trail.AlertOpen || after.AcknowledgedAt != nil || after.Assignee != "" || after.Note != "" {
		t.Fatalf("brand B's alert changed: %+v", after)
	}
	if es := b.auditLog(t, b.brandB.ID, trail.AuditFilter{Limit: 500}); len(es) != 0 {
		t.Fatalf("brand B's audit log got %d entries, first %+v", len(es), es[0])
	}
	for _, e := range b.auditLog(t, b.brandA.ID, trail.AuditFilter{Limit: 500}) {
		if strings.Contains(e.Target, orderB) || strings.Contains(e.Reason, trackingB) || strings.Contains(e.Reason, "#"+idB) {
			t.Fatalf("brand A's audit log names brand B's things: %+v", e)
		}
	}
	if g2, _ := b.db.OrderGraph(context.Background(), b.brandA.ID, orderSplit); g2.Shipments[0].Carrier != mine.Carrier {
		t.Fatal("brand A's parcel changed carrier")
	}
	// And brand B's admin sees their own alert and none of brand A's.
	br := b.browser(t).mustLogin(adminB)
	p := br.get("/console/alerts")
	if p.doc.Find(`[data-id="`+idB+`"]`).Length() != 1 || p.doc.Find(`#inbox-list li.al`).Length() != len(bAlerts) {
		t.Fatalf("brand B's inbox: %d rows", p.doc.Find(`#inbox-list li.al`).Length())
	}
	a := b.openAlert(t, b.brandA.ID)
	wantStatus(t, br.post("/console/alerts/"+strconv.FormatInt(a.ID, 10)+"/resolve", url.Values{"note": {"别家的"}}), http.StatusNotFound)
	if b.alert(t, b.brandA.ID, a.ID).Status == trail.AlertResolved {
		t.Fatal("brand B's admin resolved brand A's alert")
	}
}

func TestConsoleInboxPage(t *testing.T) {
	b := setupOps(t)
	ctx := context.Background()
	agent := b.browser(t).mustLogin(agentA)
	today := trail.Date(testNow.In(trail.ChinaTime).Format(time.DateOnly))
	want, err := b.db.InboxAlerts(ctx, b.brandA.ID, trail.InboxFilter{Today: today, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}

	p := agent.get("/console/alerts")
	wantStatus(t, p, http.StatusOK)
	var got []string
	p.doc.Find(`#inbox-list li.al`).Each(func(_ int, s *goquerySel) { got = append(got, s.AttrOr("data-id", "")) })
	var wantIDs []string
	for _, a := range want.Alerts {
		wantIDs = append(wantIDs, strconv.FormatInt(a.ID, 10))
	}
	if !slices.Equal(got, wantIDs) || len(got) == 0 {
		t.Fatalf("inbox rows: got %v, want %v", got, wantIDs)
	}
	// The most urgent first: an alert of an order whose occasion is near.
	first := want.Alerts[0]
	if first.Occasion == nil || !strings.Contains(p.doc.Find(`#inbox-list li.al`).First().Find(".occ").Text(), trail.OccasionKinds[first.Occasion.Kind]) {
		t.Errorf("first row: occasion %+v, shown %q", first.Occasion, p.doc.Find(`#inbox-list li.al`).First().Text())
	}
	chips := map[string]string{}
	p.doc.Find(`#inbox-chips a.chip`).Each(func(_ int, s *goquerySel) { chips[s.AttrOr("data-type", "")] = s.Find(".n").Text() })
	if chips[""] != strconv.Itoa(want.Total()) {
		t.Errorf("chip 全部: got %q, want %d", chips[""], want.Total())
	}
	for typ, n := range want.Counts {
		if chips[string(typ)] != strconv.Itoa(n) {
			t.Errorf("chip %s: got %q, want %d", typ, chips[string(typ)], n)
		}
	}

	// The page's one script, from the console, allowed by the policy.
	src, _ := p.doc.Find(`script[src]`).Attr("src")
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP: %q", csp)
	}
	if js := agent.get(src); js.status != http.StatusOK || !strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") ||
		!strings.Contains(js.body, "inbox-list") || !strings.Contains(js.header.Get("Cache-Control"), "immutable") {
		t.Fatalf("script %s: got %d %s", src, js.status, js.header.Get("Content-Type"))
	}
	if v, _ := p.doc.Find(`#inbox`).Attr("data-live"); v != "/console/alerts/live" {
		t.Errorf("data-live: got %q", v)
	}

	t.Run("chips filter", func(t *testing.T) {
		href, _ := p.doc.Find(`#inbox-chips a.chip[data-type="stalled"]`).Attr("href")
		f := agent.get(href)
		wantStatus(t, f, http.StatusOK)
		f.doc.Find(`#inbox-list .al-type`).Each(func(_ int, s *goquerySel) {
			if s.Text() != trail.AlertTypeNames[trail.AlertStalled] {
				t.Errorf("stalled filter shows %q", s.Text())
			}
		})
		if n := f.doc.Find(`#inbox-list li.al`).Length(); n != want.Counts[trail.AlertStalled] || n == 0 {
			t.Errorf("stalled filter: %d rows, want %d", n, want.Counts[trail.AlertStalled])
		}
		if f.doc.Find(`#inbox-chips a.chip.on[data-type="stalled"]`).Length() != 1 {
			t.Error("the stalled chip is not marked current")
		}
		wantStatus(t, agent.get("/console/alerts?type=late"), http.StatusUnprocessableEntity)
		wantStatus(t, agent.get("/console/alerts?status=closed"), http.StatusUnprocessableEntity)
	})

	t.Run("live list", func(t *testing.T) {
		l := agent.get("/console/alerts/live")
		wantStatus(t, l, http.StatusOK)
		if strings.Contains(l.body, "<html") || l.doc.Find("#inbox-chips").Length() != 1 || l.doc.Find("#inbox-list").Length() != 1 || l.doc.Find("form#bulk").Length() != 0 {
			t.Fatalf("live list is not the chips and list alone: %.300s", l.body)
		}
		if total, _ := l.doc.Find("#inbox-list").Attr("data-total"); total != strconv.Itoa(want.Total()) {
			t.Errorf("data-total: got %s, want %d", total, want.Total())
		}
		if l.header.Get("Content-Security-Policy") == "" || l.header.Get("Cache-Control") != "no-store" {
			t.Error("the live list lacks the security or cache headers")
		}
		// A new alert appears in it: resolve one and it is gone from the open list.
		out := want.Alerts[len(want.Alerts)-1]
		if _, err := b.db.ResolveAlert(ctx, b.brandA.ID, out.ID, "cli", "测试"); err != nil {
			t.Fatal(err)
		}
		l = agent.get("/console/alerts/live")
		if l.doc.Find(fmt.Sprintf(`[data-id="%d"]`, out.ID)).Length() != 0 {
			t.Error("a resolved alert is still in the live open list")
		}
		// Signed out, the list sends the script to sign in (it stops then).
		other := b.browser(t).mustLogin(viewerA)
		other.post("/console/logout", nil)
		if l := other.get("/console/alerts/live"); l.status != http.StatusSeeOther {
			t.Errorf("live list without a session: got %d, want 303", l.status)
		}
	})

	t.Run("one at a time", func(t *testing.T) {
		a := b.openAlert(t, b.brandA.ID)
		id := strconv.FormatInt(a.ID, 10)
		back := "/console/alerts?type=" + string(a.Type)
		r := agent.post("/console/alerts/"+id+"/ack", url.Values{"back": {back + "&done=resolve&n=9"}})
		wantStatus(t, r, http.StatusSeeOther)
		if r.location() != back+"&done=ack&n=1&skip=0" {
			t.Fatalf("after ack: got redirect %q", r.location())
		}
		n := agent.get(r.location())
		if !strings.Contains(n.doc.Find(".info").Text(), "已确认 1 条预警") {
			t.Errorf("notice: got %q", n.doc.Find(".info").Text())
		}
		if got := b.alert(t, b.brandA.ID, a.ID); got.Status != trail.AlertAcknowledged || got.AcknowledgedBy != agentA || got.Assignee != "" {
			t.Fatalf("after ack: %+v", got)
		}
		// Assign it to the admin; it is theirs under "only mine".
		wantStatus(t, agent.post("/console/alerts/"+id+"/assign", url.Values{"assignee": {adminA}}), http.StatusSeeOther)
		if got := b.alert(t, b.brandA.ID, a.ID); got.Assignee != adminA {
			t.Fatalf("assigned: %+v", got)
		}
		admin := b.browser(t).mustLogin(adminA)
		mine := admin.get("/console/alerts?mine=1")
		if rows := mine.doc.Find(`#inbox-list li.al`); rows.Length() != 1 || rows.AttrOr("data-id", "") != id {
			t.Errorf("admin's own alerts: %d rows", rows.Length())
		}
		if agent.get("/console/alerts?status=acknowledged").doc.Find(`[data-id="`+id+`"]`).Length() != 1 {
			t.Error("the acknowledged tab lacks the alert")
		}
		// Only a member who works alerts takes one.
		for _, who := range []string{viewerA, adminB, "ghost@plum.example", ""} {
			r := agent.post("/console/alerts/"+id+"/assign", url.Values{"assignee": {who}})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if r.doc.Find(".error").Length() == 0 {
				t.Errorf("assign to %q: no error shown", who)
			}
		}
		// Resolving takes a note; then it is done, once.
		wantStatus(t, agent.post("/console/alerts/"+id+"/resolve", url.Values{"note": {" "}}), http.StatusUnprocessableEntity)
		wantStatus(t, agent.post("/console/alerts/"+id+"/resolve", url.Values{"note": {strings.Repeat("长", 901)}}), http.StatusUnprocessableEntity)
		wantStatus(t, agent.post("/console/alerts/"+id+"/resolve", url.Values{"note": {"已联系快递，明天派送"}}), http.StatusSeeOther)
		if got := b.alert(t, b.brandA.ID, a.ID); got.Status != trail.AlertResolved || got.ResolvedBy != agentA || got.Note != "已联系快递，明天派送" {
			t.Fatalf("resolved: %+v", got)
		}
		r = agent.post("/console/alerts/"+id+"/ack", nil)
		if wantStatus(t, r, http.StatusSeeOther); !strings.Contains(r.location(), "n=0&skip=1") {
			t.Errorf("ack of a resolved alert: got redirect %q", r.location())
		}
		if !strings.Contains(agent.get(r.location()).doc.Find(".info").Text(), "已解决或已不存在") {
			t.Error("no notice that the alert was already resolved")
		}
		// Who did what, when and why, under the alert's order.
		es := b.auditLog(t, b.brandA.ID, trail.AuditFilter{Target: trail.AuditTarget("order", a.OrderNo), Limit: 50})
		var actions []string
		for _, e := range es {
			if e.Actor == agentA {
				actions = append(actions, e.Action)
			}
		}
		if !slices.Equal(actions, []string{trail.AuditAlertResolve, trail.AuditAlertAssign, trail.AuditAlertAck}) {
			t.Fatalf("audit of the alert: got %v", actions)
		}
		if !strings.Contains(es[0].Reason, "#"+id) || !strings.Contains(es[0].Reason, "已联系快递，明天派送") || !strings.Contains(es[1].Reason, adminA) {
			t.Errorf("audit reasons: %q, %q", es[0].Reason, es[1].Reason)
		}
		audit := admin.get("/console/audit")
		if !strings.Contains(audit.doc.Find("table.audit").Text(), "解决预警") {
			t.Error("the audit page does not name the alert actions")
		}
		wantStatus(t, agent.post("/console/alerts/x/ack", nil), http.StatusNotFound)
		wantStatus(t, agent.post("/console/alerts/999999/ack", nil), http.StatusNotFound)
	})

	t.Run("bulk", func(t *testing.T) {
		open := b.alerts(t, b.brandA.ID, trail.AlertOpen)
		var ids []string
		for _, a := range open {
			if a.AcknowledgedAt == nil && len(ids) < 2 {
				ids = append(ids, strconv.FormatInt(a.ID, 10))
			}
		}
		if len(ids) != 2 {
			t.Fatal("fewer than two open alerts")
		}
		before := b.auditCount(t, b.brandA.ID)
		r := agent.post("/console/alerts/bulk", url.Values{"op": {"ack"}, "id": ids, "back": {"/console/alerts"}})
		wantStatus(t, r, http.StatusSeeOther)
		if r.location() != "/console/alerts?done=ack&n=2&skip=0" {
			t.Errorf("bulk ack: got redirect %q", r.location())
		}
		if got := b.auditCount(t, b.brandA.ID) - before; got != 2 {
			t.Errorf("bulk ack: %d audit entries, want 2", got)
		}
		// Refused forms come back with the rows still ticked.
		for _, form := range []url.Values{
			{"op": {"resolve"}, "id": ids, "note": {""}},
			{"op": {"assign"}, "id": ids, "assignee": {viewerA}},
			{"op": {"assign"}, "id": ids, "assignee": {adminB}},
			{"op": {"resolve"}, "note": {"没有勾选"}},
		} {
			r := agent.post("/console/alerts/bulk", form)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			for _, id := range form["id"] {
				if r.doc.Find(`input[name=id][value="`+id+`"][checked]`).Length() != 1 {
					t.Errorf("%v: row %s is no longer ticked", form, id)
				}
			}
		}
		wantStatus(t, agent.post("/console/alerts/bulk", url.Values{"op": {"drop"}, "id": ids}), http.StatusBadRequest)
		wantStatus(t, agent.post("/console/alerts/bulk", url.Values{"op": {"ack"}, "id": {"x"}}), http.StatusNotFound)
		// Assign both to the admin, then resolve them and one more that is
		// already resolved.
		wantStatus(t, agent.post("/console/alerts/bulk", url.Values{"op": {"assign"}, "id": ids, "assignee": {adminA}}), http.StatusSeeOther)
		resolved := b.alerts(t, b.brandA.ID, trail.AlertResolved)[0]
		all := append(slices.Clone(ids), strconv.FormatInt(resolved.ID, 10))
		r = agent.post("/console/alerts/bulk", url.Values{"op": {"resolve"}, "id": all, "note": {"已统一安排加急"}})
		wantStatus(t, r, http.StatusSeeOther)
		if !strings.Contains(r.location(), "done=resolve&n=2&skip=1") {
			t.Errorf("bulk resolve: got redirect %q", r.location())
		}
		for _, id := range ids {
			n, _ := strconv.ParseInt(id, 10, 64)
			if got := b.alert(t, b.brandA.ID, n); got.Status != trail.AlertResolved || got.Assignee != adminA || got.Note != "已统一安排加急" {
				t.Errorf("alert %s after bulk: %+v", id, got)
			}
		}
	})

	t.Run("CSRF", func(t *testing.T) {
		a := b.openAlert(t, b.brandA.ID)
		id := strconv.FormatInt(a.ID, 10)
		before := b.auditCount(t, b.brandA.ID)
		wantStatus(t, agent.post("/console/alerts/"+id+"/resolve", url.Values{"note": {"伪造"}, "csrf": {"forged"}}), http.StatusForbidden)
		wantStatus(t, agent.post("/console/alerts/bulk", url.Values{"op": {"resolve"}, "id": {id}, "note": {"伪造"}, "csrf": {""}}), http.StatusForbidden)
		wantStatus(t, agent.post("/console/alerts/"+id+"/resolve", url.Values{"note": {"跨站"}}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
		if b.alert(t, b.brandA.ID, a.ID).Status == trail.AlertResolved || b.auditCount(t, b.brandA.ID) != before {
			t.Fatal("a forged form changed something")
		}
	})
}
