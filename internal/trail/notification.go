package trail

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Channel is a way of reaching a consumer or a brand's systems.
type Channel string

// The channels. Each is an adapter under internal/notify.
const (
	ChannelSMS     Channel = "sms"     // Aliyun SMS, to a mainland mobile number
	ChannelWeChat  Channel = "wechat"  // a WeChat mini-program subscription message, to an openid
	ChannelEmail   Channel = "email"   // SMTP, to an e-mail address
	ChannelWebhook Channel = "webhook" // a signed JSON POST, to a brand's endpoint
)

// Param is one named template variable. Parameters are a list, not a map,
// so that a message is rendered and signed the same way on every attempt.
type Param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Message is one notification, rendered and ready for its channel. It is
// built at send time from ids (docs/ARCHITECTURE.md §8) and never stored as such: it
// carries personal data.
type Message struct {
	// IdempotencyKey names the message across all its attempts: the
	// Aliyun OutId, the e-mail Message-ID, the webhook-id. Letters, digits,
	// '_' and '-' only (it must fit every channel's syntax).
	IdempotencyKey string
	Channel        Channel
	// To is the recipient: a mobile number (sms), an openid (wechat), an
	// e-mail address (email) or the endpoint URL (webhook).
	To string
	// Template names the provider's template: the Aliyun TemplateCode or
	// the WeChat template_id.
	Template string
	// Params are the template's variables, in order (sms, wechat).
	Params []Param
	// Page is the mini-program page a WeChat card opens, e.g.
	// "pages/order/detail?id=123".
	Page string
	// Subject, Text and HTML are an e-mail's subject and bodies; HTML is
	// optional.
	Subject, Text, HTML string
	// OptOutURL is the consumer's opt-out link. Templates show it; e-mail
	// also puts it in the List-Unsubscribe header.
	OptOutURL string
	// Body is a webhook's JSON payload, sent byte for byte.
	Body []byte
	// Secrets sign a webhook (whsec_…): the endpoint's current secret and,
	// during a rotation's grace period, the previous one.
	Secrets []string
	// CreatedAt is when the message was first queued; a delivery-report
	// check searches from that day on.
	CreatedAt time.Time
}

// Receipt is a provider's acknowledgement of a message.
type Receipt struct {
	// ProviderID is the provider's id of the message: the Aliyun BizId,
	// the WeChat msgid, the e-mail's Message-ID; empty for a webhook.
	ProviderID string
	// Detail says briefly what the provider answered, for the delivery
	// log, e.g. "HTTP 204". It holds no personal data.
	Detail string
}

// Sender delivers messages of one channel.
type Sender interface {
	// Send delivers m once. A failure is a *SendError that says whether a
	// retry may help (see FailureKind); an error of another type is
	// Transient.
	Send(ctx context.Context, m *Message) (*Receipt, error)
}

// ReportChecker asks a provider that keeps delivery reports (Aliyun SMS)
// whether it has a message, after a send whose outcome was Unclear. SMS
// providers do not de-duplicate, so a message is sent again only when the
// check says the provider never received it: at most once to a phone.
type ReportChecker interface {
	// Delivered reports whether the provider has accepted m, found by its
	// IdempotencyKey, whatever became of it afterwards: sending it again
	// could reach the recipient twice. Reports may lag the send by a
	// minute or two; check after that.
	Delivered(ctx context.Context, m *Message) (bool, error)
}

// FailureKind says what a failed send means for a retry.
type FailureKind int

// The kinds of failure.
const (
	// Transient: the message did not go out; retry later with back-off.
	Transient FailureKind = iota
	// Permanent: retrying the same message cannot succeed (a bad number,
	// a user who refused the subscription, a rejected template, an
	// endpoint that is gone, wrong credentials). Someone must change
	// something first.
	Permanent
	// Unclear: the request may have reached the provider (a timeout or a
	// lost connection after it was written, a provider error). Check the
	// delivery report (ReportChecker) before any retry; channels without
	// one must not assume either way.
	Unclear
)

// String returns "transient", "permanent" or "unclear".
func (k FailureKind) String() string {
	switch k {
	case Transient:
		return "transient"
	case Permanent:
		return "permanent"
	case Unclear:
		return "unclear"
	}
	return fmt.Sprintf("FailureKind(%d)", int(k))
}

// Sentinels that a *SendError matches with errors.Is by its kind.
var (
	ErrPermanent = errors.New("permanent send failure")
	ErrUnclear   = errors.New("send outcome unclear")
)

// SendError is a failed send, classified.
type SendError struct {
	Kind FailureKind
	// Code is the provider's code: "isv.MOBILE_NUMBER_ILLEGAL", "43101",
	// "HTTP 410", "SMTP 550"; empty for a network failure.
	Code string
	// Message is the provider's explanation, if any. It holds no personal
	// data of ours.
	Message string
	// RetryAfter, if not zero, is how long the provider asks to wait.
	RetryAfter time.Duration
	// Err is the underlying error, if any.
	Err error
}

// Error describes the failure.
func (e *SendError) Error() string {
	s := e.Kind.String() + " send failure"
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *SendError) Unwrap() error { return e.Err }

// Is matches ErrPermanent and ErrUnclear by the error's kind.
func (e *SendError) Is(target error) bool {
	return (target == ErrPermanent && e.Kind == Permanent) || (target == ErrUnclear && e.Kind == Unclear)
}

// FailureOf returns the kind of a send's error: the kind of a *SendError
// in its chain, Transient for any other error.
func FailureOf(err error) FailureKind {
	var se *SendError
	if errors.As(err, &se) {
		return se.Kind
	}
	return Transient
}

