package worker

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Evaluator runs the alert schedule: it claims the orders due for
// evaluation (changed since their last evaluation, or at the due time of one
// of their rules) from an index and evaluates them, a batch at a time, until
// none is due; then it waits for the next tick. Memory is bounded by the
// batch, whatever the number of parcels.
type Evaluator struct {
	Service trail.EvaluationService
	Logger  *slog.Logger
	Now     func() time.Time

	// Interval is the pause between rounds (default 1 s), so alerts follow
	// events within about a second; Batch the most orders one claim takes
	// (default 200).
	Interval time.Duration
	Batch    int

	evaluations prometheus.Counter
	failures    prometheus.Counter
	once        sync.Once
	cancel      context.CancelFunc
	done        chan struct{}
}

// NewEvaluator returns an evaluator whose counters are registered in reg.
func NewEvaluator(s trail.EvaluationService, logger *slog.Logger, reg prometheus.Registerer) *Evaluator {
	e := &Evaluator{
		Service: s, Logger: logger,
		evaluations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bottletrail_alert_evaluations_total",
			Help: "Orders evaluated by the alert schedule (estimate, lane statistics, alerts).",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bottletrail_alert_evaluation_failures_total",
			Help: "Rounds of the alert schedule that failed; their orders are retried after the lease.",
		}),
	}
	reg.MustRegister(e.evaluations, e.failures)
	return e
}

func (e *Evaluator) init() {
	e.once.Do(func() {
		if e.Interval == 0 {
			e.Interval = time.Second
		}
		if e.Batch == 0 {
			e.Batch = 200
		}
		if e.Now == nil {
			e.Now = time.Now
		}
	})
}

// Start evaluates in a goroutine that runs until Stop.
func (e *Evaluator) Start(ctx context.Context) {
	e.init()
	ctx, e.cancel = context.WithCancel(ctx)
	e.done = make(chan struct{})
	go func() {
		defer close(e.done)
		ticker := time.NewTicker(e.Interval)
		defer ticker.Stop()
		for {
			if _, err := e.RunOnce(ctx); err != nil && ctx.Err() == nil {
				e.Logger.Error("alert evaluation failed", "error", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
		}
	}()
}

// Stop stops evaluating and waits for the batch in progress to end.
func (e *Evaluator) Stop() {
	if e.cancel != nil {
		e.cancel()
		<-e.done
	}
}

// RunOnce evaluates every order due now, a batch at a time, and returns how
// many it evaluated.
func (e *Evaluator) RunOnce(ctx context.Context) (int, error) {
	e.init()
	total := 0
	for ctx.Err() == nil {
		n, err := e.Service.EvaluateDue(ctx, e.Now(), e.Batch)
		total += n
		if e.evaluations != nil {
			e.evaluations.Add(float64(n))
		}
		if err != nil {
			if e.failures != nil {
				e.failures.Inc()
			}
			return total, err
		}
		if n < e.Batch {
			break
		}
	}
	return total, nil
}
