package email_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/bottletrail/bottletrail/internal/notify/email"
	"github.com/bottletrail/bottletrail/internal/trail"
)

const (
	smtpUser = "notify@bottletrail.example"
	smtpPass = "smtp-password-7f3a"
)

// received is one message the test server accepted.
type received struct {
	from string
	to   []string
	data []byte
	user string // who authenticated, "" for nobody
	tls  bool
}

// server is a real SMTP server on loopback (emersion/go-smtp) that keeps
// what it receives. rcptErr, dataErr and dataDelay make it misbehave.
type server struct {
	addr     string
	port     int
	mu       sync.Mutex
	got      []received
	rcptErr  error
	dataErr  error
	hold     chan struct{} // if set, Data waits on it after reading the message
	tlsConf  *tls.Config
	certPool *x509.CertPool
}

type session struct {
	s    *server
	conn *smtp.Conn
	cur  received
}

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (se *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != smtpUser || password != smtpPass {
			return smtp.ErrAuthFailed
		}
		se.cur.user = username
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error { se.cur.from = from; return nil }

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if se.s.rcptErr != nil {
		return se.s.rcptErr
	}
	se.cur.to = append(se.cur.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if se.s.hold != nil {
		<-se.s.hold
	}
	if se.s.dataErr != nil {
		return se.s.dataErr
	}
	_, se.cur.tls = se.conn.TLSConnectionState()
	se.cur.data = data
	se.s.mu.Lock()
	se.s.got = append(se.s.got, se.cur)
	se.s.mu.Unlock()
	return nil
}

func (se *session) Reset()        { se.cur = received{user: se.cur.user} }
func (se *session) Logout() error { return nil }

// newServer starts the test server; withTLS offers STARTTLS with a
// self-signed certificate for 127.0.0.1.
func newServer(t *testing.T, withTLS bool) *server {
	t.Helper()
	return startServer(t, withTLS, false)
}

// startServer starts the test server; implicitTLS speaks TLS from the
// start (with the certificate of withTLS).
func startServer(t *testing.T, withTLS, implicitTLS bool) *server {
	t.Helper()
	s := &server{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s, conn: c}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if withTLS {
		s.tlsConf, s.certPool = selfSigned(t)
		srv.TLSConfig = s.tlsConf
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	if implicitTLS {
		ln = tls.NewListener(ln, s.tlsConf)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	s.port = ln.Addr().(*net.TCPAddr).Port
	return s
}

func (s *server) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

// selfSigned returns a server TLS config for 127.0.0.1 and a pool that
// trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

var sendNow = time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)

func message(to string) *trail.Message {
	return &trail.Message{
		IdempotencyKey: "ntf-42-email",
		Channel:        trail.ChannelEmail,
		To:             to,
		Subject:        "您的订单 WX20261201001 已发货（顺丰速运）",
		Text:           "张*，您好：\n\n您订购的梅子酒（330ml×12，囍字定制）已由顺丰速运发出，预计 12月3日 送达。\n查看物流：https://track.example.com/t/abc\n\n不想再收到通知？https://track.example.com/o/xyz\n",
		HTML:           "<p>张*，您好：</p><p>您订购的梅子酒已由<b>顺丰速运</b>发出。</p>",
		OptOutURL:      "https://track.example.com/o/xyz",
	}
}

// decoded is a received message, parsed and decoded.
type decoded struct {
	header      mail.Header
	subject     string
	from        *mail.Address
	text, html  string
	contentType string
}

func decode(t *testing.T, data []byte) decoded {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the message does not parse: %v\n%s", err, data)
	}
	var d decoded
	d.header = msg.Header
	if d.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	addrs, err := msg.Header.AddressList("From")
	if err != nil || len(addrs) != 1 {
		t.Fatalf("From %q: %v", msg.Header.Get("From"), err)
	}
	d.from = addrs[0]
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	d.contentType = mt
	part := func(ct, cte string, r io.Reader) {
		if cte == "quoted-printable" {
			r = quotedprintable.NewReader(r)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		pmt, pp, _ := mime.ParseMediaType(ct)
		if !strings.EqualFold(pp["charset"], "utf-8") {
			t.Errorf("part %s: charset %q, want UTF-8", pmt, pp["charset"])
		}
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) // lines end in CRLF on the wire
		switch pmt {
		case "text/plain":
			d.text = string(b)
		case "text/html":
			d.html = string(b)
		}
	}
	if !strings.HasPrefix(mt, "multipart/") {
		part(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return d
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		part(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
	}
	return d
}

func TestSend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		tls      bool
		auth     bool
		noHTML   bool
		wantUser string
	}{
		{name: "STARTTLS and AUTH PLAIN", tls: true, auth: true, wantUser: smtpUser},
		{name: "clear text to a local relay, no AUTH", tls: false, auth: false},
		{name: "plain text only", tls: true, auth: true, noHTML: true, wantUser: smtpUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tt.tls)
			s := &email.Sender{Host: "127.0.0.1", Port: srv.port, From: "瓶迹 <notify@bottletrail.example>", Security: email.NoTLS,
				Timeout: 5 * time.Second, Now: func() time.Time { return sendNow }}
			if tt.tls {
				s.Security, s.TLSConfig = email.StartTLS, &tls.Config{RootCAs: srv.certPool}
			}
			if tt.auth {
				s.Username, s.Password = smtpUser, smtpPass
			}
			m := message("buyer@example.com")
			if tt.noHTML {
				m.HTML = ""
			}
			rc, err := s.Send(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			if rc.ProviderID != "<ntf-42-email@bottletrail.example>" {
				t.Errorf("receipt: got %+v", rc)
			}
			got := srv.messages()
			if len(got) != 1 {
				t.Fatalf("the server received %d messages, want 1", len(got))
			}
			r := got[0]
			if r.from != "notify@bottletrail.example" || len(r.to) != 1 || r.to[0] != "buyer@example.com" || r.user != tt.wantUser || r.tls != tt.tls {
				t.Errorf("envelope: from %q to %v user %q tls %v", r.from, r.to, r.user, r.tls)
			}
			d := decode(t, r.data)
			if d.subject != m.Subject {
				t.Errorf("subject: got %q, want %q", d.subject, m.Subject)
			}
			if d.from.Name != "瓶迹" || d.from.Address != "notify@bottletrail.example" {
				t.Errorf("From: got %v", d.from)
			}
			if d.text != m.Text {
				t.Errorf("text:\ngot  %q\nwant %q", d.text, m.Text)
			}
			wantType := "multipart/alternative"
			if tt.noHTML {
				wantType = "text/plain"
			} else if d.html != m.HTML {
				t.Errorf("html: got %q, want %q", d.html, m.HTML)
			}
			if d.contentType != wantType {
				t.Errorf("Content-Type: got %s, want %s", d.contentType, wantType)
			}
			for k, want := range map[string]string{
				"Message-Id":            "<ntf-42-email@bottletrail.example>",
				"List-Unsubscribe":      "<https://track.example.com/o/xyz>",
				"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
				"Date":                  "Tue, 01 Dec 2026 04:00:00 +0000",
				"To":                    "<buyer@example.com>",
			} {
				if got := d.header.Get(k); got != want {
					t.Errorf("%s: got %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		prep func(srv *server, s *email.Sender, m *trail.Message)
		kind trail.FailureKind
		code string
	}{
		{"mailbox unknown (550)", func(srv *server, s *email.Sender, m *trail.Message) {
			srv.rcptErr = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
		}, trail.Permanent, "SMTP 550"},
		{"mailbox busy (450)", func(srv *server, s *email.Sender, m *trail.Message) {
			srv.rcptErr = &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 1}, Message: "Try later"}
		}, trail.Transient, "SMTP 450"},
		{"content refused (554)", func(srv *server, s *email.Sender, m *trail.Message) {
			srv.dataErr = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Spam"}
		}, trail.Permanent, "SMTP 554"},
		{"greylisted at data (451)", func(srv *server, s *email.Sender, m *trail.Message) {
			srv.dataErr = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted"}
		}, trail.Transient, "SMTP 451"},
		{"wrong password (535)", func(srv *server, s *email.Sender, m *trail.Message) {
			s.Password = "wrong"
		}, trail.Permanent, "SMTP 535"},
		{"no verdict after the message was sent", func(srv *server, s *email.Sender, m *trail.Message) {
			srv.hold = make(chan struct{})
			s.Timeout = 300 * time.Millisecond
		}, trail.Unclear, ""},
		{"bad recipient address", func(srv *server, s *email.Sender, m *trail.Message) { m.To = "not an address" }, trail.Permanent, ""},
		{"bad sender address", func(srv *server, s *email.Sender, m *trail.Message) { s.From = "瓶迹" }, trail.Permanent, ""},
		{"key unusable as Message-ID", func(srv *server, s *email.Sender, m *trail.Message) { m.IdempotencyKey = "a@b" }, trail.Permanent, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, false)
			s := &email.Sender{Host: "127.0.0.1", Port: srv.port, From: "瓶迹 <notify@bottletrail.example>", Security: email.NoTLS,
				Username: smtpUser, Password: smtpPass, Timeout: 5 * time.Second}
			m := message("buyer@example.com")
			tt.prep(srv, s, m)
			if srv.hold != nil {
				defer close(srv.hold)
			}
			_, err := s.Send(context.Background(), m)
			var se *trail.SendError
			if !errors.As(err, &se) || se.Kind != tt.kind || se.Code != tt.code {
				t.Fatalf("got %v (%#v), want %v %q", err, err, tt.kind, tt.code)
			}
		})
	}
}

func TestSendConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &email.Sender{Host: "127.0.0.1", Port: port, From: "notify@bottletrail.example", Security: email.NoTLS, Timeout: time.Second}
	if _, err := s.Send(context.Background(), message("buyer@example.com")); err == nil || trail.FailureOf(err) != trail.Transient {
		t.Fatalf("got %v, want transient", err)
	}
}

