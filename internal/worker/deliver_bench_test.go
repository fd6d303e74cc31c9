package worker_test

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/bottletrail/bottletrail/internal/notify/webhook"
	"github.com/bottletrail/bottletrail/internal/postgres"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/sqlstore"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
	"github.com/bottletrail/bottletrail/internal/worker"
)

// BenchmarkWebhookDelivery measures brand webhooks delivered per second
// through the real pipeline, on SQLite and on PostgreSQL (which it skips
// without a server), beside the raw rate of the same HTTP client posting to
// the same receiver in the same run. It runs only with -bench
// (docs/BENCHMARKS-notify.md):
//
//	go test ./internal/worker -run '^$' -bench BenchmarkWebhookDelivery -benchtime 1x -timeout 30m
//
// The receiver is an httptest server on 127.0.0.1 that reads each body,
// checks one request in verifyEvery with webhook.Verify against the
// endpoint's secret, notes the webhook-id (a repeat is a duplicate) and
// answers 204. It counts the TCP connections it accepts.
//
// <store>/baseline posts N signed messages, shaped like the store's
// order.updated events, with one webhook.Sender{} (the worker's client: the
// default transport), from 8 goroutines (River's MaxWorkers in
// worker.NewQueue); posts/s is N over the time until every Send returned,
// the median of five rounds, with cpu_us/post and conns of that round.
//
// <store>/<mode>/poll=D is the pipeline on a fresh store (a new SQLite file
// or a new PostgreSQL schema) with a brand, one SKU and one webhook
// endpoint subscribed to order.updated at the receiver's URL; a
// worker.NewQueue on the store's database (riversqlite on the SQLite
// writer, riverdatabasesql on the PostgreSQL pool, as cmd/bottletrail wires
// them) with fetch poll D, working the real worker.DeliverWorker with
// webhook.Sender{} (and the NotifyWorker, since a new order also queues a
// notifier job ten minutes ahead). BOTTLETRAIL_BENCH_NOTIFY_PRODUCERS
// goroutines (default 4) create N orders through CreateOrder, each of which
// writes one delivery and its River job in its transaction.
//   - live: the queue runs while the orders are created; the clock runs
//     from the first CreateOrder until the store lists all N deliveries as
//     sent.
//   - backlog: the orders are created first; the clock runs from the start
//     of the queue until all N are sent: the queue's delivery capacity.
//
// D=1s is production (worker.NewQueue's default, with its fetch cooldown
// of 10 ms); a D under 10 ms also shortens the cooldown to D (queue.go
// takes the smaller of the two).
//
// Each pipeline run reports deliveries/s, baseline_posts/s (the same
// store's baseline, measured earlier in the run, or untimed first when run
// alone), ratio (deliveries/s ÷ baseline_posts/s), orders/s (N over the
// time the producers took), conns (connections the receiver accepted),
// cpu_us/delivery (this process's CPU in the timed part over N: River,
// worker, store client, HTTP client and receiver, and in live mode the
// order creation), machine_cpu_us/delivery and busy_cores (the whole
// machine's busy CPU time from /proc/stat, over N and over the elapsed
// time: with nothing else running, this process plus PostgreSQL) and,
// live, p50_ms and p99_ms from an order's commit to the arrival of its
// event. It fails on a bad signature, a duplicate, a
// delivery not sent at its first attempt, or a run that makes no progress
// for 20 s.
//
// N is BOTTLETRAIL_BENCH_NOTIFY_N (default 2000); the poll intervals are
// BOTTLETRAIL_BENCH_NOTIFY_POLLS (default 1s). The PostgreSQL
// pool is pgxpool's default (max(4, CPUs) connections, as in production)
// unless BOTTLETRAIL_BENCH_NOTIFY_PG_POOL sets pool_max_conns.
// BOTTLETRAIL_BENCH_NOTIFY_IDLE_CONNS, if set, gives the baseline's and the
// worker's sender a clone of the default transport keeping that many idle
// connections per host (the default keeps 2). One iteration is one whole
// workload, so use -benchtime 1x. In a CPU profile the label phase tells
// the baseline's senders, the order producers and River's goroutines
// (workers, fetches, completions) apart: go tool pprof -tagfocus
// phase=deliver.
const (
	envNotifyN         = "BOTTLETRAIL_BENCH_NOTIFY_N"
	envNotifyPolls     = "BOTTLETRAIL_BENCH_NOTIFY_POLLS"
	envNotifyProducers = "BOTTLETRAIL_BENCH_NOTIFY_PRODUCERS"
	envNotifyPGPool    = "BOTTLETRAIL_BENCH_NOTIFY_PG_POOL"
	envNotifyIdleConns = "BOTTLETRAIL_BENCH_NOTIFY_IDLE_CONNS"
)

