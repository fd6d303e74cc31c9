package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/carrier/kuaidi100"
	"github.com/bottletrail/bottletrail/internal/seed"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// The push benchmark (docs/BENCHMARKS.md) runs only with -bench:
//
//	go test ./cmd/bottletrail -run '^$' -bench BenchmarkPushes -benchtime 15000x
//
// It starts the real server (newApp and run on 127.0.0.1:0: the API, River
// and the poller) on a fresh SQLite file, and on a fresh PostgreSQL schema
// when the test server answers. The seeder gives a brand with a Kuaidi100
// account BOTTLETRAIL_BENCH_PUSH_PARCELS parcels (default 20,000), each
// subscribed and with 18 or 19 scans of its journey already received. Then
// BOTTLETRAIL_BENCH_CONCURRENCY clients (default 16) on keep-alive
// connections send b.N signed Kuaidi100 pushes to the account's callback
// URL, one per parcel, each re-sending the parcel's full 20-scan history of
// which 1 or 2 scans are new. The baseline, in the same run, on the same
// server with the same client and concurrency, is GET /healthz (a
// hello-world handler behind the same middleware): 10×b.N requests (at
// least 2,000), half before the pushes and half after. It reports
// pushes/s, healthz_req/s, their ratio (target ≥ 0.25 on SQLite), and push
// latency; it checks that every push was acknowledged with Kuaidi100's
// success body and that exactly the new scans were stored.
//
// Each parcel takes one push, so a run of b.N pushes needs b.N+1 parcels
// (the benchmark framework first runs b.N = 1); the fixture is seeded once
// per engine and shared by the runs.
const (
	envPushParcels = "BOTTLETRAIL_BENCH_PUSH_PARCELS"
	envConcurrency = "BOTTLETRAIL_BENCH_CONCURRENCY"
	pushScans      = 20
)

func BenchmarkPushes(b *testing.B) {
	fixtures := map[string]*pushFixture{}
	parent := b
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			// The fixture outlives this run of the sub-benchmark: its
			// files and schema belong to the parent.
			f := fixtures[engine]
			if f == nil {
				dsn := "sqlite:" + filepath.Join(parent.TempDir(), "bt.db")
				if engine == "postgres" {
					dsn = storetest.PostgresSchema(b, parent, "bt_bench_", nil)
				}
				f = newPushFixture(b, parent.TempDir(), dsn, envInt(b, envPushParcels, 20000))
				fixtures[engine] = f
				parent.Cleanup(f.close) // before the schema and files go

			}
			f.run(b, envInt(b, envConcurrency, 16))
		})
	}
}

// pushFixture is a running server with seeded parcels, of which the first
// next have had their push.
type pushFixture struct {
	base, hookURL string
	b             *backend
	raw           *sql.DB // the pool the store writes through
	seeded        *seed.Result
	now           time.Time
	next          int
	events        int64 // tracking events stored, as counted after the last run
	cancel        func()
	done          chan error
}

// seededScans is how many scans parcel i has received before its push: 18
// or 19, so that a push of 20 brings 2 or 1 new.
func seededScans(i int) int { return 18 + i%2 }

