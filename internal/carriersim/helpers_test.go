package carriersim

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/carrier/kdniao"
	"github.com/bottletrail/bottletrail/internal/carrier/kuaidi100"
	"github.com/bottletrail/bottletrail/internal/carrier/sf"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// Credentials of the test accounts.
const (
	testCustomer  = "TESTCUSTOMER0001"
	testKey       = "TESTKEY"
	testSalt      = "s4lt-for-tests"
	testEBID      = "1234567"
	testAppKey    = "test-app-key"
	testPartner   = "TESTPARTNER"
	testCheckWord = "TESTCHECKWORD"
)

// epoch is the test clock's start: 2026-06-01 09:00:00 China time.
var epoch = time.Date(2026, 6, 1, 9, 0, 0, 0, trail.ChinaTime)

// clock is a test clock moved by Advance.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// receiver stands in for Bottletrail's push endpoints: /kuaidi100,
// /kdniao and /sf parse pushes with the provider packages and answer with
// their Reply, after failing the first failFirst pushes with HTTP 500.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	failFirst int
	hits      int
	bodies    []string
	updates   []trail.TrackUpdate
}

// provider returns the provider package and account behind a push path.
func (b *testBundle) provider(name string) (trail.Provider, *trail.CarrierAccount) {
	switch name {
	case trail.ProviderKuaidi100:
		return b.k100, b.k100Acct
	case trail.ProviderKdniao:
		return b.kdn, b.kdnAcct
	}
	return b.sf, b.sfAcct
}

func (rc *receiver) serve(b *testBundle) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		prov, acct := b.provider(strings.TrimPrefix(r.URL.Path, "/"))
		rc.mu.Lock()
		rc.hits++
		rc.bodies = append(rc.bodies, string(body))
		fail := rc.hits <= rc.failFirst
		rc.mu.Unlock()
		if fail {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		ups, err := prov.ParsePush(acct, r.Header.Get("Content-Type"), body)
		if err != nil {
			rc.t.Errorf("%s ParsePush: %v\nbody: %s", r.URL.Path, err, body)
		}
		rc.mu.Lock()
		rc.updates = append(rc.updates, ups...)
		rc.mu.Unlock()
		status, ct, reply := prov.Reply(acct, err)
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		w.Write(reply)
	}
}

// Updates returns the updates parsed so far.
func (rc *receiver) Updates() []trail.TrackUpdate {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]trail.TrackUpdate(nil), rc.updates...)
}

// Hits returns the number of pushes received.
func (rc *receiver) Hits() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.hits
}

// testBundle is a Manual simulator on a test clock, served over HTTP, with
// a receiver and the three provider clients pointed at it.
type testBundle struct {
	t     *testing.T
	clock *clock
	sim   *Sim
	srv   *httptest.Server
	recv  *receiver

	k100     *kuaidi100.Client
	kdn      *kdniao.Client
	sf       *sf.Client
	k100Acct *trail.CarrierAccount
	kdnAcct  *trail.CarrierAccount
	sfAcct   *trail.CarrierAccount
}

// setup returns a bundle; edit changes the config before New.
func setup(t *testing.T, edit ...func(*Config)) *testBundle {
	t.Helper()
	b := &testBundle{t: t, clock: &clock{t: epoch}}
	b.recv = &receiver{t: t}
	b.recv.srv = httptest.NewServer(b.recv.serve(b))
	t.Cleanup(b.recv.srv.Close)
	cfg := Config{
		Accounts: []Account{
			{Provider: "kuaidi100", Credentials: map[string]string{"customer": testCustomer, "key": testKey}},
			{Provider: "kdniao", Credentials: map[string]string{"ebusiness_id": testEBID, "app_key": testAppKey}, CallbackURL: b.recv.srv.URL + "/kdniao"},
			{Provider: "sf", Credentials: map[string]string{"partner_id": testPartner, "check_word": testCheckWord}, CallbackURL: b.recv.srv.URL + "/sf"},
		},
		Speed:  1,
		Now:    b.clock.Now,
		Manual: true,
	}
	for _, e := range edit {
		e(&cfg)
	}
	sim, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.sim = sim
	b.srv = httptest.NewServer(sim)
	t.Cleanup(func() {
		b.srv.Close()
		sim.Close()
	})
	client := &http.Client{Timeout: 5 * time.Second}
	b.k100 = &kuaidi100.Client{HTTP: client, Now: b.clock.Now}
	b.kdn = &kdniao.Client{HTTP: client, Now: b.clock.Now}
	b.sf = &sf.Client{HTTP: client, Now: b.clock.Now}
	b.k100Acct = &trail.CarrierAccount{Provider: "kuaidi100", BaseURL: b.srv.URL + "/kuaidi100",
		Credentials: map[string]string{"customer": testCustomer, "key": testKey, "salt": testSalt}}
	b.kdnAcct = &trail.CarrierAccount{Provider: "kdniao", BaseURL: b.srv.URL + "/kdniao",
		Credentials: map[string]string{"ebusiness_id": testEBID, "app_key": testAppKey}}
	b.sfAcct = &trail.CarrierAccount{Provider: "sf", BaseURL: b.srv.URL + "/sf",
		Credentials: map[string]string{"partner_id": testPartner, "check_word": testCheckWord}}
	return b
}

// MustSubscribe subscribes a parcel through the provider package's client.
func (b *testBundle) MustSubscribe(provider, carrier, no string) {
	b.t.Helper()
	prov, acct := b.provider(provider)
	req := trail.TrackRequest{Carrier: carrier, TrackingNo: no, PhoneLast4: "0000", CallbackURL: b.recv.srv.URL + "/" + provider}
	if err := prov.Subscribe(context.Background(), acct, req); err != nil {
		b.t.Fatalf("%s subscribe %s %s: %v", provider, carrier, no, err)
	}
}

// Query queries a parcel through the provider package's client.
func (b *testBundle) Query(provider, carrier, no string) (*trail.TrackUpdate, error) {
	prov, acct := b.provider(provider)
	return prov.Query(context.Background(), acct, trail.TrackRequest{Carrier: carrier, TrackingNo: no, PhoneLast4: "0000"})
}

// Run advances the clock by d in steps of at most step, ticking after
// each, and returns the push attempts made.
func (b *testBundle) Run(d, step time.Duration) int {
	n := b.sim.Tick()
	for d > 0 {
		s := min(step, d)
		b.clock.Advance(s)
		d -= s
		n += b.sim.Tick()
	}
	return n
}

// Post posts a form to the simulator and returns the answer's status and
// body.
func (b *testBundle) Post(path string, form url.Values) (int, string) {
	b.t.Helper()
	resp, err := http.PostForm(b.srv.URL+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// MustParcel returns the simulator's parcel of a provider and number.
func (b *testBundle) MustParcel(provider, no string) Parcel {
	b.t.Helper()
	for _, p := range b.sim.Parcels() {
		if p.Provider == provider && p.TrackingNo == no {
			return p
		}
	}
	b.t.Fatalf("no %s parcel %s", provider, no)
	return Parcel{}
}

// statuses returns the statuses of events, in order.
func statuses(events []trail.CarrierEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = string(e.Status)
		if e.SubStatus != "" {
			out[i] += "/" + e.SubStatus
		}
	}
	return out
}
