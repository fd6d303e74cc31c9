package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// NotifyWorker turns an order's pending notices into deliveries when the
// brand's merge window has passed: one message per channel for all the
// notices gathered, at a sensible hour, within the consumer's daily cap
// (trail.PlanSend). Quiet hours and the cap snooze the job until the
// notices may go.
type NotifyWorker struct {
	river.WorkerDefaults[trail.NotifyJob]
	Notify trail.NotificationService
	Now    func() time.Time // nil is time.Now
}

// Work implements river.Worker.
func (w *NotifyWorker) Work(ctx context.Context, job *river.Job[trail.NotifyJob]) error {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	retryAt, err := w.Notify.DispatchNotices(ctx, job.Args.OrderID, now)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	if !retryAt.IsZero() {
		return river.JobSnooze(max(time.Second, retryAt.Sub(now)))
	}
	return nil
}

// DeliverMaxAttempts bounds the attempts of a delivery: with
// DeliveryBackoff they span about two days before the delivery is
// dead-lettered.
const DeliverMaxAttempts = 14

// DeliveryBackoff is the wait before retry n (1 for the first retry): 30 s
// doubling to at most 8 h, each ±25% of jitter so that a recovering
// endpoint is not hit by every retry at once. Thirteen retries add up to
// about two days.
func DeliveryBackoff(n int) time.Duration {
	d := 30 * time.Second << min(n-1, 20)
	d = min(d, 8*time.Hour)
	return time.Duration(float64(d) * (0.75 + rand.Float64()/2))
}

// DeliverWorker sends one delivery: it renders the message at send time
// (names and numbers are never stored in a body), sends it through the
// channel's Sender and records the outcome. A send whose outcome was
// unclear (the request may have reached the provider) is checked against
// the provider's delivery report before it is sent again, so an SMS
// reaches a phone at most once.
type DeliverWorker struct {
	river.WorkerDefaults[trail.DeliverJob]
	Notify trail.NotificationService
	// Sender returns the sender of a consumer channel account.
	Sender func(trail.NotifyChannel) (trail.Sender, error)
	// Webhook sends to brands' endpoints.
	Webhook trail.Sender
	// Sealer signs tracking and opt-out links; PublicURL is where
	// consumers reach the server.
	Sealer    trail.Sealer
	PublicURL string
	Logger    *slog.Logger
	Now       func() time.Time // nil is time.Now
	// Backoff, if set, replaces DeliveryBackoff (tests).
	Backoff func(retry int) time.Duration
	// BeforeSend, if set, runs after an attempt is recorded as begun and
	// before the message leaves: the crash tests stop the process there.
	BeforeSend func(*trail.DeliveryTask)
}

// NextRetry implements river.Worker: exponential back-off with jitter.
func (w *DeliverWorker) NextRetry(job *river.Job[trail.DeliverJob]) time.Time {
	backoff := DeliveryBackoff
	if w.Backoff != nil {
		backoff = w.Backoff
	}
	return time.Now().Add(backoff(job.Attempt))
}

