package trail

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"
)

// NoticeKind is a change of an order worth telling its consumer
// (docs/ARCHITECTURE.md §8).
type NoticeKind string

// Notice kinds, in the order a journey meets them.
const (
	NoticeOrderConfirmed    NoticeKind = "order_confirmed"    // with the expected ship window
	NoticeProductionDelayed NoticeKind = "production_delayed" // with the reason
	NoticeOrderSplit        NoticeKind = "order_split"        // the order goes out in N parcels
	NoticeShipped           NoticeKind = "shipped"            // a parcel has its waybill
	NoticeOutForDelivery    NoticeKind = "out_for_delivery"
	NoticeAtPickupPoint     NoticeKind = "at_pickup_point" // with the pickup code when the carrier gives one
	NoticeDelivered         NoticeKind = "delivered"
	NoticeException         NoticeKind = "exception" // exception, refused, returning
	NoticeETALate           NoticeKind = "eta_late"  // the window passed the promise or the occasion
)

// NoticeKinds lists every notice kind.
var NoticeKinds = []NoticeKind{NoticeOrderConfirmed, NoticeProductionDelayed, NoticeOrderSplit, NoticeShipped,
	NoticeOutForDelivery, NoticeAtPickupPoint, NoticeDelivered, NoticeException, NoticeETALate}

// NoticeKindNames are the Chinese names of the notice kinds.
var NoticeKindNames = map[NoticeKind]string{
	NoticeOrderConfirmed:    "订单确认",
	NoticeProductionDelayed: "生产延迟",
	NoticeOrderSplit:        "分包裹发货",
	NoticeShipped:           "已发货",
	NoticeOutForDelivery:    "派送中",
	NoticeAtPickupPoint:     "待取件",
	NoticeDelivered:         "已签收",
	NoticeException:         "包裹异常",
	NoticeETALate:           "可能延误",
}

// NoticeMaxAge is how old a notice may be and still be sent: news of two
// days ago (after an outage, or imported history) is dropped, not told
// late.
const NoticeMaxAge = 48 * time.Hour

// Urgent reports whether a notice may break the brand's quiet hours, if the
// brand allows it: something has gone wrong that the consumer can act on.
func (k NoticeKind) Urgent() bool { return k == NoticeException || k == NoticeETALate }

// Notice is one event worth telling, as recorded in the change's own
// transaction. It holds no personal data: the message is rendered at send
// time.
type Notice struct {
	ID         int64
	Kind       NoticeKind
	ShipmentID int64  // 0 for an order's notice
	Carrier    string // the parcel's, if any
	TrackingNo string
	// Detail completes the notice: the delay's reason, the pickup code,
	// the number of parcels, the status name of an exception, the ETA
	// date that passed the promise.
	Detail    string
	CreatedAt time.Time
}

// PickupCode returns the locker or station pickup code in a carrier's scan,
// or "": "请凭取件码 6-2-0815 取件" gives "6-2-0815".
func PickupCode(description string) string {
	description = FoldSpace(description)
	if m := findAll(scanCode, description, wholeCode); len(m) > 0 {
		return description[m[0][2]:m[0][3]]
	}
	return ""
}

// Line renders a notice as one line of a message: "顺丰速运 SF1040245060669
// 已签收".
func (n Notice) Line() string {
	parcel := ""
	if n.TrackingNo != "" {
		name := n.Carrier
		if c, ok := LookupCarrier(n.Carrier); ok {
			name = c.Name
		}
		parcel = name + " " + n.TrackingNo + " "
	}
	switch n.Kind {
	case NoticeOrderConfirmed:
		return "订单已确认，预计 " + n.Detail + " 发货"
	case NoticeProductionDelayed:
		return "生产延迟：" + n.Detail
	case NoticeOrderSplit:
		return "订单将分为 " + n.Detail + " 个包裹发出"
	case NoticeShipped:
		return parcel + "已发货"
	case NoticeOutForDelivery:
		return parcel + "正在派送"
	case NoticeAtPickupPoint:
		if n.Detail != "" {
			return parcel + "已到快递柜/驿站，取件码 " + n.Detail
		}
		return parcel + "已到快递柜/驿站，请尽快取件"
	case NoticeDelivered:
		return parcel + "已签收"
	case NoticeException:
		return parcel + "异常：" + n.Detail
	case NoticeETALate:
		return "预计 " + n.Detail + " 送达，可能晚于约定时间，我们正在处理"
	}
	return parcel + NoticeKindNames[n.Kind]
}

