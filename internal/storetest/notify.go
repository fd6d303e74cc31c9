package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// smsAccount is a brand's SMS account for the notification tests.
var smsAccount = trail.NotifyChannel{Channel: trail.ChannelSMS, Credentials: map[string]string{
	"access_key_id": "AK", "access_key_secret": "secret", "sign_name": "瓶迹", "template_code": "SMS_1"}}

// deliveries returns a brand's deliveries, newest first.
func (b *bundle) deliveries(t *testing.T, brandID int64, f trail.DeliveryFilter) []*trail.Delivery {
	t.Helper()
	if f.Limit == 0 {
		f.Limit = trail.MaxDeliveryPage
	}
	ds, err := b.s.Deliveries(b.ctx, brandID, f)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// dispatch runs the notifier of an order at a China-time instant, the
// store's clock moved there too.
func (b *bundle) dispatch(t *testing.T, orderID int64, at time.Time) time.Time {
	t.Helper()
	b.clock.Set(at)
	retry, err := b.s.DispatchNotices(b.ctx, orderID, at)
	if err != nil {
		t.Fatal(err)
	}
	return retry
}

func testNotify(t *testing.T, open OpenFunc) {
	t.Run("Rules", func(t *testing.T) { testNotifyRules(t, open) })
	t.Run("Deliveries", func(t *testing.T) { testNotifyDeliveries(t, open) })
	t.Run("Settings", func(t *testing.T) { testNotifySettings(t, open) })
}

// testNotifyRules checks merging, once per status, quiet hours, the daily
// cap and opt-out on the store, with the clock in hand.
func testNotifyRules(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	if err := b.s.PutNotifyChannel(b.ctx, b.brand.ID, smsAccount); err != nil {
		t.Fatal(err)
	}
	o := b.mustOrder(t, b.brand.ID, "WED-1") // order_confirmed
	b.mustShipment(t, b.brand.ID, "WED-1", "shunfeng", "SF1000000001", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 12})
	b.mustShipment(t, b.brand.ID, "WED-1", "zhongtong", "ZT1000000002", trail.ShipmentItem{SKU: "RICE-500", Quantity: 6})
	ofd := ev(at(1, 9, 0), trail.StatusOutForDelivery, "快递员正在派送")
	for range 2 { // pushed twice: announced once
		if _, err := b.s.Ingest(b.ctx, b.brand.ID, "shunfeng", "SF1000000001", []trail.CarrierEvent{ev(at(0, 18, 0), trail.StatusPickedUp, "已揽收"), ofd}); err != nil {
			t.Fatal(err)
		}
	}
	// Everything so far goes out in one message: confirmed, two shipped,
	// split into two parcels, out for delivery.
	if retry := b.dispatch(t, o.ID, at(1, 10, 0)); !retry.IsZero() {
		t.Fatalf("daytime dispatch: retry at %v", retry)
	}
	ds := b.deliveries(t, b.brand.ID, trail.DeliveryFilter{Channel: trail.ChannelSMS})
	if len(ds) != 1 {
		t.Fatalf("merged: got %d SMS deliveries, want 1", len(ds))
	}
	if got, want := ds[0].Event, "order_confirmed,shipped,shipped,order_split,out_for_delivery"; got != want {
		t.Errorf("merged notices: got %q, want %q", got, want)
	}
	if ds[0].To != "139****5678" || ds[0].State != trail.DeliveryPending || ds[0].OrderNo != "WED-1" {
		t.Errorf("delivery: %+v", ds[0])
	}
	if b.dispatch(t, o.ID, at(1, 10, 1)); len(b.deliveries(t, b.brand.ID, trail.DeliveryFilter{Channel: trail.ChannelSMS})) != 1 {
		t.Error("nothing pending, yet a second delivery")
	}

	// 23:00 in Shanghai: the delivered notice waits for 08:00.
	b.clock.Set(at(1, 22, 55))
	delivered := ev(at(1, 22, 50), trail.StatusDelivered, "已签收")
	if _, err := b.s.Ingest(b.ctx, b.brand.ID, "shunfeng", "SF1000000001", []trail.CarrierEvent{delivered}); err != nil {
		t.Fatal(err)
	}
	if retry := b.dispatch(t, o.ID, at(1, 23, 0).UTC()); !retry.Equal(at(2, 8, 0)) {
		t.Fatalf("quiet hours: retry at %v, want %v", retry, at(2, 8, 0))
	}
	if retry := b.dispatch(t, o.ID, at(2, 8, 0)); !retry.IsZero() {
		t.Fatalf("08:00: retry at %v", retry)
	}

	// The daily cap (3 by default): day 2 has had one message (08:00); two
	// more reach the cap, and the fourth waits for the next morning.
	for i, st := range []trail.ShipmentStatus{trail.StatusOutForDelivery, trail.StatusAtPickupPoint} {
		b.clock.Set(at(2, 9+i, 1))
		e := ev(at(2, 9+i, 0), st, "快件已投放至【丰巢智能柜】，请凭取件码 6-2-0815 取件")
		if _, err := b.s.Ingest(b.ctx, b.brand.ID, "zhongtong", "ZT1000000002", []trail.CarrierEvent{e}); err != nil {
			t.Fatal(err)
		}
		if retry := b.dispatch(t, o.ID, at(2, 9+i, 5)); !retry.IsZero() {
			t.Fatalf("message %d of day 2: retry at %v", i+2, retry)
		}
	}
	last := b.deliveries(t, b.brand.ID, trail.DeliveryFilter{Channel: trail.ChannelSMS})[0]
	if last.Event != "at_pickup_point" {
		t.Errorf("newest delivery: %+v", last)
	}
	b.clock.Set(at(2, 15, 1))
	if _, err := b.s.Ingest(b.ctx, b.brand.ID, "zhongtong", "ZT1000000002", []trail.CarrierEvent{ev(at(2, 15, 0), trail.StatusDelivered, "已签收")}); err != nil {
		t.Fatal(err)
	}
	if retry := b.dispatch(t, o.ID, at(2, 15, 5)); !retry.Equal(at(3, 8, 0)) {
		t.Fatalf("daily cap: retry at %v, want %v", retry, at(3, 8, 0))
	}

	// News more than two days old is dropped, not told late: an order
	// confirmed on day 0 whose notifier first runs on day 3.
	b.clock.Set(at(0, 9, 0))
	late := b.mustOrder(t, b.brand.ID, "WED-LATE")
	before := len(b.deliveries(t, b.brand.ID, trail.DeliveryFilter{}))
	if retry := b.dispatch(t, late.ID, at(3, 9, 0)); !retry.IsZero() {
		t.Fatalf("stale: retry at %v", retry)
	}
	if after := len(b.deliveries(t, b.brand.ID, trail.DeliveryFilter{})); after != before {
		t.Errorf("a stale notice was sent: %d deliveries, was %d", after, before)
	}

	// Opting out holds at once: the waiting notice is dropped.
	if err := b.s.OptOut(b.ctx, b.brand.ID, o.ID); err != nil {
		t.Fatal(err)
	}
	before = len(b.deliveries(t, b.brand.ID, trail.DeliveryFilter{}))
	if retry := b.dispatch(t, o.ID, at(3, 8, 0)); !retry.IsZero() {
		t.Fatalf("opted out: retry at %v", retry)
	}
	if after := len(b.deliveries(t, b.brand.ID, trail.DeliveryFilter{})); after != before {
		t.Errorf("opted out: %d deliveries, was %d", after, before)
	}
	if err := b.s.OptOut(b.ctx, b.other.ID, o.ID); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Errorf("other brand's opt-out: got %v", err)
	}
}

