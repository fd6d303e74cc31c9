package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/notifysim"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// loopbackResolver answers every name with loopback: a public-looking
// name that resolves (or has come to resolve) to this machine.
type loopbackResolver struct{}

func (loopbackResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

// egressServer is the server on a fresh SQLite store with one brand.
type egressServer struct {
	b    *backend
	base string
	key  string
}

// startEgress starts the server with opts; a brand and its API key are
// made first, and setup runs on the store before the server starts.
func startEgress(t *testing.T, opts appOptions, setup func(ctx context.Context, b *backend, brand *trail.Brand)) *egressServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	dir := t.TempDir()
	b, err := m.open(ctx, storeFlags{dsn: "sqlite:" + filepath.Join(dir, "bt.db"), keyFile: filepath.Join(dir, "secret.key")}, logger)
	if err != nil {
		t.Fatal(err)
	}
	brand := &trail.Brand{Slug: "plum-house", Name: "梅子酒坊"}
	key, err := b.CreateBrand(ctx, brand)
	if err != nil {
		t.Fatal(err)
	}
	setup(ctx, b, brand)
	opts.retryPolicy, opts.pollInterval = fastRetry{}, 50*time.Millisecond
	opts.deliveryBackoff = func(int) time.Duration { return 50 * time.Millisecond }
	base := serveApp(t, ctx, cancel, m, b, logger, opts)
	return &egressServer{b: b, base: base, key: key}
}

// call sends a JSON request with the brand's key and returns the status
// and the decoded answer.
func (s *egressServer) call(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v
}

// order creates an order, which queues an order.updated delivery.
func (s *egressServer) order(t *testing.T, no string) {
	t.Helper()
	if st, v := s.call(t, "PUT", "/api/v1/skus/PLUM-330", `{"name":"青梅酒 330ml"}`); st != 200 && st != 201 {
		t.Fatalf("put SKU: %d %v", st, v)
	}
	body := `{"order_no":"` + no + `","customer":{"name":"张三","phone":"13912345678"},
		"address":{"province":"浙江省","city":"杭州市","district":"西湖区","detail":"文三路188号"},
		"items":[{"sku":"PLUM-330","quantity":1}]}`
	if st, v := s.call(t, "POST", "/api/v1/orders", body); st != 201 {
		t.Fatalf("create order: %d %v", st, v)
	}
}

