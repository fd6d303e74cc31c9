package notifysim

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Config configures a simulator.
type Config struct {
	// AliyunKeys are the Aliyun AccessKeys accepted: AccessKeyId → secret.
	AliyunKeys map[string]string
	// SMSTemplates, if not nil, are the approved SMS templates: template
	// code → text with ${name} variables, such as "您的订单${order}已发货".
	// A request naming another code, or lacking a variable, fails as Aliyun
	// fails it. Nil accepts any template.
	SMSTemplates map[string]string
	// WeChatApps are the mini-programs: appid → AppSecret.
	WeChatApps map[string]string
	// WeChatTemplates, if not nil, are the subscription templates:
	// template_id → the keyword keys it needs, such as thing1, time2. Nil
	// accepts any template and keys.
	WeChatTemplates map[string][]string
	// TokenTTL is the lifetime of an access token; 0 means 7200 s.
	TokenTTL time.Duration
	// MaxMessages bounds the messages kept, oldest dropped first; 0 means
	// 10,000.
	MaxMessages int
	// MaxHold bounds how long a timeout fault holds a request; 0 means 60 s.
	MaxHold time.Duration
	// Now is the simulator's clock; nil means time.Now.
	Now func() time.Time
	// Logger receives a line per message accepted or refused, phone
	// numbers masked; nil discards them.
	Logger *slog.Logger
}

// Message is a message the simulator accepted, as Messages and GET
// /sim/messages show it.
type Message struct {
	ID       int64         `json:"id"`
	Channel  trail.Channel `json:"channel"`
	At       time.Time     `json:"at"`
	To       string        `json:"to"`       // the phone number or openid
	Template string        `json:"template"` // TemplateCode or template_id
	Params   []trail.Param `json:"params"`
	// Text is what the recipient sees: 【签名】 and the rendered template
	// for SMS (the parameters when the template is not configured), the
	// keywords for WeChat.
	Text string `json:"text"`
	// SignName is the SMS signature.
	SignName string `json:"sign_name,omitempty"`
	// Page is the mini-program page of a WeChat card.
	Page string `json:"page,omitempty"`
	// OutID is the sender's id of the message (Aliyun OutId).
	OutID string `json:"out_id,omitempty"`
	// ProviderID is the simulator's id of it: the BizId or the msgid.
	ProviderID string `json:"provider_id"`
	// Account is the Aliyun AccessKeyId or the WeChat appid it came from.
	Account string `json:"account"`
}

// FaultMode says how a faulty request fails.
type FaultMode string

// The fault modes.
const (
	// FaultError answers the provider's system error and records nothing.
	FaultError FaultMode = "error"
	// FaultTimeout holds the request unanswered and records nothing.
	FaultTimeout FaultMode = "timeout"
	// FaultLostReply records the message, then holds the reply: it was
	// sent, but the client never learns it.
	FaultLostReply FaultMode = "lost_reply"
)

// Fault makes the next sends of a channel fail.
type Fault struct {
	Channel trail.Channel `json:"channel"` // sms or wechat
	Times   int           `json:"times"`   // how many sends fail; 0 means 1
	Mode    FaultMode     `json:"mode"`
}

// Sim is the simulator: an http.Handler. Its methods are safe for
// concurrent use.
type Sim struct {
	cfg    Config
	now    func() time.Time
	log    *slog.Logger
	mux    *http.ServeMux
	ctx    context.Context // cancelled by Close, releasing held requests
	cancel context.CancelFunc

	mu       sync.Mutex
	seq      int64
	messages []Message // oldest first
	faults   map[trail.Channel][]FaultMode
	nonces   map[string]time.Time // Aliyun SignatureNonce → when it was used
	nonceLog []nonceUse           // the same, oldest first, to forget them
	tokens   map[string]*token    // WeChat access token → its state
	apps     map[string]*appTokens
	refused  map[string]bool // openids that refused subscription messages
}

type nonceUse struct {
	nonce string
	at    time.Time
}

