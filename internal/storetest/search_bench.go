package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/seed"
	"github.com/bottletrail/bottletrail/internal/sqlstore"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// The console search benchmark (docs/BENCHMARKS-console.md). For each size
// in EnvBenchSearchSizes (default 10,000 and 1,000,000 orders) the one
// committed seeder (internal/seed) fills a store with that many orders,
// each with one parcel of SearchBenchEvents scans, spread evenly over
// searchBenchDays days (one seeder call a day, newest day last); then the
// fixture adds what the seeder does not write (see prepareSearchBench)
// and runs ANALYZE. Each size is seeded once per run and kept for all its
// searches; sizes after the first report every search's p50 and p99 as a
// ratio to the first size's, measured earlier in the same run.
const (
	EnvBenchSearchSizes = "BOTTLETRAIL_BENCH_SEARCH_SIZES"
	// EnvBenchSearchKeep set to 1 keeps each size's seeded store after the
	// run and reuses it in the next one instead of seeding again (the
	// engine's open function says where it is kept). For working on plans
	// and indexes; the documented figures come from fresh stores.
	EnvBenchSearchKeep = "BOTTLETRAIL_BENCH_SEARCH_KEEP"
	// EnvBenchSearchBudget bounds the time one kind of search is sampled
	// for (default 60s): a search slower than budget/b.N is sampled fewer
	// than b.N times, and reports how many.
	EnvBenchSearchBudget = "BOTTLETRAIL_BENCH_SEARCH_BUDGET"
	// EnvBenchNoAnalyze set to 1 leaves the store without planner
	// statistics, as an SQLite store is unless someone runs ANALYZE or
	// PRAGMA optimize: a fresh store is not analyzed, and a kept SQLite
	// store has its statistics deleted.
	EnvBenchNoAnalyze = "BOTTLETRAIL_BENCH_NO_ANALYZE"
	// SearchBenchEvents is the number of scans of every seeded parcel.
	SearchBenchEvents = 20
	searchBenchDays   = 365
	searchBenchBrand  = "search"
	// searchSampleSize is how many orders the pickers draw their search
	// text from; the first searchUniqueNames get a name no other order has.
	searchSampleSize  = 1000
	searchUniqueNames = 500
	// searchFrequentName is the buyer of one order in
	// searchFrequentEvery: 0.033 %, about the share of China's most
	// common full names (张伟, some 290,000 people, 0.02 %).
	searchFrequentName  = "王秀英"
	searchFrequentEvery = 3000
)

// SearchStore is what the search benchmark needs of a store.
type SearchStore interface {
	Store
	trail.OrderSearchService
}

// SearchTarget is a store for one size of the search benchmark: empty and
// freshly migrated, or, with EnvBenchSearchKeep, possibly one a previous run
// seeded.
type SearchTarget struct {
	Store SearchStore
	// DB is the pool the store writes through (SQLite: its writer), which
	// the seeder and the fixture write with.
	DB      *sql.DB
	Dialect sqlstore.Dialect
	Sealer  trail.Sealer
	// SetNow replaces the store's clock.
	SetNow func(func() time.Time)
	// Where names the file or schema, for the log.
	Where string
}

// SearchOpenFunc opens the store for a data set of orders orders, with
// cleanups registered on owner (the top-level benchmark), so that it
// outlives the sub-benchmark that opened it. With keep, the store is not
// removed at the end and the same size opens the same store next time.
type SearchOpenFunc func(b, owner *testing.B, orders int, keep bool) *SearchTarget

// searchBenchFixture is a seeded store and the search text drawn from it.
type searchBenchFixture struct {
	t       *SearchTarget
	brandID int64
	orders  int
	now     time.Time // creation of the newest orders; the store's clock
	unique  []searchBenchSample
	common  []searchBenchSample
}

// searchBenchSample is one seeded order as an agent would know it.
type searchBenchSample struct {
	orderNo, trackingNo, phone, name string
}