// webhookDelivery waits for the order's webhook delivery to have an
// attempt behind it and returns it.
func (s *egressServer) webhookDelivery(t *testing.T, orderNo string) trail.Delivery {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, _ := http.NewRequest("GET", s.base+"/api/v1/deliveries?channel=webhook&order_no="+orderNo, nil)
		req.Header.Set("Authorization", "Bearer "+s.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct{ Deliveries []trail.Delivery }
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Deliveries) == 1 && page.Deliveries[0].Attempts > 0 {
			return page.Deliveries[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no attempted webhook delivery of %s: %+v", orderNo, page.Deliveries)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// hookCounter is a brand's receiver on loopback that counts requests and
// fails them with a body that must never come back through the API.
func hookCounter(t *testing.T) (*atomic.Int32, *url.URL) {
	hits := new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "db password hunter2", http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return hits, u
}

// TestEgressRefused runs the server as in production (no
// --allow-private-webhooks) with a resolver that answers loopback for
// every name: the API refuses webhooks and carrier base URLs that reach
// loopback, private or link-local addresses, in any notation or through a
// name; and an endpoint stored while its name still resolved elsewhere is
// refused when dialled, so the loopback receiver gets nothing.
func TestEgressRefused(t *testing.T) {
	hits, recv := hookCounter(t)
	stored := "https://hooks.example.com:" + recv.Port() + "/bottletrail"
	s := startEgress(t, appOptions{resolver: loopbackResolver{}}, func(ctx context.Context, b *backend, brand *trail.Brand) {
		e := &trail.WebhookEndpoint{URL: stored, Events: []string{trail.EventOrderUpdated}}
		e.Normalize()
		if err := b.CreateWebhook(ctx, brand.ID, e); err != nil {
			t.Fatal(err)
		}
	})
	port := recv.Port()
	for _, u := range []string{
		"http://127.0.0.1:" + port + "/h", "https://127.0.0.1:" + port + "/h", "http://localhost:" + port + "/h",
		"https://[::1]/h", "https://0.0.0.0/h", "https://2130706433/h", "https://0x7f000001/h", "https://127.1/h",
		"https://[::ffff:127.0.0.1]/h", "https://10.0.0.1/h", "https://169.254.169.254/latest", "https://hooks.example.com/h",
	} {
		st, v := s.call(t, "POST", "/api/v1/webhooks", `{"url":"`+u+`","events":["order.updated"]}`)
		if e, _ := v["error"].(map[string]any); st != 422 || e["field"] != "url" {
			t.Errorf("POST /api/v1/webhooks %s: got %d %v, want 422 on url", u, st, v)
		}
	}
	for _, u := range []string{"http://169.254.169.254/latest", "http://10.0.0.5:8080", "https://10.0.0.5:8080", "https://kuaidi100.example.com/api"} {
		st, v := s.call(t, "PUT", "/api/v1/carrier-accounts/kuaidi100", `{"credentials":{"customer":"C","key":"K"},"base_url":"`+u+`"}`)
		if e, _ := v["error"].(map[string]any); st != 422 || e["field"] != "base_url" {
			t.Errorf("PUT carrier account with base_url %s: got %d %v, want 422 on base_url", u, st, v)
		}
	}
	if st, v := s.call(t, "PUT", "/api/v1/carrier-accounts/kuaidi100", `{"credentials":{"customer":"C","key":"K"}}`); st != 201 {
		t.Errorf("PUT carrier account with the default base URL: got %d %v, want 201", st, v)
	}

	s.order(t, "WX1")
	d := s.webhookDelivery(t, "WX1")
	if !strings.Contains(d.LastError, "not a public address") {
		t.Errorf("last_error: got %q, want the refusal", d.LastError)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback receiver got %d requests, want none", n)
	}
}

// TestEgressAllowed runs the server with --allow-private-webhooks: a
// loopback receiver can be registered and gets the deliveries, and of its
// failing answers the delivery log keeps the status line only.
func TestEgressAllowed(t *testing.T) {
	hits, recv := hookCounter(t)
	s := startEgress(t, appOptions{allowPrivateWebhooks: true}, func(context.Context, *backend, *trail.Brand) {})
	if st, v := s.call(t, "POST", "/api/v1/webhooks", `{"url":"`+recv.String()+`/h","events":["order.updated"]}`); st != 201 {
		t.Fatalf("POST /api/v1/webhooks: got %d %v, want 201", st, v)
	}
	s.order(t, "WX1")
	d := s.webhookDelivery(t, "WX1")
	if hits.Load() == 0 {
		t.Error("the loopback receiver got nothing")
	}
	if !strings.Contains(d.LastError, "HTTP 500: Internal Server Error") || strings.Contains(d.LastError, "hunter2") {
		t.Errorf("last_error: got %q, want the status line and nothing of the reply", d.LastError)
	}
}

// TestServeAllowPrivateWebhooksFlag checks that serve reads the flag.
func TestServeAllowPrivateWebhooksFlag(t *testing.T) {
	for _, tt := range []struct {
		flag []string
		want int
	}{{nil, 422}, {[]string{"--allow-private-webhooks"}, 201}} {
		dir := t.TempDir()
		dsn := "sqlite:" + filepath.Join(dir, "bt.db")
		var out bytes.Buffer
		env := func(string) string { return "" }
		if err := (&Main{Stdout: &out, Stderr: io.Discard, Getenv: env}).Run(context.Background(),
			[]string{"brand", "create", "--db", dsn, "--slug", "plum-house", "--name", "梅子酒坊"}); err != nil {
			t.Fatal(err)
		}
		var created struct {
			APIKey string `json:"api_key"`
		}
		json.Unmarshal(out.Bytes(), &created)
		ctx, cancel := context.WithCancel(context.Background())
		ready, done := make(chan string, 1), make(chan error, 1)
		srv := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: env, Ready: func(u string) { ready <- u }}
		go func() {
			done <- srv.Run(ctx, append([]string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, tt.flag...))
		}()
		var base string
		select {
		case base = <-ready:
		case err := <-done:
			t.Fatalf("serve stopped: %v", err)
		}
		s := &egressServer{base: base, key: created.APIKey}
		if st, v := s.call(t, "POST", "/api/v1/webhooks", `{"url":"http://127.0.0.1:9/h","events":["order.updated"]}`); st != tt.want {
			t.Errorf("serve %v: POST a loopback webhook: got %d %v, want %d", tt.flag, st, v, tt.want)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// notifyReceivers are the notification simulator on loopback (Aliyun SMS
// and WeChat over plain http, and its SMTP sink), with a count of every
// HTTP request and SMTP connection that reaches them.
type notifyReceivers struct {
	sim      *notifysim.Sim
	url      string // http://127.0.0.1:port
	port     string
	smtpPort string
	requests atomic.Int32
	conns    atomic.Int32
}

func startNotifyReceivers(t *testing.T) *notifyReceivers {
	t.Helper()
	r := &notifyReceivers{sim: notifysim.New(notifysim.Config{AliyunKeys: map[string]string{"SIMKEY": "sim-secret"},
		WeChatApps: map[string]string{"wxsim0000000001": "sim-app-secret"}})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		r.sim.ServeHTTP(w, req)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	smtpSrv := r.sim.SMTPServer()
	go smtpSrv.Serve(countingListener{ln, &r.conns})
	t.Cleanup(func() { srv.Close(); smtpSrv.Close(); r.sim.Close() })
	r.url = srv.URL
	_, r.port, _ = net.SplitHostPort(srv.Listener.Addr().String())
	_, r.smtpPort, _ = net.SplitHostPort(ln.Addr().String())
	return r
}

// countingListener counts the connections it accepts.
type countingListener struct {
	net.Listener
	n *atomic.Int32
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// accounts returns the brand's SMS, WeChat and e-mail accounts with the
// simulator, at smsBase, wechatBase and the SMTP server smtpHost.
func (r *notifyReceivers) accounts(smsBase, wechatBase, smtpHost string) []trail.NotifyChannel {
	return []trail.NotifyChannel{
		{Channel: trail.ChannelSMS, BaseURL: smsBase, Credentials: map[string]string{
			"access_key_id": "SIMKEY", "access_key_secret": "sim-secret", "sign_name": "瓶迹", "template_code": "SMS_900001"}},
		{Channel: trail.ChannelWeChat, BaseURL: wechatBase, Credentials: map[string]string{
			"app_id": "wxsim0000000001", "app_secret": "sim-app-secret", "template_id": "TPL-SHIP"}},
		{Channel: trail.ChannelEmail, Credentials: map[string]string{
			"host": smtpHost, "port": r.smtpPort, "security": "none", "from": "梅子酒坊 <notify@plum.example>"}},
	}
}

// notifyNow makes the brand's order confirmations go out at once,
// whatever the time.
func (s *egressServer) notifyNow(t *testing.T) {
	t.Helper()
	if st, v := s.call(t, "PUT", "/api/v1/notification-settings",
		`{"quiet_start":"00:00","quiet_end":"00:00","daily_cap":20,"merge_minutes":0,"kinds":["order_confirmed"]}`); st != 200 {
		t.Fatalf("PUT notification-settings: %d %v", st, v)
	}
}

// consumerOrder creates an order whose buyer has a phone, an e-mail
// address and a WeChat openid: its confirmation goes to all three.
func (s *egressServer) consumerOrder(t *testing.T, no string) {
	t.Helper()
	if st, v := s.call(t, "PUT", "/api/v1/skus/PLUM-330", `{"name":"青梅酒 330ml"}`); st != 200 && st != 201 {
		t.Fatalf("put SKU: %d %v", st, v)
	}
	body := `{"order_no":"` + no + `","customer":{"name":"张三","phone":"13912345678","email":"buyer@example.com","wechat_openid":"oSIM_openid_0000000001"},
		"address":{"province":"浙江省","city":"杭州市","district":"西湖区","detail":"文三路188号"},
		"items":[{"sku":"PLUM-330","quantity":1}]}`
	if st, v := s.call(t, "POST", "/api/v1/orders", body); st != 201 {
		t.Fatalf("create order: %d %v", st, v)
	}
}

// attempted waits until an attempt of the brand's delivery on ch has an
// outcome (sent, or an error recorded) and returns the delivery.
func (s *egressServer) attempted(t *testing.T, brandID int64, ch trail.Channel) *trail.Delivery {
	t.Helper()
	var d *trail.Delivery
	eventually(t, "an attempted "+string(ch)+" delivery", func() bool {
		ds, err := s.b.Deliveries(context.Background(), brandID, trail.DeliveryFilter{Channel: ch, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 1 && ds[0].Attempts > 0 && (ds[0].State != trail.DeliveryPending || ds[0].LastError != "") {
			d = ds[0]
			return true
		}
		return false
	})
	return d
}

// TestEgressNotifyRefused runs the server as in production with a
// resolver that answers loopback for every name: the API refuses SMS and
// WeChat base URLs and SMTP servers on loopback or private networks, in
// any notation or through a name, and keeps the accounts it had.
func TestEgressNotifyRefused(t *testing.T) {
	recv := startNotifyReceivers(t)
	var brandID int64
	s := startEgress(t, appOptions{resolver: loopbackResolver{}}, func(ctx context.Context, b *backend, brand *trail.Brand) {
		brandID = brand.ID
		for _, c := range recv.accounts("https://93.184.215.14/aliyun", "", "93.184.215.14") {
			if err := b.PutNotifyChannel(ctx, brand.ID, c); err != nil {
				t.Fatal(err)
			}
		}
	})
	_, before, err := s.b.NotifySettings(context.Background(), brandID)
	if err != nil {
		t.Fatal(err)
	}
	sms := `"credentials":{"access_key_id":"K","access_key_secret":"S","sign_name":"瓶迹","template_code":"SMS_1"}`
	for _, u := range []string{
		recv.url + "/aliyun", "https://127.0.0.1:" + recv.port + "/aliyun", "http://localhost:" + recv.port + "/aliyun", "https://2130706433/aliyun",
		"https://[::ffff:127.0.0.1]/aliyun", "https://10.0.0.1/aliyun", "https://169.254.169.254/latest", "https://sms.example.com/aliyun",
		"http://sms.example.com/aliyun",
	} {
		st, v := s.call(t, "PUT", "/api/v1/notification-channels/sms", `{"base_url":"`+u+`",`+sms+`}`)
		if e, _ := v["error"].(map[string]any); st != 422 || e["field"] != "base_url" {
			t.Errorf("PUT sms account with base_url %s: got %d %v, want 422 on base_url", u, st, v)
		}
	}
	st, v := s.call(t, "PUT", "/api/v1/notification-channels/wechat",
		`{"base_url":"https://wx.example.com/wechat","credentials":{"app_id":"wx1","app_secret":"S","template_id":"T"}}`)
	if e, _ := v["error"].(map[string]any); st != 422 || e["field"] != "base_url" {
		t.Errorf("PUT wechat account to a name on loopback: got %d %v, want 422 on base_url", st, v)
	}
	for _, host := range []string{"127.0.0.1", "localhost", "0x7f000001", "::1", "10.0.0.1", "169.254.169.254", "smtp.example.com"} {
		st, v := s.call(t, "PUT", "/api/v1/notification-channels/email",
			`{"credentials":{"host":"`+host+`","port":"`+recv.smtpPort+`","security":"none","from":"notify@plum.example"}}`)
		e, _ := v["error"].(map[string]any)
		if msg, _ := e["message"].(string); st != 422 || e["field"] != "credentials.host" || !strings.Contains(msg, " / credentials.host ") {
			t.Errorf("PUT email account with host %s: got %d %v, want 422 on credentials.host", host, st, v)
		}
	}
	if _, after, err := s.b.NotifySettings(context.Background(), brandID); err != nil || !reflect.DeepEqual(after, before) {
		t.Errorf("channels after the refusals: %v, %v; want %v", after, err, before)
	}
	if st, v := s.call(t, "PUT", "/api/v1/notification-channels/sms", `{"base_url":"https://93.184.215.14/aliyun",`+sms+`}`); st != 200 {
		t.Errorf("PUT sms account with a public base_url: got %d %v, want 200", st, v)
	}
}

// TestEgressNotifyDialRefused runs the server as in production with a
// resolver that answers loopback for every name, and accounts stored
// while their destinations were allowed (before the policy, or while a
// name resolved elsewhere): the simulator on loopback named by its
// address (SMS), or by names that now resolve there (WeChat, SMTP). No
// request or SMTP connection reaches it, and each delivery records the
// refusal.
func TestEgressNotifyDialRefused(t *testing.T) {
	recv := startNotifyReceivers(t)
	var brandID int64
	s := startEgress(t, appOptions{resolver: loopbackResolver{}}, func(ctx context.Context, b *backend, brand *trail.Brand) {
		brandID = brand.ID
		for _, c := range recv.accounts(recv.url+"/aliyun", "https://wx.example.com:"+recv.port+"/wechat", "smtp.example.com") {
			if err := b.PutNotifyChannel(ctx, brand.ID, c); err != nil {
				t.Fatal(err)
			}
		}
	})
	s.notifyNow(t)
	s.consumerOrder(t, "NX1")
	for _, ch := range []trail.Channel{trail.ChannelSMS, trail.ChannelWeChat, trail.ChannelEmail} {
		if d := s.attempted(t, brandID, ch); !strings.Contains(d.LastError, "not a public address") {
			t.Errorf("%s delivery: last_error %q, want the refusal", ch, d.LastError)
		}
	}
	if n, c := recv.requests.Load(), recv.conns.Load(); n != 0 || c != 0 {
		t.Fatalf("the simulator got %d requests and %d SMTP connections, want none", n, c)
	}
}

// TestEgressNotifyAllowed runs the server with --allow-private-webhooks:
// accounts with the simulator on loopback can be set through the API,
// and the order's confirmation reaches it by SMS, WeChat and e-mail.
func TestEgressNotifyAllowed(t *testing.T) {
	recv := startNotifyReceivers(t)
	var brandID int64
	s := startEgress(t, appOptions{allowPrivateWebhooks: true}, func(_ context.Context, _ *backend, brand *trail.Brand) { brandID = brand.ID })
	for _, c := range recv.accounts(recv.url+"/aliyun", recv.url+"/wechat", "127.0.0.1") {
		body, _ := json.Marshal(c)
		if st, v := s.call(t, "PUT", "/api/v1/notification-channels/"+string(c.Channel), string(body)); st != 200 {
			t.Fatalf("PUT %s account: got %d %v, want 200", c.Channel, st, v)
		}
	}
	s.notifyNow(t)
	s.consumerOrder(t, "NX1")
	eventually(t, "the confirmation by SMS, WeChat and e-mail", func() bool {
		return len(recv.sim.Messages(trail.ChannelSMS)) == 1 && len(recv.sim.Messages(trail.ChannelWeChat)) == 1 &&
			len(recv.sim.Messages(trail.ChannelEmail)) == 1
	})
	for _, ch := range []trail.Channel{trail.ChannelSMS, trail.ChannelWeChat, trail.ChannelEmail} {
		if d := s.attempted(t, brandID, ch); d.State != trail.DeliverySent {
			t.Errorf("%s delivery: %+v, want sent", ch, d)
		}
	}
}
