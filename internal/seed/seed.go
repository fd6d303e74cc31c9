// Package seed is the project's one seeder of large data sets, for
// benchmarks and load tests (docs/BENCHMARKS.md): a brand with a SKU,
// alcohol compliance for its carriers and a Kuaidi100 account, and any
// number of orders, each with one parcel tracked by that account, some due
// for polling and each with as much carrier history as asked.
//
// The brand, SKU, compliance and account always go through the trail
// services. Orders and parcels go through them too when Options.Slow is
// set (CreateOrder, CreateShipment, Ingest, SchedulePoll,
// RecordSubscription: a few milliseconds a parcel). Otherwise they take the
// fast path, which writes the same rows straight into the store's tables
// with multi-row INSERTs, Options.Batch orders to a transaction:
// personal data sealed with the store's own sealer, the same look-up
// hashes, event fingerprints and derived parcel status, and the tracking
// state the services would leave. TestFastPathMatchesServices checks,
// column by column on both engines, that the two paths write the same rows.
//
// The seeder is kept out of CI: it runs from `bottletrail seed` and from
// benchmarks, which run only with -bench.
package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/sqlstore"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// Services are the trail services the seeder uses.
type Services interface {
	trail.BrandService
	trail.CatalogService
	trail.CarrierService
	trail.OrderService
	trail.ShipmentService
	trail.TrackingService
}

// Target is the store to seed. DB, Dialect and Sealer must be the ones the
// store itself writes with (SQLite: its writer pool), so that the fast
// path writes what the store would. Store should have no job queue
// attached: with one, the slow path would queue a subscription per parcel.
type Target struct {
	Store   Services
	DB      *sql.DB
	Dialect sqlstore.Dialect
	Sealer  trail.Sealer
}

// Options say what to seed.
type Options struct {
	// Brand is the brand's slug (default "seed"). An existing brand is
	// reused: its new orders are numbered after the ones it has.
	Brand string
	// Parcels is the number of orders to add, each with one parcel.
	Parcels int
	// DueShare is the share of parcels (0–1) in polling whose next poll is
	// due at Now (spread over the hour before it). The others are polled
	// later (spread over the six hours after Now), or, with Subscribed,
	// are subscribed: pushed by the provider, with no poll scheduled.
	DueShare   float64
	Subscribed bool
	// Events returns how many scans of its journey (see Journey) parcel i
	// has already received; nil means none.
	Events func(i int) int
	// Now is the time the rows are written at (default time.Now()). The
	// slow path writes at the store's own clock, so tests set both.
	Now time.Time
	// Account is the brand's Kuaidi100 account, created or replaced; nil
	// keeps the brand's account, or creates one with placeholder
	// credentials and a fresh salt.
	Account *trail.CarrierAccount
	// Progress, if set, receives a line at every 5% of the parcels.
	Progress io.Writer
	// Batch is the number of orders per transaction of the fast path
	// (default 500).
	Batch int
	// Slow writes every order and parcel through the trail services.
	Slow bool
}

// Result is what was seeded.
type Result struct {
	Brand *trail.Brand
	// APIKey is the brand's API key when the seeder created the brand.
	APIKey string
	// Account is the brand's Kuaidi100 account, with its salt and callback
	// token.
	Account *trail.CarrierAccount
	// First is the index (for ParcelOf and Journey) of the first parcel
	// added; the parcels added are First to First+Parcels-1.
	First, Parcels int
	// Due counts the parcels added whose next poll is due at Now.
	Due     int
	Elapsed time.Duration
}

// SKU is the product every seeded order holds.
const SKU = "PLUM-330"