// searchBenchCase is one kind of console search.
type searchBenchCase struct {
	name string
	// search returns the k-th search of a run, and the order number the
	// results must hold ("" if none in particular).
	search func(f *searchBenchFixture, r *rand.Rand) (trail.OrderSearch, string)
	check  func(f *searchBenchFixture, s trail.OrderSearch, res *trail.OrderResults) error
	// prepare, if set, turns a search into the one to time, untimed (the
	// second page fetches the first page's cursor).
	prepare func(ctx context.Context, f *searchBenchFixture, s trail.OrderSearch) (trail.OrderSearch, error)
}

// searchBenchCases are the console's searches, each a sub-benchmark.
var searchBenchCases = []searchBenchCase{
	{name: "order_no", search: func(f *searchBenchFixture, r *rand.Rand) (trail.OrderSearch, string) {
		o := f.pick(r)
		return trail.OrderSearch{Q: o.orderNo}, o.orderNo
	}, check: searchWantOne},
	{name: "tracking_no", search: func(f *searchBenchFixture, r *rand.Rand) (trail.OrderSearch, string) {
		o := f.pick(r)
		return trail.OrderSearch{Q: o.trackingNo}, o.orderNo
	}, check: searchWantOne},
	{name: "phone", search: func(f *searchBenchFixture, r *rand.Rand) (trail.OrderSearch, string) {
		o := f.pick(r)
		return trail.OrderSearch{Q: o.phone}, o.orderNo
	}, check: searchWantOne},
	{name: "name_unique", search: func(f *searchBenchFixture, r *rand.Rand) (trail.OrderSearch, string) {
		o := f.unique[r.IntN(len(f.unique))]
		return trail.OrderSearch{Q: o.name}, o.orderNo
	}, check: searchWantOne},
	// A name as frequent as China's most common ones (see
	// searchFrequentName).
	{name: "name_frequent", search: func(f *searchBenchFixture, r *rand.Rand) (trail.OrderSearch, string) {
		return trail.OrderSearch{Q: searchFrequentName}, ""
	}, check: searchWantSome},
	// The seeder gives its orders twelve names in turn, so each of these
	// matches a twelfth of the buyers and some recipients.
	{name: "name_common", search: func(f *searchBenchFixture, r *rand.Rand) (trail.OrderSearch, string) {
		return trail.OrderSearch{Q: f.common[r.IntN(len(f.common))].name}, ""
	}, check: searchWantFullPage},
	{name: "status_7days_p1", search: searchBenchWeek, check: searchWantFullPage},
	{name: "status_7days_p2", search: searchBenchWeek, check: searchWantFullPage, prepare: searchBenchSecondPages},
	{name: "exception_30days", search: func(f *searchBenchFixture, r *rand.Rand) (trail.OrderSearch, string) {
		from, to := f.days(r, 30)
		return trail.OrderSearch{Status: trail.OrderException, CreatedFrom: from, CreatedTo: to, Limit: 50}, ""
	}, check: searchWantSome},
	{name: "open_alert", search: func(f *searchBenchFixture, r *rand.Rand) (trail.OrderSearch, string) {
		return trail.OrderSearch{HasOpenAlert: true}, ""
	}, check: searchWantSome},
	{name: "occasion_7days", search: func(f *searchBenchFixture, r *rand.Rand) (trail.OrderSearch, string) {
		return trail.OrderSearch{OccasionWithinDays: 7}, ""
	}, check: searchWantSome},
}

// searchBenchWeek is a status filter over a week somewhere in the year, a page
// of 50: nearly every seeded parcel is in transit, so nearly every order
// of the week is shipped.
func searchBenchWeek(f *searchBenchFixture, r *rand.Rand) (trail.OrderSearch, string) {
	from, to := f.days(r, 7)
	return trail.OrderSearch{Status: trail.OrderShipped, CreatedFrom: from, CreatedTo: to, Limit: 50}, ""
}

// searchBenchSecondPages turns a first-page search into its second page.
func searchBenchSecondPages(ctx context.Context, f *searchBenchFixture, s trail.OrderSearch) (trail.OrderSearch, error) {
	res, err := f.t.Store.SearchOrders(ctx, f.brandID, s)
	if err != nil {
		return s, err
	}
	if res.NextCursor == "" {
		return s, fmt.Errorf("%+v: no second page", s)
	}
	s.Cursor = res.NextCursor
	return s, nil
}

