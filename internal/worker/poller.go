package worker

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Poller queries providers for parcels that are not pushed: it claims the
// parcels whose next poll is due (an indexed query), queries each through
// its account within that account's rate limit, hands the events to the
// same ingestion core as pushes, and schedules the next poll adaptively
// (trail.NextPoll). Accounts are polled concurrently, each at its own pace.
type Poller struct {
	Tracking  trail.TrackingService
	Shipments trail.ShipmentService
	Providers map[string]trail.Provider
	// Record counts what the ingestion core did; it may be nil.
	Record  func(carrier string, res *trail.IngestResult)
	Logger  *slog.Logger
	Metrics *Metrics
	Now     func() time.Time

	// Interval is the pause between claims (default 5 s); Batch the most
	// parcels one claim takes (default 500); Lease how long a claimed parcel
	// is kept from other pollers (default 10 min).
	Interval time.Duration
	Batch    int
	Lease    time.Duration

	once     sync.Once
	mu       sync.Mutex
	limiters map[int64]*rate.Limiter // by account ID
	cancel   context.CancelFunc
	done     chan struct{}
}

// init fills the defaults of the fields left zero.
func (p *Poller) init() {
	p.once.Do(func() {
		if p.Interval == 0 {
			p.Interval = 5 * time.Second
		}
		if p.Batch == 0 {
			p.Batch = 500
		}
		if p.Lease == 0 {
			p.Lease = 10 * time.Minute
		}
		if p.Now == nil {
			p.Now = time.Now
		}
		p.limiters = map[int64]*rate.Limiter{}
	})
}

// RetryUnavailable is when a parcel whose provider was down is polled again.
const RetryUnavailable = 15 * time.Minute

// Start starts polling in a goroutine that runs until Stop.
func (p *Poller) Start(ctx context.Context) {
	p.init()
	ctx, p.cancel = context.WithCancel(ctx)
	p.done = make(chan struct{})
	go func() {
		defer close(p.done)
		ticker := time.NewTicker(p.Interval)
		defer ticker.Stop()
		for {
			if err := p.RunOnce(ctx); err != nil && ctx.Err() == nil {
				p.Logger.Error("poll round failed", "error", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
		}
	}()
}

// Stop stops polling and waits for the round in progress to end.
func (p *Poller) Stop() {
	if p.cancel != nil {
		p.cancel()
		<-p.done
	}
}

// RunOnce claims the parcels due now and polls them, returning when all are
// done.
func (p *Poller) RunOnce(ctx context.Context) error {
	p.init()
	tasks, err := p.Tracking.ClaimDuePolls(ctx, p.Now(), p.Batch, p.Lease)
	if err != nil {
		return err
	}
	byAccount := map[int64][]*trail.TrackingTask{}
	for _, t := range tasks {
		if t.Account == nil {
			// The account is gone: nothing can poll this parcel.
			if err := p.Tracking.SchedulePoll(ctx, t.ShipmentID, nil); err != nil {
				return err
			}
			continue
		}
		byAccount[t.Account.ID] = append(byAccount[t.Account.ID], t)
	}
	var wg sync.WaitGroup
	for _, group := range byAccount {
		wg.Add(1)
		go func() {
			defer wg.Done()
			limiter := p.limiter(group[0].Account)
			for _, t := range group {
				if err := limiter.Wait(ctx); err != nil {
					return // stopping; the lease returns the parcel later
				}
				p.poll(ctx, t)
			}
		}()
	}
	wg.Wait()
	return nil
}

// limiter returns the account's rate limiter: one query every
// 60/RatePerMinute seconds and no bursts, so the account's limit is never
// exceeded.
func (p *Poller) limiter(a *trail.CarrierAccount) *rate.Limiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	every := rate.Every(time.Minute / time.Duration(a.RatePerMinute))
	l := p.limiters[a.ID]
	if l == nil {
		l = rate.NewLimiter(every, 1)
		p.limiters[a.ID] = l
	} else if l.Limit() != every {
		l.SetLimit(every)
	}
	return l
}

// poll queries one parcel, ingests what it learns and schedules the next
// poll. Failures are logged and rescheduled, never fatal to the round.
func (p *Poller) poll(ctx context.Context, t *trail.TrackingTask) {
	provider := p.Providers[t.Account.Provider]
	if provider == nil {
		p.schedule(ctx, t, nil)
		return
	}
	status, lastEventAt := t.Status, t.LastEventAt
	update, err := provider.Query(ctx, t.Account, t.Request(""))
	switch {
	case err == nil:
		p.Metrics.polls.WithLabelValues(provider.Name(), "ok").Inc()
		for i := range update.Events {
			update.Events[i].Source = trail.SourcePoll
		}
		if update.Carrier == "" || update.TrackingNo == "" { // the answer is about the parcel asked for
			update.Carrier, update.TrackingNo = t.Carrier, t.TrackingNo
		}
		applied, err := p.Shipments.Apply(ctx, t.BrandID, []trail.TrackUpdate{*update})
		if code := trail.ErrorCode(err); code != "" && code != trail.EINTERNAL {
			// Refused for good, such as a parcel past trail.MaxEventsPerParcel:
			// a retry soon would be refused again.
			p.Logger.Warn("polled events refused", "carrier", t.Carrier, "tracking_no", t.TrackingNo, "error", trail.ErrorMessage(err))
			break
		} else if err != nil {
			p.Logger.Error("apply polled update", "carrier", t.Carrier, "tracking_no", t.TrackingNo, "error", err)
			p.retry(ctx, t)
			return
		}
		a := applied[0]
		if a.Corrected {
			p.Logger.Info("provider corrected the carrier", "carrier", a.Carrier, "tracking_no", a.TrackingNo)
		}
		if a.Stopped {
			return // the provider stopped watching: no more polls (a re-subscription takes over if queued)
		}
		if a.Result != nil {
			if p.Record != nil {
				p.Record(a.Carrier, a.Result)
			}
			status, lastEventAt = a.Result.Shipment.Status, a.Result.Shipment.LastEventAt
		}
	case trail.ErrorCode(err) == trail.ENOTFOUND:
		p.Metrics.polls.WithLabelValues(provider.Name(), "not_found").Inc()
	case errors.Is(err, trail.ErrProviderUnavailable):
		p.Metrics.polls.WithLabelValues(provider.Name(), "unavailable").Inc()
		p.retry(ctx, t)
		return
	default:
		p.Metrics.polls.WithLabelValues(provider.Name(), "error").Inc()
		p.Logger.Warn("poll refused", "provider", provider.Name(), "carrier", t.Carrier, "tracking_no", t.TrackingNo, "error", err)
	}
	p.schedule(ctx, t, trail.NextPoll(status, t.CreatedAt, lastEventAt, p.Now()))
}

func (p *Poller) retry(ctx context.Context, t *trail.TrackingTask) {
	next := p.Now().Add(RetryUnavailable)
	p.schedule(ctx, t, &next)
}

func (p *Poller) schedule(ctx context.Context, t *trail.TrackingTask, next *time.Time) {
	if err := p.Tracking.SchedulePoll(ctx, t.ShipmentID, next); err != nil && ctx.Err() == nil {
		p.Logger.Error("schedule poll", "shipment_id", t.ShipmentID, "error", err)
	}
}
