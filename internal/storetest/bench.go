package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/sqlstore"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// The ingestion benchmark's workload: BenchShipments parcels (10,000 unless
// EnvBenchShipments says otherwise) of BenchEventsPerShipment scans each. A
// carrier re-pushes a parcel's full history after every scan, so parcel p
// receives pushes carrying events 1..1, 1..2, ..., 1..20: 20 pushes, 210
// event rows offered, of which 20 are new. BenchWorkers goroutines (4 unless
// EnvBenchWorkers says otherwise) deliver the pushes in the order a callback
// stream would, interleaving all parcels by scan time.
//
// Every benchmark iteration opens a fresh store and seeds it with the timer
// stopped, then runs the whole workload once with the timer running. Run with
// -benchtime=1x: one iteration is the documented measurement.
const (
	EnvBenchShipments      = "BOTTLETRAIL_BENCH_SHIPMENTS"
	EnvBenchWorkers        = "BOTTLETRAIL_BENCH_WORKERS"
	DefaultBenchShipments  = 10000
	DefaultBenchWorkers    = 4
	BenchEventsPerShipment = 20
	// BaselineBatchRows is the number of rows in one statement (and one
	// transaction) of the batched-INSERT baseline.
	BaselineBatchRows = 500
)

// BenchTarget is a freshly migrated, empty store opened for one benchmark
// iteration, with the database/sql pool the store itself writes through, for
// the baseline and for checking the outcome: same driver, same connections,
// same durability settings, so that the baseline measures the engine and not
// a different configuration.
type BenchTarget struct {
	Store   Store
	Raw     *sql.DB
	Dialect sqlstore.Dialect
}

// BenchOpenFunc opens a fresh target; it closes it through b.Cleanup.
type BenchOpenFunc func(b *testing.B) *BenchTarget

// BenchmarkIngest measures the ingestion core (ShipmentService.Ingest) on the
// re-pushed-history workload and reports new_events/s, pushes/s,
// event_rows/s (every event offered, duplicates included) and push latency.
// It also reports its rates divided by the batched-INSERT baseline's rows/s
// on the same engine, measured by BenchmarkBaselineInsert earlier in the
// same process or, failing that, here with the timer stopped.
func BenchmarkIngest(b *testing.B, open BenchOpenFunc) {
	cfg := benchConfigFromEnv(b)
	w := benchWorkloadFor(cfg.shipments)
	ctx := context.Background()
	var pushes, offered, created, duplicates int64
	var latency []time.Duration
	var engine string
	b.StopTimer()
	b.ResetTimer()
	for range b.N {
		t := open(b)
		engine = t.Dialect.Name
		brandID := seedBench(b, t.Store, w, cfg.workers)

		var next, nNew, nDup, nOffered atomic.Int64
		var firstErr atomic.Pointer[error]
		lat := make([]time.Duration, len(w.pushes))
		var wg sync.WaitGroup
		b.StartTimer()
		for range cfg.workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1) - 1
					if i >= int64(len(w.pushes)) || firstErr.Load() != nil {
						return
					}
					p := w.pushes[i]
					parcel := &w.parcels[p.parcel]
					// A fresh slice per push, as a decoded callback body would be:
					// Ingest normalises its events in place.
					events := slices.Clone(parcel.events[:p.n])
					start := time.Now()
					res, err := t.Store.Ingest(ctx, brandID, parcel.carrier, parcel.trackingNo, events)
					lat[i] = time.Since(start)
					if err != nil {
						firstErr.CompareAndSwap(nil, &err)
						return
					}
					nNew.Add(int64(res.New))
					nDup.Add(int64(res.Duplicates))
					nOffered.Add(int64(p.n))
				}
			}()
		}
		wg.Wait()
		b.StopTimer()
		if err := firstErr.Load(); err != nil {
			b.Fatalf("ingest: %v", *err)
		}
		wantEvents := int64(len(w.parcels) * BenchEventsPerShipment)
		if nNew.Load() != wantEvents || nNew.Load()+nDup.Load() != nOffered.Load() {
			b.Fatalf("ingest: got %d new and %d duplicates of %d offered, want %d new", nNew.Load(), nDup.Load(), nOffered.Load(), wantEvents)
		}
		checkOutcome(b, t, w)
		pushes += int64(len(w.pushes))
		offered += nOffered.Load()
		created += nNew.Load()
		duplicates += nDup.Load()
		latency = append(latency, lat...)
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(created)/secs, "new_events/s")
	b.ReportMetric(float64(pushes)/secs, "pushes/s")
	b.ReportMetric(float64(offered)/secs, "event_rows/s")
	slices.Sort(latency)
	b.ReportMetric(float64(latency[len(latency)/2])/1e6, "p50_ms")
	b.ReportMetric(float64(latency[len(latency)*99/100])/1e6, "p99_ms")
	base, ok := baselineRates.Load(baselineKey(engine, cfg.shipments, false))
	if !ok {
		t := open(b)
		rows, d := runBaseline(b, t, w, baselineRun{batch: BaselineBatchRows, workers: 1}, cfg.workers, false)
		base = float64(rows) / d.Seconds()
	}
	baseline := base.(float64)
	b.ReportMetric(float64(created)/secs/baseline, "new/baseline")
	b.ReportMetric(float64(offered)/secs/baseline, "offered/baseline")
	if base, ok := baselineRates.Load(baselineKey(engine, cfg.shipments, true)); ok {
		baseline := base.(float64)
		b.ReportMetric(float64(created)/secs/baseline, "new/baseline_by_parcel")
		b.ReportMetric(float64(offered)/secs/baseline, "offered/baseline_by_parcel")
	}
}

