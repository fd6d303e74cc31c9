package main

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"github.com/bottletrail/bottletrail/internal/carrier/kdniao"
	"github.com/bottletrail/bottletrail/internal/carrier/kuaidi100"
	"github.com/bottletrail/bottletrail/internal/carrier/sf"
	"github.com/bottletrail/bottletrail/internal/egress"
	"github.com/bottletrail/bottletrail/internal/httpapi"
	"github.com/bottletrail/bottletrail/internal/notify/webhook"
	"github.com/bottletrail/bottletrail/internal/ratelimit"
	"github.com/bottletrail/bottletrail/internal/sqlstore"
	"github.com/bottletrail/bottletrail/internal/trail"
	"github.com/bottletrail/bottletrail/internal/web"
	"github.com/bottletrail/bottletrail/internal/worker"
)

// backend is an opened store with what the background work needs of it.
type backend struct {
	store
	sealer      trail.Sealer                // the personal-data keyring, which also signs links
	sql         *sqlstore.DB                // the shared SQL layer, to attach the job queue
	riverDriver riverdriver.Driver[*sql.Tx] // River on the same database
}

// app is the running service: the API, the consumer pages and the
// background workers.
type app struct {
	handler   http.Handler
	queue     *worker.Queue
	poller    *worker.Poller
	evaluator *worker.Evaluator
}

// providers returns the tracking-data providers the service speaks, their
// requests (to base URLs a brand may choose) dialled through policy.
func providers(policy *egress.Policy) map[string]trail.Provider {
	return map[string]trail.Provider{
		trail.ProviderKuaidi100: &kuaidi100.Client{HTTP: policy.Client(kuaidi100.DefaultTimeout)},
		trail.ProviderKdniao:    &kdniao.Client{HTTP: policy.Client(kdniao.DefaultTimeout)},
		trail.ProviderSF:        &sf.Client{HTTP: policy.Client(sf.DefaultTimeout)},
	}
}

// appOptions adjust an app for tests; the zero value is production.
type appOptions struct {
	providers      map[string]trail.Provider // nil: providers()
	retryPolicy    river.ClientRetryPolicy   // nil: River's exponential back-off
	clientIPHeader string                    // a trusted proxy's client-address header; "" uses the peer address
	now            func() time.Time          // the alert evaluator's clock; nil is time.Now
	// deliveryBackoff replaces the deliveries' two-day back-off; beforeSend
	// runs just before a delivery leaves (crash tests).
	deliveryBackoff func(retry int) time.Duration
	beforeSend      func(*trail.DeliveryTask)
	notifyTimeout   time.Duration // of an SMS or WeChat request; 0 is their default (10 s)
	pollInterval    time.Duration // how often idle River workers look for jobs; 0 is a second
	// jobTimeout and rescueAfter replace River's job timeout (a minute)
	// and worker.RescueAfter (crash tests).
	jobTimeout, rescueAfter time.Duration
	// allowPrivateWebhooks lets webhooks, providers' and notification
	// channels' base URLs be plain http and reach loopback and private
	// addresses, and SMTP servers be there (serve --allow-private-webhooks;
	// the demo and tests with loopback receivers); resolver answers their
	// host names, nil is the system's.
	allowPrivateWebhooks bool
	resolver             egress.Resolver
}

// newApp wires the API, the job queue and the poller on one backend;
// publicURL is the server's address as providers reach it.
func newApp(ctx context.Context, b *backend, publicURL string, logger *slog.Logger, opts appOptions) (*app, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Calls to URLs a brand chooses are checked when the URL is
	// registered (through the API or the console) and when dialled.
	policy := egress.New(opts.allowPrivateWebhooks, opts.resolver)
	carriers, webhooks, notify := policy.Carriers(b), policy.Webhooks(b), policy.Notify(b)
	provs := opts.providers
	if provs == nil {
		provs = providers(policy)
	}
	metrics := worker.NewMetrics(reg)
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker.SubscribeWorker{Tracking: b, Providers: provs, PublicURL: publicURL, Logger: logger, Metrics: metrics})
	river.AddWorker(workers, &worker.NotifyWorker{Notify: b})
	senders := &channelSenders{policy: policy, timeout: opts.notifyTimeout}
	river.AddWorker(workers, &worker.DeliverWorker{Notify: b, Sender: senders.sender, Webhook: &webhook.Sender{HTTP: policy.Client(0)},
		Sealer: b.sealer, PublicURL: publicURL, Logger: logger.With("component", "deliveries"),
		Backoff: opts.deliveryBackoff, BeforeSend: opts.beforeSend})
	queue, err := worker.NewQueue(ctx, b.riverDriver, workers, logger.With("component", "river"), worker.QueueConfig{
		Retry: opts.retryPolicy, Poll: opts.pollInterval, JobTimeout: opts.jobTimeout, RescueAfter: opts.rescueAfter})
	if err != nil {
		return nil, err
	}
	b.sql.Jobs = queue
	// One tracker, and so one limiter, serves the page and the JSON API:
	// failed look-ups count across both.
	tracker := &trail.Tracker{Brands: b, Links: b, Limiter: ratelimit.New(), Now: time.Now}
	api := httpapi.New(httpapi.Config{
		Brands: b, Catalog: b, Orders: b, Production: b, Shipments: b, Carriers: carriers, Alerts: b, Lanes: b, Notify: notify, Audit: b,
		Links: b, Sealer: b.sealer, Tracker: tracker, ClientIPHeader: opts.clientIPHeader,
		Providers: provs, PublicURL: publicURL,
		Ping: b.Ping, Logger: logger, Registry: reg,
		Webhooks: webhooks,
	})
	pages := web.New(web.Config{Tracker: tracker, Links: b, Sealer: b.sealer, OptOuts: b, ClientIPHeader: opts.clientIPHeader,
		Logger: logger.With("component", "web")})
	root := http.NewServeMux()
	pages.Register(root)
	// The operator console under /console/.
	newConsole(b, carriers, webhooks, notify, publicURL, opts.clientIPHeader, logger).Register(root)
	root.Handle("/", api) // everything else, with the API's JSON 404 and 405
	poller := &worker.Poller{
		Tracking: b, Shipments: b, Providers: provs, Logger: logger.With("component", "poller"), Metrics: metrics,
		Record: httpapi.NewIngestMetrics(reg).Record,
	}
	evaluator := worker.NewEvaluator(b, logger.With("component", "alerts"), reg)
	evaluator.Now = opts.now
	return &app{handler: root, queue: queue, poller: poller, evaluator: evaluator}, nil
}

// start starts the background workers.
func (a *app) start(ctx context.Context) error {
	if err := a.queue.Start(ctx); err != nil {
		return err
	}
	a.poller.Start(ctx)
	a.evaluator.Start(ctx)
	return nil
}

// stop drains the background workers: the poller's round and the alert
// evaluator's batch in progress, and the jobs being worked, for at most the
// timeout.
func (a *app) stop(timeout time.Duration) error {
	a.poller.Stop()
	a.evaluator.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := a.queue.Stop(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