func newPushFixture(b *testing.B, dir, dsn string, parcels int) *pushFixture {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	sf := storeFlags{dsn: dsn, keyFile: filepath.Join(dir, "secret.key")}
	be, err := m.open(ctx, sf, logger)
	if err != nil {
		b.Fatal(err)
	}
	f := &pushFixture{b: be, cancel: cancel, done: make(chan error, 1), now: time.Now()}
	sealer, err := m.sealer(sf)
	if err != nil {
		b.Fatal(err)
	}
	target, err := seedTarget(be, sealer)
	if err != nil {
		b.Fatal(err)
	}
	f.raw = target.DB
	var progress bytes.Buffer
	f.seeded, err = seed.Seed(ctx, target, seed.Options{Brand: "bench", Parcels: parcels, Subscribed: true,
		Events: seededScans, Now: f.now, Progress: &progress})
	if err != nil {
		be.Close()
		b.Fatal(err)
	}
	b.Logf("seeded %d parcels with %d–%d scans each in %.1f s", parcels, seededScans(0), seededScans(1), f.seeded.Elapsed.Seconds())
	if err := f.raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM tracking_events`).Scan(&f.events); err != nil {
		b.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	f.base = "http://" + ln.Addr().String()
	a, err := newApp(ctx, be, f.base, logger, appOptions{})
	if err != nil {
		b.Fatal(err)
	}
	go func() { f.done <- m.run(ctx, ln, a, logger, nil) }()
	f.hookURL = trail.CallbackURL(f.base, f.seeded.Brand.Slug, f.seeded.Account)
	return f
}

func (f *pushFixture) close() {
	f.cancel()
	<-f.done
	f.b.Close()
}

// result is what a load run measured.
type loadResult struct {
	n       int
	elapsed time.Duration
	latency []time.Duration
}

// load sends n requests from c goroutines sharing one keep-alive client;
// req(i) sends request i and checks its answer.
func load(n, c int, req func(i int) error) (loadResult, error) {
	var next atomic.Int64
	var firstErr atomic.Pointer[error]
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || firstErr.Load() != nil {
					return
				}
				t := time.Now()
				if err := req(i); err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	r := loadResult{n: n, elapsed: time.Since(start), latency: lat}
	if err := firstErr.Load(); err != nil {
		return r, *err
	}
	return r, nil
}

func (f *pushFixture) run(b *testing.B, c int) {
	ctx := context.Background()
	if f.next+b.N > f.seeded.Parcels {
		b.Fatalf("%d pushes left of %d parcels, %d wanted: raise %s", f.seeded.Parcels-f.next, f.seeded.Parcels, b.N, envPushParcels)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c, MaxConnsPerHost: c, DisableCompression: true}}
	defer client.CloseIdleConnections()
	salt := f.seeded.Account.Credentials[kuaidi100.CredSalt]
	bodies := make([]string, b.N)
	var wantNew int64
	for k := range bodies {
		i := f.seeded.First + f.next + k
		bodies[k] = seed.Kuaidi100Push(i, pushScans, f.now, salt)
		wantNew += int64(pushScans - seededScans(i))
	}
	f.next += b.N

	healthz := func(i int) error {
		resp, err := client.Get(f.base + "/healthz")
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
			return fmt.Errorf("healthz: %d %q %v", resp.StatusCode, body, err)
		}
		return nil
	}
	push := func(i int) error {
		resp, err := client.Post(f.hookURL, "application/x-www-form-urlencoded", strings.NewReader(bodies[i]))
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"result":true`)) {
			return fmt.Errorf("push %d: %d %s %v", i, resp.StatusCode, body, err)
		}
		return nil
	}

	hn := max(10*b.N, 2000) / 2
	b.StopTimer()
	h1, err := load(hn, c, healthz)
	if err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	p, err := load(b.N, c, push)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	h2, err := load(hn, c, healthz)
	if err != nil {
		b.Fatal(err)
	}

	var events int64
	if err := f.raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM tracking_events`).Scan(&events); err != nil {
		b.Fatal(err)
	}
	if events-f.events != wantNew {
		b.Fatalf("the pushes stored %d new scans, want %d", events-f.events, wantNew)
	}
	f.events = events

	pushRate := float64(p.n) / p.elapsed.Seconds()
	healthRate := float64(h1.n+h2.n) / (h1.elapsed + h2.elapsed).Seconds()
	b.ReportMetric(pushRate, "pushes/s")
	b.ReportMetric(healthRate, "healthz_req/s")
	b.ReportMetric(pushRate/healthRate, "push/healthz")
	b.ReportMetric(float64(wantNew)/float64(b.N), "new_scans/push")
	slices.Sort(p.latency)
	b.ReportMetric(float64(p.latency[len(p.latency)/2])/1e6, "p50_ms")
	b.ReportMetric(float64(p.latency[len(p.latency)*99/100])/1e6, "p99_ms")
}

func envInt(b testing.TB, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

// TestSeedCommand runs `bottletrail seed` on a small SQLite file: the
// parcels, the JSON it prints, and pushes that the server accepts and
// that bring exactly the scans the seeded parcels lack.
func TestSeedCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	dsn := "sqlite:" + filepath.Join(dir, "bt.db")
	pushes := filepath.Join(dir, "pushes.txt")
	if err := m.seedCmd(ctx, []string{"--db", dsn, "--parcels", "30", "--due-share", "0.2", "--events", "18-19",
		"--subscribed", "--pushes", pushes}); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var out struct {
		Slug         string `json:"slug"`
		APIKey       string `json:"api_key"`
		First        int    `json:"first"`
		Parcels      int    `json:"parcels"`
		Due          int    `json:"due"`
		CallbackPath string `json:"callback_path"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	if out.Slug != "seed" || out.APIKey == "" || out.First != 0 || out.Parcels != 30 || out.Due != 6 ||
		!strings.HasPrefix(out.CallbackPath, "/hooks/kuaidi100/seed?token=") {
		t.Fatalf("output %s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "seed: 30/30 parcels (100%)") {
		t.Errorf("progress: %s", stderr.String())
	}
	// A second run adds to the brand.
	stdout.Reset()
	if err := m.seedCmd(ctx, []string{"--db", dsn, "--parcels", "5", "--due-share", "0"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), `"first":30`) || !strings.Contains(stdout.String(), `"api_key":""`) {
		t.Errorf("second run: %s", stdout.String())
	}

	// The server accepts every push of the file; each brings 1 or 2 scans.
	sf := storeFlags{dsn: dsn}
	be, err := m.open(ctx, sf, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() }) // after the server stops
	srv := newServerForTest(t, be)
	file, err := os.Open(pushes)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		resp, err := http.Post(srv+out.CallbackPath, "application/x-www-form-urlencoded", strings.NewReader(sc.Text()))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("push %d: %d %s", n, resp.StatusCode, body)
		}
		n++
	}
	if n != 30 {
		t.Fatalf("%d pushes in the file, want 30", n)
	}
	brand, err := be.BrandBySlug(ctx, "seed")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		g, err := be.OrderGraph(ctx, brand.ID, seed.ParcelOf(i).OrderNo)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(g.Shipments[0].Events); got != pushScans {
			t.Errorf("parcel %d has %d scans after its push, want %d", i, got, pushScans)
		}
	}
}

// newServerForTest serves the API of be on loopback until the test ends and
// returns its base URL.
func newServerForTest(t *testing.T, be *backend) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	a, err := newApp(ctx, be, base, logger, appOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	go func() { done <- m.run(ctx, ln, a, logger, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return base
}