// BenchmarkBaselineInsert measures the engine without the core: the same
// distinct event rows the ingestion workload stores, in the order it stores
// them (the order the carriers' scans arrive in), written into the
// tracking_events table of a freshly migrated and seeded store with plain
// multi-row INSERTs of BaselineBatchRows rows, one transaction per statement,
// from one goroutine. It reports rows/s; BenchmarkIngest's ratios divide by
// it.
func BenchmarkBaselineInsert(b *testing.B, open BenchOpenFunc) {
	benchBaseline(b, open, baselineRun{batch: BaselineBatchRows, workers: 1})
}

// BenchmarkBaselineInsertByParcel is BenchmarkBaselineInsert with the rows
// grouped by parcel, as a bulk loader holding them all might sort them: each
// statement then touches few pages of the (shipment_id, fingerprint) index.
// It is the engine's best case, not what a stream of callbacks delivers;
// BenchmarkIngest reports ratios to it too when it ran before.
func BenchmarkBaselineInsertByParcel(b *testing.B, open BenchOpenFunc) {
	benchBaseline(b, open, baselineRun{batch: BaselineBatchRows, workers: 1, byParcel: true})
}

// BenchmarkBaselinePerPush is a second reference: the same rows, each in its
// own single-row INSERT and its own transaction, from the workload's
// concurrent workers in push order. That is the least an ingestion path that
// commits every push before answering it must pay per new event, without
// reading anything, deduplicating or deriving a status. It reports rows/s.
func BenchmarkBaselinePerPush(b *testing.B, open BenchOpenFunc) {
	benchBaseline(b, open, baselineRun{batch: 1, workers: benchConfigFromEnv(b).workers})
}

// baselineRun says how a baseline writes the rows: batch rows per statement
// and transaction, from workers goroutines, in push order or by parcel.
type baselineRun struct {
	batch, workers int
	byParcel       bool
}

func benchBaseline(b *testing.B, open BenchOpenFunc, run baselineRun) {
	cfg := benchConfigFromEnv(b)
	w := benchWorkloadFor(cfg.shipments)
	var rows int
	var engine string
	b.StopTimer()
	b.ResetTimer()
	for range b.N {
		t := open(b)
		engine = t.Dialect.Name
		n, _ := runBaseline(b, t, w, run, cfg.workers, true)
		rows += n
	}
	rate := float64(rows) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "rows/s")
	if run.batch > 1 {
		baselineRates.Store(baselineKey(engine, cfg.shipments, run.byParcel), rate)
	}
}