func searchWantOne(f *searchBenchFixture, s trail.OrderSearch, res *trail.OrderResults) error {
	if len(res.Orders) == 0 {
		return errors.New("no result")
	}
	return nil
}

func searchWantSome(f *searchBenchFixture, s trail.OrderSearch, res *trail.OrderResults) error {
	if len(res.Orders) == 0 && res.NextCursor == "" {
		return errors.New("no result and no next page")
	}
	for _, o := range res.Orders {
		if s.Status != "" && o.Status != s.Status {
			return fmt.Errorf("order %s is %s", o.OrderNo, o.Status)
		}
	}
	return nil
}

func searchWantFullPage(f *searchBenchFixture, s trail.OrderSearch, res *trail.OrderResults) error {
	if err := searchWantSome(f, s, res); err != nil {
		return err
	}
	limit := s.Limit
	if limit == 0 {
		limit = trail.DefaultSearchLimit
	}
	if len(res.Orders) != limit || res.NextCursor == "" {
		return fmt.Errorf("%d results (cursor %q), want a full page of %d and more", len(res.Orders), res.NextCursor, limit)
	}
	return nil
}

// pick draws a seeded order with its seeder-given name.
func (f *searchBenchFixture) pick(r *rand.Rand) searchBenchSample {
	if r.IntN(2) == 0 {
		return f.unique[r.IntN(len(f.unique))]
	}
	return f.common[r.IntN(len(f.common))]
}

// days returns a range of n creation days (China time) ending on a random
// day of the seeded year that leaves n days inside it.
func (f *searchBenchFixture) days(r *rand.Rand, n int) (from, to *trail.Date) {
	end := f.now.In(trail.ChinaTime).AddDate(0, 0, -r.IntN(searchBenchDays-n+1))
	a := trail.Date(end.AddDate(0, 0, -(n - 1)).Format(time.DateOnly))
	z := trail.Date(end.Format(time.DateOnly))
	return &a, &z
}

// BenchmarkSearch measures the operator console's order search
// (trail.OrderSearchService) on each size's seeded store, one
// sub-benchmark per kind of search (searchBenchCases), named
// orders=N/<search>. Every call's duration is recorded; each
// sub-benchmark reports their p50_ms and p99_ms and, for sizes after the
// first, p50_x_first and p99_x_first, the ratios to the same search on the
// first size. Run with -benchtime=Nx: each call draws its own search text
// (a seeded order, a week of the year) from a fixed-seed PRNG. The timer
// of the framework is not used: ns/op is the mean of the sampled calls.
func BenchmarkSearch(b *testing.B, open SearchOpenFunc) {
	sizes := searchBenchSizes(b)
	keep := os.Getenv(EnvBenchSearchKeep) == "1"
	owner := b
	fixtures := map[int]*searchBenchFixture{}
	first := map[string][2]float64{}
	for _, n := range sizes {
		for _, c := range searchBenchCases {
			b.Run(fmt.Sprintf("orders=%d/%s", n, c.name), func(b *testing.B) {
				f := fixtures[n]
				if f == nil {
					f = newSearchBenchFixture(b, owner, open, n, keep)
					fixtures[n] = f
				}
				p50, p99 := benchSearchCase(b, f, c)
				if n == sizes[0] {
					first[c.name] = [2]float64{p50, p99}
				} else if r, ok := first[c.name]; ok {
					b.ReportMetric(p50/r[0], "p50_x_first")
					b.ReportMetric(p99/r[1], "p99_x_first")
				}
			})
		}
	}
}

