// Package email sends notification e-mails over SMTP with
// github.com/wneessen/go-mail: UTF-8 subject and bodies (plain text, and
// HTML as an alternative when given), the message's idempotency key as its
// Message-ID, so that a retry is recognisably the same message, and the
// consumer's opt-out link as List-Unsubscribe.
package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Security is how a connection to the SMTP server is protected.
type Security int

// The security modes.
const (
	// StartTLS submits on port 587 and requires STARTTLS.
	StartTLS Security = iota
	// ImplicitTLS submits over TLS from the start, on port 465.
	ImplicitTLS
	// NoTLS sends in clear text, on port 25: only for a relay on the same
	// host or a test server on loopback.
	NoTLS
)

// DefaultTimeout bounds a connection's operations.
const DefaultTimeout = 30 * time.Second

// Sender submits e-mails to one SMTP server. It implements trail.Sender
// for trail.ChannelEmail. Set Host and From; the other fields have
// defaults. Its methods are safe for concurrent use: each send uses its
// own connection.
type Sender struct {
	Host string
	// Port is the server's port; 0 means 587, 465 or 25 after Security.
	Port     int
	Security Security
	// TLSConfig, if set, configures TLS (trusted roots, for one); its
	// ServerName defaults to Host.
	TLSConfig *tls.Config
	// Username and Password authenticate with SMTP AUTH PLAIN; an empty
	// Username sends without AUTH.
	Username string
	Password string
	// From is the sender, such as "瓶迹 <notify@bottletrail.example>". Its
	// domain also names the Message-IDs.
	From string
	// HELO is the name given in EHLO; empty means go-mail's default.
	HELO string
	// Timeout bounds each network operation; 0 means DefaultTimeout.
	Timeout time.Duration
	// Now is the clock of the Date header; nil means time.Now.
	Now func() time.Time
	// DialContextFunc, if set, opens the connection to Host:Port (such as
	// one that refuses private addresses); for ImplicitTLS the sender
	// starts TLS on it. nil means a net.Dialer.
	DialContextFunc func(ctx context.Context, network, addr string) (net.Conn, error)
}

var _ trail.Sender = (*Sender)(nil)

// Send submits m to m.To: m.Subject, m.Text and, if set, m.HTML as an
// alternative, with Message-ID <m.IdempotencyKey@from-domain>, which the
// receipt carries as ProviderID. Failures: an address or message that
// cannot be built, and SMTP 5xx replies (no such mailbox, refused
// content, failed authentication), are Permanent; 4xx replies and
// connection failures are Transient; a failure after the whole message was
// sent, while waiting for the server's verdict, is Unclear.
func (s *Sender) Send(ctx context.Context, m *trail.Message) (*trail.Receipt, error) {
	msg, id, err := s.build(m)
	if err != nil {
		return nil, &trail.SendError{Kind: trail.Permanent, Err: err}
	}
	c, err := s.client()
	if err != nil {
		return nil, &trail.SendError{Kind: trail.Permanent, Message: "SMTP settings", Err: err}
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return nil, classify(err)
	}
	return &trail.Receipt{ProviderID: id, Detail: "SMTP accepted"}, nil
}

// build makes the message and returns it with its Message-ID.
func (s *Sender) build(m *trail.Message) (*mail.Msg, string, error) {
	if !trail.ValidIdempotencyKey(m.IdempotencyKey) {
		return nil, "", fmt.Errorf("idempotency key %q cannot be a Message-ID", m.IdempotencyKey)
	}
	from, err := netmail.ParseAddress(s.From)
	if err != nil {
		return nil, "", fmt.Errorf("sender address %q: %w", s.From, err)
	}
	_, domain, _ := strings.Cut(from.Address, "@")
	msg := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP))
	msg.FromMailAddress(from)
	if err := msg.To(m.To); err != nil {
		return nil, "", fmt.Errorf("recipient address: %w", err)
	}
	msg.Subject(m.Subject)
	id := m.IdempotencyKey + "@" + domain
	msg.SetMessageIDWithValue(id)
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	msg.SetDateWithValue(now())
	msg.SetUserAgent("Bottletrail")
	msg.SetBulk()
	if m.OptOutURL != "" {
		msg.SetListUnsubscribe(m.OptOutURL)
		if strings.HasPrefix(m.OptOutURL, "https://") {
			msg.SetListUnsubscribePost()
		}
	}
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	return msg, "<" + id + ">", nil
}

// client returns a go-mail client for the settings.
func (s *Sender) client() (*mail.Client, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	opts := []mail.Option{mail.WithTimeout(timeout)}
	port := s.Port
	switch s.Security {
	case StartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
		if port == 0 {
			port = 587
		}
	case ImplicitTLS:
		opts = append(opts, mail.WithSSL())
		if port == 0 {
			port = 465
		}
	case NoTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
		if port == 0 {
			port = 25
		}
	default:
		return nil, fmt.Errorf("unknown security mode %d", s.Security)
	}
	opts = append(opts, mail.WithPort(port))
	tc := &tls.Config{ServerName: s.Host, MinVersion: mail.DefaultTLSMinVersion}
	if s.TLSConfig != nil {
		tc = s.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = s.Host
		}
		opts = append(opts, mail.WithTLSConfig(tc))
	}
	if dial := s.DialContextFunc; dial != nil {
		if s.Security == ImplicitTLS {
			// go-mail starts implicit TLS only on connections it dials.
			dial = tlsDial(dial, tc)
		}
		opts = append(opts, mail.WithDialContextFunc(dial))
	}
	if s.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(s.Username), mail.WithPassword(s.Password))
	}
	if s.HELO != "" {
		opts = append(opts, mail.WithHELO(s.HELO))
	}
	return mail.NewClient(s.Host, opts...)
}

// tlsDial returns dial with a TLS handshake on every connection it opens.
func tlsDial(dial mail.DialContextFunc, tc *tls.Config) mail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		tlsConn := tls.Client(conn, tc)
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		return tlsConn, nil
	}
}

// classify turns go-mail's error into a *trail.SendError.
func classify(err error) *trail.SendError {
	var se *mail.SendError
	var te *textproto.Error
	code := 0
	switch {
	case errors.As(err, &se):
		code = se.ErrorCode()
	case errors.As(err, &te):
		code = te.Code
	}
	e := &trail.SendError{Kind: trail.Transient, Err: err}
	if code != 0 {
		e.Code = "SMTP " + strconv.Itoa(code)
	}
	switch {
	case code >= 500:
		e.Kind = trail.Permanent
	case code >= 400:
		e.Kind = trail.Transient
	case se != nil && se.Reason == mail.ErrSMTPDataClose:
		// The whole message went out; the server's verdict did not come back.
		e.Kind = trail.Unclear
	}
	return e
}
