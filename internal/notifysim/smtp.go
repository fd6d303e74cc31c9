package notifysim

import (
	"io"
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// maxMail bounds a message the SMTP sink accepts.
const maxMail = 1 << 20

// SMTPServer returns an SMTP server (go-smtp) that accepts every message
// without authentication and records it among the simulator's messages,
// channel email: the demo's mail server. Serve it on loopback only, e.g.
// srv.Serve(listener); close it with srv.Close.
func (s *Sim) SMTPServer() *smtp.Server {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{sim: s}, nil }))
	srv.Domain = "notifysim.local"
	srv.MaxMessageBytes = maxMail
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	return srv
}

// mailSession is one SMTP session of the sink.
type mailSession struct {
	sim *Sim
	to  []string
}

func (m *mailSession) Mail(string, *smtp.MailOptions) error { return nil }

func (m *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	m.to = append(m.to, to)
	return nil
}

// Data records the message: its recipients, subject (decoded) and
// Message-ID as the OutID.
func (m *mailSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(io.LimitReader(r, maxMail))
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "malformed message"}
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	id := strings.Trim(msg.Header.Get("Message-Id"), "<>")
	m.sim.mu.Lock()
	defer m.sim.mu.Unlock()
	m.sim.record(Message{Channel: trail.ChannelEmail, At: m.sim.now(), To: strings.Join(m.to, ", "),
		Text: subject, OutID: id, ProviderID: id})
	return nil
}

func (m *mailSession) Reset()        { m.to = nil }
func (m *mailSession) Logout() error { return nil }