// NoticeData is what a message template renders.
type NoticeData struct {
	Brand   string   // the brand's name
	OrderNo string   // the brand's order number
	Name    string   // the consumer's name, masked on channels others may glimpse (SMS, WeChat cards)
	Lines   []string // one per notice, merged notices in the order they happened
	Summary string   // the lines joined by "；"
	Link    string   // the signed tracking link
	OptOut  string   // the opt-out link
}

// NoticeTemplate is a brand's wording of one notice kind: Text (Go
// text/template over NoticeData) is the SMS text as approved with the
// provider, the WeChat card's note and the e-mail body; Subject is the
// e-mail's subject.
type NoticeTemplate struct {
	Kind    NoticeKind `json:"kind"`
	Subject string     `json:"subject"`
	Text    string     `json:"text"`
}

// MaxTemplateText bounds a template.
const MaxTemplateText = 2000

// DefaultNoticeTemplates returns the built-in wording of every kind; a
// brand may replace any of them.
func DefaultNoticeTemplates() map[NoticeKind]NoticeTemplate {
	out := map[NoticeKind]NoticeTemplate{}
	for _, k := range NoticeKinds {
		out[k] = NoticeTemplate{
			Kind:    k,
			Subject: "【{{.Brand}}】订单 {{.OrderNo}}：" + NoticeKindNames[k],
			Text:    "【{{.Brand}}】{{.Name}}您好，您的订单 {{.OrderNo}}：{{.Summary}}。查看详情 {{.Link}} 退订 {{.OptOut}}",
		}
	}
	return out
}

// Validate parses the template and renders it once against sample data.
func (t *NoticeTemplate) Validate() error {
	if !validNoticeKind(t.Kind) {
		return Invalid("kind", "unknown notice kind %s", Quote(t.Kind))
	}
	if strings.TrimSpace(t.Text) == "" || len(t.Text) > MaxTemplateText || len(t.Subject) > 200 {
		return Invalid("text", "text must be 1–%d bytes and subject at most 200", MaxTemplateText)
	}
	if !strings.Contains(t.Text, "{{.Link}}") || !strings.Contains(t.Text, "{{.OptOut}}") {
		return Invalid("text", "every message carries the tracking link {{.Link}} and the opt-out link {{.OptOut}}")
	}
	sample := NoticeData{Brand: "瓶迹", OrderNo: "WX20261125001", Name: "张*", Lines: []string{"已签收"}, Summary: "已签收",
		Link: "https://t.example/t/x", OptOut: "https://t.example/n/x"}
	if _, _, err := t.Render(sample); err != nil {
		return Invalid("text", "%v", err)
	}
	return nil
}

// MaxRenderedSubject and MaxRenderedText bound, in characters, what a
// template renders: rendering stops as soon as either is passed, so no
// template makes the server build a large message. Only the e-mail body is
// the rendered text itself (SMS and WeChat send the provider's approved
// template with clipped parameters), so the text's bound is an e-mail's.
const (
	MaxRenderedSubject = 200
	MaxRenderedText    = 4000
)