// New returns a simulator for cfg.
func New(cfg Config) *Sim {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 7200 * time.Second
	}
	if cfg.MaxMessages <= 0 {
		cfg.MaxMessages = 10_000
	}
	if cfg.MaxHold <= 0 {
		cfg.MaxHold = time.Minute
	}
	s := &Sim{
		cfg:     cfg,
		now:     cfg.Now,
		log:     cfg.Logger,
		faults:  map[trail.Channel][]FaultMode{},
		nonces:  map[string]time.Time{},
		tokens:  map[string]*token{},
		apps:    map[string]*appTokens{},
		refused: map[string]bool{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/aliyun/{$}", s.handleAliyun)
	s.mux.HandleFunc("/aliyun", s.handleAliyun)
	s.mux.HandleFunc("GET /wechat/cgi-bin/token", s.handleToken)
	s.mux.HandleFunc("POST /wechat/cgi-bin/stable_token", s.handleStableToken)
	s.mux.HandleFunc("POST /wechat/cgi-bin/message/subscribe/send", s.handleSubscribeSend)
	s.mux.HandleFunc("GET /sim/messages", s.handleMessages)
	s.mux.HandleFunc("POST /sim/faults", s.handleFault)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close releases the requests that faults hold. Calling it again does
// nothing.
func (s *Sim) Close() error {
	s.cancel()
	return nil
}

// Messages returns the messages accepted, newest first; channel, if not
// empty, selects one channel.
func (s *Sim) Messages(channel trail.Channel) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.messages))
	for _, m := range slices.Backward(s.messages) {
		if channel == "" || m.Channel == channel {
			m.Params = slices.Clone(m.Params)
			out = append(out, m)
		}
	}
	return out
}

// InjectFault makes the next f.Times sends of f.Channel fail as f.Mode
// says, after the faults already pending.
func (s *Sim) InjectFault(f Fault) error {
	if f.Channel != trail.ChannelSMS && f.Channel != trail.ChannelWeChat {
		return fmt.Errorf("inject fault: channel %q is not sms or wechat", f.Channel)
	}
	if f.Mode != FaultError && f.Mode != FaultTimeout && f.Mode != FaultLostReply {
		return fmt.Errorf("inject fault: mode %q is not error, timeout or lost_reply", f.Mode)
	}
	if f.Times < 0 || f.Times > 1000 {
		return fmt.Errorf("inject fault: times %d is not 0–1000", f.Times)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range max(f.Times, 1) {
		s.faults[f.Channel] = append(s.faults[f.Channel], f.Mode)
	}
	return nil
}

// Refuse makes an openid a user who refused (or cancelled) the
// subscription: sends to it fail with 43101.
func (s *Sim) Refuse(openid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused[openid] = true
}

// takeFault returns the next pending fault of a channel, "" if none.
// Called with s.mu held.
func (s *Sim) takeFault(ch trail.Channel) FaultMode {
	q := s.faults[ch]
	if len(q) == 0 {
		return ""
	}
	s.faults[ch] = q[1:]
	return q[0]
}

// record adds a message, giving it the next id. Called with s.mu held.
func (s *Sim) record(m Message) {
	s.seq++
	m.ID = s.seq
	s.messages = append(s.messages, m)
	if over := len(s.messages) - s.cfg.MaxMessages; over > 0 {
		s.messages = slices.Delete(s.messages, 0, over)
	}
}

// hold keeps a request waiting until its client gives up, the simulator
// closes or MaxHold passes.
func (s *Sim) hold(r *http.Request) {
	// The server notices a client that gives up only once the body is read.
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	t := time.NewTimer(s.cfg.MaxHold)
	defer t.Stop()
	select {
	case <-r.Context().Done():
	case <-s.ctx.Done():
	case <-t.C:
	}
}

// handleMessages serves GET /sim/messages.
func (s *Sim) handleMessages(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Messages []Message `json:"messages"`
	}{s.Messages(trail.Channel(r.URL.Query().Get("channel")))})
}

// handleFault serves POST /sim/faults.
func (s *Sim) handleFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		http.Error(w, "body must be {\"channel\",\"times\",\"mode\"}: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := s.InjectFault(f); err != nil {
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// writeJSON writes v as a JSON answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// requestID returns an id shaped like Aliyun's RequestId, a UUID.
func requestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
