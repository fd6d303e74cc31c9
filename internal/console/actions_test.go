package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// graph reads one of brand A's orders.
func (b *testBundle) graph(t *testing.T, orderNo string) *trail.OrderGraph {
	t.Helper()
	g, err := b.db.OrderGraph(context.Background(), b.brandA.ID, orderNo)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestConsoleOrderStory checks the order page's whole story: the estimate
// with its headline day, window and confidence, for the order and each
// parcel; the history of estimates; the open alerts; the placeholder of
// the notifications; the trail of what people did.
func TestConsoleOrderStory(t *testing.T) {
	b := setupOps(t)
	g := b.graph(t, orderSplit)
	if len(g.ETAs) == 0 || len(g.Alerts) == 0 {
		t.Fatalf("the split order has %d estimates and %d alerts; the test needs both", len(g.ETAs), len(g.Alerts))
	}
	viewer := b.browser(t).mustLogin(viewerA)
	p := viewer.get("/console/orders/" + orderSplit)
	wantStatus(t, p, http.StatusOK)

	if facts := p.doc.Find(".facts").Text(); !strings.Contains(facts, "最可能") || !strings.Contains(facts, "区间") {
		t.Errorf("the order's estimate lacks its headline day or window: %q", facts)
	}
	p.doc.Find("article.parcel").Each(func(i int, s *goquerySel) {
		if g.Shipments[i].Status != trail.StatusDelivered && !strings.Contains(s.Text(), "区间") {
			t.Errorf("parcel %d lacks its estimate: %q", i+1, s.Find("p").First().Text())
		}
	})
	rows := p.doc.Find("#eta-history table.hist tbody tr")
	if want := min(len(g.ETAs), 30); rows.Length() != want {
		t.Errorf("estimate history: %d rows, want %d", rows.Length(), want)
	}
	if !strings.Contains(rows.First().Text(), "整单") && !strings.Contains(rows.First().Text(), "包裹") {
		t.Errorf("estimate history row: %q", rows.First().Text())
	}
	alerts := p.doc.Find("#alerts li.al")
	if alerts.Length() != len(g.Alerts) {
		t.Errorf("alerts: %d shown, want %d", alerts.Length(), len(g.Alerts))
	}
	for _, a := range g.Alerts {
		if !strings.Contains(p.doc.Find("#alerts").Text(), a.Explanation) {
			t.Errorf("alert %d (%s) is not explained on the page", a.ID, a.Type)
		}
	}
	critical := false
	for _, a := range g.Alerts {
		critical = critical || a.Severity == trail.SeverityCritical
	}
	if alerts.First().HasClass("sev-critical") != critical {
		t.Error("the most severe alert is not first")
	}
	// Without a notification service the page says none are sent, not
	// that they are coming.
	if n := p.doc.Find("#notifications"); !strings.Contains(n.Text(), "本服务未启用通知") || strings.Contains(p.doc.Text(), "上线") {
		t.Errorf("notifications: %q", n.Text())
	}
	if p.doc.Find("#h-notify").Text() != "通知记录" {
		t.Errorf("notifications heading: %q", p.doc.Find("#h-notify").Text())
	}
}

func TestConsoleOrderActions(t *testing.T) {
	b := setupOps(t)
	ctx := context.Background()
	agent := b.browser(t).mustLogin(agentA)
	path := "/console/orders/" + orderSplit
	lastAudit := func(t *testing.T) *trail.AuditEntry {
		t.Helper()
		es := b.auditLog(t, b.brandA.ID, trail.AuditFilter{Target: trail.AuditTarget("order", orderSplit), Limit: 1})
		if len(es) == 0 {
			t.Fatal("nothing in the order's audit trail")
		}
		return es[0]
	}

	t.Run("link", func(t *testing.T) {
		p := agent.post(path+"/link", url.Values{"reason": {""}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.doc.Find("#link .error").Length() != 1 || p.doc.Find("#link-url").Length() != 0 {
			t.Fatal("a link without a reason: no error, or a link anyway")
		}
		p = agent.post(path+"/link", url.Values{"reason": {"客户没收到短信"}})
		wantStatus(t, p, http.StatusOK)
		link, _ := p.doc.Find("#link-url").Attr("value")
		token, ok := strings.CutPrefix(link, publicURL+"/t/")
		if !ok {
			t.Fatalf("link: got %q, want it under %s/t/", link, publicURL)
		}
		id, kind, err := trail.ParseLinkToken(storetest.MustSealer(t), token, testNow)
		if err != nil || kind != trail.LinkBuyer {
			t.Fatalf("token: %v, kind %q", err, kind)
		}
		brand, _, g, err := b.db.OrderByLink(ctx, id)
		if err != nil || brand.ID != b.brandA.ID || g.Order.OrderNo != orderSplit {
			t.Fatalf("the link leads to %v %v", g, err)
		}
		e := lastAudit(t)
		if e.Action != "link_create" || e.Actor != agentA || !strings.Contains(e.Reason, "客户没收到短信") || strings.Contains(e.Reason, token) {
			t.Fatalf("audit of the link: %+v", e)
		}
		// Shown once: the page after it does not have it.
		if strings.Contains(agent.get(path).body, token) {
			t.Fatal("the link is shown again")
		}
	})

	t.Run("resubscribe", func(t *testing.T) {
		sh := b.graph(t, orderSplit).Shipments[0]
		form := url.Values{"carrier": {sh.Carrier}, "tracking_no": {sh.TrackingNo}, "reason": {"轨迹三天未更新"}}
		bad := url.Values{"carrier": {sh.Carrier}, "tracking_no": {sh.TrackingNo}, "reason": {"x"}}
		p := agent.post(path+"/resubscribe", bad)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.doc.Find("#p1 details.parcel-ops[open] .error").Length() != 1 {
			t.Error("the refused form's error is not at its parcel")
		}
		other := b.graph(t, "DEMO-0003").Shipments[0]
		wantStatus(t, agent.post(path+"/resubscribe", url.Values{"carrier": {other.Carrier}, "tracking_no": {other.TrackingNo}, "reason": {"别的订单"}}), http.StatusNotFound)
		p = agent.post(path+"/resubscribe", form)
		wantStatus(t, p, http.StatusSeeOther)
		if p.location() != path+"?done=resubscribed#p1" {
			t.Fatalf("after resubscribe: got redirect %q", p.location())
		}
		if !strings.Contains(agent.get(p.location()).doc.Find(".done").Text(), "重新订阅") {
			t.Error("no notice after the resubscription")
		}
		tasks, err := b.db.ClaimDuePolls(ctx, b.clock.Now(), 100, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, task := range tasks {
			found = found || task.TrackingNo == sh.TrackingNo
		}
		if !found {
			t.Error("the parcel is not due for tracking after the resubscription")
		}
		if e := lastAudit(t); e.Action != "parcel_resubscribe" || !strings.Contains(e.Reason, sh.TrackingNo) || !strings.Contains(e.Reason, "轨迹三天未更新") {
			t.Errorf("audit of the resubscription: %+v", e)
		}
	})

	t.Run("correct carrier", func(t *testing.T) {
		sh := b.graph(t, orderSplit).Shipments[0]
		form := func(to, reason string) url.Values {
			return url.Values{"carrier": {sh.Carrier}, "tracking_no": {sh.TrackingNo}, "new_carrier": {to}, "reason": {reason}}
		}
		for _, f := range []url.Values{form("nowhere", "面单为韵达"), form(sh.Carrier, "面单为韵达"), form("yunda", "")} {
			if p := agent.post(path+"/carrier", f); p.status != http.StatusUnprocessableEntity || p.doc.Find("#p1 .parcel-ops .error").Length() != 1 {
				t.Errorf("%v: got %d", f, p.status)
			}
		}
		// The tracking number is already known under yunda: a conflict.
		g := b.graph(t, orderSplit)
		var unshipped trail.Item
		for _, it := range g.Order.Items {
			if it.BatchNo != "" && it.SKU != sh.Items[0].SKU {
				unshipped = it
			}
		}
		clash := &trail.Shipment{Carrier: "yunda", TrackingNo: sh.TrackingNo, Items: []trail.ShipmentItem{{SKU: unshipped.SKU, Quantity: 1}}}
		clash.Normalize()
		if _, err := b.db.CreateShipment(ctx, b.brandA.ID, orderSplit, clash); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, agent.post(path+"/carrier", form("yunda", "面单为韵达")), http.StatusConflict)
		p := agent.post(path+"/carrier", form("zhongtong", "面单为中通，录入成了顺丰"))
		wantStatus(t, p, http.StatusSeeOther)
		if p.location() != path+"?done=carrier#p1" {
			t.Fatalf("after the correction: got redirect %q", p.location())
		}
		if got := b.graph(t, orderSplit).Shipments[0]; got.Carrier != "zhongtong" || got.TrackingNo != sh.TrackingNo {
			t.Fatalf("after the correction: parcel %s %s", got.Carrier, got.TrackingNo)
		}
		e := lastAudit(t)
		if e.Action != "carrier_correct" || !strings.Contains(e.Reason, "中通") || !strings.Contains(e.Reason, "录入成了顺丰") {
			t.Errorf("audit of the correction: %+v", e)
		}
		if !strings.Contains(agent.get(path).doc.Find("#notes .trail").Text(), "更正承运商") {
			t.Error("the order's trail does not show the correction")
		}
	})

	t.Run("alerts", func(t *testing.T) {
		g := b.graph(t, orderSplit)
		var own, batch *trail.Alert
		for _, a := range g.Alerts {
			switch {
			case a.OrderNo == orderSplit && own == nil:
				own = a
			case a.BatchNo != "" && batch == nil:
				batch = a
			}
		}
		if own == nil || batch == nil {
			t.Fatalf("the split order needs an alert of its own and a batch's: %+v", g.Alerts)
		}
		ownID, batchID := strconv.FormatInt(own.ID, 10), strconv.FormatInt(batch.ID, 10)
		p := agent.post(path+"/alerts/"+ownID+"/ack", url.Values{"assignee": {"me"}})
		wantStatus(t, p, http.StatusSeeOther)
		if p.location() != path+"?done=ack#alerts" {
			t.Errorf("after ack: got redirect %q", p.location())
		}
		if a := b.alert(t, b.brandA.ID, own.ID); a.Status != trail.AlertAcknowledged || a.Assignee != agentA {
			t.Fatalf("after ack: %+v", a)
		}
		p = agent.post(path+"/alerts/"+ownID+"/resolve", url.Values{"note": {""}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.doc.Find("#a"+ownID+" details[open]").Length() != 1 || p.doc.Find("#a"+ownID+" .error").Length() != 1 {
			t.Error("the refused resolution's error is not at its alert")
		}
		wantStatus(t, agent.post(path+"/alerts/"+ownID+"/resolve", url.Values{"note": {"已与客户确认，婚礼前送达"}}), http.StatusSeeOther)
		if a := b.alert(t, b.brandA.ID, own.ID); a.Status != trail.AlertResolved || a.Note != "已与客户确认，婚礼前送达" {
			t.Fatalf("after resolve: %+v", a)
		}
		if e := lastAudit(t); e.Action != trail.AuditAlertResolve || !strings.Contains(e.Reason, "已与客户确认") {
			t.Errorf("audit of the resolution: %+v", e)
		}
		// Resolved, it is no longer the order's to act on.
		wantStatus(t, agent.post(path+"/alerts/"+ownID+"/resolve", url.Values{"note": {"再来一次"}}), http.StatusNotFound)
		// A batch's alert is in the audit log under its batch.
		wantStatus(t, agent.post(path+"/alerts/"+batchID+"/ack", url.Values{"assignee": {"me"}}), http.StatusSeeOther)
		if es := b.auditLog(t, b.brandA.ID, trail.AuditFilter{Target: "batch:" + batch.BatchNo}); len(es) != 1 || es[0].Action != trail.AuditAlertAck {
			t.Errorf("audit of the batch's alert: %+v", es)
		}
		// Another order's alert is not this order's.
		for _, a := range b.alerts(t, b.brandA.ID, trail.AlertOpen) {
			if a.OrderNo != "" && a.OrderNo != orderSplit {
				wantStatus(t, agent.post(path+"/alerts/"+strconv.FormatInt(a.ID, 10)+"/resolve", url.Values{"note": {"不是这个订单的"}}), http.StatusNotFound)
				break
			}
		}
		page := agent.get(path)
		if !strings.Contains(page.doc.Find("#notes .trail").Text(), "解决预警") {
			t.Error("the order's trail does not show the alert's resolution")
		}
	})
}

// TestConsoleCorrectCarrierNames: the correction takes a carrier as the
// API does (顺丰, SF, 圆通速递, a code in any case), suggests every
// carrier by its Chinese name, and refuses a name that is no carrier in
// Chinese, with the typed name kept and nothing changed.
func TestConsoleCorrectCarrierNames(t *testing.T) {
	b := setupOps(t)
	agent := b.browser(t).mustLogin(agentA)
	path := "/console/orders/" + orderSplit
	sh, n := b.graph(t, orderSplit).Shipments[0], 1
	if sh.Carrier == "zhongtong" {
		t.Fatal("the test corrects the first parcel to zhongtong first; it is zhongtong's already")
	}
	p := agent.get(path)
	input := p.doc.Find(`#p` + strconv.Itoa(n) + ` input[name=new_carrier]`)
	if list, _ := input.Attr("list"); list == "" || p.doc.Find("datalist#"+list+` option[value="顺丰速运"]`).Length() != 1 ||
		p.doc.Find("datalist#"+list+" option").Length() != len(trail.Carriers()) {
		t.Fatalf("the correction suggests no carriers by name (list %q)", list)
	}
	correct := func(carrier, to string) *page {
		t.Helper()
		return agent.post(path+"/carrier", url.Values{"carrier": {carrier}, "tracking_no": {sh.TrackingNo}, "new_carrier": {to}, "reason": {"面单与录入不符"}})
	}
	parcel := func() *trail.Shipment {
		t.Helper()
		for _, s := range b.graph(t, orderSplit).Shipments {
			if s.ID == sh.ID {
				return s
			}
		}
		t.Fatal("the parcel is gone")
		return nil
	}
	audits := func() int { return len(b.auditLog(t, b.brandA.ID, trail.AuditFilter{Limit: 500})) }

	before := audits()
	p = correct(sh.Carrier, "联邦快递")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if got := p.doc.Find(`#p` + strconv.Itoa(n) + ` .parcel-ops .error`).Text(); !strings.Contains(got, `未知的承运商 "联邦快递"`) || !strings.Contains(got, "顺丰、SF") {
		t.Errorf("unknown carrier: error %q", got)
	}
	if v, _ := p.doc.Find(`#p` + strconv.Itoa(n) + ` input[name=new_carrier]`).Attr("value"); v != "联邦快递" {
		t.Errorf("the typed carrier is not kept: %q", v)
	}
	if got := parcel().Carrier; got != sh.Carrier || audits() != before {
		t.Fatalf("a refused correction changed the parcel (%s) or the audit log", got)
	}

	from := sh.Carrier
	for _, tt := range []struct{ typed, want string }{
		{"ZTO", "zhongtong"}, {"顺丰", "shunfeng"}, {"圆通速递", "yuantong"}, {" sf ", "shunfeng"}, {"YUNDA", "yunda"},
	} {
		wantStatus(t, correct(from, tt.typed), http.StatusSeeOther)
		if got := parcel().Carrier; got != tt.want {
			t.Fatalf("%q: corrected to %s, want %s", tt.typed, got, tt.want)
		}
		from = tt.want
	}
	// The same carrier by another name is no correction.
	p = correct(from, "韵达")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if got := p.doc.Find(`#p` + strconv.Itoa(n) + ` .parcel-ops .error`).Text(); !strings.Contains(got, "相同") {
		t.Errorf("same carrier: error %q", got)
	}
}