// senders is the baseline's concurrency: River's MaxWorkers in
// worker.NewQueue.
const senders = 8

// verifyEvery is the receiver's sample: one request in verifyEvery has its
// signature checked.
const verifyEvery = 10

func BenchmarkWebhookDelivery(b *testing.B) {
	n := envInt(b, envNotifyN, 2000)
	producers := envInt(b, envNotifyProducers, 4)
	polls := []time.Duration{time.Second}
	if s := os.Getenv(envNotifyPolls); s != "" {
		polls = nil
		for _, f := range strings.Split(s, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(f))
			if err != nil || d < time.Millisecond {
				b.Fatalf("%s=%q: want durations of at least 1ms, e.g. 1s,10ms,1ms", envNotifyPolls, s)
			}
			polls = append(polls, d)
		}
	}
	recv := newReceiver(b)
	for _, store := range []string{"sqlite", "postgres"} {
		var baseline baselineRun
		b.Run(store+"/baseline", func(b *testing.B) {
			b.Logf("load average: %s", loadAverage())
			for range b.N {
				baseline = benchBaseline(b, recv, n)
			}
			b.ReportMetric(baseline.rate, "posts/s")
			b.ReportMetric(baseline.cpu, "cpu_us/post")
			b.ReportMetric(float64(baseline.conns), "conns")
		})
		for _, mode := range []string{"live", "backlog"} {
			for _, poll := range polls {
				b.Run(fmt.Sprintf("%s/%s/poll=%s", store, mode, poll), func(b *testing.B) {
					b.Logf("load average: %s", loadAverage())
					if baseline.rate == 0 {
						b.StopTimer()
						baseline = benchBaseline(b, recv, n)
						b.StartTimer()
					}
					var r deliveryRun
					for range b.N {
						r = benchDelivery(b, store, recv, n, producers, poll, mode == "backlog")
					}
					rate := float64(n) / r.elapsed.Seconds()
					b.ReportMetric(rate, "deliveries/s")
					b.ReportMetric(baseline.rate, "baseline_posts/s")
					b.ReportMetric(rate/baseline.rate, "ratio")
					b.ReportMetric(float64(n)/r.inserted.Seconds(), "orders/s")
					if mode == "live" {
						b.ReportMetric(r.p50.Seconds()*1000, "p50_ms")
						b.ReportMetric(r.p99.Seconds()*1000, "p99_ms")
					}
					b.ReportMetric(float64(r.conns), "conns")
					b.ReportMetric(float64(r.cpu.Microseconds())/float64(n), "cpu_us/delivery")
					b.ReportMetric(float64(r.busy.Microseconds())/float64(n), "machine_cpu_us/delivery")
					b.ReportMetric(r.busy.Seconds()/r.elapsed.Seconds(), "busy_cores")
				})
			}
		}
	}
}

func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return v
}

// loadAverage returns the first three fields of /proc/loadavg, or "?".
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(raw)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

