package wechat_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/notify/wechat"
	"github.com/bottletrail/bottletrail/internal/notifysim"
	"github.com/bottletrail/bottletrail/internal/trail"
)

const (
	appID     = "wxsimapp0000000001"
	appSecret = "sim-app-secret"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

type bundle struct {
	sim        *notifysim.Sim
	srv        *httptest.Server
	clock      *clock // the simulator's, and the client's unless a test says otherwise
	client     *wechat.Client
	tokenCalls atomic.Int32 // requests for a token the simulator served
}

func setup(t *testing.T) *bundle {
	t.Helper()
	b := &bundle{clock: &clock{t: time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)}}
	b.sim = notifysim.New(notifysim.Config{
		WeChatApps:      map[string]string{appID: appSecret},
		WeChatTemplates: map[string][]string{"TPL_SHIPPED": {"character_string1", "thing2", "phrase3", "time4"}},
		Now:             b.clock.Now,
		MaxHold:         10 * time.Second,
	})
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "_token") || strings.HasSuffix(r.URL.Path, "/token") {
			b.tokenCalls.Add(1)
		}
		b.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { b.sim.Close(); b.srv.Close() })
	b.client = &wechat.Client{BaseURL: b.srv.URL + "/wechat", AppID: appID, AppSecret: appSecret,
		HTTP: &http.Client{Timeout: 300 * time.Millisecond}, Now: b.clock.Now}
	return b
}

func shipped(openid string) *trail.Message {
	return &trail.Message{
		IdempotencyKey: "ntf-1-wechat", Channel: trail.ChannelWeChat, To: openid, Template: "TPL_SHIPPED",
		Page: "pages/order/detail?id=7",
		Params: []trail.Param{
			{Name: "character_string1", Value: "WX20261201001"},
			{Name: "thing2", Value: "梅子酒（330ml×12，囍字定制）已由顺丰速运发出，请留意查收"}, // over 20: cut
			{Name: "phrase3", Value: "运输中"},
			{Name: "time4", Value: "2026年12月1日 12:00"},
		},
	}
}

func TestSend(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc, err := b.client.Send(context.Background(), shipped("oUSER1"))
	if err != nil {
		t.Fatal(err)
	}
	msgs := b.sim.Messages(trail.ChannelWeChat)
	if len(msgs) != 1 {
		t.Fatalf("the simulator has %d messages", len(msgs))
	}
	m := msgs[0]
	if rc.ProviderID != m.ProviderID || m.To != "oUSER1" || m.Template != "TPL_SHIPPED" || m.Page != "pages/order/detail?id=7" || m.Account != appID {
		t.Errorf("receipt %+v, recorded %+v", rc, m)
	}
	want := []trail.Param{{Name: "character_string1", Value: "WX20261201001"}, {Name: "thing2", Value: "梅子酒（330ml×12，囍字定制）已由"},
		{Name: "phrase3", Value: "运输中"}, {Name: "time4", Value: "2026年12月1日 12:00"}}
	for i := range want {
		if m.Params[i] != want[i] {
			t.Errorf("keyword %d: got %v, want %v", i, m.Params[i], want[i])
		}
	}
}

func TestTokenCache(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	// Concurrent sends share one token fetch.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := b.client.Send(ctx, shipped("oUSER1")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := b.tokenCalls.Load(); n != 1 {
		t.Errorf("8 sends fetched %d tokens, want 1", n)
	}
	// An hour later the token is still good.
	b.clock.Add(time.Hour)
	if _, err := b.client.Send(ctx, shipped("oUSER1")); err != nil {
		t.Fatal(err)
	}
	if n := b.tokenCalls.Load(); n != 1 {
		t.Errorf("after an hour: %d token fetches, want 1", n)
	}
	// Within five minutes of its expiry it is replaced before use.
	b.clock.Add(56 * time.Minute)
	if _, err := b.client.Send(ctx, shipped("oUSER1")); err != nil {
		t.Fatal(err)
	}
	if n := b.tokenCalls.Load(); n != 2 {
		t.Errorf("near expiry: %d token fetches, want 2", n)
	}
	if n := len(b.sim.Messages(trail.ChannelWeChat)); n != 10 {
		t.Errorf("%d messages, want 10", n)
	}
}

