package worker_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bottletrail/bottletrail/internal/pii"
	"github.com/bottletrail/bottletrail/internal/postgres"
	"github.com/bottletrail/bottletrail/internal/seed"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
	"github.com/bottletrail/bottletrail/internal/worker"
)

// BenchmarkPoller measures the poll scheduler on PostgreSQL (it skips
// without a server) and runs only with -bench (docs/BENCHMARKS.md):
//
//	go test ./internal/worker -run '^$' -bench BenchmarkPoller -benchtime 200x -timeout 60m
//
// For each size in BOTTLETRAIL_BENCH_POLL_SIZES (default
// 10000,100000,1000000) the seeder fills a fresh schema with that many
// parcels, 10% of them due now (spread over the hour before) and the rest
// due between half an hour and six and a half hours after; then ANALYZE,
// as autovacuum would after a bulk load. The seeder's progress goes to
// stderr.
//
// claim/N times TrackingService.ClaimDuePolls(now, 1000, 10 min): the
// claiming UPDATE on the partial index shipments_next_poll and the reading
// of the 1,000 tracking tasks (parcel, brand, account, phone opened). Each
// claim moves its parcels out of the due set; between claims, with the
// timer stopped, they are put back due (next_poll_at = now − id mod 3600
// s), so every claim finds the same 10% due. Sizes after the first report
// their time per claim as a ratio to the first size's (x_first), measured
// earlier in the same run, and the number of sequential scans of shipments
// in the plan of the claiming UPDATE, whose EXPLAIN (ANALYZE, BUFFERS), run
// in a transaction that is rolled back, goes to stderr.
//
// memory/N runs the real worker.Poller (batches of 500, an account at its
// maximum 6,000 queries a minute, a provider stub answering at once with
// three scans) for BOTTLETRAIL_BENCH_POLL_ROUNDS rounds (default 3)
// whatever b.N is, as a round takes five seconds of rate limit; ns/op is
// the time of one round. Its clock moves on 15 minutes a round so that
// parcels keep falling due. It reports the highest Go heap in use and
// process RSS seen (sampled every 50 ms), after a GC and returning freed
// memory to the OS before the first round. They must not grow with N.
const (
	envPollSizes  = "BOTTLETRAIL_BENCH_POLL_SIZES"
	envPollRounds = "BOTTLETRAIL_BENCH_POLL_ROUNDS"
)

// claimSQL is the claiming statement of sqlstore's ClaimDuePolls on
// PostgreSQL, as the store sends it, for EXPLAIN.
const claimSQL = `UPDATE shipments SET next_poll_at = $1 WHERE id IN
			(SELECT id FROM shipments WHERE next_poll_at <= $2 ORDER BY next_poll_at LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING id`

// pollFixture is a schema seeded with parcels.
type pollFixture struct {
	db     *postgres.DB
	seeded *seed.Result
	now    time.Time
	clock  *pollClock // the poller's, kept from run to run
}

func BenchmarkPoller(b *testing.B) {
	sizes := []int{10000, 100000, 1000000}
	if s := os.Getenv(envPollSizes); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 10000 {
				b.Fatalf("%s=%q: want sizes of at least 10000 (10%% due must fill a claim of 1,000)", envPollSizes, s)
			}
			sizes = append(sizes, n)
		}
	}
	parent := b
	fixtures := map[int]*pollFixture{}
	fixture := func(b *testing.B, n int) *pollFixture {
		if f := fixtures[n]; f != nil {
			return f
		}
		f := newPollFixture(b, parent, n)
		fixtures[n] = f
		return f
	}
	claimNs := map[int]float64{}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("claim/parcels=%d", n), func(b *testing.B) {
			ns := benchClaim(b, fixture(b, n))
			claimNs[n] = ns
			if n != sizes[0] && claimNs[sizes[0]] > 0 {
				b.ReportMetric(ns/claimNs[sizes[0]], "x_first")
			}
		})
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("memory/parcels=%d", n), func(b *testing.B) {
			benchMemory(b, fixture(b, n))
		})
	}
}

func newPollFixture(b *testing.B, owner *testing.B, n int) *pollFixture {
	b.Helper()
	ctx := context.Background()
	dsn := storetest.PostgresSchema(b, owner, "bt_poll_", nil)
	key := make([]byte, pii.KeySize)
	rand.Read(key)
	sealer, err := pii.New(key)
	if err != nil {
		b.Fatal(err)
	}
	db, err := postgres.Open(ctx, dsn, sealer)
	if err != nil {
		b.Fatal(err)
	}
	owner.Cleanup(func() { db.Close() })
	f := &pollFixture{db: db, now: time.Now().UTC()}
	f.clock = &pollClock{t: f.now}
	acct := &trail.CarrierAccount{Provider: trail.ProviderKuaidi100, RatePerMinute: 6000,
		Credentials: map[string]string{"customer": "BENCH", "key": "bench-key"}}
	f.seeded, err = seed.Seed(ctx, seed.Target{Store: db, DB: db.SQL(), Dialect: postgres.Dialect, Sealer: sealer},
		seed.Options{Brand: "poll", Parcels: n, DueShare: 0.1, Now: f.now, Account: acct, Batch: 1000, Progress: os.Stderr})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `ANALYZE brands, carrier_accounts, orders, shipments`); err != nil {
		b.Fatal(err)
	}
	var size string
	if err := db.SQL().QueryRowContext(ctx, `SELECT pg_size_pretty(pg_relation_size('shipments_next_poll'))`).Scan(&size); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d parcels (%d due) in %.1f s; index shipments_next_poll is %s", n, f.seeded.Due, f.seeded.Elapsed.Seconds(), size)
	return f
}

