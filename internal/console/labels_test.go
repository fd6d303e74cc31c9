package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/bottletrail/bottletrail/internal/console"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestConsoleStateLabels checks that the order page names states in
// Chinese: a parcel scanned damaged and then signed for is marked damaged
// on the order's badge and the parcel's, sub-statuses have their Chinese
// names, and a returned order is 已退回 and can be searched for.
func TestConsoleStateLabels(t *testing.T) {
	b := setup(t)
	seedStateOrders(t, b)

	br := b.browser(t).mustLogin(agentA)
	p := br.get("/console/orders/LBL-3")
	if n := p.doc.Find(".stages li.late").Length(); n != 0 || !strings.Contains(p.doc.Find(".batch h3").Text(), "已完成") {
		t.Errorf("shipped batch: %d late stages, heading %q", n, p.doc.Find(".batch h3").Text())
	}

	p = br.get("/console/orders/LBL-1")
	wantStatus(t, p, 200)
	head := p.doc.Find(".head .badge")
	if got := head.Text(); got != "已签收 · 含破损包裹" || !head.HasClass("damaged") {
		t.Errorf("order badge: got %q (class %q)", got, head.AttrOr("class", ""))
	}
	p1 := p.doc.Find("#p1 .badge")
	if got := p1.Text(); got != "已签收 · 异常后签收 · 破损" || !p1.HasClass("damaged") {
		t.Errorf("damaged parcel badge: got %q (class %q)", got, p1.AttrOr("class", ""))
	}
	if got := p.doc.Find("#p2 .badge").Text(); got != "已签收 · 他人代签" {
		t.Errorf("proxy parcel badge: got %q", got)
	}
	for _, code := range []string{"signed_by_proxy", "signed_after_exception", "· damaged"} {
		if strings.Contains(p.doc.Find(".parcel-head").Text(), code) {
			t.Errorf("raw code %q on the page", code)
		}
	}

	p = br.get("/console/orders/LBL-2")
	if got := p.doc.Find(".head .badge").Text(); got != "已退回" {
		t.Errorf("returned order badge: got %q", got)
	}
	p = br.get("/console/orders?status=returned")
	if got := p.doc.Find(`select[name=status] option[value=returned]`).Text(); got != "已退回" {
		t.Errorf("status filter: got %q", got)
	}
	rows := p.doc.Find(".results tbody tr")
	if rows.Length() != 1 || !strings.Contains(rows.Text(), "LBL-2") || !strings.Contains(rows.Find(".badge").Text(), "已退回") {
		t.Errorf("search returned: got %q", rows.Text())
	}
}

