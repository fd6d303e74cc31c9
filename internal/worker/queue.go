// Package worker runs Bottletrail's background work: durable jobs on River
// (carrier subscriptions) and the adaptive tracking poller.
package worker

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// SubscribeMaxAttempts bounds the retries of a subscription. River backs off
// by attempt⁴ seconds, so ten attempts span about four hours; after the
// last, polling takes the parcel over, so nothing is lost.
const SubscribeMaxAttempts = 10

// Queue runs durable jobs on River, in the store's own database: jobs are
// inserted in the transactions of the changes that cause them.
type Queue struct {
	client *river.Client[*sql.Tx]
}

// QueueConfig tunes a Queue; the zero value is production's.
type QueueConfig struct {
	// Retry is the back-off of failed jobs; nil is River's exponential
	// back-off.
	Retry river.ClientRetryPolicy
	// Poll is how often idle workers look for jobs (neither driver has
	// LISTEN/NOTIFY); 0 is a second. Tests shorten it.
	Poll time.Duration
	// JobTimeout cancels a job's context after it has run this long; 0 is
	// a minute.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before it is taken
	// for dead and retried; 0 is RescueAfter.
	RescueAfter time.Duration
}

// RescueAfter is how long a job may stay running before River's rescuer
// takes it for dead and schedules its retry: a process killed in the middle
// of a job leaves it running. Every job's context is cancelled after the
// job timeout (a minute), so a job running five minutes is not being worked
// any more. River's default, an hour, would leave a consumer's message
// waiting that long after a crash.
const RescueAfter = 5 * time.Minute

// NewQueue brings River's tables up to date and returns a queue whose
// workers are the given ones. driver is riversqlite on the SQLite writer
// connection or riverdatabasesql on the PostgreSQL pool; both work on
// *sql.Tx, the transactions the store uses.
func NewQueue(ctx context.Context, driver riverdriver.Driver[*sql.Tx], workers *river.Workers, logger *slog.Logger, cfg QueueConfig) (*Queue, error) {
	poll := cmp.Or(cfg.Poll, time.Second)
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("river migrator: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("river migrations: %w", err)
	}
	client, err := river.NewClient(driver, &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 8}},
		Workers:              workers,
		Logger:               logger,
		FetchPollInterval:    poll,
		FetchCooldown:        min(fetchCooldown, poll),
		RetryPolicy:          cfg.Retry,
		JobTimeout:           cmp.Or(cfg.JobTimeout, time.Minute),
		RescueStuckJobsAfter: cmp.Or(cfg.RescueAfter, RescueAfter),
	})
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return &Queue{client: client}, nil
}

// fetchCooldown is the least time between two fetches of jobs. A fetch
// takes at most MaxWorkers jobs, and a worker that finishes waits for the
// next fetch, so the queue starts at most MaxWorkers jobs per cooldown:
// River's default of 100 ms held webhook deliveries to 80 a second however
// little work each was (docs/BENCHMARKS-notify.md). Completions and
// inserts trigger fetches, so a busy queue fetches up to 100 times a
// second; an idle one still polls once per poll interval.
const fetchCooldown = 10 * time.Millisecond

// InsertTx queues job in tx, to run at runAt (at once if zero).
func (q *Queue) InsertTx(ctx context.Context, tx *sql.Tx, job trail.Job, runAt time.Time) error {
	opts := &river.InsertOpts{ScheduledAt: runAt}
	switch job.(type) {
	case trail.SubscribeJob:
		opts.MaxAttempts = SubscribeMaxAttempts
	case trail.DeliverJob:
		opts.MaxAttempts = DeliverMaxAttempts
	}
	if _, err := q.client.InsertTx(ctx, tx, job, opts); err != nil {
		return fmt.Errorf("insert %s job: %w", job.Kind(), err)
	}
	return nil
}

// Start starts working jobs until Stop.
func (q *Queue) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop waits for running jobs to finish, or for ctx to end.
func (q *Queue) Stop(ctx context.Context) error { return q.client.Stop(ctx) }
