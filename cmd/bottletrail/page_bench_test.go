package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/seed"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// The tracking-page benchmark (docs/BENCHMARKS-pages.md) runs only with
// -bench; it takes about a minute and a half an engine, most of it seeding:
//
//	go test -c -o /tmp/bt.test ./cmd/bottletrail
//	taskset -c 0 /tmp/bt.test -test.run '^$' -test.bench BenchmarkTrackingPages -test.benchtime 1x
//
// For each engine (a fresh SQLite file; a fresh PostgreSQL schema when the
// test server answers, else that half is skipped) it seeds
// BOTTLETRAIL_BENCH_PAGE_ORDERS orders (default 100,000) through the
// project's seeder, each with one parcel of 10 to 20 scans, and starts the
// real server (newApp and run, on 127.0.0.1:0) behind a mux of the
// benchmark's own that adds GET /hello, a hello-world handler answering
// "ok". It picks BOTTLETRAIL_BENCH_PAGE_TARGETS random orders (default
// 4,000), creates a tracking link to each (one in four a gift link) and
// reads each buyer's phone back, checks every target once on the three
// routes below, and then loads them in turn, BOTTLETRAIL_BENCH_DURATION
// each (default 10s, after a warm-up of BOTTLETRAIL_BENCH_WARMUP, default
// 2s), at BOTTLETRAIL_BENCH_CONCURRENCY keep-alive connections (default
// 16), each request for a random target:
//
//	hello  GET  /hello                         the baseline, first and last
//	page   GET  /t/{token}                     the order page of a link
//	json   POST /api/v1/public/{brand}/track   {"order_no", "phone_last4"}
//
// The load generator is wrk (one thread, a Lua script that picks the
// targets, the same script for all three) when it is on the PATH and
// BOTTLETRAIL_BENCH_LOAD is not "go"; otherwise a Go client in the
// benchmark's own process, which then shares the server's CPUs. When the
// benchmark process is pinned to some CPUs (taskset), wrk is pinned to the
// others, or to BOTTLETRAIL_BENCH_WRK_CPUS. A run with any error, timeout
// or non-2xx answer fails.
//
// On PostgreSQL it ANALYZEs the schema's tables after seeding, as
// autovacuum would after a bulk load (the test server runs without it);
// BOTTLETRAIL_BENCH_NO_ANALYZE=1 leaves them without statistics.
//
// It reports, per route, requests/s and the p50 and p99 latency, the
// ratios page/hello and json/hello of the request rates (targets: ≥ 0.5,
// and p99 < 20 ms), the mean response size and the process's heap
// allocations per request; it logs, per run, the garbage collections and
// the 99th percentile of the time goroutines waited runnable for a CPU
// (runtime/metrics /sched/latencies:seconds). ns/op is suppressed: every
// sub-benchmark runs once whatever b.N is. With
// BOTTLETRAIL_BENCH_CPUPROFILE_DIR set, each measured load run writes a
// CPU profile of the process, <engine>-<route>.pprof, covering that run
// only (go test -cpuprofile would be mostly the seeder).
const (
	envPageOrders  = "BOTTLETRAIL_BENCH_PAGE_ORDERS"
	envPageTargets = "BOTTLETRAIL_BENCH_PAGE_TARGETS"
	envDuration    = "BOTTLETRAIL_BENCH_DURATION"
	envWarmup      = "BOTTLETRAIL_BENCH_WARMUP"
	envLoad        = "BOTTLETRAIL_BENCH_LOAD"
	envWrkCPUs     = "BOTTLETRAIL_BENCH_WRK_CPUS"
	envProfileDir  = "BOTTLETRAIL_BENCH_CPUPROFILE_DIR"
	envNoAnalyze   = "BOTTLETRAIL_BENCH_NO_ANALYZE"
	pageBrand      = "pagebench"
)

// pageEvents is how many scans seeded parcel i has received: 10 to 20.
func pageEvents(i int) int { return 10 + i%11 }

func BenchmarkTrackingPages(b *testing.B) {
	fixtures := map[string]*pageFixture{}
	parent := b
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			f := fixtures[engine]
			if f == nil {
				dsn := "sqlite:" + filepath.Join(parent.TempDir(), "bt.db")
				if engine == "postgres" {
					dsn = storetest.PostgresSchema(b, parent, "bt_bench_", nil)
				}
				f = newPageFixture(b, parent.TempDir(), dsn)
				fixtures[engine] = f
				parent.Cleanup(f.close)
			}
			f.measure(b, engine)
		})
	}
}