// baselineRates holds the batched baselines' rows/s by engine, size and row
// order, for BenchmarkIngest's ratios.
var baselineRates sync.Map

func baselineKey(engine string, shipments int, byParcel bool) string {
	return fmt.Sprintf("%s/%d/%t", engine, shipments, byParcel)
}

// runBaseline seeds t, then inserts every event of the workload as run says.
// It returns the rows written and the time they took; if timed, the inserts,
// and only they, also run with the benchmark's timer on.
func runBaseline(b *testing.B, t *BenchTarget, w *benchWorkload, run baselineRun, seedWorkers int, timed bool) (int, time.Duration) {
	ctx := context.Background()
	seedBench(b, t.Store, w, seedWorkers)
	ids := map[string]int64{}
	rows, err := t.Raw.QueryContext(ctx, `SELECT id, tracking_no FROM shipments`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var no string
		if err := rows.Scan(&id, &no); err != nil {
			b.Fatal(err)
		}
		ids[no] = id
	}
	if err := rows.Close(); err != nil {
		b.Fatal(err)
	}

	// The rows the core stores, in the order it stores them (each push brings
	// its parcel's next scan), or grouped by parcel.
	const perRow = 12
	d := t.Dialect
	received := d.TimeArg(time.Now())
	type statement struct {
		query string
		args  []any
	}
	var stmts []statement
	queries := map[int]string{}
	order := w.pushes
	if run.byParcel {
		order = slices.Clone(order)
		slices.SortFunc(order, func(a, b benchPush) int {
			if a.parcel != b.parcel {
				return a.parcel - b.parcel
			}
			return a.n - b.n
		})
	}
	batch := run.batch
	for start := 0; start < len(order); start += batch {
		part := order[start:min(start+batch, len(order))]
		q, ok := queries[len(part)]
		if !ok {
			q = insertEventsSQL(d, len(part))
			queries[len(part)] = q
		}
		args := make([]any, 0, len(part)*perRow)
		for _, p := range part {
			parcel := &w.parcels[p.parcel]
			e := parcel.events[p.n-1]
			e.Normalize()
			args = append(args, ids[parcel.trackingNo], e.Fingerprint(), received, d.TimeArg(e.Time), string(e.Status),
				e.SubStatus, e.RawCode, e.Description, e.Location, e.AreaCode, e.ExternalID, e.Source)
		}
		stmts = append(stmts, statement{q, args})
	}

	var next atomic.Int64
	var firstErr atomic.Pointer[error]
	var wg sync.WaitGroup
	began := time.Now()
	if timed {
		b.StartTimer()
	}
	for range run.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(stmts)) || firstErr.Load() != nil {
					return
				}
				err := func() error {
					tx, err := t.Raw.BeginTx(ctx, nil)
					if err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, stmts[i].query, stmts[i].args...); err != nil {
						tx.Rollback()
						return err
					}
					return tx.Commit()
				}()
				if err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(began)
	if timed {
		b.StopTimer()
	}
	if err := firstErr.Load(); err != nil {
		b.Fatalf("baseline insert: %v", *err)
	}
	var n int
	if err := t.Raw.QueryRowContext(ctx, `SELECT count(*) FROM tracking_events`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if want := len(w.pushes); n != want {
		b.Fatalf("baseline: %d rows stored, want %d", n, want)
	}
	return n, took
}

// insertEventsSQL is a plain INSERT of n rows into tracking_events, with the
// same columns the core writes.
func insertEventsSQL(d sqlstore.Dialect, n int) string {
	const cols = 12
	var q strings.Builder
	q.WriteString(`INSERT INTO tracking_events (shipment_id, fingerprint, received_at, time, status, sub_status, raw_code, description, location, area_code, external_id, source) VALUES `)
	p := 0
	for i := range n {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for j := range cols {
			if j > 0 {
				q.WriteString(", ")
			}
			p++
			if d.NumberedParams {
				q.WriteString("$" + strconv.Itoa(p))
			} else {
				q.WriteByte('?')
			}
		}
		q.WriteByte(')')
	}
	return q.String()
}