// receiver is the brand's webhook endpoint on loopback.
type receiver struct {
	srv   *httptest.Server
	conns atomic.Int64 // connections accepted since reset
	mu    sync.Mutex
	// what the current measurement expects
	secret string
	want   int
	done   chan struct{} // closed when want distinct ids have arrived
	// what arrived
	ids      map[string]struct{}
	arrived  map[string]time.Time // the first arrival by order number
	requests int
	dups     int
	verified int
	bad      []string
}

func newReceiver(b *testing.B) *receiver {
	r := &receiver{}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	r.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.conns.Add(1)
		}
	}
	r.srv.Start()
	b.Cleanup(r.srv.Close)
	r.reset("", 0)
	return r
}

// reset starts a measurement of want messages signed with secret.
func (r *receiver) reset(secret string, want int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret, r.want, r.done = secret, want, make(chan struct{})
	r.ids, r.arrived = make(map[string]struct{}, want), make(map[string]time.Time, want)
	r.requests, r.dups, r.verified, r.bad = 0, 0, 0, nil
	r.conns.Store(0)
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	now := time.Now()
	var event struct {
		Data struct {
			OrderNo string `json:"order_no"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &event)
	id := req.Header.Get(webhook.HeaderID)
	r.mu.Lock()
	r.requests++
	check, secret := r.requests%verifyEvery == 1, r.secret
	if _, dup := r.ids[id]; dup {
		r.dups++
	} else {
		r.ids[id] = struct{}{}
		if _, ok := r.arrived[event.Data.OrderNo]; !ok {
			r.arrived[event.Data.OrderNo] = now
		}
		if len(r.ids) == r.want {
			close(r.done)
		}
	}
	r.mu.Unlock()
	if check {
		err := webhook.Verify(secret, req.Header, body, now, 0)
		r.mu.Lock()
		if err != nil {
			r.bad = append(r.bad, fmt.Sprintf("%s: %v", id, err))
		} else {
			r.verified++
		}
		r.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
}

// check fails b on a bad signature or a duplicate, or if fewer than want
// distinct messages arrived.
func (r *receiver) check(b *testing.B) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case len(r.bad) > 0:
		b.Fatalf("%d bad signatures, first: %s", len(r.bad), r.bad[0])
	case r.dups > 0:
		b.Fatalf("%d duplicate webhook-ids", r.dups)
	case len(r.ids) != r.want:
		b.Fatalf("receiver got %d distinct messages, want %d", len(r.ids), r.want)
	case r.verified == 0:
		b.Fatal("no signature was verified")
	}
}

// transport is the HTTP transport of every sender: http.DefaultTransport,
// as webhook.Sender{} uses, unless BOTTLETRAIL_BENCH_NOTIFY_IDLE_CONNS
// sets a clone's MaxIdleConnsPerHost (the default transport keeps 2).
var transport = sync.OnceValue(func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport)
	if s := os.Getenv(envNotifyIdleConns); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			panic(fmt.Sprintf("%s=%q: want a positive number", envNotifyIdleConns, s))
		}
		t = t.Clone()
		t.MaxIdleConnsPerHost = n
	}
	return t
})

// newSender returns the webhook sender of the baseline and of the worker,
// with no idle connection left from an earlier measurement.
func newSender() *webhook.Sender {
	t := transport()
	t.CloseIdleConnections()
	if t == http.DefaultTransport {
		return &webhook.Sender{} // exactly what cmd/bottletrail wires
	}
	return &webhook.Sender{HTTP: &http.Client{Transport: t}}
}

// eventBody is an order.updated event as the store writes it
// (sqlstore's webhookEvent).
func eventBody(orderNo string, at time.Time) []byte {
	body, _ := json.Marshal(map[string]any{"type": trail.EventOrderUpdated, "timestamp": at.Format(time.RFC3339),
		"data": map[string]string{"order_no": orderNo, "change": "created"}})
	return body
}

// baselineRounds is how many times the baseline posts its n messages; it
// reports the median round, as one round lasts only a fraction of a second.
const baselineRounds = 5

// baselineRun is the median round of the baseline.
type baselineRun struct {
	rate  float64 // posts per second
	cpu   float64 // µs of this process's CPU per post, sender and receiver
	conns int64   // connections the receiver accepted
}

// benchBaseline posts n signed messages to the receiver from senders
// goroutines with one webhook.Sender, baselineRounds times, and returns
// the median round.
func benchBaseline(b *testing.B, recv *receiver, n int) baselineRun {
	b.StopTimer()
	ctx := context.Background()
	secret := trail.NewWebhookSecret()
	now := time.Now()
	var runs []baselineRun
	for round := range baselineRounds {
		msgs := make([]*trail.Message, n)
		for i := range msgs {
			msgs[i] = &trail.Message{IdempotencyKey: fmt.Sprintf("msg_base%d_%07d", round, i), Channel: trail.ChannelWebhook,
				To: recv.srv.URL, Body: eventBody(fmt.Sprintf("BN%07d", i), now), Secrets: []string{secret}}
		}
		sender := newSender()
		recv.reset(secret, n)
		var next atomic.Int64
		var failed atomic.Pointer[error]
		var wg sync.WaitGroup
		b.StartTimer()
		start, cpu0 := time.Now(), processCPU()
		// Profiles tell the phases apart by this label (-tagfocus phase=…).
		pprof.Do(ctx, pprof.Labels("phase", "baseline"), func(ctx context.Context) {
			for range senders {
				wg.Go(func() {
					for {
						i := int(next.Add(1)) - 1
						if i >= n {
							return
						}
						if _, err := sender.Send(ctx, msgs[i]); err != nil {
							failed.CompareAndSwap(nil, &err)
						}
					}
				})
			}
		})
		wg.Wait()
		elapsed, cpu := time.Since(start), processCPU()-cpu0
		b.StopTimer()
		if err := failed.Load(); err != nil {
			b.Fatalf("baseline send: %v", *err)
		}
		recv.check(b)
		r := baselineRun{rate: float64(n) / elapsed.Seconds(), cpu: float64(cpu.Microseconds()) / float64(n), conns: recv.conns.Load()}
		b.Logf("baseline round %d: %d posts in %.3f s (%.0f/s), %d connections, %.0f µs of CPU per post",
			round+1, n, elapsed.Seconds(), r.rate, r.conns, r.cpu)
		runs = append(runs, r)
	}
	b.StartTimer()
	slices.SortFunc(runs, func(x, y baselineRun) int { return cmp.Compare(x.rate, y.rate) })
	return runs[len(runs)/2]
}

// deliveryRun is one measurement of the pipeline.
type deliveryRun struct {
	elapsed  time.Duration // first insert to all sent
	inserted time.Duration // first insert to the last commit
	p50, p99 time.Duration // an order's commit to its event's arrival
	conns    int64
	cpu      time.Duration // this process's CPU (user + system) in the timed part
	busy     time.Duration // the machine's busy CPU time in the timed part
}

// machineBusy returns the time all CPUs of the machine have spent busy
// (user, nice, system, irq, softirq, steal in /proc/stat), or 0.
func machineBusy() time.Duration {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		v, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += v
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// processCPU returns the CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// deliverStore is a freshly opened store with its River driver.
type deliverStore struct {
	db     *sqlstore.DB
	driver riverdriver.Driver[*sql.Tx]
	close  func() error
}

func openDeliverStore(b *testing.B, store string) deliverStore {
	ctx := context.Background()
	sealer := storetest.MustSealer(b)
	switch store {
	case "sqlite":
		db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bt.db"), sealer)
		if err != nil {
			b.Fatal(err)
		}
		return deliverStore{db: db.DB, driver: riversqlite.New(db.Writer()), close: db.Close}
	default:
		db, err := postgres.Open(ctx, deliverPostgresDSN(b), sealer)
		if err != nil {
			b.Fatal(err)
		}
		return deliverStore{db: db.DB, driver: riverdatabasesql.New(db.SQL()), close: db.Close}
	}
}

// benchDelivery runs the pipeline once on a fresh store. Live, the queue
// runs while the orders are created and the clock starts at the first
// CreateOrder; as a backlog, the orders are created first and the clock
// starts when the queue does.
func benchDelivery(b *testing.B, store string, recv *receiver, n, producers int, poll time.Duration, backlog bool) deliveryRun {
	b.StopTimer()
	ctx := context.Background()
	st := openDeliverStore(b, store)
	defer st.close()
	db := st.db
	brand := &trail.Brand{Slug: "bench-wine", Name: "梅子酒坊"}
	if _, err := db.CreateBrand(ctx, brand); err != nil {
		b.Fatal(err)
	}
	if _, err := db.PutSKU(ctx, brand.ID, &trail.SKU{Code: "RICE-500", Name: "米酒"}); err != nil {
		b.Fatal(err)
	}
	ep := &trail.WebhookEndpoint{URL: recv.srv.URL + "/hooks/bottletrail", Events: []string{trail.EventOrderUpdated}}
	ep.Normalize()
	if err := db.CreateWebhook(ctx, brand.ID, ep); err != nil {
		b.Fatal(err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker.NotifyWorker{Notify: db})
	river.AddWorker(workers, &worker.DeliverWorker{Notify: db, Webhook: newSender(), Logger: discard()})
	queue, err := worker.NewQueue(ctx, st.driver, workers, discard(), worker.QueueConfig{Poll: poll})
	if err != nil {
		b.Fatal(err)
	}
	db.Jobs = queue
	// Cancelling runCtx stops River abruptly and the producers, so that a
	// stalled run fails instead of hanging.
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	started := false
	startQueue := func() {
		// River's goroutines, and so the worker's, inherit the label.
		pprof.Do(runCtx, pprof.Labels("phase", "deliver"), func(ctx context.Context) {
			if err := queue.Start(ctx); err != nil {
				b.Fatal(err)
			}
		})
		started = true
	}
	defer func() {
		if started {
			stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			queue.Stop(stopCtx)
		}
	}()
	orders := make([]*trail.Order, n)
	for i := range orders {
		o := &trail.Order{OrderNo: fmt.Sprintf("BN%07d", i),
			Customer: trail.Contact{Name: "张三", Phone: fmt.Sprintf("139%08d", i)},
			Address:  trail.Address{Province: "浙江", City: "杭州市", Detail: "文三路188号"},
			Items:    []trail.Item{{SKU: "RICE-500", Quantity: 1}}}
		o.Normalize()
		orders[i] = o
	}
	committed := make([]time.Time, n)
	recv.reset(ep.Secret, n)
	if !backlog {
		startQueue()
		b.StartTimer()
	}

	start, cpu0, busy0 := time.Now(), processCPU(), machineBusy()
	var next, done atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	pprof.Do(runCtx, pprof.Labels("phase", "orders"), func(ctx context.Context) {
		for range producers {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					if _, err := db.CreateOrder(ctx, brand.ID, orders[i]); err != nil {
						failed.CompareAndSwap(nil, &err)
						return
					}
					committed[i] = time.Now()
					done.Add(1)
				}
			})
		}
	})
	var inserted time.Duration
	producing := make(chan struct{})
	go func() {
		wg.Wait()
		inserted = time.Since(start)
		close(producing)
	}()
	if backlog {
		<-producing
		if err := failed.Load(); err != nil {
			b.Fatalf("create order: %v", *err)
		}
		b.StartTimer()
		start, cpu0, busy0 = time.Now(), processCPU(), machineBusy()
		startQueue()
	}
	// A run in which no order commits and no event arrives for stallAfter
	// has stalled (River's job timeout, a minute, is longer): cancel it
	// and fail rather than wait.
	timeout := max(2*time.Minute, time.Duration(n)*50*time.Millisecond)
	const stallAfter = 20 * time.Second
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	progress, lastAt := int64(-1), time.Now()
	stalled := func(format string, args ...any) {
		cancelRun()
		wg.Wait()
		b.Fatalf(format, args...)
	}
	for pending, arriving := producing, recv.done; pending != nil || arriving != nil; {
		select {
		case <-pending:
			pending = nil
			if err := failed.Load(); err != nil {
				stalled("create order: %v", *err)
			}
		case <-arriving:
			arriving = nil
		case now := <-tick.C:
			recv.mu.Lock()
			got := len(recv.ids)
			recv.mu.Unlock()
			if p := done.Load() + int64(got); p != progress {
				progress, lastAt = p, now
			}
			if now.Sub(lastAt) > stallAfter || now.Sub(start) > timeout {
				stalled("stalled: after %.0f s %d of %d orders are committed and the receiver has %d events, nothing new for %.0f s",
					now.Sub(start).Seconds(), done.Load(), n, got, now.Sub(lastAt).Seconds())
			}
		}
	}
	// Sent is recorded after the endpoint answers: wait for the store.
	var sent []*trail.Delivery
	for {
		if sent = deliveries(b, db, brand.ID, trail.DeliverySent); len(sent) == n {
			break
		}
		if time.Since(start) > timeout {
			b.Fatalf("after %s the store lists %d of %d deliveries as sent", timeout, len(sent), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
	elapsed, cpu, busy := time.Since(start), processCPU()-cpu0, machineBusy()-busy0
	b.StopTimer()

	recv.check(b)
	for _, d := range sent {
		if d.Attempts != 1 || d.Channel != trail.ChannelWebhook {
			b.Fatalf("delivery %d: %s after %d attempts, want a webhook sent at the first", d.ID, d.State, d.Attempts)
		}
	}
	if all := deliveries(b, db, brand.ID, ""); len(all) != n {
		b.Fatalf("the store has %d deliveries, want %d (one per order)", len(all), n)
	}
	r := deliveryRun{elapsed: elapsed, inserted: inserted, conns: recv.conns.Load(), cpu: cpu, busy: busy}
	lat := make([]time.Duration, 0, n)
	recv.mu.Lock()
	for i, o := range orders {
		lat = append(lat, recv.arrived[o.OrderNo].Sub(committed[i]))
	}
	recv.mu.Unlock()
	slices.Sort(lat)
	r.p50, r.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	b.Logf("%s, poll %s, backlog %t: %d orders committed in %.2f s, all sent after %.2f s; %d connections",
		store, poll, backlog, n, inserted.Seconds(), elapsed.Seconds(), r.conns)
	b.StartTimer()
	return r
}

// deliveries lists the brand's deliveries in state (all if ""), paging
// through the store's API.
func deliveries(b *testing.B, db *sqlstore.DB, brandID int64, state string) []*trail.Delivery {
	var out []*trail.Delivery
	f := trail.DeliveryFilter{State: state, Limit: trail.MaxDeliveryPage}
	for {
		page, err := db.Deliveries(context.Background(), brandID, f)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			return out
		}
		f.Before = page[len(page)-1].ID
	}
}

// deliverPostgresDSN returns a fresh schema on the test server, dropped at
// the end of b. The pool is pgxpool's default (max(4, CPUs) connections,
// as in production) unless BOTTLETRAIL_BENCH_NOTIFY_PG_POOL sets
// pool_max_conns.
func deliverPostgresDSN(b *testing.B) string {
	var params url.Values
	if s := os.Getenv(envNotifyPGPool); s != "" && s != "0" {
		params = url.Values{"pool_max_conns": {strconv.Itoa(envInt(b, envNotifyPGPool, 0))}}
	}
	return storetest.PostgresSchema(b, b, "bt_deliver_", params)
}
