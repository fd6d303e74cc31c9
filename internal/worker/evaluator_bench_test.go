package worker_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bottletrail/bottletrail/internal/worker"
)

// BenchmarkEvaluator measures the alert schedule on PostgreSQL (it skips
// without a server) and runs only with -bench (docs/BENCHMARKS.md):
//
//	go test ./internal/worker -run '^$' -bench BenchmarkEvaluator -benchtime 20x -timeout 90m
//
// For each size in BOTTLETRAIL_BENCH_EVAL_SIZES (default 10000,1000000)
// the seeder fills a fresh schema with that many orders of one parcel each
// (the poll benchmark's fixture: parcels in transit with three to twelve
// scans, 10% of them due for polling), then every order is put on the
// schedule one to twenty-five hours ahead, and ANALYZE runs.
//
// minute/N is one minute of due evaluations: BOTTLETRAIL_BENCH_EVAL_DUE
// (default 2,000) orders drawn at random are made due within the last
// minute (with the timer stopped), then the real worker.Evaluator drains
// them (claims of 200 with SKIP LOCKED, one transaction per order:
// graph, lane statistics, estimate revision, alert rules, next due time).
// ns/op is the time to evaluate the minute's orders; sizes after the
// first report it as a ratio to the first size's (x_first). 2,000 a
// minute is what 1M active parcels ask for: about 1,800 carrier events a
// minute (8 scans each over three days) plus the six-hourly ETA re-check
// of orders with a promise or an occasion. The peak Go heap and RSS
// during the run are reported too; they must not grow with the size.
const (
	envEvalSizes = "BOTTLETRAIL_BENCH_EVAL_SIZES"
	envEvalDue   = "BOTTLETRAIL_BENCH_EVAL_DUE"
)

func BenchmarkEvaluator(b *testing.B) {
	sizes := []int{10000, 1000000}
	if s := os.Getenv(envEvalSizes); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 10000 {
				b.Fatalf("%s=%q: want sizes of at least 10000", envEvalSizes, s)
			}
			sizes = append(sizes, n)
		}
	}
	due := 2000
	if s := os.Getenv(envEvalDue); s != "" {
		var err error
		if due, err = strconv.Atoi(s); err != nil || due < 1 {
			b.Fatalf("%s=%q: want a positive number", envEvalDue, s)
		}
	}
	parent := b
	fixtures := map[int]*pollFixture{} // b.Run runs the body once per b.N tried
	minuteNs := map[int]float64{}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("minute/parcels=%d", n), func(b *testing.B) {
			f := fixtures[n]
			if f == nil {
				f = newPollFixture(b, parent, n)
				fixtures[n] = f
			}
			ns := benchEvaluateMinute(b, f, n, due)
			minuteNs[n] = ns
			if n != sizes[0] && minuteNs[sizes[0]] > 0 {
				b.ReportMetric(ns/minuteNs[sizes[0]], "x_first")
			}
		})
	}
}

func benchEvaluateMinute(b *testing.B, f *pollFixture, n, due int) float64 {
	ctx := context.Background()
	raw := f.db.SQL()
	if _, err := raw.ExecContext(ctx, `UPDATE orders SET evaluate_at = $1::timestamptz + interval '1 hour' + (id % 86400) * interval '1 second'`, f.now); err != nil {
		b.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `ANALYZE orders`); err != nil {
		b.Fatal(err)
	}
	var minID, maxID int64
	if err := raw.QueryRowContext(ctx, `SELECT min(id), max(id) FROM orders`).Scan(&minID, &maxID); err != nil {
		b.Fatal(err)
	}
	e := worker.NewEvaluator(f.db, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), prometheus.NewRegistry())
	e.Now = func() time.Time { return f.now }

	peak := sampleMemory(b)

	r := rand.New(rand.NewPCG(uint64(n), 1))
	took := make([]time.Duration, b.N)
	b.ResetTimer()
	for k := range b.N {
		b.StopTimer()
		ids := make([]int64, 0, due)
		seen := map[int64]bool{}
		for len(ids) < due {
			id := minID + r.Int64N(maxID-minID+1)
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		if _, err := raw.ExecContext(ctx, `UPDATE orders SET evaluate_at = $1::timestamptz - (id % 60) * interval '1 second' WHERE id = ANY($2)`, f.now, ids); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		got, err := e.RunOnce(ctx)
		took[k] = time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if got != due {
			b.Fatalf("evaluated %d orders, want %d", got, due)
		}
	}
	b.StopTimer()
	heap, rss := peak()
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	slices.Sort(took)
	b.ReportMetric(ns/1e6, "ms/minute")
	b.ReportMetric(ns/1e3/float64(due), "us/order")
	b.ReportMetric(float64(took[len(took)/2])/1e6, "p50_ms")
	b.ReportMetric(float64(heap)/(1<<20), "heap_inuse_MB")
	b.ReportMetric(float64(rss)/(1<<20), "rss_MB")
	var alerts int
	if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM alerts`).Scan(&alerts); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d orders, %d due a minute: %d alerts open after the run", n, due, alerts)
	return ns
}