// benchClaim times claims of 1,000 parcels and returns ns per claim.
// Besides the mean it reports the median and the 90th percentile: every
// claim commits, and the commit's WAL flush varies with the disk.
func benchClaim(b *testing.B, f *pollFixture) float64 {
	ctx := context.Background()
	raw := f.db.SQL()
	seqScans := explain(b, raw, f.now)
	const n, lease = 1000, 10 * time.Minute
	took := make([]time.Duration, b.N)
	b.ResetTimer()
	for k := range b.N {
		start := time.Now()
		tasks, err := f.db.ClaimDuePolls(ctx, f.now, n, lease)
		took[k] = time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if len(tasks) != n {
			b.Fatalf("claimed %d parcels, want %d", len(tasks), n)
		}
		ids := make([]int64, len(tasks))
		for i, t := range tasks {
			if t.Account == nil || len(t.PhoneLast4) != 4 {
				b.Fatalf("task %+v", t)
			}
			ids[i] = t.ShipmentID
		}
		if _, err := raw.ExecContext(ctx, `UPDATE shipments SET next_poll_at = $1::timestamptz - (id % 3600) * interval '1 second'
			WHERE id = ANY($2)`, f.now, ids); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	slices.Sort(took)
	b.ReportMetric(ns/1e6, "ms/claim")
	b.ReportMetric(float64(took[len(took)/2])/1e6, "p50_ms")
	b.ReportMetric(float64(took[len(took)*9/10])/1e6, "p90_ms")
	b.ReportMetric(seqScans, "seq_scans")
	return ns
}

// explain logs the plan of the claiming UPDATE, fails unless it reads the
// partial index, and returns how many sequential scans of shipments the
// plan has besides.
func explain(b *testing.B, raw *sql.DB, now time.Time) float64 {
	ctx := context.Background()
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+claimSQL, now.Add(10*time.Minute), now, 1000)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	// On stderr: the benchmark's log keeps only ten lines.
	fmt.Fprintf(os.Stderr, "%s: EXPLAIN (ANALYZE, BUFFERS) of the claim:\n%s\n", b.Name(), text)
	if !strings.Contains(text, "using shipments_next_poll") && !strings.Contains(text, "on shipments_next_poll") {
		b.Errorf("the claim does not read the index shipments_next_poll")
	}
	return float64(strings.Count(text, "Seq Scan on shipments"))
}

// stubProvider answers every query at once with the first three scans of
// the parcel's journey.
type stubProvider struct{ now time.Time }

func (p *stubProvider) Name() string { return trail.ProviderKuaidi100 }

func (p *stubProvider) Subscribe(context.Context, *trail.CarrierAccount, trail.TrackRequest) error {
	return nil
}

func (p *stubProvider) Query(_ context.Context, _ *trail.CarrierAccount, req trail.TrackRequest) (*trail.TrackUpdate, error) {
	i, err := strconv.ParseInt(req.TrackingNo[len(req.TrackingNo)-13:], 10, 64)
	if err != nil {
		return nil, err
	}
	return &trail.TrackUpdate{Carrier: req.Carrier, TrackingNo: req.TrackingNo, Events: seed.Journey(int(i-9000000000000), 3, p.now)}, nil
}

func (p *stubProvider) ParsePush(*trail.CarrierAccount, string, []byte) ([]trail.TrackUpdate, error) {
	return nil, nil
}

func (p *stubProvider) Reply(*trail.CarrierAccount, error) (int, string, []byte) { return 200, "", nil }

// pollClock is the poller's clock, moved on by the benchmark.
type pollClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *pollClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *pollClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// benchMemory runs one poller round per iteration and reports the peak
// heap in use and RSS.
func benchMemory(b *testing.B, f *pollFixture) {
	ctx := context.Background()
	clock := f.clock
	var polled int
	var mu sync.Mutex
	p := &worker.Poller{
		Tracking: f.db, Shipments: f.db,
		Providers: map[string]trail.Provider{trail.ProviderKuaidi100: &stubProvider{now: f.now}},
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), Metrics: worker.NewMetrics(prometheus.NewRegistry()),
		Record: func(string, *trail.IngestResult) { mu.Lock(); polled++; mu.Unlock() },
		Now:    clock.Now,
	}
	peak := sampleMemory(b)
	rounds := 3
	if s := os.Getenv(envPollRounds); s != "" {
		if rounds, _ = strconv.Atoi(s); rounds < 1 {
			b.Fatalf("%s=%q: want a positive number", envPollRounds, s)
		}
	}
	start := time.Now()
	for range rounds {
		if err := p.RunOnce(ctx); err != nil {
			b.Fatal(err)
		}
		clock.add(15 * time.Minute)
	}
	elapsed := time.Since(start)
	heap, rss := peak()
	if polled == 0 {
		b.Fatal("the poller polled nothing")
	}
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(rounds), "ns/op")
	b.ReportMetric(float64(polled)/float64(rounds), "polled/round")
	b.ReportMetric(float64(heap)/(1<<20), "heap_inuse_MB")
	b.ReportMetric(float64(rss)/(1<<20), "rss_MB")
}

// sampleMemory frees what it can, then samples the Go heap in use and the
// process's RSS every 50 ms until the returned function is called, which
// answers their peaks.
func sampleMemory(b *testing.B) (peak func() (heap, rss uint64)) {
	runtime.GC()
	debug.FreeOSMemory()
	var heap, rss uint64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			heap = max(heap, ms.HeapInuse)
			rss = max(rss, vmRSS(b))
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() (uint64, uint64) {
		close(stop)
		<-sampled
		return heap, rss
	}
}

// vmRSS reads the process's resident set size from /proc/self/status.
func vmRSS(b *testing.B) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}