// seedStateOrders adds brand A's orders in the states whose names the
// console shows: LBL-1 with a parcel scanned damaged and then signed for
// and a parcel signed for by someone else, LBL-2 refused and returned,
// LBL-3 from a batch whose filling is overdue but whose goods shipped.
func seedStateOrders(t *testing.T, b *testBundle) {
	t.Helper()
	ctx := context.Background()
	mustOrder := func(no string, items ...trail.Item) {
		t.Helper()
		o := &trail.Order{OrderNo: no, Customer: trail.Contact{Name: "林小满", Phone: "13712345678"},
			Address: trail.Address{Province: "浙江", City: "杭州市", Detail: "文三路1号"}, Items: items}
		o.Normalize()
		if _, err := b.db.CreateOrder(ctx, b.brandA.ID, o); err != nil {
			t.Fatal(err)
		}
	}
	ship := func(orderNo, carrier, trackingNo string, item trail.ShipmentItem, events ...trail.CarrierEvent) {
		t.Helper()
		s := &trail.Shipment{Carrier: carrier, TrackingNo: trackingNo, Items: []trail.ShipmentItem{item}}
		if _, err := b.db.CreateShipment(ctx, b.brandA.ID, orderNo, s); err != nil {
			t.Fatal(err)
		}
		if _, err := b.db.Ingest(ctx, b.brandA.ID, carrier, trackingNo, events); err != nil {
			t.Fatal(err)
		}
	}
	ev := func(hoursAgo int, st trail.ShipmentStatus, sub, desc string) trail.CarrierEvent {
		return trail.CarrierEvent{Time: testNow.Add(-time.Duration(hoursAgo) * time.Hour), Status: st, SubStatus: sub, Description: desc, Source: trail.SourcePush}
	}
	mustOrder("LBL-1", trail.Item{SKU: "PLUM-330", Quantity: 2}, trail.Item{SKU: "RICE-500", Quantity: 1})
	ship("LBL-1", "zhongtong", "ZT4400000000001", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 2},
		ev(30, trail.StatusPickedUp, "", "已揽收"), ev(10, trail.StatusException, "damaged", "外包装破损"),
		ev(5, trail.StatusDelivered, "signed_after_exception", "异常后签收"))
	ship("LBL-1", "yuantong", "YT4400000000001", trail.ShipmentItem{SKU: "RICE-500", Quantity: 1},
		ev(30, trail.StatusPickedUp, "", "已揽收"), ev(5, trail.StatusDelivered, "signed_by_proxy", "门卫代收"))
	mustOrder("LBL-2", trail.Item{SKU: "COCKTAIL-4", Quantity: 1})
	ship("LBL-2", "yuantong", "YT4400000000002", trail.ShipmentItem{SKU: "COCKTAIL-4", Quantity: 1},
		ev(60, trail.StatusPickedUp, "", "已揽收"), ev(40, trail.StatusRefused, "", "拒收"), ev(5, trail.StatusReturned, "", "已退回寄件人"))

	// A batch whose filling is overdue and never reported done, whose goods
	// shipped: the parcel finished it, and no stage shows late.
	day := func(days int) trail.Date {
		return trail.Date(testNow.AddDate(0, 0, days).In(trail.ChinaTime).Format(time.DateOnly))
	}
	if _, err := b.db.CreateBatch(ctx, b.brandA.ID, &trail.Batch{BatchNo: "B-LBL-1", SKU: "PLUM-330",
		Plan: map[trail.Stage]trail.Date{trail.StageFilling: day(-3), trail.StageReady: day(-1)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.RecordBatchEvent(ctx, b.brandA.ID, "B-LBL-1", trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateStarted, At: testNow.AddDate(0, 0, -4)}); err != nil {
		t.Fatal(err)
	}
	mustOrder("LBL-3", trail.Item{SKU: "PLUM-330", Quantity: 1, BatchNo: "B-LBL-1"})
	ship("LBL-3", "zhongtong", "ZT4400000000003", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 1}, ev(2, trail.StatusPickedUp, "", "已揽收"))
}

