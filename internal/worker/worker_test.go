package worker_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/bottletrail/bottletrail/internal/carrier/kuaidi100"
	"github.com/bottletrail/bottletrail/internal/sqlite"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
	"github.com/bottletrail/bottletrail/internal/worker"
)

// fakeProvider records calls and answers with its funcs.
type fakeProvider struct {
	mu         sync.Mutex
	subscribed []trail.TrackRequest
	queried    []trail.TrackRequest
	active     map[int64]int // account ID → queries in flight
	maxActive  map[int64]int
	subscribe  func(trail.TrackRequest) error
	query      func(trail.TrackRequest) (*trail.TrackUpdate, error)
}

func (p *fakeProvider) Name() string { return trail.ProviderKuaidi100 }

func (p *fakeProvider) Subscribe(_ context.Context, _ *trail.CarrierAccount, req trail.TrackRequest) error {
	p.mu.Lock()
	p.subscribed = append(p.subscribed, req)
	p.mu.Unlock()
	if p.subscribe != nil {
		return p.subscribe(req)
	}
	return nil
}

func (p *fakeProvider) Query(_ context.Context, a *trail.CarrierAccount, req trail.TrackRequest) (*trail.TrackUpdate, error) {
	p.mu.Lock()
	p.queried = append(p.queried, req)
	p.active[a.ID]++
	p.maxActive[a.ID] = max(p.maxActive[a.ID], p.active[a.ID])
	p.mu.Unlock()
	time.Sleep(time.Millisecond) // let overlapping queries of one account show
	p.mu.Lock()
	p.active[a.ID]--
	p.mu.Unlock()
	return p.query(req)
}

func (p *fakeProvider) ParsePush(*trail.CarrierAccount, string, []byte) ([]trail.TrackUpdate, error) {
	return nil, errors.New("not used")
}

func (p *fakeProvider) Reply(*trail.CarrierAccount, error) (int, string, []byte) { return 200, "", nil }

type bundle struct {
	ctx      context.Context
	db       *sqlite.DB
	brand    *trail.Brand
	provider *fakeProvider
	now      time.Time
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bt.db"), storetest.MustSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := &bundle{ctx: ctx, db: db, brand: &trail.Brand{Slug: "plum-house", Name: "梅子酒坊"},
		provider: &fakeProvider{active: map[int64]int{}, maxActive: map[int64]int{}},
		now:      time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time { return b.now }
	if _, err := db.CreateBrand(ctx, b.brand); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutSKU(ctx, b.brand.ID, &trail.SKU{Code: "RICE-500", Name: "米酒"}); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *bundle) account(t *testing.T, provider string, creds map[string]string, perMinute int) {
	t.Helper()
	a := &trail.CarrierAccount{Provider: provider, Credentials: creds, RatePerMinute: perMinute}
	a.Normalize()
	if _, err := b.db.PutCarrierAccount(b.ctx, b.brand.ID, a); err != nil {
		t.Fatal(err)
	}
}