// checkOutcome verifies, with the timer stopped, that every event is stored
// exactly once and every parcel ended delivered.
func checkOutcome(b *testing.B, t *BenchTarget, w *benchWorkload) {
	ctx := context.Background()
	var events, delivered int
	if err := t.Raw.QueryRowContext(ctx, `SELECT count(*) FROM tracking_events`).Scan(&events); err != nil {
		b.Fatal(err)
	}
	if err := t.Raw.QueryRowContext(ctx, `SELECT count(*) FROM shipments WHERE status = 'delivered'`).Scan(&delivered); err != nil {
		b.Fatal(err)
	}
	if events != len(w.parcels)*BenchEventsPerShipment || delivered != len(w.parcels) {
		b.Fatalf("after ingest: %d events and %d delivered parcels, want %d and %d",
			events, delivered, len(w.parcels)*BenchEventsPerShipment, len(w.parcels))
	}
}

type benchConfig struct{ shipments, workers int }

func benchConfigFromEnv(b *testing.B) benchConfig {
	get := func(name string, def int) int {
		v := os.Getenv(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive integer", name, v)
		}
		return n
	}
	return benchConfig{shipments: get(EnvBenchShipments, DefaultBenchShipments), workers: get(EnvBenchWorkers, DefaultBenchWorkers)}
}

// seedBench creates the brand, the SKU, the carriers' alcohol compliance, and
// one order with one parcel per workload parcel, from workers goroutines. It returns the brand's ID.
func seedBench(b *testing.B, s Store, w *benchWorkload, workers int) int64 {
	b.Helper()
	ctx := context.Background()
	brand := &trail.Brand{Slug: "bench-brewery", Name: "压测酒坊"}
	if _, err := s.CreateBrand(ctx, brand); err != nil {
		b.Fatal(err)
	}
	if _, err := s.PutSKU(ctx, brand.ID, &trail.SKU{Code: "PLUM-330", Name: "青梅酒 330ml", Fragile: true, Alcohol: true, LeadTime: trail.LeadTime{Min: 5, Max: 10}}); err != nil {
		b.Fatal(err)
	}
	for _, c := range benchCarriers { // rice wine ships only with carriers declared fit for alcohol
		if _, err := s.PutCompliance(ctx, brand.ID, &trail.Compliance{Carrier: c.code, Alcohol: true, Fragile: true}); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	var firstErr atomic.Pointer[error]
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(w.parcels)) || firstErr.Load() != nil {
					return
				}
				p := &w.parcels[i]
				o := p.order()
				if _, err := s.CreateOrder(ctx, brand.ID, o); err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
				sh := &trail.Shipment{Carrier: p.carrier, TrackingNo: p.trackingNo, Items: []trail.ShipmentItem{{SKU: "PLUM-330", Quantity: 6}}}
				sh.Normalize()
				if _, err := s.CreateShipment(ctx, brand.ID, o.OrderNo, sh); err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := firstErr.Load(); err != nil {
		b.Fatalf("seed: %v", *err)
	}
	return brand.ID
}

// benchParcel is one parcel of the workload with its full history.
type benchParcel struct {
	seq        int
	carrier    string
	trackingNo string
	from, to   benchCity
	events     []trail.CarrierEvent // oldest first
}

// benchPush is the carrier's push of a parcel's first n events.
type benchPush struct{ parcel, n int }

type benchWorkload struct {
	parcels []benchParcel
	pushes  []benchPush // in the order the carrier sends them
}

var benchWorkloads sync.Map // size → *benchWorkload

// benchWorkloadFor returns the deterministic workload of n parcels.
func benchWorkloadFor(n int) *benchWorkload {
	if w, ok := benchWorkloads.Load(n); ok {
		return w.(*benchWorkload)
	}
	w, _ := benchWorkloads.LoadOrStore(n, newBenchWorkload(n))
	return w.(*benchWorkload)
}