// templateFuncs are the functions a template may call: comparisons and
// logic for {{if}}. Formatting functions (printf with its widths, print,
// call) are not offered: the variables come formatted.
var templateFuncs = map[string]bool{"and": true, "or": true, "not": true, "len": true,
	"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true}

// Render returns the subject and text for d. A template that uses more
// than its variables, {{if}}, {{with}} and one level of {{range}} over a
// field, or renders past MaxRenderedSubject or MaxRenderedText, is an
// error.
func (t *NoticeTemplate) Render(d NoticeData) (subject, text string, err error) {
	exec := func(name, src string, limit int) (string, error) {
		tpl, err := template.New(name).Option("missingkey=error").Parse(src)
		if err != nil {
			return "", fmt.Errorf("template %s: %w", name, err)
		}
		if err := checkTemplate(tpl); err != nil {
			return "", fmt.Errorf("template %s: %w", name, err)
		}
		w := &cappedWriter{left: limit}
		if err := tpl.Execute(w, d); err != nil {
			if errors.Is(err, errRenderedTooLong) {
				return "", fmt.Errorf("template %s: renders more than %d characters", name, limit)
			}
			return "", fmt.Errorf("template %s: %w", name, err)
		}
		return w.b.String(), nil
	}
	if subject, err = exec("subject", t.Subject, MaxRenderedSubject); err != nil {
		return "", "", err
	}
	text, err = exec("text", t.Text, MaxRenderedText)
	return subject, text, err
}

// checkTemplate refuses what a notice template has no use for and could
// make rendering slow or large: functions outside templateFuncs,
// {{define}}, {{template}} and {{block}}, {{range}} over anything but a
// field (such as a number), and {{range}} inside {{range}}.
func checkTemplate(tpl *template.Template) error {
	if len(tpl.Templates()) > 1 {
		return errors.New("{{define}} and {{block}} are not allowed")
	}
	var node func(n parse.Node, inRange bool) error
	pipe := func(p *parse.PipeNode, inRange bool) error {
		if p == nil {
			return nil
		}
		for _, c := range p.Cmds {
			for _, a := range c.Args {
				if err := node(a, inRange); err != nil {
					return err
				}
			}
		}
		return nil
	}
	branch := func(b *parse.BranchNode, inRange bool) error {
		if err := pipe(b.Pipe, inRange); err != nil {
			return err
		}
		if err := node(b.List, inRange); err != nil {
			return err
		}
		if b.ElseList != nil {
			return node(b.ElseList, inRange)
		}
		return nil
	}
	node = func(n parse.Node, inRange bool) error {
		switch n := n.(type) {
		case *parse.ListNode:
			for _, c := range n.Nodes {
				if err := node(c, inRange); err != nil {
					return err
				}
			}
		case *parse.ActionNode:
			return pipe(n.Pipe, inRange)
		case *parse.PipeNode:
			return pipe(n, inRange)
		case *parse.IfNode:
			return branch(&n.BranchNode, inRange)
		case *parse.WithNode:
			return branch(&n.BranchNode, inRange)
		case *parse.RangeNode:
			if inRange {
				return errors.New("{{range}} inside {{range}} is not allowed")
			}
			if len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 {
				return errors.New("{{range}} takes one field, such as {{range .Lines}}")
			}
			switch a := n.Pipe.Cmds[0].Args[0].(type) {
			case *parse.FieldNode:
			case *parse.VariableNode: // $.Lines, not a variable set to a number
				if len(a.Ident) < 2 || a.Ident[0] != "$" {
					return errors.New("{{range}} takes one field, such as {{range .Lines}}")
				}
			default:
				return errors.New("{{range}} takes one field, such as {{range .Lines}}")
			}
			return branch(&n.BranchNode, true)
		case *parse.IdentifierNode:
			if !templateFuncs[n.Ident] {
				return fmt.Errorf("function %q is not allowed (allowed: and, or, not, len, eq, ne, lt, le, gt, ge)", n.Ident)
			}
		case *parse.TemplateNode:
			return errors.New("{{template}} is not allowed")
		case *parse.ChainNode:
			return node(n.Node, inRange)
		case *parse.TextNode, *parse.CommentNode, *parse.FieldNode, *parse.VariableNode, *parse.DotNode, *parse.NilNode,
			*parse.BoolNode, *parse.NumberNode, *parse.StringNode, *parse.BreakNode, *parse.ContinueNode:
		default:
			return fmt.Errorf("%s is not allowed", n)
		}
		return nil
	}
	return node(tpl.Tree.Root, false)
}

// errRenderedTooLong stops a rendering that passed its bound.
var errRenderedTooLong = errors.New("rendered text too long")

// cappedWriter keeps at most left more characters and fails the write
// that would pass them, which stops the template's execution.
type cappedWriter struct {
	b    strings.Builder
	left int
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if w.left == 0 {
			w.b.Write(p[:n])
			return n, errRenderedTooLong
		}
		_, size := utf8.DecodeRune(p[n:])
		n += size
		w.left--
	}
	w.b.Write(p)
	return n, nil
}