// testNotifyDeliveries checks what an attempt reads and records, replay,
// webhooks, and tenant isolation.
func testNotifyDeliveries(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	if err := b.s.PutNotifyChannel(b.ctx, b.brand.ID, smsAccount); err != nil {
		t.Fatal(err)
	}
	hook := &trail.WebhookEndpoint{URL: "https://erp.plum.example/hooks", Events: []string{trail.EventOrderUpdated, trail.EventNotificationFailed}}
	hook.Normalize()
	if err := b.s.CreateWebhook(b.ctx, b.brand.ID, hook); err != nil {
		t.Fatal(err)
	}
	o := b.mustOrder(t, b.brand.ID, "WED-1")
	webhooks := b.deliveries(t, b.brand.ID, trail.DeliveryFilter{Channel: trail.ChannelWebhook})
	if len(webhooks) != 1 || webhooks[0].Event != trail.EventOrderUpdated || webhooks[0].To != hook.URL {
		t.Fatalf("order.updated: %+v", webhooks)
	}
	wt, err := b.s.DeliveryTask(b.ctx, webhooks[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if body := string(wt.Body); !strings.Contains(body, `"order_no":"WED-1"`) || strings.Contains(body, "张三") || strings.Contains(body, "13912345678") {
		t.Errorf("webhook body: %s", body)
	}
	if wt.Endpoint == nil || len(wt.Endpoint.SigningSecrets(at(0, 12, 0))) == 0 {
		t.Errorf("webhook endpoint: %+v", wt.Endpoint)
	}

	b.dispatch(t, o.ID, at(0, 12, 0))
	sms := b.deliveries(t, b.brand.ID, trail.DeliveryFilter{Channel: trail.ChannelSMS})[0]
	task, err := b.s.DeliveryTask(b.ctx, sms.ID)
	if err != nil {
		t.Fatal(err)
	}
	if task.Contact.Phone != "13912345678" || len(task.Notices) != 1 || task.Notices[0].Kind != trail.NoticeOrderConfirmed ||
		task.Link == nil || task.Account == nil || task.Template.Text == "" || task.PriorAttemptUnclear || task.Delivery.Attempts != 1 {
		t.Fatalf("task: %+v", task)
	}
	// The attempt began and recorded nothing (the process died): the next
	// one must check the provider's report first. It reuses the link.
	again, err := b.s.DeliveryTask(b.ctx, sms.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !again.PriorAttemptUnclear || again.Link.ID != task.Link.ID || again.Delivery.Attempts != 2 {
		t.Fatalf("second attempt: unclear %v, link %d/%d, attempts %d", again.PriorAttemptUnclear, again.Link.ID, task.Link.ID, again.Delivery.Attempts)
	}
	if err := b.s.RecordAttempt(b.ctx, sms.ID, trail.Attempt{Sent: true, Receipt: &trail.Receipt{ProviderID: "BIZ1", Detail: "OK"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.ReplayDelivery(b.ctx, b.brand.ID, sms.ID); trail.ErrorCode(err) != trail.ECONFLICT {
		t.Errorf("replay of a sent delivery: got %v", err)
	}
	got := b.deliveries(t, b.brand.ID, trail.DeliveryFilter{State: trail.DeliverySent})
	if len(got) != 1 || got[0].ID != sms.ID || got[0].Detail != "OK id=BIZ1" || got[0].SentAt == nil {
		t.Fatalf("sent: %+v", got)
	}

	// A permanent failure: failed, a notification.failed webhook, replay.
	if err := b.s.RecordAttempt(b.ctx, webhooks[0].ID, trail.Attempt{Err: &trail.SendError{Kind: trail.Transient, Code: "HTTP 503"}}); err != nil {
		t.Fatal(err)
	}
	if err := b.s.RecordAttempt(b.ctx, webhooks[0].ID, trail.Attempt{Err: &trail.SendError{Kind: trail.Transient, Code: "HTTP 503"}, Final: true}); err != nil {
		t.Fatal(err)
	}
	dead := b.deliveries(t, b.brand.ID, trail.DeliveryFilter{State: trail.DeliveryDead})
	if len(dead) != 1 || !strings.Contains(dead[0].LastError, "HTTP 503") {
		t.Fatalf("dead: %+v", dead)
	}
	b.mustShipment(t, b.brand.ID, "WED-1", "shunfeng", "SF1000000001", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 12})
	b.dispatch(t, o.ID, at(0, 13, 0))
	sms2 := b.deliveries(t, b.brand.ID, trail.DeliveryFilter{Channel: trail.ChannelSMS})[0]
	if err := b.s.RecordAttempt(b.ctx, sms2.ID, trail.Attempt{Err: &trail.SendError{Kind: trail.Permanent, Code: "isv.MOBILE_NUMBER_ILLEGAL"}}); err != nil {
		t.Fatal(err)
	}
	failedHooks := 0
	for _, d := range b.deliveries(t, b.brand.ID, trail.DeliveryFilter{Channel: trail.ChannelWebhook}) {
		if d.Event == trail.EventNotificationFailed {
			failedHooks++
		}
	}
	if failedHooks != 1 {
		t.Errorf("notification.failed webhooks: got %d, want 1", failedHooks)
	}
	if n, err := b.s.ReplayFailed(b.ctx, b.brand.ID); err != nil || n != 2 {
		t.Fatalf("replay failed: %d, %v", n, err)
	}
	if left := b.deliveries(t, b.brand.ID, trail.DeliveryFilter{State: trail.DeliveryDead}); len(left) != 0 {
		t.Errorf("after replay: %d dead", len(left))
	}

	// Another brand sees and replays nothing of it.
	if got := b.deliveries(t, b.other.ID, trail.DeliveryFilter{}); len(got) != 0 {
		t.Errorf("other brand: %d deliveries", len(got))
	}
	if _, err := b.s.ReplayDelivery(b.ctx, b.other.ID, sms.ID); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Errorf("other brand's replay: got %v", err)
	}
	if _, err := b.s.Deliveries(b.ctx, b.brand.ID, trail.DeliveryFilter{State: "lost", Limit: 10}); trail.ErrorCode(err) != trail.EINVALID {
		t.Errorf("bad state: got %v", err)
	}
}

// testNotifySettings checks the policy, channel accounts (secrets never
// read back) and templates.
func testNotifySettings(t *testing.T, open OpenFunc) {
	b := setup(t, open)
	s, chans, err := b.s.NotifySettings(b.ctx, b.brand.ID)
	if err != nil || s.QuietStart != "22:00" || len(chans) != 0 {
		t.Fatalf("defaults: %+v %+v %v", s, chans, err)
	}
	s.DailyCap, s.UrgentOverridesQuiet = 5, true
	if err := b.s.PutNotifySettings(b.ctx, b.brand.ID, s); err != nil {
		t.Fatal(err)
	}
	wantCode(t, b.s.PutNotifySettings(b.ctx, b.brand.ID, trail.NotifySettings{QuietStart: "nope"}), trail.EINVALID, "quiet_start")
	if err := b.s.PutNotifyChannel(b.ctx, b.brand.ID, smsAccount); err != nil {
		t.Fatal(err)
	}
	wantCode(t, b.s.PutNotifyChannel(b.ctx, b.brand.ID, trail.NotifyChannel{Channel: trail.ChannelSMS, Credentials: map[string]string{}}),
		trail.EINVALID, "credentials.access_key_id")
	s, chans, err = b.s.NotifySettings(b.ctx, b.brand.ID)
	if err != nil || s.DailyCap != 5 || !s.UrgentOverridesQuiet || len(chans) != 1 {
		t.Fatalf("stored: %+v %+v %v", s, chans, err)
	}
	if _, leaked := chans[0].Credentials["access_key_secret"]; leaked || chans[0].Credentials["access_key_id"] != "AK" {
		t.Errorf("channel read back: %+v", chans[0])
	}
	tpl := trail.NoticeTemplate{Kind: trail.NoticeDelivered, Subject: "{{.Brand}} 已送达", Text: "{{.Name}}，您的酒已送达 {{.Link}} 退订 {{.OptOut}}"}
	if err := b.s.PutNoticeTemplate(b.ctx, b.brand.ID, tpl); err != nil {
		t.Fatal(err)
	}
	got, err := b.s.NoticeTemplates(b.ctx, b.brand.ID)
	if err != nil || got[trail.NoticeDelivered] != tpl || got[trail.NoticeShipped].Text == "" {
		t.Fatalf("templates: %+v %v", got[trail.NoticeDelivered], err)
	}
	other, _ := b.s.NoticeTemplates(b.ctx, b.other.ID)
	if other[trail.NoticeDelivered] == tpl {
		t.Error("the other brand got the template")
	}
}
