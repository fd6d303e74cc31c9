package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/bottletrail/bottletrail/internal/carrier/kdniao"
	"github.com/bottletrail/bottletrail/internal/carrier/kuaidi100"
	"github.com/bottletrail/bottletrail/internal/carrier/sf"
	"github.com/bottletrail/bottletrail/internal/carriersim"
	"github.com/bottletrail/bottletrail/internal/demo"
	"github.com/bottletrail/bottletrail/internal/storetest"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// fastRetry retries failed jobs at once, so that a provider outage plays out
// in the test's time, not River's back-off.
type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(50 * time.Millisecond) }

// simClock is the simulator's clock, moved by the test.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *simClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestCarrierScenarios plays every simulator scenario end to end on both
// stores: the server and the simulator on loopback, parcels subscribed by
// River jobs, pushes signed and verified in each provider's format, and the
// order graph checked after each scenario.
func TestCarrierScenarios(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		playScenarios(t, "sqlite:"+filepath.Join(t.TempDir(), "bt.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		playScenarios(t, storetest.PostgresSchema(t, t, "bt_e2e_", nil))
	})
}

// want is what a scenario leaves in the order graph.
type want struct {
	carrier string
	status  trail.ShipmentStatus
	sub     string
	events  int
	leg     int
}

// e2e is the server, its store and the carrier simulator on loopback, with
// the simulator's clock.
type e2e struct {
	ctx    context.Context
	b      *backend
	clock  *simClock
	sim    *carriersim.Sim
	base   string // the server's URL
	simURL string
}