// Seed adds what opts ask to the target.
func Seed(ctx context.Context, t Target, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Brand == "" {
		opts.Brand = "seed"
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	opts.Now = opts.Now.UTC()
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.Parcels < 0 || opts.DueShare < 0 || opts.DueShare > 1 {
		return nil, errors.New("seed: want parcels ≥ 0 and a due share between 0 and 1")
	}
	res, err := setUp(ctx, t, &opts)
	if err != nil {
		return nil, err
	}
	p := progress{w: opts.Progress, total: opts.Parcels, start: start}
	for lo := 0; lo < opts.Parcels; lo += opts.Batch {
		hi := min(lo+opts.Batch, opts.Parcels)
		var due int
		if opts.Slow {
			due, err = slowBatch(ctx, t, &opts, res, res.First+lo, res.First+hi)
		} else {
			due, err = fastBatch(ctx, t, &opts, res, res.First+lo, res.First+hi)
		}
		if err != nil {
			return nil, err
		}
		res.Due += due
		p.done(hi)
	}
	res.Parcels = opts.Parcels
	if err := verify(ctx, t, &opts, res); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// setUp creates or finds the brand and gives it the SKU, compliance and
// account, through the services.
func setUp(ctx context.Context, t Target, opts *Options) (*Result, error) {
	res := &Result{}
	brand, err := t.Store.BrandBySlug(ctx, opts.Brand)
	switch trail.ErrorCode(err) {
	case "":
		if err := t.DB.QueryRowContext(ctx, t.Dialect.Rebind(`SELECT COUNT(*) FROM orders WHERE brand_id = ?`), brand.ID).Scan(&res.First); err != nil {
			return nil, fmt.Errorf("seed: count orders: %w", err)
		}
	case trail.ENOTFOUND:
		brand = &trail.Brand{Slug: opts.Brand, Name: "种子酒坊 " + opts.Brand}
		if res.APIKey, err = t.Store.CreateBrand(ctx, brand); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
	default:
		return nil, fmt.Errorf("seed: %w", err)
	}
	res.Brand = brand
	if _, err := t.Store.PutSKU(ctx, brand.ID, &trail.SKU{Code: SKU, Name: "青梅酒 330ml", Fragile: true, Alcohol: true,
		LeadTime: trail.LeadTime{Min: 5, Max: 10}}); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	expires := trail.Date(opts.Now.AddDate(1, 0, 0).In(trail.ChinaTime).Format(time.DateOnly))
	for _, c := range carriers {
		if _, err := t.Store.PutCompliance(ctx, brand.ID, &trail.Compliance{Carrier: c.code, Alcohol: true, Fragile: true,
			QualificationExpires: &expires}); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
	}
	acct := opts.Account
	if acct == nil {
		existing, err := t.Store.CarrierAccount(ctx, brand.ID, trail.ProviderKuaidi100)
		switch trail.ErrorCode(err) {
		case "":
			res.Account = existing
		case trail.ENOTFOUND:
			acct = &trail.CarrierAccount{Provider: trail.ProviderKuaidi100,
				Credentials: map[string]string{"customer": "SEEDCUSTOMER", "key": "seed-key"}}
		default:
			return nil, fmt.Errorf("seed: %w", err)
		}
	}
	if acct != nil {
		acct = &trail.CarrierAccount{Provider: acct.Provider, Credentials: maps.Clone(acct.Credentials), BaseURL: acct.BaseURL,
			RatePerMinute: acct.RatePerMinute, CallbackToken: acct.CallbackToken}
		acct.Normalize()
		if acct.Provider != trail.ProviderKuaidi100 {
			return nil, fmt.Errorf("seed: the account must be a %s one", trail.ProviderKuaidi100)
		}
		if _, err := t.Store.PutCarrierAccount(ctx, brand.ID, acct); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		// Read it back: a replaced account keeps its callback token.
		if res.Account, err = t.Store.CarrierAccount(ctx, brand.ID, trail.ProviderKuaidi100); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
	}
	return res, nil
}

// order returns parcel i's order, normalised and valid.
func order(i int, now time.Time) *trail.Order {
	names := []string{"张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴婷", "欧阳娜娜", "孙悦"}
	places := []trail.Address{
		{Province: "浙江省", City: "杭州市", District: "西湖区", Detail: "文三路%d号"},
		{Province: "上海", City: "上海市", District: "浦东新区", Detail: "世纪大道%d号"},
		{Province: "北京", City: "北京市", District: "朝阳区", Detail: "建国路%d号"},
		{Province: "广东省", City: "深圳市", District: "南山区", Detail: "科技园路%d号"},
		{Province: "四川省", City: "成都市", District: "武侯区", Detail: "人民南路%d段"},
		{Province: "陕西省", City: "西安市", District: "雁塔区", Detail: "长安南路%d号"},
	}
	a := places[i%len(places)]
	a.Detail = fmt.Sprintf(a.Detail, 1+i%300)
	price := trail.Fen(6800 + 100*(i%50))
	ship := trail.Date(now.AddDate(0, 0, 3+i%5).In(trail.ChinaTime).Format(time.DateOnly))
	o := &trail.Order{
		OrderNo:        ParcelOf(i).OrderNo,
		Customer:       trail.Contact{Name: names[i%len(names)], Phone: fmt.Sprintf("13%d%08d", 5+i%5, i%100000000)},
		Address:        a,
		PromisedShipBy: &ship,
		Items:          []trail.Item{{SKU: SKU, Quantity: 1 + i%6, Customization: fmt.Sprintf("囍 %s 定制 #%d", names[(i+5)%len(names)], i+1), UnitPrice: &price}},
	}
	if i%4 == 0 {
		o.Occasion = &trail.Occasion{Kind: "wedding", Date: trail.Date(now.AddDate(0, 0, 20+i%30).In(trail.ChinaTime).Format(time.DateOnly))}
	}
	if i%5 == 0 { // a gift sent to someone else
		o.Recipient = &trail.Contact{Name: names[(i+3)%len(names)], Phone: fmt.Sprintf("18%d%08d", i%10, (i*7919)%100000000)}
	}
	o.Normalize()
	return o
}

// shipment returns parcel i's shipment request.
func shipment(i, quantity int) *trail.Shipment {
	p := ParcelOf(i)
	s := &trail.Shipment{Carrier: p.Carrier, TrackingNo: p.TrackingNo, Items: []trail.ShipmentItem{{SKU: SKU, Quantity: quantity}}}
	s.Normalize()
	return s
}

// schedule is parcel i's tracking state: due, polled later, or subscribed.
type schedule struct {
	state string
	next  *time.Time
}

// Tracking states, as the store writes them.
const (
	statePolling    = "polling"
	stateSubscribed = "subscribed"
)

// isDue spreads the due parcels evenly: parcel i is due when the running
// count of due parcels steps up at i.
func isDue(i int, share float64) bool {
	return int(float64(i+1)*share) > int(float64(i)*share)
}

func scheduleOf(i int, opts *Options) schedule {
	if isDue(i, opts.DueShare) {
		t := opts.Now.Add(-time.Duration(1+i%3600) * time.Second)
		return schedule{statePolling, &t}
	}
	if opts.Subscribed {
		return schedule{stateSubscribed, nil}
	}
	t := opts.Now.Add(30*time.Minute + time.Duration(i%(6*3600))*time.Second)
	return schedule{statePolling, &t}
}

func (opts *Options) events(i int) int {
	if opts.Events == nil {
		return 0
	}
	return max(opts.Events(i), 0)
}

// slowBatch writes parcels lo to hi-1 through the services.
func slowBatch(ctx context.Context, t Target, opts *Options, res *Result, lo, hi int) (due int, err error) {
	brandID := res.Brand.ID
	for i := lo; i < hi; i++ {
		o := order(i, opts.Now)
		if _, err := t.Store.CreateOrder(ctx, brandID, o); err != nil {
			return 0, fmt.Errorf("seed: %w", err)
		}
		s := shipment(i, o.Items[0].Quantity)
		if _, err := t.Store.CreateShipment(ctx, brandID, o.OrderNo, s); err != nil {
			return 0, fmt.Errorf("seed: %w", err)
		}
		if n := opts.events(i); n > 0 {
			if _, err := t.Store.Ingest(ctx, brandID, s.Carrier, s.TrackingNo, Journey(i, n, opts.Now)); err != nil {
				return 0, fmt.Errorf("seed: %w", err)
			}
		}
		sch := scheduleOf(i, opts)
		if sch.state == stateSubscribed {
			err = t.Store.RecordSubscription(ctx, s.ID, "")
		} else {
			err = t.Store.SchedulePoll(ctx, s.ID, sch.next)
		}
		if err != nil {
			return 0, fmt.Errorf("seed: %w", err)
		}
		if isDue(i, opts.DueShare) {
			due++
		}
	}
	return due, nil
}

// fastBatch writes parcels lo to hi-1 in one transaction, as the slow path
// would: CreateOrder's orders and order_items rows, CreateShipment's
// shipments and shipment_items rows (with the tracking columns that
// assignProvider without a job queue, then SchedulePoll or
// RecordSubscription leave), and Ingest's tracking_events rows with the
// parcel's status derived from them.
func fastBatch(ctx context.Context, t Target, opts *Options, res *Result, lo, hi int) (due int, err error) {
	d, sealer, now := t.Dialect, t.Sealer, t.Dialect.TimeArg(opts.Now)
	brandID := res.Brand.ID
	n := hi - lo
	orders := make([]*trail.Order, n)
	orderRows := make([]any, 0, n*23)
	for j := range n {
		o := order(lo+j, opts.Now)
		if err := o.Validate(); err != nil {
			return 0, fmt.Errorf("seed: order %d: %w", lo+j, err)
		}
		orders[j] = o
		cust, err := seal(sealer, &o.Customer)
		if err != nil {
			return 0, err
		}
		recip, err := seal(sealer, o.Recipient)
		if err != nil {
			return 0, err
		}
		detail, err := sealer.Seal(o.Address.Detail)
		if err != nil {
			return 0, fmt.Errorf("seed: seal address: %w", err)
		}
		var occKind, occDate any
		if o.Occasion != nil {
			occKind, occDate = o.Occasion.Kind, string(o.Occasion.Date)
		}
		orderRows = append(orderRows, brandID, o.OrderNo,
			cust[0], cust[1], cust[2], cust[3], cust[4],
			recip[0], recip[1], recip[2], recip[3], recip[4],
			o.Address.Province, o.Address.ProvinceCode, o.Address.City, o.Address.District, detail,
			occKind, occDate, datePtr(o.PromisedShipBy), datePtr(o.PromisedDeliveryBy), now, now, now)
	}

	tx, err := t.DB.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("seed: begin: %w", err)
	}
	defer tx.Rollback()

	// orders, then their one item each.
	orderIDs := map[string]int64{}
	err = insertReturning(ctx, tx, d, `INSERT INTO orders (brand_id, order_no,
		customer_name, customer_phone, customer_name_hash, customer_phone_hash, customer_last4_hash,
		recipient_name, recipient_phone, recipient_name_hash, recipient_phone_hash, recipient_last4_hash,
		province, province_code, city, district, address_detail,
		occasion_kind, occasion_date, promised_ship_by, promised_delivery_by, created_at, updated_at, evaluate_at) VALUES `,
		24, orderRows, ` RETURNING id, order_no`, func(rows *sql.Rows) error {
			var id int64
			var no string
			if err := rows.Scan(&id, &no); err != nil {
				return err
			}
			orderIDs[no] = id
			return nil
		})
	if err != nil {
		return 0, fmt.Errorf("seed: insert orders: %w", err)
	}
	itemRows := make([]any, 0, n*8)
	for _, o := range orders {
		it := o.Items[0]
		itemRows = append(itemRows, brandID, orderIDs[o.OrderNo], 0, it.SKU, it.Quantity, it.Customization, nullString(it.BatchNo), int64(*it.UnitPrice))
	}
	itemIDs := map[int64]int64{} // order ID → item ID
	err = insertReturning(ctx, tx, d, `INSERT INTO order_items (brand_id, order_id, line, sku, quantity, customization, batch_no, unit_price_fen) VALUES `,
		8, itemRows, ` RETURNING id, order_id`, func(rows *sql.Rows) error {
			var id, orderID int64
			if err := rows.Scan(&id, &orderID); err != nil {
				return err
			}
			itemIDs[orderID] = id
			return nil
		})
	if err != nil {
		return 0, fmt.Errorf("seed: insert items: %w", err)
	}

	// parcels, with the state their events give them.
	histories := make([][]trail.CarrierEvent, n)
	shipRows := make([]any, 0, n*15)
	for j, o := range orders {
		i := lo + j
		s := shipment(i, o.Items[0].Quantity)
		if err := s.Validate(); err != nil {
			return 0, fmt.Errorf("seed: parcel %d: %w", i, err)
		}
		st := trail.ShipmentState{Status: trail.StatusCreated}
		if ne := opts.events(i); ne > 0 {
			h := Journey(i, ne, opts.Now)
			stored := make([]trail.TrackingEvent, len(h))
			for k := range h {
				h[k].Normalize()
				if err := h[k].Validate(fmt.Sprintf("events[%d]", k)); err != nil {
					return 0, fmt.Errorf("seed: parcel %d: %w", i, err)
				}
				stored[k] = trail.TrackingEvent{CarrierEvent: h[k], ID: int64(k + 1)}
			}
			histories[j] = h
			st = trail.DeriveShipmentState(stored)
		}
		sch := scheduleOf(i, opts)
		if isDue(i, opts.DueShare) {
			due++
		}
		shipRows = append(shipRows, brandID, orderIDs[o.OrderNo], s.Carrier, s.TrackingNo, string(st.Status), st.SubStatus, st.Leg,
			now, now, nt(d, st.LastEventAt), nt(d, st.DeliveredAt), res.Account.Provider, sch.state, "", nt(d, sch.next))
	}
	shipIDs := map[string]int64{} // tracking number → shipment ID
	err = insertReturning(ctx, tx, d, `INSERT INTO shipments (brand_id, order_id, carrier, tracking_no, status, sub_status, leg,
		created_at, updated_at, last_event_at, delivered_at, provider, tracking_state, tracking_note, next_poll_at) VALUES `,
		15, shipRows, ` RETURNING id, tracking_no`, func(rows *sql.Rows) error {
			var id int64
			var no string
			if err := rows.Scan(&id, &no); err != nil {
				return err
			}
			shipIDs[no] = id
			return nil
		})
	if err != nil {
		return 0, fmt.Errorf("seed: insert shipments: %w", err)
	}
	siRows := make([]any, 0, n*3)
	var eventRows []any
	for j, o := range orders {
		sid := shipIDs[ParcelOf(lo+j).TrackingNo]
		siRows = append(siRows, sid, itemIDs[orderIDs[o.OrderNo]], o.Items[0].Quantity)
		for _, e := range histories[j] {
			eventRows = append(eventRows, sid, e.Fingerprint(), now, d.TimeArg(e.Time), string(e.Status), e.SubStatus, e.RawCode,
				e.Description, e.Location, e.AreaCode, e.ExternalID, e.Source)
		}
	}
	if err := insertReturning(ctx, tx, d, `INSERT INTO shipment_items (shipment_id, order_item_id, quantity) VALUES `, 3, siRows, "", nil); err != nil {
		return 0, fmt.Errorf("seed: insert shipment items: %w", err)
	}
	if err := insertReturning(ctx, tx, d, `INSERT INTO tracking_events (shipment_id, fingerprint, received_at, time, status, sub_status,
		raw_code, description, location, area_code, external_id, source) VALUES `, 12, eventRows, "", nil); err != nil {
		return 0, fmt.Errorf("seed: insert events: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("seed: commit: %w", err)
	}
	return due, nil
}

// maxParams bounds the parameters of one statement, well inside both
// engines' limits (SQLite 32766, PostgreSQL 65535).
const maxParams = 12000

// insertReturning inserts rows of perRow values each, in as few multi-row
// statements as maxParams allows, passing each returned row to scan (if
// the suffix returns any).
func insertReturning(ctx context.Context, tx *sql.Tx, d sqlstore.Dialect, prefix string, perRow int, values []any, suffix string, scan func(*sql.Rows) error) error {
	per := maxParams / perRow
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", perRow), ", ") + ")"
	for start := 0; start < len(values); start += per * perRow {
		part := values[start:min(start+per*perRow, len(values))]
		q := prefix + strings.TrimSuffix(strings.Repeat(row+", ", len(part)/perRow), ", ") + suffix
		if scan == nil {
			if _, err := tx.ExecContext(ctx, d.Rebind(q), part...); err != nil {
				return err
			}
			continue
		}
		rows, err := tx.QueryContext(ctx, d.Rebind(q), part...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// seal seals a contact as the store does: name and phone ciphertexts, then
// the keyed hashes of the folded name, the phone and its last four digits.
// A nil contact is five NULLs.
func seal(s trail.Sealer, c *trail.Contact) ([5]any, error) {
	if c == nil {
		return [5]any{}, nil
	}
	name, err := s.Seal(c.Name)
	if err != nil {
		return [5]any{}, fmt.Errorf("seed: seal name: %w", err)
	}
	phone, err := s.Seal(c.Phone)
	if err != nil {
		return [5]any{}, fmt.Errorf("seed: seal phone: %w", err)
	}
	return [5]any{name, phone,
		s.Hash(trail.HashName, trail.HashKeyName(c.Name)),
		s.Hash(trail.HashPhone, c.Phone),
		s.Hash(trail.HashPhoneLast4, trail.Last4(c.Phone))}, nil
}

// nt converts an optional instant for the engine.
func nt(d sqlstore.Dialect, t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.TimeArg(*t)
}

func datePtr(d *trail.Date) any {
	if d == nil {
		return nil
	}
	return string(*d)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// verify reads the first and the last parcel added back through the
// OrderGraph API: a wrong key or a column the store no longer writes shows
// here rather than in a benchmark.
func verify(ctx context.Context, t Target, opts *Options, res *Result) error {
	if res.Parcels == 0 {
		return nil
	}
	for _, i := range []int{res.First, res.First + res.Parcels - 1} {
		want := order(i, opts.Now)
		g, err := t.Store.OrderGraph(ctx, res.Brand.ID, want.OrderNo)
		if err != nil {
			return fmt.Errorf("seed: read back: %w", err)
		}
		switch {
		case g.Order.Customer != want.Customer || g.Order.Address != want.Address:
			return fmt.Errorf("seed: order %s reads back as %+v %+v, want %+v %+v", want.OrderNo, g.Order.Customer, g.Order.Address, want.Customer, want.Address)
		case len(g.Shipments) != 1 || g.Shipments[0].TrackingNo != ParcelOf(i).TrackingNo || len(g.Shipments[0].Events) != opts.events(i):
			return fmt.Errorf("seed: order %s reads back with parcels %+v", want.OrderNo, g.Shipments)
		}
	}
	return nil
}

// progress prints a line at every 5% of the parcels.
type progress struct {
	w     io.Writer
	total int
	last  int // the last 5% step printed
	start time.Time
}

func (p *progress) done(n int) {
	if p.w == nil || p.total == 0 {
		return
	}
	step := n * 20 / p.total
	if step == p.last {
		return
	}
	p.last = step
	secs := time.Since(p.start).Seconds()
	fmt.Fprintf(p.w, "seed: %d/%d parcels (%d%%) in %.1f s, %.0f parcels/s\n", n, p.total, step*5, secs, float64(n)/secs)
}
