package egress_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bottletrail/bottletrail/internal/egress"
	"github.com/bottletrail/bottletrail/internal/mock"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// fakeResolver answers names from a table; each name's answers are used
// in turn, the last one repeatedly (a resolver that changes its mind).
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][]string
	asked   map[string]int
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	list, ok := r.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	if r.asked == nil {
		r.asked = map[string]int{}
	}
	i := min(r.asked[host], len(list)-1)
	r.asked[host]++
	return []netip.Addr{netip.MustParseAddr(list[i])}, nil
}

// resolver answers hooks.example.com (a public-looking name) with
// loopback, and rebind.example.com first with a public address, then with
// loopback.
func resolver() *fakeResolver {
	return &fakeResolver{answers: map[string][]string{
		"hooks.example.com":  {"127.0.0.1"},
		"rebind.example.com": {"93.184.215.14", "127.0.0.1"},
		"public.example.com": {"93.184.215.14"},
		"mixed.example.com":  {"10.1.2.3"},
	}}
}

func TestKind(t *testing.T) {
	tests := []struct {
		addr, want string
	}{
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"64:ff9b::7f00:1", "loopback"},
		{"10.0.0.1", "private"},
		{"172.16.5.4", "private"},
		{"192.168.1.1", "private"},
		{"fd00::1", "private"},
		{"169.254.169.254", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"224.0.0.1", "multicast"},
		{"ff02::1", "multicast"},
		{"100.64.0.1", "reserved"},
		{"0.1.2.3", "reserved"},
		{"198.18.0.1", "reserved"},
		{"255.255.255.255", "reserved"},
		{"2002:7f00:1::", "reserved"},
		{"::127.0.0.1", "reserved"},
		{"93.184.215.14", ""},
		{"2606:4700::1111", ""},
		{"64:ff9b::5db8:d70e", ""},
	}
	for _, tt := range tests {
		if got := egress.Kind(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Kind(%s): got %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// TestCheckURL refuses every destination of the issue, in every notation,
// and names that resolve there; it allows public https URLs.
func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	p := egress.New(false, resolver())
	refused := []string{
		"http://127.0.0.1:8080/hook", // plain http
		"https://127.0.0.1:8080/hook",
		"https://localhost/hook",
		"https://api.localhost/hook",
		"https://[::1]/hook",
		"https://0.0.0.0/hook",
		"https://2130706433/hook",
		"https://0x7f000001/hook",
		"https://0177.0.0.1/hook",
		"https://127.1/hook",
		"https://127.0.0.1./hook",
		"https://[::ffff:127.0.0.1]/hook",
		"https://[::ffff:7f00:1]/hook",
		"https://10.0.0.1/hook",
		"https://169.254.169.254/latest",
		"https://100.64.0.1/",
		"https://[fd00::1]/",
		"https://224.0.0.1/",
		"https://hooks.example.com/hook", // resolves to loopback
		"https://mixed.example.com/hook", // resolves to a private address
		"https://nowhere.example.com/",   // does not resolve
		"ftp://public.example.com/",
		"https:///nohost",
	}
	for _, raw := range refused {
		err := p.CheckURL(ctx, "url", raw)
		var e *trail.Error
		if !errors.As(err, &e) || e.Code != trail.EINVALID || e.Field != "url" {
			t.Errorf("CheckURL(%s): got %v, want EINVALID on url", raw, err)
			continue
		}
		if zh, en, ok := strings.Cut(e.Message, " / "); !ok || zh == "" || !strings.HasPrefix(en, "url ") {
			t.Errorf("CheckURL(%s): message %q, want Chinese / English naming url", raw, e.Message)
		}
	}
	for _, raw := range []string{"https://public.example.com/hook", "https://93.184.215.14/hook", "https://[2606:4700::1111]:8443/x"} {
		if err := p.CheckURL(ctx, "url", raw); err != nil {
			t.Errorf("CheckURL(%s): got %v, want nil", raw, err)
		}
	}
	open := egress.New(true, resolver())
	for _, raw := range refused[:len(refused)-3] {
		if err := open.CheckURL(ctx, "url", raw); err != nil {
			t.Errorf("with allowPrivate, CheckURL(%s): got %v, want nil", raw, err)
		}
	}
}

func TestCheckURLMessage(t *testing.T) {
	ctx := context.Background()
	p := egress.New(false, resolver())
	tests := []struct{ raw, want string }{
		{"https://2130706433/", "不能使用本机回环地址（2130706433），请填写公网可访问的 https 地址 / base_url must reach a public address: 2130706433 is a loopback address"},
		{"https://hooks.example.com/", "域名 hooks.example.com 解析到本机回环地址 127.0.0.1，请填写公网可访问的 https 地址 / base_url must reach a public address: hooks.example.com resolves to 127.0.0.1, a loopback address"},
		{"http://public.example.com/", "地址必须以 https:// 开头 / base_url must be an https URL"},
	}
	for _, tt := range tests {
		if got := trail.ErrorMessage(p.CheckURL(ctx, "base_url", tt.raw)); got != tt.want {
			t.Errorf("CheckURL(%s): got %q, want %q", tt.raw, got, tt.want)
		}
	}
}

// receiver is a test server on loopback that counts what reaches it.
func receiver(t *testing.T) (port string, hits *atomic.Int32) {
	hits = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u.Port(), hits
}

// TestDialRefusesLoopback sends to a loopback server, named in every
// notation and by a public-looking name that resolves there: without
// allowPrivate nothing reaches it; with it, the same request does.
func TestDialRefusesLoopback(t *testing.T) {
	port, hits := receiver(t)
	client := egress.New(false, resolver()).Client(0)
	for _, host := range []string{"127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "hooks.example.com"} {
		resp, err := client.Post("http://"+host+":"+port+"/hook", "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, egress.ErrForbidden) {
			t.Errorf("post to %s: got %v, want ErrForbidden", host, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback server received %d requests, want none", n)
	}

	open := egress.New(true, resolver()).Client(0)
	resp, err := open.Post("http://127.0.0.1:"+port+"/hook", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := hits.Load(); n != 1 {
		t.Fatalf("with allowPrivate the loopback server received %d requests, want 1", n)
	}
}

// TestDialRebinding registers a name while it resolves to a public
// address; when it later answers loopback, the dial is refused.
func TestDialRebinding(t *testing.T) {
	port, hits := receiver(t)
	p := egress.New(false, resolver())
	if err := p.CheckURL(context.Background(), "url", "https://rebind.example.com:"+port+"/hook"); err != nil {
		t.Fatalf("registration: %v", err)
	}
	client := p.Client(0)
	for range 2 { // a retry is refused as well
		_, err := client.Get("http://rebind.example.com:" + port + "/hook")
		if !errors.Is(err, egress.ErrForbidden) {
			t.Errorf("get: got %v, want ErrForbidden", err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback server received %d requests, want none", n)
	}
}

// TestRedirectNotHTTPS follows redirects only to https unless
// allowPrivate.
func TestRedirectNotHTTPS(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "http://public.example.com/next", nil)
	via := []*http.Request{httptest.NewRequest(http.MethodGet, "https://public.example.com/", nil)}
	if err := egress.New(false, nil).Client(0).CheckRedirect(req, via); err == nil {
		t.Error("redirect to http: got nil, want an error")
	}
	if err := egress.New(true, nil).Client(0).CheckRedirect(req, via); err != nil {
		t.Errorf("with allowPrivate, redirect to http: got %v, want nil", err)
	}
}

// webhooks is a WebhookService that records the endpoints created.
type webhooks struct {
	trail.WebhookService
	created []string
}

func (w *webhooks) CreateWebhook(_ context.Context, _ int64, e *trail.WebhookEndpoint) error {
	w.created = append(w.created, e.URL)
	return nil
}

// TestServices checks URLs before they reach the store.
func TestServices(t *testing.T) {
	ctx := context.Background()
	p := egress.New(false, resolver())
	store := &webhooks{}
	svc := p.Webhooks(store)
	if err := svc.CreateWebhook(ctx, 1, &trail.WebhookEndpoint{URL: "https://hooks.example.com/x"}); trail.ErrorCode(err) != trail.EINVALID {
		t.Errorf("create to loopback: got %v, want EINVALID", err)
	}
	if err := svc.CreateWebhook(ctx, 1, &trail.WebhookEndpoint{URL: "https://public.example.com/x"}); err != nil {
		t.Errorf("create to a public host: %v", err)
	}
	if len(store.created) != 1 || store.created[0] != "https://public.example.com/x" {
		t.Errorf("stored %v, want only the public endpoint", store.created)
	}

	var put []string
	carriers := p.Carriers(&mock.CarrierService{PutCarrierAccountFunc: func(_ context.Context, _ int64, a *trail.CarrierAccount) (bool, error) {
		put = append(put, a.BaseURL)
		return true, nil
	}})
	for _, base := range []string{"http://169.254.169.254/latest", "http://10.0.0.5:8080", "https://10.0.0.5:8080"} {
		_, err := carriers.PutCarrierAccount(ctx, 1, &trail.CarrierAccount{Provider: "kuaidi100", BaseURL: base})
		var e *trail.Error
		if !errors.As(err, &e) || e.Field != "base_url" {
			t.Errorf("put %s: got %v, want EINVALID on base_url", base, err)
		}
	}
	for _, base := range []string{"", "https://public.example.com/api"} {
		if _, err := carriers.PutCarrierAccount(ctx, 1, &trail.CarrierAccount{Provider: "kuaidi100", BaseURL: base}); err != nil {
			t.Errorf("put %q: %v", base, err)
		}
	}
	if len(put) != 2 {
		t.Errorf("stored base URLs %q, want the default and the public one", put)
	}
}

func TestDialRefusalMessage(t *testing.T) {
	p := egress.New(false, resolver())
	for addr, want := range map[string]string{
		"127.0.0.1:80":         "dial tcp: egress: not a public address: 127.0.0.1 is a loopback address; serve --allow-private-webhooks allows it",
		"hooks.example.com:80": "dial tcp: egress: not a public address: hooks.example.com (127.0.0.1) is a loopback address; serve --allow-private-webhooks allows it",
	} {
		if _, err := p.DialContext(context.Background(), "tcp", addr); err == nil || err.Error() != want {
			t.Errorf("dial %s: got %v, want %q", addr, err, want)
		}
	}
}

// TestCheckHost refuses SMTP servers that are, or resolve to, addresses
// that are not public, and allows public ones.
func TestCheckHost(t *testing.T) {
	ctx := context.Background()
	p := egress.New(false, resolver())
	tests := []struct{ host, want string }{
		{"127.0.0.1", "不能使用本机回环地址（127.0.0.1），请填写公网可访问的服务器地址 / credentials.host must reach a public address: 127.0.0.1 is a loopback address"},
		{"0x7f000001", "不能使用本机回环地址（0x7f000001），请填写公网可访问的服务器地址 / credentials.host must reach a public address: 0x7f000001 is a loopback address"},
		{"localhost", "域名 localhost 解析到本机回环地址 ::1，请填写公网可访问的服务器地址 / credentials.host must reach a public address: localhost resolves to ::1, a loopback address"},
		{"hooks.example.com", "域名 hooks.example.com 解析到本机回环地址 127.0.0.1，请填写公网可访问的服务器地址 / credentials.host must reach a public address: hooks.example.com resolves to 127.0.0.1, a loopback address"},
		{"10.1.1.1", "不能使用内网地址（10.1.1.1），请填写公网可访问的服务器地址 / credentials.host must reach a public address: 10.1.1.1 is a private address"},
		{"169.254.169.254", "不能使用链路本地地址（169.254.169.254），请填写公网可访问的服务器地址 / credentials.host must reach a public address: 169.254.169.254 is a link-local address"},
		{"nowhere.example.com", "无法解析域名 nowhere.example.com / credentials.host nowhere.example.com does not resolve"},
		{"public.example.com", ""},
		{"93.184.215.14", ""},
	}
	open := egress.New(true, resolver())
	for _, tt := range tests {
		err := p.CheckHost(ctx, "credentials.host", tt.host)
		var e *trail.Error
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckHost(%s): got %v, want nil", tt.host, err)
		case tt.want != "" && (!errors.As(err, &e) || e.Code != trail.EINVALID || e.Field != "credentials.host" || e.Message != tt.want):
			t.Errorf("CheckHost(%s): got %v, want EINVALID on credentials.host: %q", tt.host, err, tt.want)
		}
		if err := open.CheckHost(ctx, "credentials.host", tt.host); err != nil {
			t.Errorf("with allowPrivate, CheckHost(%s): got %v, want nil", tt.host, err)
		}
	}
}

// notifications is a NotificationService that records the channel
// accounts put.
type notifications struct {
	trail.NotificationService
	put []trail.NotifyChannel
}

func (n *notifications) PutNotifyChannel(_ context.Context, _ int64, c trail.NotifyChannel) error {
	n.put = append(n.put, c)
	return nil
}

// TestNotifyService checks channel accounts' base URLs and SMTP servers
// before they reach the store.
func TestNotifyService(t *testing.T) {
	ctx := context.Background()
	store := &notifications{}
	svc := egress.New(false, resolver()).Notify(store)
	sms := func(base string) trail.NotifyChannel {
		return trail.NotifyChannel{Channel: trail.ChannelSMS, BaseURL: base, Credentials: map[string]string{"access_key_id": "K"}}
	}
	smtp := func(host string) trail.NotifyChannel {
		return trail.NotifyChannel{Channel: trail.ChannelEmail, Credentials: map[string]string{"host": host, "port": "25"}}
	}
	for _, tt := range []struct {
		c     trail.NotifyChannel
		field string
	}{
		{sms("http://127.0.0.1:7071/aliyun"), "base_url"},
		{sms("https://hooks.example.com/aliyun"), "base_url"},
		{sms("http://public.example.com/aliyun"), "base_url"},
		{trail.NotifyChannel{Channel: trail.ChannelWeChat, BaseURL: "https://[::ffff:10.0.0.1]/wechat"}, "base_url"},
		{smtp("127.0.0.1"), "credentials.host"},
		{smtp("hooks.example.com"), "credentials.host"},
		{smtp("mixed.example.com"), "credentials.host"},
	} {
		err := svc.PutNotifyChannel(ctx, 1, tt.c)
		var e *trail.Error
		if !errors.As(err, &e) || e.Code != trail.EINVALID || e.Field != tt.field {
			t.Errorf("put %s %s%v: got %v, want EINVALID on %s", tt.c.Channel, tt.c.BaseURL, tt.c.Credentials, err, tt.field)
		}
	}
	for _, c := range []trail.NotifyChannel{sms(""), sms("https://public.example.com/aliyun"), smtp("public.example.com"), smtp("93.184.215.14")} {
		if err := svc.PutNotifyChannel(ctx, 1, c); err != nil {
			t.Errorf("put %s %s%v: %v", c.Channel, c.BaseURL, c.Credentials, err)
		}
	}
	if len(store.put) != 4 {
		t.Errorf("stored %d accounts, want the 4 with public destinations", len(store.put))
	}
}