func validNoticeKind(k NoticeKind) bool { _, ok := NoticeKindNames[k]; return ok }

// NotifySettings is a brand's notification policy (docs/ARCHITECTURE.md §8).
type NotifySettings struct {
	// QuietStart and QuietEnd are "HH:MM" in China time; messages due in
	// between wait for QuietEnd. Equal times mean no quiet hours.
	QuietStart string `json:"quiet_start"`
	QuietEnd   string `json:"quiet_end"`
	// UrgentOverridesQuiet lets exceptions and late-ETA notices through
	// quiet hours.
	UrgentOverridesQuiet bool `json:"urgent_overrides_quiet"`
	// DailyCap is the most messages one consumer gets from the brand in a
	// China-time day; more wait for the next morning.
	DailyCap int `json:"daily_cap"`
	// MergeMinutes is how long a notice waits for others of the same order
	// to go out in one message.
	MergeMinutes int `json:"merge_minutes"`
	// Kinds are the notice kinds the brand sends; absent kinds are off.
	Kinds []NoticeKind `json:"kinds"`
}

// DefaultNotifySettings returns the policy of a brand that has set none.
func DefaultNotifySettings() NotifySettings {
	return NotifySettings{QuietStart: "22:00", QuietEnd: "08:00", DailyCap: 3, MergeMinutes: 10, Kinds: slices.Clone(NoticeKinds)}
}

var clockPattern = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Validate reports the first problem with the settings.
func (s *NotifySettings) Validate() error {
	switch {
	case !clockPattern.MatchString(s.QuietStart):
		return Invalid("quiet_start", "quiet_start must be HH:MM (China time)")
	case !clockPattern.MatchString(s.QuietEnd):
		return Invalid("quiet_end", "quiet_end must be HH:MM (China time)")
	case s.DailyCap < 1 || s.DailyCap > 50:
		return Invalid("daily_cap", "daily_cap must be between 1 and 50")
	case s.MergeMinutes < 0 || s.MergeMinutes > 24*60:
		return Invalid("merge_minutes", "merge_minutes must be between 0 and 1440")
	}
	for i, k := range s.Kinds {
		if !validNoticeKind(k) {
			return Invalid(fmt.Sprintf("kinds[%d]", i), "unknown notice kind %s", Quote(k))
		}
	}
	return nil
}

// Sends reports whether the brand sends notices of kind k.
func (s *NotifySettings) Sends(k NoticeKind) bool { return slices.Contains(s.Kinds, k) }

// minutesOf reads "HH:MM" as minutes after midnight.
func minutesOf(hhmm string) int {
	var h, m int
	fmt.Sscanf(hhmm, "%d:%d", &h, &m)
	return h*60 + m
}

