package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// SubscribeWorker subscribes a new parcel with its provider. While the
// provider is down it fails the job so that River retries with back-off;
// a refusal, or the last failed attempt, hands the parcel to the poller.
type SubscribeWorker struct {
	river.WorkerDefaults[trail.SubscribeJob]
	Tracking  trail.TrackingService
	Providers map[string]trail.Provider
	// PublicURL is the server's address as providers reach it.
	PublicURL string
	Logger    *slog.Logger
	Metrics   *Metrics
}

// Work implements river.Worker.
func (w *SubscribeWorker) Work(ctx context.Context, job *river.Job[trail.SubscribeJob]) error {
	task, err := w.Tracking.TrackingTask(ctx, job.Args.ShipmentID)
	if trail.ErrorCode(err) == trail.ENOTFOUND {
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	if task.Account == nil {
		return w.Tracking.RecordSubscription(ctx, task.ShipmentID, "no carrier account serves "+task.Carrier)
	}
	provider := w.Providers[task.Account.Provider]
	if provider == nil {
		return w.Tracking.RecordSubscription(ctx, task.ShipmentID, "provider "+task.Account.Provider+" is not available")
	}
	err = provider.Subscribe(ctx, task.Account, task.Request(trail.CallbackURL(w.PublicURL, task.BrandSlug, task.Account)))
	switch {
	case err == nil:
		w.Metrics.subscriptions.WithLabelValues(provider.Name(), "subscribed").Inc()
		return w.Tracking.RecordSubscription(ctx, task.ShipmentID, "")
	case errors.Is(err, trail.ErrProviderUnavailable) && job.Attempt < job.MaxAttempts:
		w.Metrics.subscriptions.WithLabelValues(provider.Name(), "retry").Inc()
		return fmt.Errorf("subscribe %s %s: %w", task.Carrier, task.TrackingNo, err)
	default:
		w.Metrics.subscriptions.WithLabelValues(provider.Name(), "failed").Inc()
		w.Logger.Warn("subscription failed; polling instead", "provider", provider.Name(), "carrier", task.Carrier,
			"tracking_no", task.TrackingNo, "attempt", job.Attempt, "error", err)
		return w.Tracking.RecordSubscription(ctx, task.ShipmentID, err.Error())
	}
}

// Metrics counts what the workers do with providers.
type Metrics struct {
	subscriptions *prometheus.CounterVec
	polls         *prometheus.CounterVec
}

// NewMetrics registers the workers' metrics in reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		subscriptions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bottletrail_carrier_subscriptions_total",
			Help: "Subscription attempts with providers, by provider and result: subscribed, retry (provider down) or failed.",
		}, []string{"provider", "result"}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bottletrail_carrier_polls_total",
			Help: "Queries sent to providers by the poller, by provider and result: ok, not_found, unavailable or error.",
		}, []string{"provider", "result"}),
	}
	reg.MustRegister(m.subscriptions, m.polls)
	return m
}