// startE2E opens the store named by dsn, starts the simulator (manual
// clock, ten days in the past so that scans stay in the past) and the server
// with River and the poller; everything stops when the test ends. With
// storeOnSimClock the store's and the alert evaluator's clocks are the
// simulator's too, so that parcels are created and judged in the
// scenarios' time.
func startE2E(t *testing.T, dsn string, storeOnSimClock bool, options ...func(*appOptions)) *e2e {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	b, err := m.open(ctx, storeFlags{dsn: dsn, keyFile: filepath.Join(t.TempDir(), "secret.key")}, logger)
	if err != nil {
		t.Fatal(err)
	}
	clock := &simClock{t: time.Now().Add(-10 * 24 * time.Hour)}
	if storeOnSimClock {
		b.sql.Now = clock.Now
	}
	quick := &http.Client{Timeout: 300 * time.Millisecond} // an outage's held requests time out fast
	provs := map[string]trail.Provider{
		trail.ProviderKuaidi100: &kuaidi100.Client{HTTP: quick},
		trail.ProviderKdniao:    &kdniao.Client{HTTP: quick},
		trail.ProviderSF:        &sf.Client{HTTP: quick},
	}
	accounts, err := simAccounts("")
	if err != nil {
		t.Fatal(err)
	}
	sim, err := carriersim.New(carriersim.Config{Accounts: accounts, Now: clock.Now, Manual: true, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	simSrv := &http.Server{Handler: sim}
	simLn, _ := net.Listen("tcp", "127.0.0.1:0")
	go simSrv.Serve(simLn)

	t.Cleanup(func() { // after the server has stopped
		simSrv.Close()
		sim.Close()
	})
	// The simulator and the tests' webhook receivers are on loopback.
	opts := appOptions{providers: provs, retryPolicy: fastRetry{}, allowPrivateWebhooks: true}
	if storeOnSimClock {
		opts.now = clock.Now
	}
	for _, o := range options {
		o(&opts)
	}
	base := serveApp(t, ctx, cancel, m, b, logger, opts)
	return &e2e{ctx: ctx, b: b, clock: clock, sim: sim, base: base, simURL: "http://" + simLn.Addr().String()}
}

// brand creates a brand with an alcohol SKU, alcohol compliance for the
// carriers the scenarios use, and accounts with the given providers.
func (e *e2e) brand(t *testing.T, slug string, providers ...string) *trail.Brand {
	t.Helper()
	ctx, b := e.ctx, e.b
	brand := &trail.Brand{Slug: slug, Name: slug}
	if _, err := b.CreateBrand(ctx, brand); err != nil {
		t.Fatal(err)
	}
	if _, err := b.PutSKU(ctx, brand.ID, &trail.SKU{Code: "RICE-500", Name: "米酒", Alcohol: true}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"shunfeng", "yuantong", "zhongtong", "yunda"} {
		if _, err := b.PutCompliance(ctx, brand.ID, &trail.Compliance{Carrier: c, Alcohol: true}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range providers {
		acct := &trail.CarrierAccount{Provider: p, Credentials: maps.Clone(demo.SimCredentials[p]), BaseURL: e.simURL + "/" + p}
		acct.Normalize()
		if _, err := b.PutCarrierAccount(ctx, brand.ID, acct); err != nil {
			t.Fatal(err)
		}
		if p != trail.ProviderKuaidi100 {
			if err := e.sim.PutAccount(carriersim.Account{Provider: p, Credentials: demo.SimCredentials[p], CallbackURL: trail.CallbackURL(e.base, slug, acct)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return brand
}

// waitSubscribed waits until River has subscribed n parcels with the
// simulator.
func (e *e2e) waitSubscribed(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		subscribed := 0
		for _, p := range e.sim.Parcels() {
			if p.SubscribedAt != nil {
				subscribed++
			}
		}
		if subscribed == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscribed %d of %d parcels: %+v", subscribed, n, e.sim.Parcels())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func playScenarios(t *testing.T, dsn string) {
	e := startE2E(t, dsn, false)
	ctx, b, sim := e.ctx, e.b, e.sim
	brandA := e.brand(t, "brand-a", trail.ProviderKuaidi100, trail.ProviderSF)
	brandB := e.brand(t, "brand-b", trail.ProviderKdniao)

	type play struct {
		brand             *trail.Brand
		carrier, scenario string
		want              want
	}
	plays := []play{
		{brandA, "yuantong", "normal_delivery", want{"yuantong", trail.StatusDelivered, "", 5, 0}},
		{brandA, "zhongtong", "split_parcels", want{"zhongtong", trail.StatusDelivered, "signed_by_proxy", 6, 0}},
		{brandA, "yuantong", "delay_stall", want{"yuantong", trail.StatusException, "stalled", 4, 0}},
		{brandA, "yuantong", "damage", want{"yuantong", trail.StatusDelivered, "signed_after_exception", 6, 0}},
		{brandA, "yuantong", "refusal", want{"yuantong", trail.StatusReturned, "", 6, 0}},
		{brandA, "yuantong", "return_after_delivery", want{"yuantong", trail.StatusReturned, "", 7, 1}},
		{brandA, "zhongtong", "locker_drop", want{"zhongtong", trail.StatusDelivered, "collected_from_locker", 6, 0}},
		{brandA, "yuantong", "lost", want{"yuantong", trail.StatusCreated, "", 0, 0}},
		{brandA, "yuantong", "duplicate_out_of_order", want{"yuantong", trail.StatusDelivered, "", 5, 0}},
		{brandA, "yunda", "wrong_carrier_code", want{"zhongtong", trail.StatusDelivered, "", 5, 0}},
		{brandA, "yuantong", "provider_outage", want{"yuantong", trail.StatusDelivered, "", 4, 0}},
		{brandA, "shunfeng", "normal_delivery", want{"shunfeng", trail.StatusDelivered, "", 5, 0}},
		{brandB, "yuantong", "normal_delivery", want{"yuantong", trail.StatusDelivered, "", 5, 0}},
	}
	orderNo := func(i int) string { return fmt.Sprintf("E2E-%02d", i) }
	for i, p := range plays {
		o := &trail.Order{OrderNo: orderNo(i), Customer: trail.Contact{Name: "张三", Phone: "13912345678"},
			Address: trail.Address{Province: "北京", City: "北京市", Detail: "建国路88号"}, Items: []trail.Item{{SKU: "RICE-500", Quantity: 1}}}
		o.Normalize()
		if _, err := b.CreateOrder(ctx, p.brand.ID, o); err != nil {
			t.Fatal(err)
		}
		no := map[string]string{"yuantong": "YT", "shunfeng": "SF"}[p.carrier] + fmt.Sprintf("%013d", 9000000000000+i)
		if p.carrier == "zhongtong" || p.carrier == "yunda" {
			no = fmt.Sprintf("7%013d", 3000000000000+i)
		}
		if err := sim.Assign(p.carrier, no, p.scenario); err != nil {
			t.Fatal(err)
		}
		s := &trail.Shipment{Carrier: p.carrier, TrackingNo: no, Items: []trail.ShipmentItem{{SKU: "RICE-500", Quantity: 1}}}
		if _, err := b.CreateShipment(ctx, p.brand.ID, o.OrderNo, s); err != nil {
			t.Fatal(err)
		}
	}

	// Wait for River to subscribe every parcel (the outage one after its
	// failed attempts), then play six days of scenario time.
	e.waitSubscribed(t, len(plays))
	for range 6 * 24 * 4 {
		e.clock.Add(15 * time.Minute)
		sim.Tick()
	}

	for i, p := range plays {
		t.Run(p.brand.Slug+"/"+p.scenario+"_"+p.carrier, func(t *testing.T) {
			g, err := b.OrderGraph(ctx, p.brand.ID, orderNo(i))
			if err != nil {
				t.Fatal(err)
			}
			s := g.Shipments[0]
			got := want{s.Carrier, s.Status, s.SubStatus, len(s.Events), s.Leg}
			if got != p.want {
				t.Errorf("parcel: got %+v, want %+v", got, p.want)
			}
			if g.Status != trail.DeriveOrderStatus(g.Order, g.SKUs, g.Batches, g.Shipments) {
				t.Errorf("order status %s is not the derived one", g.Status)
			}
		})
	}
	for _, p := range sim.Parcels() {
		for _, push := range p.Pushes {
			if !push.Accepted {
				t.Errorf("push %d of %s not acknowledged: %d %s (%s)", push.Push, p.TrackingNo, push.Status, push.Reply, push.Error)
			}
		}
	}
}

// serveApp runs the server on b with opts on a free loopback port and
// returns its base URL. When the test ends it cancels ctx, waits for the
// server to stop and closes b; cleanups registered before it run after.
func serveApp(t *testing.T, ctx context.Context, cancel context.CancelFunc, m *Main, b *backend, logger *slog.Logger, opts appOptions) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	a, err := newApp(ctx, b, base, logger, opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.run(ctx, ln, a, logger, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		b.Close()
	})
	return base
}