func (w *DeliverWorker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Work implements river.Worker.
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[trail.DeliverJob]) error {
	task, err := w.Notify.DeliveryTask(ctx, job.Args.DeliveryID)
	switch {
	case trail.ErrorCode(err) == trail.ENOTFOUND:
		return river.JobCancel(err)
	case trail.ErrorCode(err) == trail.EINVALID: // the channel account is gone
		return w.Notify.RecordAttempt(ctx, job.Args.DeliveryID, trail.Attempt{Err: &trail.SendError{Kind: trail.Permanent, Message: err.Error()}})
	case err != nil:
		return err
	case task.Delivery.State != trail.DeliveryPending:
		return nil // sent, failed or dead meanwhile
	}
	final := job.Attempt >= job.MaxAttempts
	record := func(a trail.Attempt) error {
		a.Final = final
		if err := w.Notify.RecordAttempt(ctx, task.Delivery.ID, a); err != nil {
			return err
		}
		switch {
		case a.Sent, trail.FailureOf(a.Err) == trail.Permanent, final:
			return nil
		}
		var se *trail.SendError
		if errors.As(a.Err, &se) && se.RetryAfter > 0 {
			return river.JobSnooze(se.RetryAfter)
		}
		return a.Err
	}
	m, sender, err := w.message(task)
	if err != nil {
		return record(trail.Attempt{Err: &trail.SendError{Kind: trail.Permanent, Message: err.Error()}})
	}
	if task.PriorAttemptUnclear {
		if rc, ok := sender.(trail.ReportChecker); ok {
			delivered, err := rc.Delivered(ctx, m)
			if err != nil {
				return record(trail.Attempt{Err: &trail.SendError{Kind: trail.Unclear, Message: "delivery report unavailable", Err: err}})
			}
			if delivered {
				return record(trail.Attempt{Sent: true, Receipt: &trail.Receipt{Detail: "found in the provider's delivery report"}})
			}
		}
	}
	if w.BeforeSend != nil {
		w.BeforeSend(task)
	}
	receipt, err := sender.Send(ctx, m)
	if err != nil {
		w.Logger.Warn("delivery failed", "delivery", task.Delivery.ID, "channel", task.Delivery.Channel,
			"attempt", job.Attempt, "kind", trail.FailureOf(err).String())
		return record(trail.Attempt{Err: err})
	}
	return record(trail.Attempt{Sent: true, Receipt: receipt})
}

// message renders a delivery's message and picks its sender.
func (w *DeliverWorker) message(t *trail.DeliveryTask) (*trail.Message, trail.Sender, error) {
	d := t.Delivery
	m := &trail.Message{IdempotencyKey: d.IdempotencyKey, Channel: d.Channel, CreatedAt: d.CreatedAt}
	if d.Channel == trail.ChannelWebhook {
		m.To, m.Body, m.Secrets = t.Endpoint.URL, t.Body, t.Endpoint.SigningSecrets(w.now())
		return m, w.Webhook, nil
	}
	sender, err := w.Sender(*t.Account)
	if err != nil {
		return nil, nil, fmt.Errorf("%s account: %w", d.Channel, err)
	}
	base := strings.TrimSuffix(w.PublicURL, "/")
	data := trail.NoticeData{
		Brand: t.Brand.Name, OrderNo: d.OrderNo, Name: trail.MaskName(t.Contact.Name),
		Link:   base + "/t/" + trail.LinkToken(w.Sealer, t.Link),
		OptOut: base + "/n/optout/" + trail.OptOutToken(w.Sealer, t.Brand.ID, t.OrderID),
	}
	for _, n := range t.Notices {
		data.Lines = append(data.Lines, n.Line())
	}
	data.Summary = strings.Join(data.Lines, "；")
	if d.Channel == trail.ChannelEmail {
		data.Name = t.Contact.Name // a private channel
	}
	subject, text, err := t.Template.Render(data)
	if err != nil {
		return nil, nil, err
	}
	creds := t.Account.Credentials
	switch d.Channel {
	case trail.ChannelSMS:
		m.To, m.Template = t.Contact.Phone, creds["template_code"]
		m.Params = []trail.Param{{Name: "name", Value: data.Name}, {Name: "order", Value: d.OrderNo},
			{Name: "status", Value: clip(data.Summary, 35)}, {Name: "link", Value: data.Link}}
	case trail.ChannelWeChat:
		m.To, m.Template = t.Contact.WeChatOpenID, creds["template_id"]
		m.Page = "pages/track/index?token=" + trail.LinkToken(w.Sealer, t.Link)
		m.Params = []trail.Param{{Name: "character_string1", Value: clip(d.OrderNo, 32)},
			{Name: "thing2", Value: clip(data.Summary, 20)}, {Name: "thing3", Value: clip(t.Brand.Name, 20)}}
	case trail.ChannelEmail:
		m.To, m.Subject, m.Text, m.OptOutURL = t.Contact.Email, subject, text, data.OptOut
	}
	m.OptOutURL = data.OptOut
	return m, sender, nil
}

// clip shortens s to at most n characters, ending with "…" when cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