// TestConsoleNoRawCodes renders the operator's pages (search results, order
// pages in every state, the alert inbox, the audit log after settings
// changes) and the settings, and checks that no code that has a Chinese
// name (statuses, sub-statuses, alert types and states, severities,
// stages, notice kinds, channels, delivery states, webhook events, roles,
// audit targets, carriers) shows in their visible text in place of the
// name. The settings may show an API code beside its name, as the whole of
// an element next to the name, for admins who use the API too.
func TestConsoleNoRawCodes(t *testing.T) {
	b := setupWith(t, func(c *console.Config) {
		db := c.Users.(*sqlite.DB)
		opsConfig(t, c, db)
		c.Brands, c.Notify, c.PasswordParams = db, db, cheap
	})
	ctx := context.Background()
	// Every change of an order goes to the endpoint: the order pages list
	// deliveries.
	if err := b.db.CreateWebhook(ctx, b.brandA.ID, &trail.WebhookEndpoint{URL: "https://hooks.plum.example/bt",
		Events: []string{trail.EventOrderUpdated, trail.EventShipmentUpdated}}); err != nil {
		t.Fatal(err)
	}
	seedStateOrders(t, b)
	for {
		n, err := b.db.EvaluateDue(ctx, evaluatedAt, 100)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	br := b.browser(t).mustLogin(adminA)
	for path, form := range map[string]url.Values{
		"/console/settings/alerts/stalled":                  {"enabled": {"1"}, "threshold_hours": {"36"}, "add_carrier": {"yunda"}, "add_hours": {"30"}},
		"/console/settings/compliance":                      {"carrier": {"yunda"}, "alcohol": {"1"}},
		"/console/settings/carriers/kuaidi100":              {"credentials.customer": {"C-1"}, "credentials.key": {"K-1"}},
		"/console/settings/webhooks":                        {"url": {"https://hooks.plum.example/second"}, "events": {trail.EventAlertOpened}},
		"/console/settings/service":                         {"phone": {"400-820-1234"}},
		"/console/settings/notifications":                   {"quiet_start": {"21:30"}, "quiet_end": {"08:30"}, "daily_cap": {"2"}, "merge_minutes": {"15"}, "kinds": {"order_confirmed", "out_for_delivery"}},
		"/console/settings/notifications/templates/shipped": {"subject": {"{{.Brand}}：已发货"}, "text": {"{{.Name}}，{{.Summary}}。{{.Link}} 退订 {{.OptOut}}"}},
		"/console/settings/notifications/channels/sms": {"credentials.access_key_id": {"LTAI-PLUM"}, "credentials.access_key_secret": {"S-1"},
			"credentials.sign_name": {"梅子酒坊"}, "credentials.template_code": {"SMS_100"}},
	} {
		if p := br.post(path, form); p.status != http.StatusSeeOther && p.status != http.StatusOK {
			t.Fatalf("POST %s: %d %s", path, p.status, p.doc.Find(".error, .field-error").Text())
		}
	}
	// An alert of a batch, acknowledged: an audit entry under the batch.
	for _, a := range b.alerts(t, b.brandA.ID, trail.AlertOpen) {
		if a.OrderNo != "" {
			p := br.post("/console/orders/"+a.OrderNo+"/alerts/"+strconv.FormatInt(a.ID, 10)+"/ack", url.Values{"assignee": {"me"}})
			wantStatus(t, p, http.StatusSeeOther)
			break
		}
	}

	// The codes that have names, each with its name.
	named := map[string]string{}
	add := func(code, name string) { named[code] = name }
	for k, v := range trail.OrderStatusNames {
		add(string(k), v)
	}
	for k, v := range trail.StatusNames {
		add(string(k), v)
	}
	for k, v := range trail.SubStatusNames {
		add(k, v)
	}
	for k, v := range trail.AlertTypeNames {
		add(string(k), v)
	}
	for k, v := range trail.StageNames {
		add(string(k), v)
	}
	for k, v := range trail.NoticeKindNames {
		add(string(k), v)
	}
	for k, v := range trail.RoleNames {
		add(string(k), v)
	}
	for _, c := range trail.Carriers() {
		add(c.Code, c.Name)
	}
	for _, code := range []trail.Severity{trail.SeverityCritical, trail.SeverityWarning, trail.SeverityInfo} {
		add(string(code), "severity")
	}
	for _, code := range []trail.AlertStatus{trail.AlertOpen, trail.AlertAcknowledged, trail.AlertResolved} {
		add(string(code), "alert status")
	}
	for _, code := range []string{trail.DeliveryPending, trail.DeliverySent, trail.DeliveryFailed, trail.DeliveryDead,
		string(trail.ChannelSMS), string(trail.ChannelWeChat), string(trail.ChannelEmail)} {
		add(code, "delivery")
	}
	for _, ev := range trail.WebhookEvents {
		add(ev, "webhook event")
	}
	for _, kind := range []string{"alert_rule", "carrier_account", "notice_template", "notify_channel", "notify_settings", "api_key"} {
		add(kind, "audit target")
	}
	// A token is a run of what codes, addresses and numbers are made of.
	token := regexp.MustCompile(`[A-Za-z0-9_.@-]+`)
	han := regexp.MustCompile(`\p{Han}`)

	check := func(t *testing.T, path string, apiCodesBesideNames bool) {
		t.Helper()
		p := br.get(path)
		wantStatus(t, p, http.StatusOK)
		p.doc.Find("body *").Not("script, style").Each(func(_ int, el *goquerySel) {
			el.Contents().Each(func(_ int, n *goquerySel) {
				if goquery.NodeName(n) != "#text" {
					return
				}
				text := n.Text()
				for _, tok := range token.FindAllString(text, -1) {
					code := strings.TrimRight(tok, ".")
					if _, ok := named[code]; !ok {
						continue
					}
					rest := strings.Replace(el.Parent().Text(), code, "", 1)
					if apiCodesBesideNames && strings.TrimSpace(text) == code && el.Children().Length() == 0 &&
						(han.MatchString(rest) || strings.Contains(rest, named[code])) {
						continue // "超时未揽收 no_pickup": the API's code beside the name
					}
					t.Errorf("%s: raw code %q (%s) in %q", path, code, named[code], strings.TrimSpace(el.Text()))
				}
			})
		})
	}
	for _, path := range []string{
		"/console/orders", "/console/orders?status=exception", "/console/orders?status=returned", "/console/orders?carrier=yuantong",
		"/console/orders/LBL-1", "/console/orders/LBL-2", "/console/orders/LBL-3", "/console/orders/" + orderSplit,
		"/console/alerts", "/console/alerts?status=acknowledged", "/console/audit",
	} {
		check(t, path, false)
	}
	for _, path := range []string{
		"/console/settings", "/console/settings/carriers", "/console/settings/alerts", "/console/settings/webhooks",
		"/console/settings/api-keys", "/console/settings/users", "/console/settings/service",
		"/console/settings/notifications", "/console/settings/notifications/channels", "/console/settings/notifications/templates",
	} {
		check(t, path, true)
	}
}
