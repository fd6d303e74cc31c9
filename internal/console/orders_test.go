package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/console"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestRoleActions tries every route with a role check as every role: the
// role's permission decides between the page and 403, and nothing is
// written on a refusal.
func TestConsoleRoleActions(t *testing.T) {
	b := setup(t)
	routes := []struct {
		method, path string
		action       trail.Action
		form         url.Values
		ok           int // the status when allowed
	}{
		{"GET", "/console/orders", trail.ActionViewOrders, nil, http.StatusOK},
		{"GET", "/console/orders?q=" + orderSplit, trail.ActionViewOrders, nil, http.StatusOK},
		{"GET", "/console/orders/" + orderSplit, trail.ActionViewOrders, nil, http.StatusOK},
		{"POST", "/console/orders/" + orderSplit + "/notes", trail.ActionAddNote, url.Values{"note": {"客户来电询问发货时间"}}, http.StatusSeeOther},
		{"POST", "/console/orders/" + orderSplit + "/reveal", trail.ActionRevealPII, url.Values{"reason": {"核对收件人电话"}}, http.StatusSeeOther},
		{"GET", "/console/audit", trail.ActionViewAudit, nil, http.StatusOK},
	}
	// Every route of the server with an action is in the table.
	srv := console.New(console.Config{Users: b.db, Sessions: b.db, Audit: b.db, Orders: b.db, Search: b.db,
		Limiter: nopLimiter{}})
	for _, r := range srv.Routes() {
		if r.Action == "" {
			continue
		}
		found := false
		for _, rt := range routes {
			if rt.method == r.Method && rt.action == r.Action && strings.HasPrefix(strings.SplitN(rt.path, "?", 2)[0], strings.SplitN(r.Pattern, "{", 2)[0]) {
				found = true
			}
		}
		if !found {
			t.Errorf("route %s %s (%s) is not in the role test", r.Method, r.Pattern, r.Action)
		}
	}
	for _, u := range []struct {
		email string
		role  trail.Role
	}{{adminA, trail.RoleAdmin}, {agentA, trail.RoleAgent}, {viewerA, trail.RoleViewer}} {
		br := b.browser(t).mustLogin(u.email)
		for _, rt := range routes {
			allowed := u.role.Can(rt.action)
			t.Run(string(u.role)+" "+rt.method+" "+rt.path, func(t *testing.T) {
				before := len(b.auditLog(t, b.brandA.ID, trail.AuditFilter{UserID: 0, Limit: 500}))
				var p *page
				if rt.method == "GET" {
					p = br.get(rt.path)
				} else {
					p = br.post(rt.path, cloneForm(rt.form))
				}
				if allowed {
					wantStatus(t, p, rt.ok)
					return
				}
				wantStatus(t, p, http.StatusForbidden)
				if !strings.Contains(p.doc.Find("h1").Text(), "无权操作") {
					t.Fatalf("refusal page: %q", p.doc.Find("h1").Text())
				}
				if after := len(b.auditLog(t, b.brandA.ID, trail.AuditFilter{Limit: 500})); after != before {
					t.Fatalf("a refused %s wrote %d audit entries", rt.action, after-before)
				}
			})
		}
		// The pages offer only what the role may do.
		p := br.get("/console/orders/" + orderSplit)
		for sel, action := range map[string]trail.Action{
			`form[action$="/notes"]`:  trail.ActionAddNote,
			`form[action$="/reveal"]`: trail.ActionRevealPII,
		} {
			// An admin or agent who just revealed sees the data, not the form.
			if action == trail.ActionRevealPII && u.role.Can(action) {
				continue
			}
			if got := p.doc.Find(sel).Length() == 1; got != u.role.Can(action) {
				t.Errorf("%s: form %s shown %v, want %v", u.role, sel, got, !got)
			}
		}
		if got := p.doc.Find(`nav a[href="/console/audit"]`).Length() == 1; got != u.role.Can(trail.ActionViewAudit) {
			t.Errorf("%s: audit link shown %v", u.role, got)
		}
	}
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// TestCrossBrand proves that a user of brand A reaches nothing of brand B
// by any URL: not its order, not by search, not by posting to it.
func TestConsoleCrossBrand(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	for _, email := range []string{adminA, agentA, viewerA} {
		br := b.browser(t).mustLogin(email)
		t.Run(email, func(t *testing.T) {
			for _, path := range []string{
				"/console/orders/" + orderB,
				"/console/orders/" + url.PathEscape(orderB+"/../"+orderB),
			} {
				p := br.get(path)
				if p.status != http.StatusNotFound || strings.Contains(p.body, nameB) || strings.Contains(p.body, trackingB) {
					t.Fatalf("GET %s: got %d", path, p.status)
				}
			}
			for _, q := range []string{orderB, trackingB, strings.ToLower(trackingB), phoneB, "+86 136 6666 0000", nameB} {
				p := br.get("/console/orders?q=" + url.QueryEscape(q))
				wantStatus(t, p, http.StatusOK)
				if n := p.doc.Find("table.results tbody tr").Length(); n != 0 {
					t.Fatalf("search %q: got %d rows of another brand", q, n)
				}
			}
			for _, action := range []string{"notes", "reveal"} {
				p := br.post("/console/orders/"+orderB+"/"+action, url.Values{"note": {"偷看"}, "reason": {"偷看一下"}})
				if email == viewerA {
					wantStatus(t, p, http.StatusForbidden) // refused before the order is even looked up
				} else {
					wantStatus(t, p, http.StatusNotFound)
				}
			}
			if p := br.get("/console/audit"); p.status == http.StatusOK && strings.Contains(p.body, adminB) {
				t.Fatal("brand A's audit log shows brand B's people")
			}
		})
	}
	if es, _ := b.db.AuditLog(ctx, b.brandB.ID, trail.AuditFilter{}); len(es) != 0 {
		t.Fatalf("brand B's audit log got entries from brand A's users: %+v", es[0])
	}
	if es := b.auditLog(t, b.brandA.ID, trail.AuditFilter{Target: trail.AuditTarget("order", orderB)}); len(es) != 0 {
		t.Fatalf("brand A's audit log names brand B's order: %+v", es[0])
	}
	// And the other way round: brand B's admin sees none of brand A.
	br := b.browser(t).mustLogin(adminB)
	wantStatus(t, br.get("/console/orders/"+orderSplit), http.StatusNotFound)
	if p := br.get("/console/orders?q=" + orderSplit); p.doc.Find("table.results tbody tr").Length() != 0 {
		t.Fatal("brand B finds brand A's order")
	}
}

func TestConsoleSearchPage(t *testing.T) {
	b := setup(t)
	br := b.browser(t).mustLogin(agentA)
	g, err := b.db.OrderGraph(context.Background(), b.brandA.ID, orderSplit)
	if err != nil {
		t.Fatal(err)
	}
	phone := g.Order.Customer.Phone

	// The landing page lists the newest orders.
	p := br.get("/console/orders")
	wantStatus(t, p, http.StatusOK)
	if n := p.doc.Find("table.results tbody tr").Length(); n != trail.DefaultSearchLimit && n != 12 {
		t.Fatalf("landing: got %d rows", n)
	}

	tests := []struct {
		name, query string
		want        string // an order number among the results; "" for none
	}{
		{"order number", "q=" + orderSplit, orderSplit},
		{"phone with spaces", "q=" + url.QueryEscape(phone[:3]+" "+phone[3:7]+" "+phone[7:]), orderSplit},
		{"buyer's name", "q=" + url.QueryEscape(g.Order.Customer.Name), orderSplit},
		{"tracking number", "q=" + url.QueryEscape(strings.ToLower(g.Shipments[0].TrackingNo)), orderSplit},
		{"tracking number typed with spaces and dashes", "q=" + url.QueryEscape(" "+g.Shipments[0].TrackingNo[:4]+" "+g.Shipments[0].TrackingNo[4:8]+"-"+g.Shipments[0].TrackingNo[8:]), orderSplit},
		{"no match", "q=NOPE-1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := br.get("/console/orders?" + tt.query)
			wantStatus(t, p, http.StatusOK)
			rows := p.doc.Find("table.results tbody tr")
			if tt.want == "" {
				if rows.Length() != 0 || !strings.Contains(p.doc.Find(".empty").Text(), "没有符合条件的订单") {
					t.Fatalf("got %d rows, want the empty notice", rows.Length())
				}
				return
			}
			if rows.Find(`a.order-link:contains("`+tt.want+`")`).Length() != 1 {
				t.Fatalf("got %q, want %s", rows.Text(), tt.want)
			}
			if strings.Contains(p.body, phone) || strings.Contains(p.body, g.Order.Customer.Name+" ") {
				t.Fatal("the results show personal data in clear")
			}
			if v, _ := p.doc.Find("input[name=q]").Attr("value"); v == "" {
				t.Fatal("the search box forgot the query")
			}
		})
	}

	t.Run("filters", func(t *testing.T) {
		p := br.get("/console/orders?status=partially_shipped")
		wantStatus(t, p, http.StatusOK)
		p.doc.Find("table.results tbody tr .badge").Each(func(_ int, s *goquerySel) {
			if s.Text() != trail.OrderStatusNames[trail.OrderPartiallyShipped] {
				t.Fatalf("status filter: got a row %q", s.Text())
			}
		})
		if sel, _ := p.doc.Find(`select[name=status] option[selected]`).Attr("value"); sel != "partially_shipped" {
			t.Fatalf("the status filter forgot its value: %q", sel)
		}
		wantStatus(t, br.get("/console/orders?from=2026-13-01"), http.StatusUnprocessableEntity)
		wantStatus(t, br.get("/console/orders?from=2026-12-02&to=2026-12-01"), http.StatusUnprocessableEntity)
		wantStatus(t, br.get("/console/orders?status=lost"), http.StatusUnprocessableEntity)
		wantStatus(t, br.get("/console/orders?cursor=garbage"), http.StatusUnprocessableEntity)
		// A carrier by name or abbreviation, as in the API.
		p = br.get("/console/orders?carrier=" + url.QueryEscape("顺丰"))
		wantStatus(t, p, http.StatusOK)
		if sel, _ := p.doc.Find(`select[name=carrier] option[selected]`).Attr("value"); sel != "shunfeng" {
			t.Fatalf("carrier 顺丰: the filter chose %q", sel)
		}
		rows := p.doc.Find("table.results tbody tr")
		if rows.Length() == 0 {
			t.Fatal("carrier 顺丰: no results")
		}
		rows.Each(func(_ int, s *goquerySel) {
			if !strings.Contains(s.Text(), "顺丰速运") {
				t.Fatalf("carrier 顺丰: got a row %q", s.Text())
			}
		})
		p = br.get("/console/orders?carrier=" + url.QueryEscape("联邦快递"))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if got := p.doc.Find(".error").Text(); !strings.Contains(got, `未知的承运商 "联邦快递"`) {
			t.Fatalf("unknown carrier: got %q", got)
		}
		p = br.get("/console/orders?occasion=30")
		wantStatus(t, p, http.StatusOK)
		if p.doc.Find("table.results tbody tr").Length() == 0 {
			t.Fatal("occasion filter: no demo order has an occasion within 30 days")
		}
	})

	t.Run("paging", func(t *testing.T) {
		seen := map[string]bool{}
		next := "/console/orders?status="
		for page := 0; next != ""; page++ {
			if page > 20 {
				t.Fatal("paging does not end")
			}
			p := br.get(next)
			wantStatus(t, p, http.StatusOK)
			p.doc.Find("a.order-link").Each(func(_ int, s *goquerySel) {
				if seen[s.Text()] {
					t.Fatalf("order %s on two pages", s.Text())
				}
				seen[s.Text()] = true
			})
			next, _ = p.doc.Find(`.pager a[rel=next]`).Attr("href")
		}
		if len(seen) != 12 {
			t.Fatalf("pages held %d orders, want 12", len(seen))
		}
	})
}