// QuietUntil returns when the quiet hours that hold at now end (China
// time), or the zero time if now is not quiet.
func (s *NotifySettings) QuietUntil(now time.Time) time.Time {
	start, end := minutesOf(s.QuietStart), minutesOf(s.QuietEnd)
	if start == end {
		return time.Time{}
	}
	c := now.In(ChinaTime)
	m := c.Hour()*60 + c.Minute()
	midnight := time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, ChinaTime)
	at := func(day, minutes int) time.Time {
		return midnight.AddDate(0, 0, day).Add(time.Duration(minutes) * time.Minute)
	}
	switch {
	case start < end && m >= start && m < end: // e.g. 13:00–14:00
		return at(0, end)
	case start > end && m >= start: // e.g. 22:00–08:00, before midnight
		return at(1, end)
	case start > end && m < end: // after midnight
		return at(0, end)
	}
	return time.Time{}
}

// SendPlan is what the rules say about a batch of notices for one consumer.
type SendPlan struct {
	// Send is true when the batch goes out now; otherwise At says when to
	// look again (zero: never, see Reason).
	Send   bool
	At     time.Time
	Reason string // "quiet_hours", "daily_cap", "opted_out", "nothing_to_send"
}

// PlanSend applies the no-spam rules to a consumer's pending notices at
// now: opted-out consumers get nothing; quiet hours hold everything but
// urgent notices (if the brand lets them through); a consumer who had
// DailyCap messages today waits for the end of tonight's quiet hours (or
// tomorrow's first minute). sentToday counts the consumer's messages from
// the brand since midnight, China time.
func PlanSend(s NotifySettings, pending []Notice, sentToday int, optedOut bool, now time.Time) SendPlan {
	if len(pending) == 0 {
		return SendPlan{Reason: "nothing_to_send"}
	}
	if optedOut {
		return SendPlan{Reason: "opted_out"}
	}
	urgent := false
	for _, n := range pending {
		urgent = urgent || n.Kind.Urgent()
	}
	if until := s.QuietUntil(now); !until.IsZero() && !(urgent && s.UrgentOverridesQuiet) {
		return SendPlan{At: until, Reason: "quiet_hours"}
	}
	if sentToday >= s.DailyCap {
		tomorrow := chinaDay(now).End()
		if until := s.QuietUntil(tomorrow); !until.IsZero() {
			tomorrow = until
		}
		return SendPlan{At: tomorrow, Reason: "daily_cap"}
	}
	return SendPlan{Send: true}
}

