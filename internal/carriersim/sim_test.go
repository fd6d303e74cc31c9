package carriersim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/carrier/sf"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestDuplicateOutOfOrderSF: every push twice with the same route ids, the
// departure scan after the arrival scan.
func TestDuplicateOutOfOrderSF(t *testing.T) {
	b := setup(t)
	b.MustSubscribe("sf", "shunfeng", "SF1234567890109")
	b.Run(2*24*time.Hour, time.Hour)
	var got []string
	for _, u := range b.recv.Updates() {
		for _, e := range u.Events {
			got = append(got, e.RawCode+"#"+e.ExternalID[len(e.ExternalID)-1:])
		}
	}
	want := []string{"50#1", "50#1", "31#3", "31#3", "30#2", "30#2", "44#4", "44#4", "80#5", "80#5"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestDuplicateOutOfOrderKuaidi100: full histories twice each; the push at
// the third step's time lacks the second step, the next one has it.
func TestDuplicateOutOfOrderKuaidi100(t *testing.T) {
	b := setup(t)
	b.MustSubscribe("kuaidi100", "zhongtong", "78123456789009")
	b.Run(2*24*time.Hour, time.Hour)
	var got [][]string
	for _, u := range b.recv.Updates() {
		got = append(got, statuses(u.Events))
	}
	one := []string{"picked_up"}
	three := []string{"in_transit/destination_city", "picked_up"}
	all3 := []string{"in_transit/destination_city", "in_transit", "picked_up"}
	four := append([]string{"out_for_delivery"}, all3...)
	five := append([]string{"delivered"}, four...)
	want := [][]string{one, one, three, three, all3, all3, four, four, five, five}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	// The duplicates are byte for byte the same push.
	if b.recv.bodies[0] != b.recv.bodies[1] {
		t.Error("the duplicate push differs")
	}
}

func TestSubscriptionBacklog(t *testing.T) {
	b := setup(t)
	// First contact by a query, subscription a day later: the first push
	// carries everything that happened meanwhile.
	b.Query("sf", "shunfeng", "SF1234567890101")
	b.clock.Advance(24 * time.Hour)
	b.MustSubscribe("sf", "shunfeng", "SF1234567890101")
	b.sim.Tick()
	ups := b.recv.Updates()
	if len(ups) != 1 || len(ups[0].Events) != 4 {
		t.Fatalf("got %+v, want one push with the four steps so far", ups)
	}
	b.Run(3*time.Hour, time.Hour)
	if n := len(b.recv.Updates()); n != 2 {
		t.Errorf("got %d pushes, want 2", n)
	}
}

func TestAssignAndRules(t *testing.T) {
	b := setup(t, func(c *Config) {
		c.Rules = []Rule{
			{Suffix: "9", Scenario: "lost"},
			{TrackingNo: "YT1234567890129", Scenario: "refusal"},
			{Carrier: "yunda", Scenario: "damage"},
			{Scenario: "normal_delivery"},
		}
	})
	if err := b.sim.Assign("", "yt1234567890119", "locker_drop"); err != nil {
		t.Fatal(err)
	}
	for no, want := range map[string]string{
		"YT1234567890119": "locker_drop", // assigned
		"YT1234567890129": "refusal",     // a number rule beats an earlier suffix rule
		"YT1234567890139": "lost",
		"YT1234567890140": "normal_delivery",
	} {
		b.Query("kuaidi100", "yuantong", no)
		if got := b.MustParcel("kuaidi100", no).Scenario; got != want {
			t.Errorf("%s: got %s, want %s", no, got, want)
		}
	}
	b.Query("kuaidi100", "yunda", "4312345678900")
	if got := b.MustParcel("kuaidi100", "4312345678900").Scenario; got != "damage" {
		t.Errorf("carrier rule: got %s", got)
	}
	if err := b.sim.Assign("", "YT1234567890140", "damage"); err == nil || !strings.Contains(err.Error(), "already plays") {
		t.Errorf("late assignment: got %v", err)
	}
	if err := b.sim.Assign("", "YT1234567890150", "nosuch"); err == nil {
		t.Error("unknown scenario: got no error")
	}
}

func TestControlEndpoints(t *testing.T) {
	b := setup(t)
	post := func(path, body string) (int, string) {
		t.Helper()
		resp, err := http.Post(b.srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	if status, body := post("/sim/parcels", `{"carrier":"shunfeng","tracking_no":"sf1234567890199","scenario":"damage"}`); status != 201 ||
		body != `{"carrier":"shunfeng","tracking_no":"SF1234567890199","scenario":"damage"}` {
		t.Errorf("assign: got %d %s", status, body)
	}
	if status, body := post("/sim/parcels", `{"tracking_no":"SF1234567890198","scenario":"damage","from":"杭州市","to":"成都市"}`); status != 201 ||
		body != `{"carrier":"","tracking_no":"SF1234567890198","scenario":"damage","from":"杭州市","to":"成都市"}` {
		t.Errorf("assign with a route: got %d %s", status, body)
	}
	b.Query("kuaidi100", "shunfeng", "SF1234567890198")
	b.clock.Advance(10 * 24 * time.Hour)
	if p := b.MustParcel("kuaidi100", "SF1234567890198"); p.Events[len(p.Events)-1].Location != "成都市" {
		t.Errorf("assigned with a route: delivered in %q, want 成都市", p.Events[len(p.Events)-1].Location)
	}
	if status, body := post("/sim/parcels", `{"tracking_no":"SF1","scenario":"nosuch"}`); status != 422 || !strings.Contains(body, `"code":"invalid"`) {
		t.Errorf("unknown scenario: got %d %s", status, body)
	}
	if status, _ := post("/sim/parcels", `{"tracking_no":`); status != 400 {
		t.Errorf("bad JSON: got %d", status)
	}
	b.MustSubscribe("sf", "shunfeng", "SF1234567890199")
	if status, _ := post("/sim/parcels", `{"tracking_no":"SF1234567890199","scenario":"lost"}`); status != 409 {
		t.Errorf("late assignment: got %d", status)
	}
	b.Run(3*time.Hour, time.Hour)

	resp, err := http.Get(b.srv.URL + "/sim/parcels?tracking_no=SF1234567890199")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Parcels []Parcel }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list.Parcels) != 1 {
		t.Fatalf("got %d parcels", len(list.Parcels))
	}
	p := list.Parcels[0]
	if p.Scenario != "damage" || p.Provider != "sf" || len(p.Events) != 1 || p.Events[0].Code != "50" ||
		len(p.Pushes) != 1 || !p.Pushes[0].Accepted || p.Pushes[0].Reply != `{"return_code":"0000","return_msg":"成功"}` ||
		len(p.Requests) != 1 || p.Requests[0].Kind != sf.ServiceRegisterRoute {
		t.Errorf("got %+v", p)
	}

	if status, body := post("/sim/accounts", `{"provider":"sf","credentials":{"partner_id":"P2","check_word":"secret"},"callback_url":"http://127.0.0.1:1/hooks/sf/demo?token=x"}`); status != 200 ||
		strings.Contains(body, "secret") || !strings.Contains(body, `"account":"P2"`) {
		t.Errorf("put account: got %d %s", status, body)
	}
	if status, _ := post("/sim/accounts", `{"provider":"kuaidi100","credentials":{"customer":"C","key":"K"},"callback_url":"http://x/y"}`); status != 422 {
		t.Errorf("kuaidi100 callback: got %d", status)
	}
	resp, err = http.Get(b.srv.URL + "/sim/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sc struct{ Scenarios []Scenario }
	if err := json.NewDecoder(resp.Body).Decode(&sc); err != nil || len(sc.Scenarios) != len(DefaultScenarios()) {
		t.Errorf("scenarios: got %d, %v", len(sc.Scenarios), err)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Speed: -1}, "speed"},
		{Config{Rules: []Rule{{Scenario: "nosuch"}}}, `rules[0]: unknown scenario "nosuch"`},
		{Config{Rules: []Rule{{TrackingNo: "A", Suffix: "1", Scenario: "lost"}}}, "not both"},
		{Config{Accounts: []Account{{Provider: "ems"}}}, `unknown provider "ems"`},
		{Config{Accounts: []Account{{Provider: "sf", Credentials: map[string]string{"partner_id": "P"}}}}, "credentials.check_word is required"},
		{Config{Accounts: []Account{{Provider: "kdniao", Credentials: map[string]string{"ebusiness_id": "1", "app_key": "k", "salt": "s"}}}}, `unknown credential "salt"`},
		{Config{Accounts: []Account{{Provider: "kdniao", Credentials: map[string]string{"ebusiness_id": "1", "app_key": "k"}, CallbackURL: "hooks"}}}, "not an http(s) URL"},
		{Config{Scenarios: map[string]Scenario{"a": {Name: "b"}}}, `filed under the name "a"`},
	}
	for _, tt := range tests {
		s, err := New(tt.cfg)
		if err == nil {
			s.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("got %v, want an error containing %q", err, tt.want)
		}
	}
	// A kuaidi100 salt, as trail's accounts hold one, is accepted and ignored.
	s, err := New(Config{Manual: true, Accounts: []Account{{Provider: "kuaidi100", Credentials: map[string]string{"customer": "C", "key": "K", "salt": "S"}}}})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// TestRealTime runs a simulator on the real clock at a high speed: the
// parcel is delivered and every push acknowledged without Tick.
func TestRealTime(t *testing.T) {
	recv := &receiver{t: t}
	b := &testBundle{t: t, recv: recv, sf: &sf.Client{}}
	b.sfAcct = &trail.CarrierAccount{Provider: "sf", Credentials: map[string]string{"partner_id": testPartner, "check_word": testCheckWord}}
	recv.srv = httptest.NewServer(recv.serve(b))
	defer recv.srv.Close()
	sim, err := New(Config{
		Speed:    360000, // 26 h in 0.26 s
		Accounts: []Account{{Provider: "sf", Credentials: map[string]string{"partner_id": testPartner, "check_word": testCheckWord}, CallbackURL: recv.srv.URL + "/sf"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	defer sim.Close()
	b.sfAcct.BaseURL = srv.URL + "/sf"
	if err := b.sf.Subscribe(t.Context(), b.sfAcct, trail.TrackRequest{Carrier: "shunfeng", TrackingNo: "SF1234567890101"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(recv.Updates()) < 5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	ups := recv.Updates()
	if len(ups) != 5 || ups[4].Events[0].Status != trail.StatusDelivered {
		t.Fatalf("got %d pushes, want 5 ending delivered", len(ups))
	}
	for i := 1; i < len(ups); i++ {
		if !ups[i].Events[0].Time.After(ups[i-1].Events[0].Time) {
			t.Errorf("push %d: event times not increasing", i)
		}
	}
}

// TestCloseStopsEverything closes a running simulator with a push in
// flight to a receiver that never answers and a request held open by an
// outage, and finds no goroutine left behind.
func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	var hung atomic.Int32
	stuck := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		select {
		case <-r.Context().Done():
		case <-stuck:
		}
	}))
	acct := Account{Provider: "sf", Credentials: map[string]string{"partner_id": testPartner, "check_word": testCheckWord}, CallbackURL: hook.URL}
	sim, err := New(Config{Speed: 3600 * 24, Accounts: []Account{acct}, HTTP: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	client := &sf.Client{}
	sfAcct := &trail.CarrierAccount{Provider: "sf", BaseURL: srv.URL + "/sf", Credentials: acct.Credentials}
	if err := client.Subscribe(t.Context(), sfAcct, trail.TrackRequest{Carrier: "shunfeng", TrackingNo: "SF1234567890101"}); err != nil {
		t.Fatal(err)
	}
	// provider_outage: the third request hangs until Close.
	held := make(chan error, 1)
	go func() {
		for range 2 {
			client.Query(t.Context(), sfAcct, trail.TrackRequest{Carrier: "shunfeng", TrackingNo: "SF1234567890111"})
		}
		_, err := client.Query(t.Context(), sfAcct, trail.TrackRequest{Carrier: "shunfeng", TrackingNo: "SF1234567890111"})
		held <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for hung.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if hung.Load() == 0 {
		t.Fatal("no push reached the receiver")
	}
	time.Sleep(50 * time.Millisecond) // let the outage request arrive
	done := make(chan struct{})
	go func() {
		sim.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if err := <-held; err == nil {
		t.Error("the held request succeeded")
	}
	sim.Close() // again: a no-op
	srv.Close()
	close(stuck)
	hook.Close()
	http.DefaultClient.CloseIdleConnections()
	for time.Now().Before(deadline) && runtime.NumGoroutine() > before {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
	if p := sim.Parcels()[0]; len(p.Pushes) == 0 || p.Pushes[0].Accepted {
		t.Errorf("the cancelled push: got %+v", p.Pushes)
	}
}

// TestAssignRoute plays scenarios moved to other cities: every scan that
// was in the scenario's origin or destination city is in the route's, with
// texts that name no city the parcel never saw.
func TestAssignRoute(t *testing.T) {
	b := setup(t)
	tests := []struct {
		no, scenario string
		gone         []string // cities no scan may name
	}{
		{"YT1234567890201", "normal_delivery", []string{"绍兴", "上海", "浦东"}},
		{"YT1234567890202", "damage", []string{"绍兴", "北京", "朝阳"}},
		{"YT1234567890203", "locker_drop", []string{"绍兴", "苏州"}},
		{"YT1234567890204", "wrong_carrier_code", []string{"嘉兴", "北京", "海淀"}},
		{"YT1234567890205", "return_after_delivery", []string{"绍兴", "西湖"}},
	}
	for _, tt := range tests {
		if err := b.sim.AssignRoute("", tt.no, tt.scenario, Route{From: "杭州市", To: "广州市"}); err != nil {
			t.Fatal(err)
		}
		b.Query("kuaidi100", "yuantong", tt.no)
	}
	b.clock.Advance(10 * 24 * time.Hour)
	for _, tt := range tests {
		p := b.MustParcel("kuaidi100", tt.no)
		if len(p.Events) < 3 {
			t.Fatalf("%s: %d scans, want the whole scenario", tt.scenario, len(p.Events))
		}
		if first := p.Events[0]; first.Location != "杭州市" || !strings.Contains(first.Description, "杭州") {
			t.Errorf("%s: picked up at %q (%s), want 杭州市", tt.scenario, first.Location, first.Description)
		}
		delivered := false
		for _, e := range p.Events {
			switch e.Status {
			case trail.StatusOutForDelivery, trail.StatusAtPickupPoint, trail.StatusDelivered:
				delivered = delivered || e.Status == trail.StatusDelivered
				if e.Location != "广州市" {
					t.Errorf("%s: %s scan in %q, want 广州市", tt.scenario, e.Status, e.Location)
				}
			}
			for _, city := range tt.gone {
				if strings.Contains(e.Description+e.Location, city) {
					t.Errorf("%s: scan %q names %s", tt.scenario, e.Description, city)
				}
			}
		}
		if !delivered {
			t.Errorf("%s: no delivery scan", tt.scenario)
		}
	}
	// Without a route, the scenario keeps its cities.
	if err := b.sim.Assign("", "YT1234567890206", "normal_delivery"); err != nil {
		t.Fatal(err)
	}
	b.Query("kuaidi100", "yuantong", "YT1234567890206")
	b.clock.Advance(10 * 24 * time.Hour)
	if p := b.MustParcel("kuaidi100", "YT1234567890206"); p.Events[len(p.Events)-1].Location != "上海市" {
		t.Errorf("unrouted: delivered in %q, want the scenario's 上海市", p.Events[len(p.Events)-1].Location)
	}
}
