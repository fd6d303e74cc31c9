package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/notify/webhook"
	"github.com/bottletrail/bottletrail/internal/notifysim"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestNotifications plays the notification pipeline end to end on both
// stores: River jobs inserted in the changes' transactions, SMS and WeChat
// sent to the simulator (which verifies Aliyun's signature and WeChat's
// token), signed webhooks to a receiver on loopback, a worker that dies
// between the commit of an attempt and the send, a reply lost after the
// send, an endpoint failing three times, a dead letter and its replay.
func TestNotifications(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		playNotifications(t, "sqlite:"+filepath.Join(t.TempDir(), "bt.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		playNotifications(t, storetest.PostgresSchema(t, t, "bt_e2e_", nil))
	})
}

// hookReceiver is a brand's webhook endpoint: it fails the first failures
// requests, then verifies and records every delivery.
type hookReceiver struct {
	t        *testing.T
	secret   atomic.Value // string, set once the endpoint exists
	failures atomic.Int64 // requests still to fail; -1 fails forever
	mu       sync.Mutex
	ids      map[string]int // webhook-id → requests seen
	bodies   map[string]string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.ids[r.Header.Get("webhook-id")]++
	h.mu.Unlock()
	if n := h.failures.Load(); n != 0 {
		if n > 0 {
			h.failures.Add(-1)
		}
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	if secret, _ := h.secret.Load().(string); secret != "" {
		if err := webhook.Verify(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
			h.t.Errorf("webhook signature: %v", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
	}
	h.mu.Lock()
	h.bodies[r.Header.Get("webhook-id")] = string(body)
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func newHookReceiver(t *testing.T, failures int64) (*hookReceiver, string) {
	h := &hookReceiver{t: t, ids: map[string]int{}, bodies: map[string]string{}}
	h.failures.Store(failures)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv.URL + "/hooks"
}

// eventually waits up to 30 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func playNotifications(t *testing.T, dsn string) {
	var crashed atomic.Bool
	e := startE2E(t, dsn, false, func(o *appOptions) {
		o.deliveryBackoff = func(int) time.Duration { return 20 * time.Millisecond }
		o.notifyTimeout = 500 * time.Millisecond
		o.pollInterval = 50 * time.Millisecond
		// The first SMS attempt dies after its attempt is committed and
		// before the message leaves: River takes the job up again.
		o.beforeSend = func(task *trail.DeliveryTask) {
			if task.Delivery.Channel == trail.ChannelSMS && crashed.CompareAndSwap(false, true) {
				panic("worker killed between commit and send")
			}
		}
	})
	ctx, b := e.ctx, e.b
	sim := notifysim.New(notifysim.Config{AliyunKeys: map[string]string{"SIMKEY": "sim-secret"},
		WeChatApps: map[string]string{"wxsim0000000001": "sim-app-secret"}, MaxHold: 5 * time.Second})
	simSrv := httptest.NewServer(sim)
	t.Cleanup(func() { simSrv.Close(); sim.Close() })

	brand := e.brand(t, "notify")
	settings := trail.DefaultNotifySettings()
	settings.QuietStart, settings.QuietEnd, settings.MergeMinutes, settings.DailyCap = "00:00", "00:00", 0, 20
	if err := b.PutNotifySettings(ctx, brand.ID, settings); err != nil {
		t.Fatal(err)
	}
	for _, c := range []trail.NotifyChannel{
		{Channel: trail.ChannelSMS, BaseURL: simSrv.URL + "/aliyun", Credentials: map[string]string{
			"access_key_id": "SIMKEY", "access_key_secret": "sim-secret", "sign_name": "瓶迹", "template_code": "SMS_900001"}},
		{Channel: trail.ChannelWeChat, BaseURL: simSrv.URL + "/wechat", Credentials: map[string]string{
			"app_id": "wxsim0000000001", "app_secret": "sim-app-secret", "template_id": "TPL-SHIP"}},
	} {
		if err := b.PutNotifyChannel(ctx, brand.ID, c); err != nil {
			t.Fatal(err)
		}
	}
	// An endpoint that fails its first three requests, and one that is
	// down until we say so.
	flaky, flakyURL := newHookReceiver(t, 3)
	down, downURL := newHookReceiver(t, -1)
	for _, ep := range []struct {
		r      *hookReceiver
		url    string
		events []string
	}{{flaky, flakyURL, []string{trail.EventOrderUpdated}}, {down, downURL, []string{trail.EventShipmentUpdated}}} {
		w := &trail.WebhookEndpoint{URL: ep.url, Events: ep.events}
		w.Normalize()
		if err := b.CreateWebhook(ctx, brand.ID, w); err != nil {
			t.Fatal(err)
		}
		ep.r.secret.Store(w.Secret)
	}

	o := &trail.Order{OrderNo: "NT-1", Customer: trail.Contact{Name: "张三", Phone: "13912345678", WeChatOpenID: "oSIM_openid_0000000001"},
		Address: trail.Address{Province: "浙江", City: "杭州市", Detail: "文三路188号"}, Items: []trail.Item{{SKU: "RICE-500", Quantity: 2}}}
	o.Normalize()
	if _, err := b.CreateOrder(ctx, brand.ID, o); err != nil {
		t.Fatal(err)
	}

	// The order's confirmation: once by SMS despite the crash, once by
	// WeChat, both rendered at send time with the tracking link.
	eventually(t, "the confirmation by SMS and WeChat", func() bool {
		return len(sim.Messages(trail.ChannelSMS)) == 1 && len(sim.Messages(trail.ChannelWeChat)) == 1
	})
	if !crashed.Load() {
		t.Fatal("the crash hook never ran")
	}
	smsMsg := sim.Messages(trail.ChannelSMS)[0]
	params := map[string]string{}
	for _, p := range smsMsg.Params {
		params[p.Name] = p.Value
	}
	if smsMsg.To != "13912345678" || params["order"] != "NT-1" || params["name"] != "张*" ||
		!strings.Contains(params["status"], "订单已确认") || !strings.Contains(params["link"], e.base+"/t/") {
		t.Errorf("SMS: to %s, params %v", smsMsg.To, params)
	}
	if wx := sim.Messages(trail.ChannelWeChat)[0]; wx.To != "oSIM_openid_0000000001" || !strings.Contains(wx.Page, "token=") {
		t.Errorf("WeChat: %+v", wx)
	}

	// A reply lost after the send: the retry finds the message in Aliyun's
	// delivery report and does not send it again.
	if err := sim.InjectFault(notifysim.Fault{Channel: trail.ChannelSMS, Times: 1, Mode: notifysim.FaultLostReply}); err != nil {
		t.Fatal(err)
	}
	s := &trail.Shipment{Carrier: "yuantong", TrackingNo: "YT8800000000001", Items: []trail.ShipmentItem{{SKU: "RICE-500", Quantity: 2}}}
	if _, err := b.CreateShipment(ctx, brand.ID, "NT-1", s); err != nil {
		t.Fatal(err)
	}
	sentSMS := func() []*trail.Delivery {
		ds, err := b.Deliveries(ctx, brand.ID, trail.DeliveryFilter{Channel: trail.ChannelSMS, State: trail.DeliverySent, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	eventually(t, "the shipped SMS recorded as sent", func() bool { return len(sentSMS()) == 2 })
	shipped := sentSMS()[0]
	if n := len(sim.Messages(trail.ChannelSMS)); n != 2 {
		t.Errorf("SMS received: %d, want 2 (one per notice, none twice)", n)
	}
	if shipped.Attempts < 2 || !strings.Contains(shipped.Detail, "delivery report") {
		t.Errorf("lost reply: %+v", shipped)
	}
	first := sentSMS()[1]
	if first.Attempts != 2 {
		t.Errorf("crashed attempt: %+v", first)
	}
	for _, m := range sim.Messages(trail.ChannelSMS) {
		if m.OutID == "" {
			t.Errorf("SMS without OutId: %+v", m)
		}
	}

	// The flaky endpoint got order.updated on its fourth try, the same
	// webhook-id each time.
	eventually(t, "order.updated at the flaky endpoint", func() bool {
		flaky.mu.Lock()
		defer flaky.mu.Unlock()
		return len(flaky.bodies) == 1
	})
	flaky.mu.Lock()
	for id, n := range flaky.ids {
		if n != 4 || !strings.Contains(flaky.bodies[id], `"type":"order.updated"`) || strings.Contains(flaky.bodies[id], "张三") {
			t.Errorf("flaky endpoint: %s seen %d times, body %s", id, n, flaky.bodies[id])
		}
	}
	flaky.mu.Unlock()

	// The endpoint that is down: every attempt fails, the delivery is
	// dead-lettered; replayed once it is back, it arrives.
	dead := func() []*trail.Delivery {
		ds, err := b.Deliveries(ctx, brand.ID, trail.DeliveryFilter{Channel: trail.ChannelWebhook, State: trail.DeliveryDead, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	eventually(t, "a dead letter", func() bool { return len(dead()) == 1 })
	d := dead()[0]
	if d.Attempts != 14 || d.Event != trail.EventShipmentUpdated || !strings.Contains(d.LastError, "503") {
		t.Errorf("dead letter: %+v", d)
	}
	down.failures.Store(0)
	if _, err := b.ReplayDelivery(ctx, brand.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the replayed delivery", func() bool {
		ds, _ := b.Deliveries(ctx, brand.ID, trail.DeliveryFilter{Channel: trail.ChannelWebhook, State: trail.DeliverySent, Limit: 50})
		for _, x := range ds {
			if x.ID == d.ID {
				return true
			}
		}
		return false
	})
	down.mu.Lock()
	if n := down.ids[d.IdempotencyKey]; n != 15 {
		t.Errorf("down endpoint saw %s %d times, want 14 failures and the replay", d.IdempotencyKey, n)
	}
	down.mu.Unlock()
}