func TestConsoleOrderPage(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	g, err := b.db.OrderGraph(ctx, b.brandA.ID, orderSplit)
	if err != nil {
		t.Fatal(err)
	}
	phone, street := g.Order.Customer.Phone, g.Order.Address.Detail

	viewer := b.browser(t).mustLogin(viewerA)
	p := viewer.get("/console/orders/" + orderSplit)
	wantStatus(t, p, http.StatusOK)
	if strings.Contains(p.body, phone) || strings.Contains(p.body, street) {
		t.Fatal("the viewer's page shows the phone or the street in clear")
	}
	if !strings.Contains(p.doc.Find("#people").Text(), trail.MaskPhone(phone)) {
		t.Fatalf("masked phone missing: %q", p.doc.Find("#people").Text())
	}
	if got := p.doc.Find(".head .badge").Text(); got != trail.OrderStatusNames[g.Status] {
		t.Fatalf("status: got %q, want %q", got, trail.OrderStatusNames[g.Status])
	}
	if n := p.doc.Find("article.parcel").Length(); n != len(g.Shipments) || n == 0 {
		t.Fatalf("parcels: got %d, want %d", n, len(g.Shipments))
	}
	if n := p.doc.Find("article.batch").Length(); n != len(g.Batches) || n == 0 {
		t.Fatalf("batches: got %d, want %d", n, len(g.Batches))
	}
	if n := p.doc.Find("table.lines tbody tr").Length(); n != len(g.Order.Items) {
		t.Fatalf("items: got %d, want %d", n, len(g.Order.Items))
	}
	if !strings.Contains(p.doc.Find("#h-prod").Parent().Text(), "延迟") {
		t.Fatal("the delayed batch does not say so")
	}
	for _, s := range g.Shipments {
		if !strings.Contains(p.body, s.TrackingNo) {
			t.Fatalf("parcel %s missing", s.TrackingNo)
		}
	}
	if p.doc.Find(`a.tag[href^="#p"]`).Length() == 0 {
		t.Fatal("items do not link to their parcels")
	}

	t.Run("note", func(t *testing.T) {
		agent := b.browser(t).mustLogin(agentA)
		wantStatus(t, agent.post("/console/orders/"+orderSplit+"/notes", url.Values{"note": {"  "}}), http.StatusUnprocessableEntity)
		p := agent.post("/console/orders/"+orderSplit+"/notes", url.Values{"note": {"客户来电：婚礼改到 12 月 28 日，请优先发货"}})
		wantStatus(t, p, http.StatusSeeOther)
		if p.location() != "/console/orders/"+orderSplit+"#notes" {
			t.Fatalf("after the note: got redirect %q", p.location())
		}
		p = viewer.get("/console/orders/" + orderSplit)
		if !strings.Contains(p.doc.Find("#notes .trail").Text(), "婚礼改到 12 月 28 日") {
			t.Fatalf("the note is not on the order page: %q", p.doc.Find("#notes").Text())
		}
	})

	t.Run("reveal", func(t *testing.T) {
		// A carrier wrote a name and a phone number into a scan, before the
		// parcel's first scan so that its status stays.
		s := b.graph(t, orderSplit).Shipments[0]
		scan, scanName, scanPhone := "快件已揽收，收件人：司马相如，派件员电话13700139999", "司马相如", "13700139999"
		first := s.Events[len(s.Events)-1].Time.Add(-time.Minute)
		if _, err := b.db.Ingest(context.Background(), b.brandA.ID, s.Carrier, s.TrackingNo, []trail.CarrierEvent{
			{Time: first, Status: trail.StatusPickedUp, Description: scan, Source: trail.SourcePush}}); err != nil {
			t.Fatal(err)
		}
		agent := b.browser(t).mustLogin(agentA)
		p := agent.get("/console/orders/" + orderSplit)
		timeline := p.doc.Find(".timeline").Text()
		if strings.Contains(p.body, scanName) || strings.Contains(p.body, scanPhone) || !strings.Contains(timeline, trail.MaskScanText(scan)) {
			t.Fatalf("before the reveal, the scan must show masked: %q", timeline)
		}
		wantStatus(t, agent.post("/console/orders/"+orderSplit+"/reveal", url.Values{"reason": {""}}), http.StatusUnprocessableEntity)
		p = agent.post("/console/orders/"+orderSplit+"/reveal", url.Values{"reason": {"核对收件人电话"}})
		wantStatus(t, p, http.StatusSeeOther)
		p = agent.get("/console/orders/" + orderSplit)
		if !strings.Contains(p.doc.Find("#people").Text(), phone) || !strings.Contains(p.doc.Find("#people").Text(), street) {
			t.Fatalf("revealed page lacks the phone or street: %q", p.doc.Find("#people").Text())
		}
		if timeline := p.doc.Find(".timeline").Text(); !strings.Contains(timeline, scan) {
			t.Fatalf("revealed page lacks the carrier's own scan text: %q", timeline)
		}
		es := b.auditLog(t, b.brandA.ID, trail.AuditFilter{Action: trail.AuditRevealPII})
		if len(es) != 1 || es[0].Actor != agentA || es[0].Reason != "核对收件人电话" || es[0].Target != "order:"+orderSplit {
			t.Fatalf("audit of the reveal: got %+v", es)
		}
		// Only for the operator who gave the reason.
		if p := viewer.get("/console/orders/" + orderSplit); strings.Contains(p.body, phone) {
			t.Fatal("another operator sees the revealed phone")
		}
		if p := b.browser(t).mustLogin(adminA).get("/console/orders/" + orderSplit); strings.Contains(p.body, phone) {
			t.Fatal("the admin sees the phone another operator revealed")
		}
		// And only for a while.
		b.clock.Add(console.RevealTTL + time.Second)
		if p := agent.get("/console/orders/" + orderSplit); strings.Contains(p.body, phone) {
			t.Fatal("the reveal did not expire")
		}
	})

	t.Run("not found", func(t *testing.T) {
		p := viewer.get("/console/orders/NOPE-1")
		wantStatus(t, p, http.StatusNotFound)
		wantStatus(t, viewer.get("/console/nowhere"), http.StatusNotFound)
	})
}

func TestConsoleAuditPage(t *testing.T) {
	b := setup(t)
	agent := b.browser(t).mustLogin(agentA)
	agent.post("/console/orders/"+orderSplit+"/notes", url.Values{"note": {"第一条备注"}})
	admin := b.browser(t).mustLogin(adminA)
	p := admin.get("/console/audit")
	wantStatus(t, p, http.StatusOK)
	rows := p.doc.Find("table.audit tbody tr")
	if rows.Length() != 3 { // agent login, the note, admin login
		t.Fatalf("audit rows: got %d: %s", rows.Length(), rows.Text())
	}
	if !strings.Contains(rows.Text(), "第一条备注") || rows.Find(`a[href="/console/orders/`+orderSplit+`"]`).Length() != 1 {
		t.Fatalf("audit page: %s", rows.Text())
	}
	wantStatus(t, admin.get("/console/audit?before=x"), http.StatusBadRequest)
}