// pageFixture is a running server with seeded orders and the targets the
// load picks from.
type pageFixture struct {
	base   string
	be     *backend
	cancel func()
	done   chan error

	pages  []string // /t/{token} paths
	bodies []string // JSON look-up bodies
	orders []string // the order number of pages[i] and bodies[i]
	dir    string   // target files and the wrk script

	logPath string // the server's log
}

func newPageFixture(b *testing.B, dir, dsn string) *pageFixture {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := &pageFixture{cancel: cancel, done: make(chan error, 1), dir: b.TempDir()}
	// The server's warnings and errors go to a file that measure reads.
	f.logPath = filepath.Join(f.dir, "server.log")
	logFile, err := os.Create(f.logPath)
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	b.Cleanup(func() { logFile.Close() })
	logger := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	sf := storeFlags{dsn: dsn, keyFile: filepath.Join(dir, "secret.key")}
	be, err := m.open(ctx, sf, logger)
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	f.be = be
	fail := func(err error) {
		be.Close()
		cancel()
		b.Fatal(err)
	}
	sealer, err := m.sealer(sf)
	if err != nil {
		fail(err)
	}
	target, err := seedTarget(be, sealer)
	if err != nil {
		fail(err)
	}
	orders := envInt(b, envPageOrders, 100000)
	// Subscribed parcels and none due: the poller has nothing to do while
	// the pages are loaded.
	res, err := seed.Seed(ctx, target, seed.Options{Brand: pageBrand, Parcels: orders, Subscribed: true, Events: pageEvents})
	if err != nil {
		fail(err)
	}
	seeded := fmt.Sprintf("seeded %d orders, one parcel of %d–%d scans each, in %.1f s", orders, pageEvents(0), pageEvents(10), res.Elapsed.Seconds())
	if target.Dialect.NumberedParams && os.Getenv(envNoAnalyze) == "" {
		// PostgreSQL plans with the statistics autovacuum gathers after a
		// bulk load; the test server runs without autovacuum, so gather
		// them here, for this schema's tables only.
		start := time.Now()
		rows, err := target.DB.QueryContext(ctx, `SELECT quote_ident(table_name) FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
		if err != nil {
			fail(err)
		}
		var tables []string
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				fail(err)
			}
			tables = append(tables, t)
		}
		if err := rows.Close(); err != nil {
			fail(err)
		}
		if _, err := target.DB.ExecContext(ctx, "ANALYZE "+strings.Join(tables, ", ")); err != nil {
			fail(err)
		}
		seeded += fmt.Sprintf("; analyzed its %d tables in %.1f s", len(tables), time.Since(start).Seconds())
	}
	b.Log(seeded)

	// The targets: random orders, each with a link and its buyer's digits.
	start := time.Now()
	n := min(envInt(b, envPageTargets, 4000), res.Parcels)
	rng := rand.New(rand.NewPCG(1, 2))
	for k, i := range rng.Perm(res.Parcels)[:n] {
		no := seed.ParcelOf(res.First + i).OrderNo
		kind := trail.LinkBuyer
		if k%4 == 3 {
			kind = trail.LinkGift
		}
		l, err := be.CreateLink(ctx, res.Brand.ID, no, kind, trail.DefaultLinkTTL)
		if err != nil {
			fail(err)
		}
		g, err := be.OrderGraph(ctx, res.Brand.ID, no)
		if err != nil {
			fail(err)
		}
		body, _ := json.Marshal(trail.TrackQuery{OrderNo: no, PhoneLast4: trail.Last4(g.Order.Customer.Phone)})
		f.pages = append(f.pages, "/t/"+trail.LinkToken(be.sealer, l))
		f.bodies = append(f.bodies, string(body))
		f.orders = append(f.orders, no)
	}
	b.Logf("%d links and look-ups to random orders made in %.1f s", n, time.Since(start).Seconds())
	for name, lines := range map[string][]string{"hello.txt": {"/hello"}, "page.txt": f.pages, "json.txt": f.bodies, "track.lua": {wrkScript}} {
		if err := os.WriteFile(filepath.Join(f.dir, name), []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			fail(err)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	f.base = "http://" + ln.Addr().String()
	a, err := newApp(ctx, be, f.base, logger, appOptions{})
	if err != nil {
		fail(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok")
	})
	mux.Handle("/", a.handler)
	a.handler = mux
	go func() { f.done <- m.run(ctx, ln, a, logger, nil) }()
	return f
}

func (f *pageFixture) close() {
	f.cancel()
	if err := <-f.done; err != nil {
		fmt.Fprintln(os.Stderr, "page benchmark server:", err)
	}
	f.be.Close()
}

// pageRoute is one of the routes loaded.
type pageRoute struct {
	name    string
	method  string
	path    string   // the POST's path; "" for GETs, whose targets are paths
	targets []string // paths, or POST bodies
	check   func(i int, status int, body []byte) error
}

func (f *pageFixture) routes() (hello, page, jsonRoute pageRoute) {
	hello = pageRoute{name: "hello", method: "GET", targets: []string{"/hello"}, check: func(_ int, status int, body []byte) error {
		if status != http.StatusOK || string(body) != "ok" {
			return fmt.Errorf("%d %q", status, body)
		}
		return nil
	}}
	page = pageRoute{name: "page", method: "GET", targets: f.pages, check: func(i int, status int, body []byte) error {
		if status != http.StatusOK || !bytes.Contains(body, []byte(f.orders[i])) || !bytes.Contains(body, []byte("</html>")) {
			return fmt.Errorf("%d, %d bytes without %s", status, len(body), f.orders[i])
		}
		return nil
	}}
	jsonRoute = pageRoute{name: "json", method: "POST", path: "/api/v1/public/" + pageBrand + "/track", targets: f.bodies,
		check: func(i int, status int, body []byte) error {
			if status != http.StatusOK || !bytes.Contains(body, []byte(`"order_no":"`+f.orders[i]+`"`)) {
				return fmt.Errorf("%d %.200s", status, body)
			}
			return nil
		}}
	return hello, page, jsonRoute
}

// request builds request i of r.
func (f *pageFixture) request(r pageRoute, i int) *http.Request {
	if r.method == "GET" {
		req, _ := http.NewRequest("GET", f.base+r.targets[i], nil)
		return req
	}
	req, _ := http.NewRequest("POST", f.base+r.path, strings.NewReader(r.targets[i]))
	req.Header.Set("Content-Type", "application/json")
	return req
}

// loadStats is what one load run measured.
type loadStats struct {
	requests      int
	elapsed       time.Duration
	p50, p99, max time.Duration
	bytes         int64 // response bytes read, headers included (wrk) or bodies only (Go)
	allocs        uint64
}

func (s loadStats) rate() float64 { return float64(s.requests) / s.elapsed.Seconds() }

func (f *pageFixture) measure(b *testing.B, engine string) {
	conc := envInt(b, envConcurrency, 16)
	duration := durationEnv(b, envDuration, 10*time.Second)
	warmup := durationEnv(b, envWarmup, 2*time.Second)
	gen := f.generator(b, conc)
	hello, page, jsonRoute := f.routes()

	// Every target once, through a Go client: the answers are right, and
	// the caches are warm.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, DisableCompression: true}}
	defer client.CloseIdleConnections()
	for _, r := range []pageRoute{hello, page, jsonRoute} {
		if _, err := load(len(r.targets), conc, func(i int) error {
			resp, err := client.Do(f.request(r, i))
			if err != nil {
				return err
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			if err := r.check(i, resp.StatusCode, body); err != nil {
				return fmt.Errorf("%s %d: %w", r.name, i, err)
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}

	run := func(r pageRoute, label string) loadStats {
		if warmup > 0 {
			if _, err := gen(r, warmup); err != nil {
				b.Fatalf("%s warm-up: %v", r.name, err)
			}
		}
		if dir := os.Getenv(envProfileDir); dir != "" {
			pf, err := os.Create(filepath.Join(dir, engine+"-"+label+".pprof"))
			if err != nil {
				b.Fatal(err)
			}
			if err := pprof.StartCPUProfile(pf); err != nil {
				b.Fatal(err)
			}
			defer func() { pprof.StopCPUProfile(); pf.Close() }()
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		schedBefore := schedLatencies()
		s, err := gen(r, duration)
		schedAfter := schedLatencies()
		runtime.ReadMemStats(&after)
		if err != nil {
			b.Fatalf("%s: %v", r.name, err)
		}
		s.allocs = after.Mallocs - before.Mallocs
		b.Logf("%-6s %6.0f req/s  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  %5.0f B/req  %4.0f allocs/req  %3d GCs  run-queue wait p99 %5.2f ms  (%d requests in %.1f s)",
			label, s.rate(), ms(s.p50), ms(s.p99), ms(s.max), float64(s.bytes)/float64(s.requests),
			float64(s.allocs)/float64(s.requests), after.NumGC-before.NumGC, schedP99(schedBefore, schedAfter)*1e3,
			s.requests, s.elapsed.Seconds())
		return s
	}
	h1 := run(hello, "hello")
	p := run(page, "page")
	j := run(jsonRoute, "json")
	h2 := run(hello, "hello2")

	helloRate := float64(h1.requests+h2.requests) / (h1.elapsed + h2.elapsed).Seconds()
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(helloRate, "hello_req/s")
	b.ReportMetric(ms(max(h1.p50, h2.p50)), "hello_p50_ms")
	b.ReportMetric(ms(max(h1.p99, h2.p99)), "hello_p99_ms")
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	var verdicts []string
	for _, x := range []struct {
		name string
		s    loadStats
	}{{"page", p}, {"json", j}} {
		ratio := x.s.rate() / helloRate
		b.ReportMetric(x.s.rate(), x.name+"_req/s")
		b.ReportMetric(ms(x.s.p50), x.name+"_p50_ms")
		b.ReportMetric(ms(x.s.p99), x.name+"_p99_ms")
		b.ReportMetric(ratio, x.name+"/hello")
		b.ReportMetric(float64(x.s.bytes)/float64(x.s.requests), x.name+"_B/req")
		b.ReportMetric(float64(x.s.allocs)/float64(x.s.requests), x.name+"_allocs/req")
		verdicts = append(verdicts, fmt.Sprintf("%s %.3f × hello %s, p99 %.2f ms %s", x.name,
			ratio, verdict(ratio >= 0.5), ms(x.s.p99), verdict(x.s.p99 < 20*time.Millisecond)))
	}
	b.Logf("targets (rate ≥ 0.5 × hello-world's, p99 < 20 ms): %s", strings.Join(verdicts, "; "))
	cut := f.checkLog(b)
	b.Logf("hello-world first and last: %.0f and %.0f req/s; %d requests cut off when wrk stopped (logged as failed with \"context canceled\")",
		h1.rate(), h2.rate(), cut)
}

// checkLog fails b for any error the server logged, except requests cut
// off by their client, which it counts: when wrk stops, it closes its
// connections with requests in flight, whose handlers then fail with
// "context canceled".
func (f *pageFixture) checkLog(b *testing.B) (cut int) {
	data, err := os.ReadFile(f.logPath)
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		switch {
		case !strings.Contains(line, "level=ERROR"):
		case strings.Contains(line, "context canceled"):
			cut++
		default:
			b.Errorf("server: %s", line)
		}
	}
	return cut
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// schedLatencies reads the runtime's histogram of the time goroutines
// spent runnable before they ran.
func schedLatencies() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64Histogram()
}

// schedP99 returns the 99th percentile, in seconds, of the scheduling
// latencies recorded between two readings (the upper bound of its bucket).
func schedP99(before, after *metrics.Float64Histogram) float64 {
	var total uint64
	counts := make([]uint64, len(after.Counts))
	for i := range counts {
		counts[i] = after.Counts[i] - before.Counts[i]
		total += counts[i]
	}
	var seen uint64
	for i, c := range counts {
		seen += c
		if seen*100 >= total*99 && total > 0 {
			return after.Buckets[i+1]
		}
	}
	return 0
}

func durationEnv(b testing.TB, name string, def time.Duration) time.Duration {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		b.Fatalf("%s=%q: want a duration such as 10s", name, s)
	}
	return d
}

// generator returns the load generator: wrk, or the Go client.
func (f *pageFixture) generator(b *testing.B, conc int) func(r pageRoute, d time.Duration) (loadStats, error) {
	self := cpuList(b, "/proc/self/status")
	online := readCPUList(b, "/sys/devices/system/cpu/online")
	wrk, err := exec.LookPath("wrk")
	if os.Getenv(envLoad) == "go" || err != nil {
		b.Logf("load: Go client in the benchmark process, %d connections, on CPUs %v (shared with the server)", conc, self)
		return func(r pageRoute, d time.Duration) (loadStats, error) { return f.goLoad(r, d, conc) }
	}
	cpus := os.Getenv(envWrkCPUs)
	if cpus == "" && len(self) < len(online) {
		var rest []string
		for _, c := range online {
			if !slices.Contains(self, c) {
				rest = append(rest, strconv.Itoa(c))
			}
		}
		cpus = strings.Join(rest, ",")
	}
	var prefix []string
	if cpus != "" {
		ts, err := exec.LookPath("taskset")
		if err != nil {
			b.Fatalf("pinning wrk to CPUs %s: %v", cpus, err)
		}
		prefix = []string{ts, "-c", cpus}
	}
	b.Logf("load: wrk -t1 -c%d, on CPUs %q (\"\" is unpinned); server (this process, GOMAXPROCS %d) on CPUs %v", conc, cpus, runtime.GOMAXPROCS(0), self)
	return func(r pageRoute, d time.Duration) (loadStats, error) {
		file := filepath.Join(f.dir, r.name+".txt")
		args := append(slices.Clone(prefix), wrk, "-t1", "-c"+strconv.Itoa(conc), "-d"+strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second)))+"s",
			"--timeout", "10s", "-s", filepath.Join(f.dir, "track.lua"), f.base, "--", r.method, file, r.path)
		cmd := exec.Command(args[0], args[1:]...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return loadStats{}, fmt.Errorf("%s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
		}
		_, js, ok := bytes.Cut(out, []byte("BENCHJSON "))
		var w struct {
			Requests, DurationUS, Bytes           int64
			Connect, Read, Write, Status, Timeout int64
			P50US, P99US, MaxUS                   float64
		}
		if !ok {
			return loadStats{}, fmt.Errorf("no summary from wrk:\n%s", out)
		}
		if err := json.Unmarshal(bytes.TrimSpace(js), &w); err != nil {
			return loadStats{}, fmt.Errorf("wrk summary: %v\n%s", err, out)
		}
		if errs := w.Connect + w.Read + w.Write + w.Status + w.Timeout; errs > 0 || w.Requests == 0 {
			return loadStats{}, fmt.Errorf("wrk: %d requests, %d errors (%d non-2xx/3xx)\n%s", w.Requests, errs, w.Status, out)
		}
		us := func(v float64) time.Duration { return time.Duration(v * 1e3) }
		return loadStats{requests: int(w.Requests), elapsed: time.Duration(w.DurationUS) * time.Microsecond,
			p50: us(w.P50US), p99: us(w.P99US), max: us(w.MaxUS), bytes: w.Bytes}, nil
	}
}

// goLoad loads r for d from conc goroutines on keep-alive connections,
// each request for a random target; every answer is checked.
func (f *pageFixture) goLoad(r pageRoute, d time.Duration, conc int) (loadStats, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, DisableCompression: true}}
	defer client.CloseIdleConnections()
	var (
		mu    sync.Mutex
		lat   []time.Duration
		read  int64
		first error
		wg    sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for g := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			var mine []time.Duration
			var n int64
			var err error
			for time.Now().Before(deadline) {
				i := rng.IntN(len(r.targets))
				t := time.Now()
				var resp *http.Response
				if resp, err = client.Do(f.request(r, i)); err != nil {
					break
				}
				var body []byte
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				if err == nil {
					err = r.check(i, resp.StatusCode, body)
				}
				if err != nil {
					break
				}
				mine = append(mine, time.Since(t))
				n += int64(len(body))
			}
			mu.Lock()
			lat = append(lat, mine...)
			read += n
			if first == nil {
				first = err
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	s := loadStats{requests: len(lat), elapsed: time.Since(start), bytes: read}
	if first != nil {
		return s, first
	}
	if len(lat) == 0 {
		return s, fmt.Errorf("no request finished in %v", d)
	}
	slices.Sort(lat)
	s.p50, s.p99, s.max = lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1]
	return s, nil
}

// cpuList reads the CPUs a process may run on from its status file.
func cpuList(b testing.TB, status string) []int {
	data, err := os.ReadFile(status)
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			return parseCPUList(b, strings.TrimSpace(v))
		}
	}
	b.Fatalf("no Cpus_allowed_list in %s", status)
	return nil
}

func readCPUList(b testing.TB, path string) []int {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return parseCPUList(b, strings.TrimSpace(string(data)))
}

// parseCPUList reads a kernel CPU list such as "0-3,6".
func parseCPUList(b testing.TB, s string) []int {
	var out []int
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		l, err1 := strconv.Atoi(lo)
		h, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || h < l {
			b.Fatalf("CPU list %q", s)
		}
		for c := l; c <= h; c++ {
			out = append(out, c)
		}
	}
	return out
}

// wrkScript is the wrk script of every route: arguments METHOD FILE
// [PATH]. For a GET each line of FILE is a path; for a POST each line is a
// JSON body sent to PATH. Each request takes a random line. done prints the
// summary as one line of JSON after "BENCHJSON ", latencies in µs.
const wrkScript = `local method, path, targets = "GET", nil, {}
local headers = {["Content-Type"] = "application/json"}
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_no", threads)
end

function init(args)
  method, path = args[1], args[3]
  for line in io.lines(args[2]) do
    if line ~= "" then targets[#targets + 1] = line end
  end
  math.randomseed(7919 * (thread_no or 1))
end

function request()
  local t = targets[math.random(#targets)]
  if method == "GET" then
    return wrk.format("GET", t)
  end
  return wrk.format("POST", path, headers, t)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"durationus":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50us":%d,"p99us":%d,"maxus":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end`