func TestStartTLSRequired(t *testing.T) {
	t.Parallel()
	srv := newServer(t, false) // offers no STARTTLS
	s := &email.Sender{Host: "127.0.0.1", Port: srv.port, From: "notify@bottletrail.example", Username: smtpUser, Password: smtpPass,
		Timeout: 5 * time.Second}
	if _, err := s.Send(context.Background(), message("buyer@example.com")); err == nil {
		t.Fatal("sent over a connection without TLS")
	}
	if n := len(srv.messages()); n != 0 {
		t.Errorf("the server received %d messages", n)
	}
}

// TestSendDialContextFunc sends through a dial function, in every
// security mode, to a host name that only the dial function knows; a
// dial function that refuses leaves the server untouched.
func TestSendDialContextFunc(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		security email.Security
	}{{"clear text", email.NoTLS}, {"STARTTLS", email.StartTLS}, {"implicit TLS", email.ImplicitTLS}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, tt.security != email.NoTLS, tt.security == email.ImplicitTLS)
			var asked []string
			s := &email.Sender{Host: "smtp.plum.example", Port: 2525, Security: tt.security, From: "notify@bottletrail.example",
				TLSConfig: &tls.Config{RootCAs: srv.certPool, ServerName: "localhost"}, Timeout: 5 * time.Second,
				DialContextFunc: func(ctx context.Context, network, addr string) (net.Conn, error) {
					asked = append(asked, network+" "+addr)
					return (&net.Dialer{}).DialContext(ctx, network, srv.addr)
				}}
			if tt.security != email.NoTLS {
				s.Username, s.Password = smtpUser, smtpPass // AUTH PLAIN only over TLS
			}
			if _, err := s.Send(context.Background(), message("buyer@example.com")); err != nil {
				t.Fatal(err)
			}
			if len(asked) != 1 || asked[0] != "tcp smtp.plum.example:2525" {
				t.Errorf("dialled %q, want tcp smtp.plum.example:2525 once", asked)
			}
			if got := srv.messages(); len(got) != 1 || got[0].tls != (tt.security != email.NoTLS) || got[0].user != s.Username {
				t.Errorf("the server received %+v, want one message, over TLS %v", got, tt.security != email.NoTLS)
			}
		})
	}

	srv := newServer(t, false)
	refused := errors.New("refused: a loopback address")
	s := &email.Sender{Host: "127.0.0.1", Port: srv.port, Security: email.NoTLS, From: "notify@bottletrail.example", Timeout: 5 * time.Second,
		DialContextFunc: func(context.Context, string, string) (net.Conn, error) { return nil, refused }}
	_, err := s.Send(context.Background(), message("buyer@example.com"))
	if !errors.Is(err, refused) || trail.FailureOf(err) != trail.Transient {
		t.Errorf("refused dial: got %v, want the dial's error, transient", err)
	}
	if n := len(srv.messages()); n != 0 {
		t.Errorf("the server received %d messages, want none", n)
	}
}
