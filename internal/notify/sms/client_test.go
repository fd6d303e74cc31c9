package sms_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/notify/sms"
	"github.com/bottletrail/bottletrail/internal/notifysim"
	"github.com/bottletrail/bottletrail/internal/trail"
)

const (
	keyID  = "SIMACCESSKEY"
	secret = "sim-access-secret"
)

// templates are the simulator's approved templates.
var templates = map[string]string{
	"SMS_SHIPPED": "您的订单${order}已由${carrier}发出，预计${eta}送达。查看：${link} 退订回T",
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

type bundle struct {
	sim    *notifysim.Sim
	srv    *httptest.Server
	clock  *clock
	client *sms.Client
}

func setup(t *testing.T) *bundle {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)}
	sim := notifysim.New(notifysim.Config{AliyunKeys: map[string]string{keyID: secret}, SMSTemplates: templates, Now: c.Now, MaxHold: 10 * time.Second})
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	return &bundle{sim: sim, srv: srv, clock: c, client: &sms.Client{
		BaseURL: srv.URL + "/aliyun", AccessKeyID: keyID, AccessKeySecret: secret, SignName: "瓶迹",
		HTTP: &http.Client{Timeout: 300 * time.Millisecond}, Now: c.Now,
	}}
}

func shipped(key, phone string) *trail.Message {
	return &trail.Message{
		IdempotencyKey: key, Channel: trail.ChannelSMS, To: phone, Template: "SMS_SHIPPED",
		Params: []trail.Param{{Name: "order", Value: "WX20261201001"}, {Name: "carrier", Value: "顺丰速运"},
			{Name: "eta", Value: "12月3日"}, {Name: "link", Value: "https://track.example.com/t/abc?x=1&y=<2>"}},
	}
}

func TestSend(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := shipped("ntf-1-sms", "13812348000")
	rc, err := b.client.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	got := b.sim.Messages(trail.ChannelSMS)
	if len(got) != 1 {
		t.Fatalf("the simulator has %d messages, want 1", len(got))
	}
	sm := got[0]
	if rc.ProviderID == "" || rc.ProviderID != sm.ProviderID {
		t.Errorf("receipt BizId %q, the simulator's %q", rc.ProviderID, sm.ProviderID)
	}
	want := "【瓶迹】您的订单WX20261201001已由顺丰速运发出，预计12月3日送达。查看：https://track.example.com/t/abc?x=1&y=<2> 退订回T"
	if sm.Text != want || sm.To != "13812348000" || sm.OutID != "ntf-1-sms" || sm.Account != keyID || sm.SignName != "瓶迹" {
		t.Errorf("the simulator recorded %+v\nwant text %s", sm, want)
	}
	for i, p := range m.Params {
		if sm.Params[i] != p {
			t.Errorf("param %d: got %v, want %v (order kept)", i, sm.Params[i], p)
		}
	}
}