type benchCity struct{ province, city, district, hub, area, plate string }

var benchCities = []benchCity{
	{"浙江省", "杭州市", "西湖区", "杭州转运中心", "330106", "浙A"},
	{"上海市", "上海市", "浦东新区", "上海浦东转运中心", "310115", "沪B"},
	{"广东省", "广州市", "白云区", "广州白云转运中心", "440111", "粤A"},
	{"广东省", "深圳市", "南山区", "深圳宝安转运中心", "440305", "粤B"},
	{"北京市", "北京市", "朝阳区", "北京顺义转运中心", "110105", "京A"},
	{"江苏省", "南京市", "鼓楼区", "南京转运中心", "320106", "苏A"},
	{"四川省", "成都市", "武侯区", "成都双流转运中心", "510107", "川A"},
	{"湖北省", "武汉市", "洪山区", "武汉转运中心", "420111", "鄂A"},
	{"福建省", "厦门市", "思明区", "厦门转运中心", "350203", "闽D"},
	{"山东省", "青岛市", "市南区", "青岛转运中心", "370202", "鲁B"},
	{"陕西省", "西安市", "雁塔区", "西安转运中心", "610113", "陕A"},
	{"湖南省", "长沙市", "岳麓区", "长沙转运中心", "430104", "湘A"},
}

var (
	benchCarriers = []struct{ code, name, prefix string }{
		{"shunfeng", "顺丰速运", "SF"}, {"zhongtong", "中通快递", "75"}, {"yuantong", "圆通速递", "YT"},
		{"yunda", "韵达快递", "43"}, {"jd", "京东物流", "JD"},
	}
	benchSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙"}
	benchGiven    = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟"}
	benchStreets  = []string{"文三路", "南京东路", "天河路", "深南大道", "建国路", "中山路", "人民南路", "解放大道", "湖滨路", "香港中路"}
	benchSigners  = []string{"本人", "家人", "前台", "快递柜", "菜鸟驿站", "门卫"}
)

func newBenchWorkload(n int) *benchWorkload {
	r := rand.New(rand.NewPCG(20261125, uint64(n)))
	base := time.Date(2026, 11, 25, 8, 0, 0, 0, trail.ChinaTime)
	w := &benchWorkload{parcels: make([]benchParcel, n)}
	type timed struct {
		at time.Time
		benchPush
	}
	schedule := make([]timed, 0, n*BenchEventsPerShipment)
	for i := range w.parcels {
		c := benchCarriers[i%len(benchCarriers)]
		p := &w.parcels[i]
		p.seq, p.carrier = i, c.code
		p.trackingNo = fmt.Sprintf("%s%013d", c.prefix, 4_000_000_000_000+int64(i)*7_919)
		p.from = benchCities[r.IntN(len(benchCities))]
		p.to = benchCities[r.IntN(len(benchCities))]
		start := base.Add(time.Duration(r.Int64N(int64(72 * time.Hour))).Truncate(time.Second))
		p.events = benchHistory(r, c.code, c.name, p.from, p.to, start)
		for k, e := range p.events {
			// The push follows its scan by up to ten minutes; scans are at
			// least twenty minutes apart, so a parcel's pushes stay in order.
			delay := time.Duration(r.Int64N(int64(10 * time.Minute)))
			schedule = append(schedule, timed{e.Time.Add(delay), benchPush{i, k + 1}})
		}
	}
	slices.SortStableFunc(schedule, func(a, b timed) int { return a.at.Compare(b.at) })
	w.pushes = make([]benchPush, len(schedule))
	for i, s := range schedule {
		w.pushes[i] = s.benchPush
	}
	return w
}