// benchSearchCase times up to b.N searches of one kind, fewer if they
// take more than the time budget (EnvBenchSearchBudget), and returns their
// p50 and p99 in milliseconds. ns/op is their mean; samples says how many
// there were. The results are checked after the timed calls.
func benchSearchCase(b *testing.B, f *searchBenchFixture, c searchBenchCase) (p50, p99 float64) {
	ctx := context.Background()
	budget := searchBenchBudget(b)
	h := fnv.New64a()
	h.Write([]byte(c.name))
	r := rand.New(rand.NewPCG(h.Sum64(), uint64(f.orders)))
	var took []time.Duration
	var spent time.Duration
	type call struct {
		s    trail.OrderSearch
		want string
		res  *trail.OrderResults
	}
	var calls []call
	for range b.N {
		s, want := c.search(f, r)
		if c.prepare != nil {
			var err error
			if s, err = c.prepare(ctx, f, s); err != nil {
				b.Fatal(err)
			}
		}
		start := time.Now()
		res, err := f.t.Store.SearchOrders(ctx, f.brandID, s)
		d := time.Since(start)
		if err != nil {
			b.Fatalf("search %+v: %v", s, err)
		}
		took, spent = append(took, d), spent+d
		calls = append(calls, call{s, want, res})
		if spent > budget {
			break
		}
	}
	results := 0
	for _, c2 := range calls {
		if err := c.check(f, c2.s, c2.res); err != nil {
			b.Fatalf("search %+v: %v", c2.s, err)
		}
		if c2.want != "" && !slices.ContainsFunc(c2.res.Orders, func(o *trail.OrderSummary) bool { return o.OrderNo == c2.want }) {
			b.Fatalf("search %+v: order %s not among the results", c2.s, c2.want)
		}
		results += len(c2.res.Orders)
	}
	slices.Sort(took)
	p50 = float64(took[len(took)/2]) / 1e6
	p99 = float64(took[len(took)*99/100]) / 1e6
	b.ReportMetric(float64(spent.Nanoseconds())/float64(len(took)), "ns/op")
	b.ReportMetric(p50, "p50_ms")
	b.ReportMetric(p99, "p99_ms")
	b.ReportMetric(float64(len(took)), "samples")
	b.ReportMetric(float64(results)/float64(len(took)), "results/op")
	return p50, p99
}

// searchBenchBudget is the time one kind of search may take in all.
func searchBenchBudget(b *testing.B) time.Duration {
	v := os.Getenv(EnvBenchSearchBudget)
	if v == "" {
		return time.Minute
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		b.Fatalf("%s=%q: want a duration such as 60s", EnvBenchSearchBudget, v)
	}
	return d
}