func (b *bundle) parcel(t *testing.T, orderNo, carrier, trackingNo string) *trail.Shipment {
	t.Helper()
	o := &trail.Order{OrderNo: orderNo, Customer: trail.Contact{Name: "张三", Phone: "13912345678"},
		Address: trail.Address{Province: "浙江", City: "杭州市", Detail: "文三路188号"}, Items: []trail.Item{{SKU: "RICE-500", Quantity: 1}}}
	o.Normalize()
	if _, err := b.db.CreateOrder(b.ctx, b.brand.ID, o); err != nil {
		t.Fatal(err)
	}
	s := &trail.Shipment{Carrier: carrier, TrackingNo: trackingNo, Items: []trail.ShipmentItem{{SKU: "RICE-500", Quantity: 1}}}
	if _, err := b.db.CreateShipment(b.ctx, b.brand.ID, orderNo, s); err != nil {
		t.Fatal(err)
	}
	return s
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestSubscribeThroughRiver creates a parcel with a real River queue on the
// SQLite store: the job inserted in the parcel's transaction is worked, the
// provider hears the callback URL and the phone's last digits, and the
// parcel is marked subscribed (so it is not polled).
func TestSubscribeThroughRiver(t *testing.T) {
	b := setup(t)
	b.account(t, "kuaidi100", map[string]string{"customer": "C", "key": "K"}, 60)
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker.SubscribeWorker{Tracking: b.db, Providers: map[string]trail.Provider{"kuaidi100": b.provider},
		PublicURL: "https://track.example.com", Logger: discard(), Metrics: worker.NewMetrics(prometheus.NewRegistry())})
	// The order's notices queue notifier jobs in the same transactions.
	river.AddWorker(workers, &worker.NotifyWorker{Notify: b.db})
	river.AddWorker(workers, &worker.DeliverWorker{Notify: b.db, Logger: discard()})
	q, err := worker.NewQueue(b.ctx, riversqlite.New(b.db.Writer()), workers, discard(), worker.QueueConfig{})
	if err != nil {
		t.Fatal(err)
	}
	b.db.Jobs = q
	if err := q.Start(b.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Stop(context.Background()) })

	s := b.parcel(t, "WX1", "yuantong", "YT1234567890123")
	deadline := time.Now().Add(20 * time.Second)
	for {
		b.provider.mu.Lock()
		n := len(b.provider.subscribed)
		b.provider.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the subscription job never ran")
		}
		time.Sleep(20 * time.Millisecond)
	}
	req := b.provider.subscribed[0]
	if req.TrackingNo != s.TrackingNo || req.PhoneLast4 != "5678" || req.CallbackURL == "" ||
		req.CallbackURL[:len("https://track.example.com/hooks/kuaidi100/plum-house?token=")] != "https://track.example.com/hooks/kuaidi100/plum-house?token=" {
		t.Fatalf("subscribe request: got %+v", req)
	}
	q.Stop(b.ctx)
	if due, err := b.db.ClaimDuePolls(b.ctx, b.now.Add(24*time.Hour), 10, time.Minute); err != nil || len(due) != 0 {
		t.Fatalf("a subscribed parcel is polled: got %d, %v", len(due), err)
	}
}

// TestSubscribeWorkOutcomes runs the worker's Work directly for each kind
// of provider answer.
func TestSubscribeWorkOutcomes(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		attempt     int
		wantErr     bool // River retries
		wantPolling bool // the poller takes over
	}{
		{"subscribed", nil, 1, false, false},
		{"provider down, retried", trail.ErrProviderUnavailable, 1, true, false},
		{"provider down on the last attempt", trail.ErrProviderUnavailable, worker.SubscribeMaxAttempts, false, true},
		{"refused", trail.Invalid("tracking_no", "bad number"), 1, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setup(t)
			b.account(t, "kuaidi100", map[string]string{"customer": "C", "key": "K"}, 60)
			b.db.Jobs = nopQueue{}
			s := b.parcel(t, "WX1", "yuantong", "YT1234567890123")
			b.provider.subscribe = func(trail.TrackRequest) error { return tt.err }
			w := &worker.SubscribeWorker{Tracking: b.db, Providers: map[string]trail.Provider{"kuaidi100": b.provider},
				Logger: discard(), Metrics: worker.NewMetrics(prometheus.NewRegistry())}
			task, _ := b.db.TrackingTask(b.ctx, s.ID)
			err := w.Work(b.ctx, &river.Job[trail.SubscribeJob]{
				JobRow: &rivertype.JobRow{Attempt: tt.attempt, MaxAttempts: worker.SubscribeMaxAttempts},
				Args:   trail.SubscribeJob{ShipmentID: task.ShipmentID}})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Work: got %v, want error %v", err, tt.wantErr)
			}
			due, err := b.db.ClaimDuePolls(b.ctx, b.now.Add(time.Minute), 10, time.Minute)
			if err != nil || (len(due) == 1) != tt.wantPolling {
				t.Fatalf("polling after Work: got %d due, %v; want polling %v", len(due), err, tt.wantPolling)
			}
		})
	}
}

// nopQueue accepts jobs and runs none: the tests call Work themselves.
type nopQueue struct{}

func (nopQueue) InsertTx(context.Context, *sql.Tx, trail.Job, time.Time) error { return nil }