func TestTokenRejected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("invalidated elsewhere: 40001, refetch, send once", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		if _, err := b.client.Send(ctx, shipped("oUSER1")); err != nil {
			t.Fatal(err)
		}
		// Someone forces a new stable token: ours is dead.
		resp, err := http.Post(b.srv.URL+"/wechat/cgi-bin/stable_token", "application/json",
			strings.NewReader(`{"grant_type":"client_credential","appid":"`+appID+`","secret":"`+appSecret+`","force_refresh":true}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if _, err := b.client.Send(ctx, shipped("oUSER1")); err != nil {
			t.Fatalf("send after the token was invalidated: %v", err)
		}
		if n, m := b.tokenCalls.Load(), len(b.sim.Messages("")); n != 3 || m != 2 {
			t.Errorf("got %d token fetches and %d messages, want 3 and 2", n, m)
		}
	})
	t.Run("expired on WeChat's clock: 42001, refetch", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		slow := &clock{t: b.clock.Now()}
		b.client.Now = slow.Now // the client's clock stands still
		if _, err := b.client.Send(ctx, shipped("oUSER1")); err != nil {
			t.Fatal(err)
		}
		b.clock.Add(3 * time.Hour)
		if _, err := b.client.Send(ctx, shipped("oUSER1")); err != nil {
			t.Fatalf("send with a token expired on the server: %v", err)
		}
		if n := b.tokenCalls.Load(); n != 2 {
			t.Errorf("%d token fetches, want 2", n)
		}
	})
}

func TestSendFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prep   func(b *bundle, m *trail.Message)
		kind   trail.FailureKind
		code   string
		stored int
	}{
		{"user refused", func(b *bundle, m *trail.Message) { b.sim.Refuse(m.To) }, trail.Permanent, "43101", 0},
		{"bad keyword", func(b *bundle, m *trail.Message) { m.Params[2].Value = "运输中3" }, trail.Permanent, "47003", 0},
		{"unknown template", func(b *bundle, m *trail.Message) { m.Template = "TPL_NONE" }, trail.Permanent, "40037", 0},
		{"wrong secret", func(b *bundle, m *trail.Message) { b.client.AppSecret = "wrong" }, trail.Permanent, "40001", 0},
		{"unknown appid", func(b *bundle, m *trail.Message) { b.client.AppID = "wxnobody" }, trail.Permanent, "40013", 0},
		{"system busy", func(b *bundle, m *trail.Message) { fault(t, b, notifysim.FaultError) }, trail.Transient, "-1", 0},
		{"timeout", func(b *bundle, m *trail.Message) { fault(t, b, notifysim.FaultTimeout) }, trail.Unclear, "", 0},
		{"reply lost", func(b *bundle, m *trail.Message) { fault(t, b, notifysim.FaultLostReply) }, trail.Unclear, "", 1},
		{"no openid", func(b *bundle, m *trail.Message) { m.To = "" }, trail.Permanent, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			m := shipped("oUSER1")
			tt.prep(b, m)
			_, err := b.client.Send(context.Background(), m)
			var se *trail.SendError
			if !errors.As(err, &se) || se.Kind != tt.kind || se.Code != tt.code {
				t.Fatalf("got %v, want %v %q", err, tt.kind, tt.code)
			}
			if n := len(b.sim.Messages("")); n != tt.stored {
				t.Errorf("the simulator holds %d messages, want %d", n, tt.stored)
			}
		})
	}
}

func fault(t *testing.T, b *bundle, mode notifysim.FaultMode) {
	t.Helper()
	if err := b.sim.InjectFault(notifysim.Fault{Channel: trail.ChannelWeChat, Mode: mode}); err != nil {
		t.Fatal(err)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 15, 30, 0, 0, time.UTC) // 23:30 China time
	tests := []struct {
		code  int
		kind  trail.FailureKind
		after time.Duration
	}{
		{-1, trail.Transient, 0},
		{43108, trail.Transient, 0},
		{45009, trail.Transient, 30 * time.Minute},
		{42001, trail.Transient, 0},
		{43101, trail.Permanent, 0},
		{40003, trail.Permanent, 0},
		{41030, trail.Permanent, 0},
		{45168, trail.Permanent, 0},
		{47003, trail.Permanent, 0},
	}
	for _, tt := range tests {
		if kind, after := wechat.Classify(tt.code, now); kind != tt.kind || after != tt.after {
			t.Errorf("%d: got %v %v, want %v %v", tt.code, kind, after, tt.kind, tt.after)
		}
	}
}