// ValidIdempotencyKey reports whether key can name a message on every
// channel: 1–128 letters, digits, '_' or '-'.
func ValidIdempotencyKey(key string) bool {
	if key == "" || len(key) > 128 {
		return false
	}
	for _, c := range []byte(key) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// Webhook events a brand can subscribe an endpoint to.
const (
	EventOrderUpdated       = "order.updated"
	EventShipmentUpdated    = "shipment.updated"
	EventAlertOpened        = "alert.opened"
	EventAlertResolved      = "alert.resolved"
	EventNotificationFailed = "notification.failed"
)

// WebhookEvents lists every webhook event, in the order documented.
var WebhookEvents = []string{EventOrderUpdated, EventShipmentUpdated, EventAlertOpened, EventAlertResolved, EventNotificationFailed}

// Limits of webhook endpoints.
const (
	MaxWebhookEndpoints  = 10             // live endpoints per brand
	maxWebhookURL        = 2048           // bytes of an endpoint URL
	WebhookRotationGrace = 24 * time.Hour // how long a rotated-out secret still signs
)

// WebhookEndpoint is where a brand receives signed events (docs/ARCHITECTURE.md §8,
// Standard Webhooks v1).
type WebhookEndpoint struct {
	ID     int64
	URL    string
	Events []string
	// Secret signs the deliveries: whsec_ and the base64 of 32 random
	// bytes. It is encrypted at rest and shown to the brand only when it
	// is made (creation, rotation).
	Secret string
	// PreviousSecret is the secret a rotation replaced; deliveries are
	// signed with it too until RotatedAt + WebhookRotationGrace.
	PreviousSecret string
	RotatedAt      *time.Time
	CreatedAt      time.Time
}

// NewWebhookSecret returns a random signing secret: "whsec_" and the
// standard base64 of 32 random bytes.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// SigningSecrets returns the secrets that sign a delivery at time now: the
// current one, and the previous one within the rotation's grace period.
func (e *WebhookEndpoint) SigningSecrets(now time.Time) []string {
	out := []string{e.Secret}
	if e.PreviousSecret != "" && e.RotatedAt != nil && now.Before(e.RotatedAt.Add(WebhookRotationGrace)) {
		out = append(out, e.PreviousSecret)
	}
	return out
}

// Subscribed reports whether the endpoint receives event.
func (e *WebhookEndpoint) Subscribed(event string) bool { return slices.Contains(e.Events, event) }

// Normalize trims the URL and the events and drops repeated events.
func (e *WebhookEndpoint) Normalize() {
	e.URL = strings.TrimSpace(e.URL)
	var events []string
	for _, ev := range e.Events {
		ev = strings.ToLower(strings.TrimSpace(ev))
		if !slices.Contains(events, ev) {
			events = append(events, ev)
		}
	}
	e.Events = events
}

// Validate reports the first problem with a normalised endpoint: its URL
// must be https, or http to a loopback address (for local receivers and
// the simulator), with no credentials or fragment; its events one or more
// of WebhookEvents.
func (e *WebhookEndpoint) Validate() error {
	if e.URL == "" {
		return Invalid("url", "url is required")
	}
	u, err := url.Parse(e.URL)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return Invalid("url", "url must be an absolute https URL")
	case len(e.URL) > maxWebhookURL:
		return Invalid("url", "url must be at most %d bytes", maxWebhookURL)
	case u.User != nil:
		return Invalid("url", "url must not carry credentials; verify deliveries by their signature")
	case u.Fragment != "":
		return Invalid("url", "url must not have a fragment")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	case u.Scheme == "http":
		return Invalid("url", "url must be https (plain http only to a loopback address such as 127.0.0.1)")
	default:
		return Invalid("url", "url must be an https URL, not %s", Clip(u.Scheme))
	}
	if len(e.Events) == 0 {
		return Invalid("events", "events must name at least one of: %s", strings.Join(WebhookEvents, ", "))
	}
	for i, ev := range e.Events {
		if !slices.Contains(WebhookEvents, ev) {
			return Invalid(fmt.Sprintf("events[%d]", i), "unknown event %s (known: %s)", Quote(ev), strings.Join(WebhookEvents, ", "))
		}
	}
	return nil
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// WebhookService keeps a brand's webhook endpoints.
type WebhookService interface {
	// CreateWebhook adds a normalised, valid endpoint and sets its ID,
	// Secret and CreatedAt. EINVALID for an invalid endpoint, ECONFLICT if
	// the brand has MaxWebhookEndpoints endpoints already or one with the
	// same URL.
	CreateWebhook(ctx context.Context, brandID int64, e *WebhookEndpoint) error

	// Webhooks lists the brand's endpoints, oldest first, secrets
	// included: callers must not show them.
	Webhooks(ctx context.Context, brandID int64) ([]*WebhookEndpoint, error)

	// Webhook returns one endpoint, secrets included. ENOTFOUND if the
	// brand has no such endpoint (or deleted it).
	Webhook(ctx context.Context, brandID, id int64) (*WebhookEndpoint, error)

	// DeleteWebhook removes an endpoint; no delivery goes to it after.
	// ENOTFOUND if the brand has no such endpoint.
	DeleteWebhook(ctx context.Context, brandID, id int64) error

	// RotateWebhookSecret gives an endpoint a new secret and keeps the
	// current one as PreviousSecret for WebhookRotationGrace (a secret
	// rotated out earlier stops signing at once). It returns the endpoint
	// with both. ENOTFOUND if the brand has no such endpoint.
	RotateWebhookSecret(ctx context.Context, brandID, id int64) (*WebhookEndpoint, error)
}