// TestPoller polls parcels of two accounts without a job queue: events
// reach the ingestion core as polls, the next poll follows the new status,
// a delivered parcel is never polled again, and no account ever has two
// queries in flight.
func TestPoller(t *testing.T) {
	b := setup(t)
	b.account(t, "kuaidi100", map[string]string{"customer": "C", "key": "K"}, 6000)
	var parcels []*trail.Shipment
	for i, no := range []string{"YT1000000000001", "YT1000000000002", "YT1000000000003"} {
		parcels = append(parcels, b.parcel(t, "WX"+no, "yuantong", no))
		_ = i
	}
	statusOf := map[string]trail.ShipmentStatus{
		"YT1000000000001": trail.StatusDelivered, "YT1000000000002": trail.StatusOutForDelivery}
	b.provider.query = func(req trail.TrackRequest) (*trail.TrackUpdate, error) {
		st, ok := statusOf[req.TrackingNo]
		if !ok {
			return nil, trail.Errorf(trail.ENOTFOUND, "no record")
		}
		return &trail.TrackUpdate{Carrier: req.Carrier, TrackingNo: req.TrackingNo, Events: []trail.CarrierEvent{
			{Time: b.now.Add(-2 * time.Hour), Status: trail.StatusPickedUp, Description: "已揽收", Source: trail.SourcePush},
			{Time: b.now.Add(-time.Hour), Status: st, Description: "状态更新", Source: trail.SourcePush}}}, nil
	}
	p := &worker.Poller{Tracking: b.db, Shipments: b.db, Providers: map[string]trail.Provider{"kuaidi100": b.provider},
		Logger: discard(), Metrics: worker.NewMetrics(prometheus.NewRegistry()), Now: func() time.Time { return b.now }, Batch: 10, Lease: time.Minute}
	if err := p.RunOnce(b.ctx); err != nil {
		t.Fatal(err)
	}
	if len(b.provider.queried) != 3 {
		t.Fatalf("queries: got %d, want 3", len(b.provider.queried))
	}
	for _, a := range b.provider.maxActive {
		if a > 1 {
			t.Fatalf("an account had %d queries in flight, want at most 1", a)
		}
	}
	g, err := b.db.OrderGraph(b.ctx, b.brand.ID, "WXYT1000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if s := g.Shipments[0]; s.Status != trail.StatusDelivered || s.Events[0].Source != trail.SourcePoll {
		t.Fatalf("polled parcel: got %s from %s, want delivered from poll", s.Status, s.Events[0].Source)
	}
	// Out for delivery is polled again in 30 minutes; not found in 3 hours;
	// delivered never.
	for _, tc := range []struct {
		after time.Duration
		want  int
	}{{29 * time.Minute, 0}, {31 * time.Minute, 1}, {3*time.Hour + time.Minute, 2}} {
		due, err := b.db.ClaimDuePolls(b.ctx, b.now.Add(tc.after), 10, time.Second)
		if err != nil || len(due) != tc.want {
			t.Fatalf("due after %v: got %d, %v, want %d", tc.after, len(due), err, tc.want)
		}
	}
}

// TestPollerCorrectsCarrier polls a parcel subscribed under the wrong code
// through the kuaidi100 client: Kuaidi100 answers under the right company
// (autoCheck), and the poll moves the parcel to that carrier and stores
// its events, as a push with comNew does.
func TestPollerCorrectsCarrier(t *testing.T) {
	b := setup(t)
	kuaidi100Srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != kuaidi100.QueryPath {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `{"message":"ok","nu":"73100000000001","ischeck":"0","condition":"F00","com":"zhongtong","status":"200","state":"0","data":[
			{"time":"2026-11-25 08:00:00","context":"【北京市】快件已到达【北京中转部】","status":"在途","statusCode":"0"},
			{"time":"2026-11-24 18:00:00","context":"【嘉兴市】已揽收","status":"揽收","statusCode":"1"}]}`)
	}))
	defer kuaidi100Srv.Close()
	a := &trail.CarrierAccount{Provider: "kuaidi100", Credentials: map[string]string{"customer": "C", "key": "K"}, RatePerMinute: 6000,
		BaseURL: kuaidi100Srv.URL}
	a.Normalize()
	if _, err := b.db.PutCarrierAccount(b.ctx, b.brand.ID, a); err != nil {
		t.Fatal(err)
	}
	b.parcel(t, "WX-WRONG", "yunda", "73100000000001")
	p := &worker.Poller{Tracking: b.db, Shipments: b.db, Providers: map[string]trail.Provider{"kuaidi100": &kuaidi100.Client{}},
		Logger: discard(), Metrics: worker.NewMetrics(prometheus.NewRegistry()), Now: func() time.Time { return b.now }, Batch: 10, Lease: time.Minute}
	if err := p.RunOnce(b.ctx); err != nil {
		t.Fatal(err)
	}
	g, err := b.db.OrderGraph(b.ctx, b.brand.ID, "WX-WRONG")
	if err != nil {
		t.Fatal(err)
	}
	s := g.Shipments[0]
	if s.Carrier != "zhongtong" || len(s.Events) != 2 || s.Status != trail.StatusInTransit {
		t.Fatalf("polled parcel: got %s with %d events, %s; want zhongtong with 2 events, in transit", s.Carrier, len(s.Events), s.Status)
	}
}