// Delivery is one message on its way: to a consumer on one channel, or to
// one of the brand's webhook endpoints. Its body is rendered at send time
// and never stored.
type Delivery struct {
	ID             int64      `json:"id"`
	Channel        Channel    `json:"channel"`
	OrderNo        string     `json:"order_no,omitempty"`
	Event          string     `json:"event"`                 // notice kinds joined by ",", or the webhook event
	EndpointID     int64      `json:"endpoint_id,omitempty"` // webhooks
	To             string     `json:"to"`                    // masked phone, e-mail, openid, or the endpoint URL
	IdempotencyKey string     `json:"idempotency_key"`
	State          string     `json:"state"` // DeliveryPending, DeliverySent, DeliveryFailed, DeliveryDead
	Attempts       int        `json:"attempts"`
	LastError      string     `json:"last_error,omitempty"`
	Detail         string     `json:"detail,omitempty"` // the provider's acknowledgement
	CreatedAt      time.Time  `json:"created_at"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
}

// Delivery states.
const (
	DeliveryPending = "pending" // queued, or being retried
	DeliverySent    = "sent"
	DeliveryFailed  = "failed" // a permanent failure: someone must fix something, then replay
	DeliveryDead    = "dead"   // every attempt failed: dead-lettered, replayable
)

// DeliveryFilter selects deliveries, newest first, paged by ID.
type DeliveryFilter struct {
	State   string  // "" for all
	Channel Channel // "" for all
	OrderNo string
	Before  int64
	Limit   int // 1..MaxDeliveryPage
}

// MaxDeliveryPage is the largest page of deliveries.
const MaxDeliveryPage = 200

// NotifyJob asks the notifier to look at an order's pending notices. It is
// queued, unique per order while waiting, in the transaction that records
// a notice, to run after the brand's merge window: notices of the same
// order that come meanwhile go out in the same message.
type NotifyJob struct {
	OrderID int64 `json:"order_id"`
}

// Kind implements Job.
func (NotifyJob) Kind() string { return "notify_order" }

// DeliverJob sends one delivery, retried with back-off until it succeeds,
// fails for good or runs out of attempts.
type DeliverJob struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind implements Job.
func (DeliverJob) Kind() string { return "deliver" }

// NotifyChannel is a brand's account with one consumer channel. Secrets
// are sealed at rest and never returned.
type NotifyChannel struct {
	Channel Channel `json:"channel"`
	// BaseURL points SMS or WeChat at another endpoint, such as the
	// simulator; empty means the provider's. It is https, or plain http to
	// loopback.
	BaseURL     string            `json:"base_url,omitempty"`
	Credentials map[string]string `json:"credentials"`
}

// ChannelFields are the credential fields each consumer channel needs;
// Secret ones are write-only.
var ChannelFields = map[Channel][]string{
	ChannelSMS:    {"access_key_id", "access_key_secret", "sign_name", "template_code"},
	ChannelWeChat: {"app_id", "app_secret", "template_id"},
	ChannelEmail:  {"host", "port", "security", "username", "password", "from"},
}

// optionalChannelFields may be left empty.
var optionalChannelFields = map[string]bool{"username": true, "password": true}

// Validate reports the first problem with a channel account.
func (c *NotifyChannel) Validate() error {
	fields, ok := ChannelFields[c.Channel]
	if !ok {
		return Invalid("channel", "channel must be sms, wechat or email")
	}
	for _, f := range fields {
		if strings.TrimSpace(c.Credentials[f]) == "" && !optionalChannelFields[f] {
			return Invalid("credentials."+f, "%s needs credentials.%s", c.Channel, f)
		}
	}
	for k := range c.Credentials {
		if !slices.Contains(fields, k) {
			return Invalid("credentials."+Clip(k), "unknown field %s for %s (fields: %s)", Quote(k), c.Channel, strings.Join(fields, ", "))
		}
	}
	if c.Channel == ChannelEmail {
		switch c.Credentials["security"] {
		case "starttls", "tls", "none":
		default:
			return Invalid("credentials.security", "security must be starttls, tls or none")
		}
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		switch {
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			return Invalid("base_url", "base_url must be an http(s) URL")
		case u.Scheme == "http" && !isLoopback(u.Hostname()):
			// The requests carry the account's keys or its access token.
			return Invalid("base_url", "base_url must be https (plain http only to a loopback address such as a local simulator)")
		}
	}
	return nil
}

// DeliveryTask is everything one attempt of a delivery needs, read at send
// time: the consumer's contact is decrypted here and nowhere stored.
type DeliveryTask struct {
	Delivery *Delivery
	Brand    *Brand

	// Consumer deliveries.
	Account  *NotifyChannel
	Contact  Contact // the buyer, in clear
	Notices  []Notice
	Template NoticeTemplate
	Link     *Link // the buyer's tracking link, made on first use
	OrderID  int64

	// Webhook deliveries.
	Endpoint *WebhookEndpoint
	Body     []byte
	// PriorAttemptUnclear is true when an earlier attempt may have reached
	// the provider (it began and never recorded an outcome, or its outcome
	// was unclear): check the delivery report before sending again.
	PriorAttemptUnclear bool
}

// Attempt is the outcome of one delivery attempt.
type Attempt struct {
	Sent    bool
	Receipt *Receipt
	Err     error // classified with FailureOf
	Final   bool  // no attempt follows: a failure now dead-letters the delivery
}

// NotificationService keeps notices, the brand's notification policy and
// every delivery.
type NotificationService interface {
	// NotifySettings returns a brand's policy (defaults filled in) and the
	// channels it has accounts with, secrets removed.
	NotifySettings(ctx context.Context, brandID int64) (NotifySettings, []NotifyChannel, error)
	// PutNotifySettings replaces the policy; s must be valid.
	PutNotifySettings(ctx context.Context, brandID int64, s NotifySettings) error
	// PutNotifyChannel sets the account of one channel; c must be valid.
	PutNotifyChannel(ctx context.Context, brandID int64, c NotifyChannel) error
	// NoticeTemplates returns the brand's wording of every kind, defaults
	// filled in.
	NoticeTemplates(ctx context.Context, brandID int64) (map[NoticeKind]NoticeTemplate, error)
	// PutNoticeTemplate replaces the wording of one kind; t must be valid.
	PutNoticeTemplate(ctx context.Context, brandID int64, t NoticeTemplate) error

	// DispatchNotices applies the no-spam rules to an order's pending
	// notices at now: it turns them into one delivery per channel (with
	// their DeliverJobs, in one transaction), or suppresses them (opted
	// out, kind off, no channel), or returns when to look again (quiet
	// hours, daily cap).
	DispatchNotices(ctx context.Context, orderID int64, now time.Time) (retryAt time.Time, err error)
	// DeliveryTask reads what an attempt of a delivery needs and records
	// that the attempt begins. ENOTFOUND if there is no such delivery;
	// a delivery already sent or failed comes back with its state, and
	// the caller does nothing.
	DeliveryTask(ctx context.Context, deliveryID int64) (*DeliveryTask, error)
	// RecordAttempt stores the outcome of an attempt: sent, failed for
	// good (then a notification.failed webhook goes out), to be retried,
	// or dead-lettered when it was the last.
	RecordAttempt(ctx context.Context, deliveryID int64, a Attempt) error

	// Deliveries lists a brand's deliveries.
	Deliveries(ctx context.Context, brandID int64, f DeliveryFilter) ([]*Delivery, error)
	// ReplayDelivery queues a failed or dead delivery again, with the same
	// idempotency key. ENOTFOUND for another brand's; ECONFLICT if it is
	// not failed or dead.
	ReplayDelivery(ctx context.Context, brandID, id int64) (*Delivery, error)
	// ReplayFailed queues every failed or dead delivery of the brand again
	// and returns how many.
	ReplayFailed(ctx context.Context, brandID int64) (int, error)

	// OptOut records that the buyer of an order wants no more messages
	// from the brand; it holds from the next send on.
	OptOut(ctx context.Context, brandID, orderID int64) error
}

// optOutDomain separates opt-out signatures from the other keyed hashes.
const optOutDomain = "opt_out"

// OptOutToken signs an order's opt-out link. It does not expire: a message
// read months later must still let its reader opt out.
func OptOutToken(s Sealer, brandID, orderID int64) string {
	payload := fmt.Sprintf("%d.%d", brandID, orderID)
	sig := s.Hash(optOutDomain, payload)[:18]
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// ParseOptOutToken checks an opt-out token and returns the brand and order
// it names. ENOTFOUND if it is not one of ours.
func ParseOptOutToken(s Sealer, token string) (brandID, orderID int64, err error) {
	notFound := Errorf(ENOTFOUND, "链接无效 / This link is invalid.")
	p64, sig64, ok := strings.Cut(token, ".")
	if !ok || len(token) > 200 {
		return 0, 0, notFound
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	sig, err2 := base64.RawURLEncoding.DecodeString(sig64)
	if err1 != nil || err2 != nil || subtle.ConstantTimeCompare(sig, s.Hash(optOutDomain, string(payload))[:18]) != 1 {
		return 0, 0, notFound
	}
	b, o, ok := strings.Cut(string(payload), ".")
	brandID, errB := strconv.ParseInt(b, 10, 64)
	orderID, errO := strconv.ParseInt(o, 10, 64)
	if !ok || errB != nil || errO != nil {
		return 0, 0, notFound
	}
	return brandID, orderID, nil
}