// benchHistory returns a parcel's 20 scans: pickup, 17 transit scans through
// four hubs, out for delivery, delivered.
func benchHistory(r *rand.Rand, carrier, carrierName string, from, to benchCity, start time.Time) []trail.CarrierEvent {
	person := func() string {
		return benchSurnames[r.IntN(len(benchSurnames))] + benchGiven[r.IntN(len(benchGiven))]
	}
	phone := func() string { return fmt.Sprintf("1%d%d****%04d", 3+r.IntN(7), r.IntN(10), r.IntN(10000)) }
	mid1 := benchCities[r.IntN(len(benchCities))]
	mid2 := benchCities[r.IntN(len(benchCities))]
	hubs := []benchCity{from, mid1, mid2, to}
	fromOutlet := from.city + from.district + "营业点"
	toOutlet := to.city + to.district + "营业点"
	courier, driver := person(), person()

	var events []trail.CarrierEvent
	at := start
	add := func(status trail.ShipmentStatus, code string, c benchCity, desc string) {
		e := trail.CarrierEvent{Time: at, Status: status, RawCode: code, Description: desc,
			Location: c.city, AreaCode: c.area, Source: trail.SourcePush}
		if carrier == "shunfeng" {
			e.ExternalID = strconv.FormatInt(at.Unix()*100+int64(len(events)), 10)
		}
		events = append(events, e)
		at = at.Add(20*time.Minute + time.Duration(r.Int64N(int64(4*time.Hour))).Truncate(time.Second))
	}
	add(trail.StatusPickedUp, "50", from, fmt.Sprintf("【%s】%s 已收取快件，揽收员：%s，电话：%s", fromOutlet, carrierName, person(), phone()))
	add(trail.StatusInTransit, "31", from, fmt.Sprintf("快件已从【%s】发出，下一站【%s】", fromOutlet, from.hub))
	for i, h := range hubs {
		add(trail.StatusInTransit, "30", h, fmt.Sprintf("快件到达【%s】", h.hub))
		add(trail.StatusInTransit, "36", h, fmt.Sprintf("快件在【%s】完成分拣", h.hub))
		if i < len(hubs)-1 {
			add(trail.StatusInTransit, "34", h, fmt.Sprintf("快件已装车，车牌号：%s·%05d，司机：%s", h.plate, r.IntN(100000), driver))
			add(trail.StatusInTransit, "31", h, fmt.Sprintf("快件离开【%s】，已发往【%s】", h.hub, hubs[i+1].hub))
		} else {
			add(trail.StatusInTransit, "31", h, fmt.Sprintf("快件离开【%s】，已发往【%s】", h.hub, toOutlet))
		}
	}
	add(trail.StatusInTransit, "30", to, fmt.Sprintf("快件到达【%s】", toOutlet))
	add(trail.StatusOutForDelivery, "44", to, fmt.Sprintf("【%s】快递员%s正在为您派件，电话：%s，请保持电话畅通", toOutlet, courier, phone()))
	add(trail.StatusDelivered, "80", to, fmt.Sprintf("您的快件已签收，签收人：%s。如有疑问请联系派件员%s，电话：%s。感谢使用%s，期待再次为您服务",
		benchSigners[r.IntN(len(benchSigners))], courier, phone(), carrierName))
	if len(events) != BenchEventsPerShipment {
		panic(fmt.Sprintf("benchHistory: %d events, want %d", len(events), BenchEventsPerShipment))
	}
	return events
}

// order returns the parcel's order, normalised.
func (p *benchParcel) order() *trail.Order {
	r := rand.New(rand.NewPCG(uint64(p.seq), 7))
	given := benchGiven[r.IntN(len(benchGiven))]
	o := &trail.Order{
		OrderNo:  fmt.Sprintf("WX2026%08d", p.seq),
		Customer: trail.Contact{Name: benchSurnames[r.IntN(len(benchSurnames))] + given, Phone: fmt.Sprintf("13%d%08d", r.IntN(10), r.IntN(100_000_000))},
		Address: trail.Address{Province: p.to.province, City: p.to.city, District: p.to.district,
			Detail: fmt.Sprintf("%s%d号%d栋%d室", benchStreets[r.IntN(len(benchStreets))], 1+r.IntN(500), 1+r.IntN(30), 101+r.IntN(2000))},
		Items: []trail.Item{{SKU: "PLUM-330", Quantity: 6, Customization: "囍 " + given}},
	}
	o.Normalize()
	return o
}