func TestTemplateParam(t *testing.T) {
	t.Parallel()
	got := sms.TemplateParam([]trail.Param{{Name: "z", Value: "<&>"}, {Name: "a", Value: `"引号"`}})
	if want := `{"z":"<&>","a":"\"引号\""}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestSendFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prep   func(b *bundle, m *trail.Message)
		kind   trail.FailureKind
		code   string
		stored int // messages the simulator holds afterwards
	}{
		{"bad number", func(b *bundle, m *trail.Message) { m.To = "1381234800" }, trail.Permanent, "isv.MOBILE_NUMBER_ILLEGAL", 0},
		{"unknown template", func(b *bundle, m *trail.Message) { m.Template = "SMS_NONE" }, trail.Permanent, "isv.SMS_TEMPLATE_ILLEGAL", 0},
		{"missing variable", func(b *bundle, m *trail.Message) { m.Params = m.Params[:3] }, trail.Permanent, "isv.TEMPLATE_MISSING_PARAMETERS", 0},
		{"wrong secret", func(b *bundle, m *trail.Message) { b.client.AccessKeySecret = "wrong" }, trail.Permanent, "SignatureDoesNotMatch", 0},
		{"unknown key", func(b *bundle, m *trail.Message) { b.client.AccessKeyID = "NOBODY" }, trail.Permanent, "InvalidAccessKeyId.NotFound", 0},
		{"clock 20 minutes slow", func(b *bundle, m *trail.Message) {
			b.client.Now = func() time.Time { return b.clock.Now().Add(-20 * time.Minute) }
		}, trail.Transient, "InvalidTimeStamp.Expired", 0},
		{"provider error", func(b *bundle, m *trail.Message) {
			mustFault(t, b, notifysim.FaultError)
		}, trail.Unclear, "isp.SYSTEM_ERROR", 0},
		{"timeout after the request left", func(b *bundle, m *trail.Message) {
			mustFault(t, b, notifysim.FaultTimeout)
		}, trail.Unclear, "", 0},
		{"reply lost", func(b *bundle, m *trail.Message) {
			mustFault(t, b, notifysim.FaultLostReply)
		}, trail.Unclear, "", 1},
		{"bad idempotency key", func(b *bundle, m *trail.Message) { m.IdempotencyKey = "a.b" }, trail.Permanent, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			m := shipped("ntf-2-sms", "13812348000")
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

func mustFault(t *testing.T, b *bundle, mode notifysim.FaultMode) {
	t.Helper()
	if err := b.sim.InjectFault(notifysim.Fault{Channel: trail.ChannelSMS, Mode: mode}); err != nil {
		t.Fatal(err)
	}
}

func TestSendNetworkFailures(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := &sms.Client{BaseURL: "http://" + addr, AccessKeyID: keyID, AccessKeySecret: secret, SignName: "瓶迹"}
	if _, err := c.Send(context.Background(), shipped("ntf-3-sms", "13812348000")); trail.FailureOf(err) != trail.Transient || err == nil {
		t.Errorf("connection refused: got %v, want transient (nothing left)", err)
	}

	// Answers that are not Aliyun's JSON are classified by status.
	for _, tt := range []struct {
		status int
		kind   trail.FailureKind
	}{
		{http.StatusBadGateway, trail.Unclear},
		{http.StatusTooManyRequests, trail.Transient},
		{http.StatusNotFound, trail.Permanent},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(tt.status)
			_, _ = w.Write([]byte("<html>gateway</html>"))
		}))
		c := &sms.Client{BaseURL: srv.URL, AccessKeyID: keyID, AccessKeySecret: secret, SignName: "瓶迹"}
		_, err := c.Send(context.Background(), shipped("ntf-4-sms", "13812348000"))
		if trail.FailureOf(err) != tt.kind || err == nil {
			t.Errorf("HTTP %d without JSON: got %v, want %v", tt.status, err, tt.kind)
		}
		srv.Close()
	}
}

// TestAtMostOnce plays docs/ARCHITECTURE.md §8's rule: after an unclear failure the
// message is sent again only if the delivery report does not have it.
func TestAtMostOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		mode      notifysim.FaultMode
		delivered bool
	}{
		{notifysim.FaultLostReply, true}, // it went out: do not send again
		{notifysim.FaultTimeout, false},  // it never arrived: send again
		{notifysim.FaultError, false},
	} {
		t.Run(string(tt.mode), func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			m := shipped("ntf-5-sms", "+8613812348000")
			m.CreatedAt = b.clock.Now()
			mustFault(t, b, tt.mode)
			if _, err := b.client.Send(context.Background(), m); !errors.Is(err, trail.ErrUnclear) {
				t.Fatalf("send: got %v, want unclear", err)
			}
			b.clock.Add(2 * time.Minute)
			delivered, err := b.client.Delivered(context.Background(), m)
			if err != nil || delivered != tt.delivered {
				t.Fatalf("Delivered: got %v, %v; want %v", delivered, err, tt.delivered)
			}
			if !delivered {
				if _, err := b.client.Send(context.Background(), m); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(b.sim.Messages(trail.ChannelSMS)); n != 1 {
				t.Errorf("the phone got %d messages, want exactly 1", n)
			}
		})
	}
}

func TestDelivered(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	// Yesterday evening's message, checked this morning China time: two days' reports.
	b.clock.t = time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC) // 22:00 China time
	old := shipped("ntf-old", "13812348000")
	old.CreatedAt = b.clock.Now()
	if _, err := b.client.Send(ctx, old); err != nil {
		t.Fatal(err)
	}
	b.clock.Add(11 * time.Hour) // 09:00 the next day
	for i := range 60 {         // more than a page of today's messages to the same number
		m := shipped("ntf-today-"+strconv.Itoa(i), "13812348000")
		if _, err := b.client.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	early := shipped("ntf-today-3", "13812348000") // on the second page of the report, which lists the newest first
	tests := []struct {
		name string
		m    *trail.Message
		want bool
	}{
		{"yesterday's, from its creation day", old, true},
		{"today's, no creation time, second page", early, true},
		{"never sent", &trail.Message{IdempotencyKey: "ntf-never", To: "13812348000", CreatedAt: old.CreatedAt}, false},
		{"another number", &trail.Message{IdempotencyKey: "ntf-old", To: "13900139000", CreatedAt: old.CreatedAt}, false},
	}
	for _, tt := range tests {
		got, err := b.client.Delivered(ctx, tt.m)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	b.client.AccessKeySecret = "wrong"
	if _, err := b.client.Delivered(ctx, old); err == nil {
		t.Error("Delivered with a wrong secret: no error")
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC) // 22:00 China time
	tests := []struct {
		code, message string
		kind          trail.FailureKind
		after         time.Duration
	}{
		{"isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1", trail.Transient, time.Minute},
		{"isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5", trail.Transient, time.Hour},
		{"isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:10", trail.Transient, 24 * time.Hour},
		{"isv.DAY_LIMIT_CONTROL", "", trail.Transient, 2 * time.Hour}, // until China midnight
		{"isv.AMOUNT_NOT_ENOUGH", "", trail.Transient, 0},
		{"Throttling.User", "", trail.Transient, 0},
		{"SignatureNonceUsed", "", trail.Transient, 0},
		{"isp.SYSTEM_ERROR", "", trail.Unclear, 0},
		{"isv.MOBILE_NUMBER_ILLEGAL", "", trail.Permanent, 0},
		{"isv.SMS_TEMPLATE_ILLEGAL", "", trail.Permanent, 0},
		{"isv.BLACK_KEY_CONTROL_LIMIT", "", trail.Permanent, 0},
		{"isv.SOMETHING_NEW", "", trail.Permanent, 0},
		{"SignatureDoesNotMatch", "", trail.Permanent, 0},
		{"isp.RAM_PERMISSION_DENY", "", trail.Permanent, 0},
	}
	for _, tt := range tests {
		kind, after := sms.Classify(tt.code, tt.message, now)
		if kind != tt.kind || after != tt.after {
			t.Errorf("%s %q: got %v %v, want %v %v", tt.code, tt.message, kind, after, tt.kind, tt.after)
		}
	}
}
