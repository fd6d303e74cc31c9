package webhook_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/notify/webhook"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// receiver is a brand's endpoint on loopback that verifies every delivery
// with its secret and answers with the status the test sets.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	secret string
	now    time.Time
	status atomic.Int32
	header http.Header // extra answer headers
	got    chan delivery
}

type delivery struct {
	header http.Header
	body   []byte
	err    error // Verify's verdict
}

func newReceiver(t *testing.T, secret string, now time.Time) *receiver {
	t.Helper()
	r := &receiver{t: t, secret: secret, now: now, header: http.Header{}, got: make(chan delivery, 10)}
	r.status.Store(http.StatusNoContent)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.got <- delivery{header: req.Header.Clone(), body: body, err: webhook.Verify(r.secret, req.Header, body, r.now, 0)}
		for k, v := range r.header {
			w.Header()[k] = v
		}
		w.WriteHeader(int(r.status.Load()))
		_, _ = w.Write([]byte("thanks 谢谢"))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) next(t *testing.T) delivery {
	t.Helper()
	select {
	case d := <-r.got:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery arrived")
	}
	return delivery{}
}

var sendNow = time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)

func message(url string, secrets ...string) *trail.Message {
	return &trail.Message{
		IdempotencyKey: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
		Channel:        trail.ChannelWebhook,
		To:             url,
		Body:           []byte(`{"type":"order.updated","timestamp":"2026-12-01T12:00:00+08:00","data":{"order_no":"WX-1"}}`),
		Secrets:        secrets,
	}
}

func TestSenderDelivers(t *testing.T) {
	t.Parallel()
	newSecret, oldSecret := trail.NewWebhookSecret(), trail.NewWebhookSecret()
	for _, tt := range []struct {
		name     string
		receiver string   // the secret the receiver holds
		secrets  []string // what the sender signs with
	}{
		{"one secret", newSecret, []string{newSecret}},
		{"rotation: receiver still on the old secret", oldSecret, []string{newSecret, oldSecret}},
		{"rotation: receiver already on the new secret", newSecret, []string{newSecret, oldSecret}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newReceiver(t, tt.receiver, sendNow)
			s := &webhook.Sender{Now: func() time.Time { return sendNow }}
			m := message(r.srv.URL+"/hooks/bottletrail", tt.secrets...)
			rc, err := s.Send(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			if rc.Detail != "HTTP 204" || rc.ProviderID != "" {
				t.Errorf("receipt: got %+v, want HTTP 204", rc)
			}
			d := r.next(t)
			if d.err != nil {
				t.Errorf("the receiver could not verify the delivery: %v", d.err)
			}
			if string(d.body) != string(m.Body) {
				t.Errorf("body: got %s, want %s", d.body, m.Body)
			}
			for k, want := range map[string]string{
				"Content-Type": "application/json", "Webhook-Id": m.IdempotencyKey, "Webhook-Timestamp": "1796097600",
				"User-Agent": "Bottletrail-Webhooks/1",
			} {
				if got := d.header.Get(k); got != want {
					t.Errorf("%s: got %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestSenderFailures(t *testing.T) {
	t.Parallel()
	secret := trail.NewWebhookSecret()
	tests := []struct {
		name       string
		status     int
		header     http.Header
		kind       trail.FailureKind
		code       string
		retryAfter time.Duration
		message    string // what is kept, never the reply
	}{
		{"410 gone is permanent", http.StatusGone, nil, trail.Permanent, "HTTP 410", 0, "the endpoint is gone"},
		{"500 is transient", http.StatusInternalServerError, nil, trail.Transient, "HTTP 500", 0, "Internal Server Error"},
		{"404 is transient", http.StatusNotFound, nil, trail.Transient, "HTTP 404", 0, "Not Found"},
		{"429 with Retry-After seconds", http.StatusTooManyRequests, http.Header{"Retry-After": {"120"}}, trail.Transient, "HTTP 429", 2 * time.Minute, "Too Many Requests"},
		{"503 with Retry-After date", http.StatusServiceUnavailable, http.Header{"Retry-After": {sendNow.Add(time.Hour).Format(http.TimeFormat)}},
			trail.Transient, "HTTP 503", time.Hour, "Service Unavailable"},
		{"redirect is not followed", http.StatusFound, http.Header{"Location": {"/elsewhere"}}, trail.Transient, "HTTP 302", 0, "redirects are not followed; register the final URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newReceiver(t, secret, sendNow)
			r.status.Store(int32(tt.status))
			r.header = tt.header
			s := &webhook.Sender{Now: func() time.Time { return sendNow }}
			_, err := s.Send(context.Background(), message(r.srv.URL, secret))
			var se *trail.SendError
			if !errors.As(err, &se) || se.Kind != tt.kind || se.Code != tt.code || se.RetryAfter != tt.retryAfter || se.Message != tt.message {
				t.Fatalf("got %#v, want %v %s %q retry after %v", err, tt.kind, tt.code, tt.message, tt.retryAfter)
			}
			if strings.Contains(err.Error(), "thanks") {
				t.Errorf("the error quotes the reply: %v", err)
			}
			r.next(t)
			select {
			case d := <-r.got:
				t.Errorf("a second request arrived (a followed redirect?): %v", d.header)
			default:
			}
		})
	}
}

func TestSenderTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	s := &webhook.Sender{Timeout: 100 * time.Millisecond}
	start := time.Now()
	_, err := s.Send(context.Background(), message(srv.URL, trail.NewWebhookSecret()))
	if trail.FailureOf(err) != trail.Transient || err == nil || !strings.HasSuffix(err.Error(), "no answer within the timeout") {
		t.Fatalf("got %v, want a transient failure for the timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the attempt took %v, want about the 100ms timeout", d)
	}
}

func TestSenderConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = (&webhook.Sender{}).Send(context.Background(), message("http://"+addr+"/h", trail.NewWebhookSecret()))
	if err == nil || trail.FailureOf(err) != trail.Transient || !strings.Contains(err.Error(), "cannot connect: ") {
		t.Fatalf("got %v, want a transient failure to connect", err)
	}
}

func TestSenderRefusesBadMessages(t *testing.T) {
	t.Parallel()
	secret := trail.NewWebhookSecret()
	bad := []*trail.Message{
		{IdempotencyKey: "msg.1", To: "https://example.com/h", Secrets: []string{secret}},
		{IdempotencyKey: "msg_1", To: "https://example.com/h"},
		{IdempotencyKey: "msg_1", To: "https://example.com/h", Secrets: []string{"whsec_%%%"}},
		{IdempotencyKey: "msg_1", To: "::not a url", Secrets: []string{secret}},
	}
	for _, m := range bad {
		if _, err := (&webhook.Sender{}).Send(context.Background(), m); !errors.Is(err, trail.ErrPermanent) {
			t.Errorf("%+v: got %v, want a permanent failure", m, err)
		}
	}
}

// TestSenderMalformedReply keeps nothing of an answer that is not HTTP,
// such as another service's banner.
func TestSenderMalformedReply(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.6 internal-db-01\r\n"))
			c.Close()
		}
	}()
	_, err = (&webhook.Sender{}).Send(context.Background(), message("http://"+ln.Addr().String()+"/h", trail.NewWebhookSecret()))
	if want := "transient send failure: no valid HTTP answer"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}