func searchBenchSizes(b *testing.B) []int {
	s := os.Getenv(EnvBenchSearchSizes)
	if s == "" {
		return []int{10000, 1000000}
	}
	var sizes []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 10000 {
			b.Fatalf("%s=%q: want sizes of at least 10000 orders (a week must hold two pages of 50)", EnvBenchSearchSizes, s)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// newSearchBenchFixture opens the store for n orders, seeds it unless it was
// kept seeded, and draws the search text.
func newSearchBenchFixture(b, owner *testing.B, open SearchOpenFunc, n int, keep bool) *searchBenchFixture {
	b.Helper()
	ctx := context.Background()
	t := open(b, owner, n, keep)
	f := &searchBenchFixture{t: t, orders: n}
	noAnalyze := os.Getenv(EnvBenchNoAnalyze) == "1"
	var base string
	err := t.DB.QueryRowContext(ctx, `SELECT base FROM bench_search_fixture WHERE orders = `+strconv.Itoa(n)).Scan(&base)
	if err == nil {
		if f.now, err = time.Parse(time.RFC3339, base); err != nil {
			b.Fatal(err)
		}
		b.Logf("search fixture %d: reusing the store seeded at %s in %s", n, base, t.Where)
		// Statistics for indexes a migration added since, or none.
		start := time.Now()
		switch {
		case !noAnalyze:
			if _, err := t.DB.ExecContext(ctx, `ANALYZE`); err != nil {
				b.Fatal(err)
			}
			b.Logf("search fixture %d: ANALYZE in %.1f s", n, time.Since(start).Seconds())
		case t.Dialect.Name == "sqlite":
			for _, q := range []string{`DELETE FROM sqlite_stat1`, `DELETE FROM sqlite_stat4`} {
				if _, err := t.DB.ExecContext(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("search fixture %d: statistics deleted", n)
		default:
			b.Fatalf("%s=1: the kept %s store keeps its statistics; seed a fresh one", EnvBenchNoAnalyze, t.Dialect.Name)
		}
	} else {
		var orders int
		if err := t.DB.QueryRowContext(ctx, `SELECT count(*) FROM orders`).Scan(&orders); err != nil {
			b.Fatal(err)
		}
		if orders != 0 {
			b.Fatalf("the kept store in %s holds %d orders but was not seeded to the end: remove it", t.Where, orders)
		}
		f.now = time.Now().UTC().Truncate(time.Second)
		seedSearchBench(b, f, !noAnalyze)
	}
	t.SetNow(func() time.Time { return f.now })
	brand, err := t.Store.BrandBySlug(ctx, searchBenchBrand)
	if err != nil {
		b.Fatal(err)
	}
	f.brandID = brand.ID
	samples := f.samples(b)
	f.unique, f.common = samples[:searchUniqueNames], samples[searchUniqueNames:]
	return f
}

// seedSearchBench seeds f's empty store: n orders over a year, the
// rows the seeder does not write, and unless told not to, ANALYZE.
func seedSearchBench(b *testing.B, f *searchBenchFixture, analyze bool) {
	b.Helper()
	ctx := context.Background()
	t, n := f.t, f.orders
	target := seed.Target{Store: t.Store, DB: t.DB, Dialect: t.Dialect, Sealer: t.Sealer}
	start := time.Now()
	fmt.Fprintf(os.Stderr, "search fixture %d on %s: seeding %d orders × %d events over %d days in %s\n",
		n, t.Dialect.Name, n, SearchBenchEvents, searchBenchDays, t.Where)
	done, step := 0, 0
	for d := range searchBenchDays {
		count := n*(d+1)/searchBenchDays - n*d/searchBenchDays
		if count == 0 {
			continue
		}
		_, err := seed.Seed(ctx, target, seed.Options{Brand: searchBenchBrand, Parcels: count,
			Events: func(int) int { return SearchBenchEvents }, Batch: 1000,
			Now: f.now.Add(-time.Duration(searchBenchDays-1-d) * 24 * time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		done += count
		if s := done * 20 / n; s != step {
			step = s
			secs := time.Since(start).Seconds()
			fmt.Fprintf(os.Stderr, "search fixture %d on %s: %d orders (%d%%) in %.0f s, %.0f orders/s\n",
				n, t.Dialect.Name, done, s*5, secs, float64(done)/secs)
		}
	}
	seeded := time.Since(start)
	start = time.Now()
	prepareSearchBench(b, f)
	prepared := time.Since(start)
	start = time.Now()
	if analyze {
		if _, err := t.DB.ExecContext(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	analyzed := time.Since(start)
	if _, err := t.DB.ExecContext(ctx, `CREATE TABLE bench_search_fixture (orders INTEGER NOT NULL, base TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	if _, err := t.DB.ExecContext(ctx, t.Dialect.Rebind(`INSERT INTO bench_search_fixture VALUES (?, ?)`), n, f.now.Format(time.RFC3339)); err != nil {
		b.Fatal(err)
	}
	var events int64
	if err := t.DB.QueryRowContext(ctx, `SELECT count(*) FROM tracking_events`).Scan(&events); err != nil {
		b.Fatal(err)
	}
	msg := fmt.Sprintf("search fixture %d on %s: seeded %d orders and %d events in %.1f s (%.0f orders/s), fixture rows in %.1f s, ANALYZE (%t) in %.1f s",
		n, t.Dialect.Name, n, events, seeded.Seconds(), float64(n)/seeded.Seconds(), prepared.Seconds(), analyze, analyzed.Seconds())
	fmt.Fprintln(os.Stderr, msg)
	b.Log(msg)
}

// prepareSearchBench adds what the seeder does not write and a console
// searches for:
//   - searchUniqueNames of the sampled orders get a buyer name of their
//     own (the seeder uses twelve names in turn), sealed and hashed as the
//     store would;
//   - one order in searchFrequentEvery is bought by searchFrequentName;
//   - one parcel in a hundred is in exception, so that a status filter has
//     something rare to look for;
//   - one order in 200 has an alert, one in five of them still open: 0.1 %
//     of the orders, spread over the year.
func prepareSearchBench(b *testing.B, f *searchBenchFixture) {
	b.Helper()
	ctx := context.Background()
	t := f.t
	var brandID int64
	if err := t.DB.QueryRowContext(ctx, t.Dialect.Rebind(`SELECT id FROM brands WHERE slug = ?`), searchBenchBrand).Scan(&brandID); err != nil {
		b.Fatal(err)
	}
	ids := searchBenchSampleIDs(b, t, brandID, f.orders)
	tx, err := t.DB.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	for k, id := range ids[:searchUniqueNames] {
		name := searchBenchName(k)
		sealed, err := t.Sealer.Seal(name)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, t.Dialect.Rebind(`UPDATE orders SET customer_name = ?, customer_name_hash = ? WHERE id = ?`),
			sealed, t.Sealer.Hash(trail.HashName, trail.HashKeyName(name)), id); err != nil {
			b.Fatal(err)
		}
	}
	sealed, err := t.Sealer.Seal(searchFrequentName)
	if err != nil {
		b.Fatal(err)
	}
	// IDs ≡ 1 modulo searchFrequentEvery are never sampled (multiples of
	// the sampling step, which divides it).
	if _, err := tx.ExecContext(ctx, t.Dialect.Rebind(`UPDATE orders SET customer_name = ?, customer_name_hash = ? WHERE brand_id = ? AND id % ? = 1`),
		sealed, t.Sealer.Hash(trail.HashName, trail.HashKeyName(searchFrequentName)), brandID, searchFrequentEvery); err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE shipments SET status = 'exception' WHERE brand_id = ? AND id % 100 = 0`,
		`INSERT INTO alerts (brand_id, type, severity, cause_key, order_id, explanation, opened_at, resolved_at, updated_at)
			SELECT brand_id, 'eta_risk', 'warning', 'bench:' || id, id, 'bench', created_at,
			CASE WHEN (id / 200) % 5 = 0 THEN NULL ELSE created_at END, created_at
			FROM orders WHERE brand_id = ? AND id % 200 = 0`,
	} {
		if _, err := tx.ExecContext(ctx, t.Dialect.Rebind(q), brandID); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// searchBenchSampleIDs returns the IDs of searchSampleSize orders spread over the
// brand's, in ID order: the same ones for the same store.
func searchBenchSampleIDs(b *testing.B, t *SearchTarget, brandID int64, n int) []int64 {
	b.Helper()
	rows, err := t.DB.QueryContext(context.Background(), t.Dialect.Rebind(
		`SELECT id FROM orders WHERE brand_id = ? AND id % ? = 0 ORDER BY id LIMIT ?`), brandID, n/searchSampleSize, searchSampleSize)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	if len(ids) != searchSampleSize {
		b.Fatalf("sampled %d orders, want %d", len(ids), searchSampleSize)
	}
	return ids
}

// samples reads the sampled orders back: number, tracking number, and the
// buyer's phone and name, opened.
func (f *searchBenchFixture) samples(b *testing.B) []searchBenchSample {
	b.Helper()
	t := f.t
	ids := searchBenchSampleIDs(b, t, f.brandID, f.orders)
	out := make([]searchBenchSample, 0, len(ids))
	for _, id := range ids {
		var s searchBenchSample
		var name, phone []byte
		err := t.DB.QueryRowContext(context.Background(), t.Dialect.Rebind(`SELECT o.order_no, s.tracking_no, o.customer_name, o.customer_phone
			FROM orders o JOIN shipments s ON s.order_id = o.id WHERE o.id = ?`), id).Scan(&s.orderNo, &s.trackingNo, &name, &phone)
		if err != nil {
			b.Fatal(err)
		}
		if s.name, err = t.Sealer.Open(name); err != nil {
			b.Fatal(err)
		}
		if s.phone, err = t.Sealer.Open(phone); err != nil {
			b.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// searchBenchName is the k-th of 4,000 names no seeded order has.
func searchBenchName(k int) string {
	surnames := []string{"司马", "上官", "诸葛", "东方", "皇甫", "慕容", "令狐", "宇文", "尉迟", "长孙"}
	given := []string{"子", "文", "思", "雨", "嘉", "梓", "浩", "欣", "宇", "晨", "一", "若", "书", "逸", "沐", "清", "景", "安", "俊", "瑶"}
	return surnames[k%10] + given[(k/10)%20] + given[(k/200)%20]
}
