package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// DefaultTimeout bounds one delivery attempt, the request and the reply.
const DefaultTimeout = 15 * time.Second

// Sender posts signed events to brands' endpoints. It implements
// trail.Sender for trail.ChannelWebhook. The zero value is ready to use.
type Sender struct {
	// HTTP sends the requests; nil means http.DefaultTransport. Redirects
	// are never followed, whatever its CheckRedirect says.
	HTTP *http.Client
	// Timeout bounds an attempt; 0 means DefaultTimeout.
	Timeout time.Duration
	// Now is the clock of webhook-timestamp; nil means time.Now.
	Now func() time.Time
}

var _ trail.Sender = (*Sender)(nil)

// Send posts m.Body to m.To with webhook-id m.IdempotencyKey, the time of
// this attempt and one signature per secret of m.Secrets. A 2xx answer is
// delivered; 410 Gone is Permanent (the endpoint is gone); anything else,
// redirects and network failures included, is Transient: receivers
// de-duplicate by webhook-id, so a retry is safe. Retry-After on a 429 or
// 5xx answer is passed on. A failure says what happened in a short line
// of our own ("HTTP 500: Internal Server Error", "cannot connect: ..."),
// never quoting the endpoint's reply.
func (s *Sender) Send(ctx context.Context, m *trail.Message) (*trail.Receipt, error) {
	if !trail.ValidIdempotencyKey(m.IdempotencyKey) {
		return nil, &trail.SendError{Kind: trail.Permanent, Message: fmt.Sprintf("webhook-id %q is not a valid idempotency key", m.IdempotencyKey)}
	}
	if len(m.Secrets) == 0 {
		return nil, &trail.SendError{Kind: trail.Permanent, Message: "no secret to sign with"}
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ts := now().Unix()
	sigs := make([]string, 0, len(m.Secrets))
	for _, secret := range m.Secrets {
		sig, err := Sign(secret, m.IdempotencyKey, ts, m.Body)
		if err != nil {
			return nil, &trail.SendError{Kind: trail.Permanent, Err: err}
		}
		sigs = append(sigs, sig)
	}

	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.To, bytes.NewReader(m.Body))
	if err != nil {
		return nil, &trail.SendError{Kind: trail.Permanent, Message: "bad endpoint URL", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Bottletrail-Webhooks/1")
	req.Header.Set(HeaderID, m.IdempotencyKey)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, strings.Join(sigs, " "))

	resp, err := s.client().Do(req)
	if err != nil {
		return nil, &trail.SendError{Kind: trail.Transient, Message: netFailure(err)}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	// Only the status line is kept, never the reply: the delivery log
	// shows it to the brand, and the reply is another server's.
	code := "HTTP " + strconv.Itoa(resp.StatusCode)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		return &trail.Receipt{Detail: code}, nil
	case resp.StatusCode == http.StatusGone:
		return nil, &trail.SendError{Kind: trail.Permanent, Code: code, Message: "the endpoint is gone"}
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		return nil, &trail.SendError{Kind: trail.Transient, Code: code, Message: "redirects are not followed; register the final URL"}
	}
	return nil, &trail.SendError{Kind: trail.Transient, Code: code, Message: http.StatusText(resp.StatusCode),
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), now())}
}

// netFailure describes a request that got no HTTP answer, in words of our
// own: errors of malformed replies quote what the peer sent.
func netFailure(err error) string {
	var (
		op     *net.OpError
		dns    *net.DNSError
		cert   *tls.CertificateVerificationError
		header tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		return "no answer within the timeout"
	case errors.As(err, &dns):
		return "cannot resolve " + dns.Name
	case errors.As(err, &op) && op.Op == "dial":
		return "cannot connect: " + op.Err.Error()
	case errors.As(err, &cert):
		return "the TLS certificate was not accepted"
	case errors.As(err, &header):
		return "the endpoint did not answer TLS"
	}
	return "no valid HTTP answer"
}

// client returns the HTTP client without redirects.
func (s *Sender) client() *http.Client {
	c := http.Client{}
	if s.HTTP != nil {
		c = *s.HTTP
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
