package carriersim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Sim is a carrier simulator: an http.Handler speaking Kuaidi100 under
// /kuaidi100, Kuaidiniao under /kdniao and SF under /sf, with control
// endpoints under /sim, and a scheduler that pushes scenario steps to
// subscribers. Its methods are safe for concurrent use.
type Sim struct {
	speed  float64
	now    func() time.Time
	manual bool
	client *http.Client
	log    *slog.Logger
	mux    *http.ServeMux

	ctx      context.Context // cancelled by Close
	cancel   context.CancelFunc
	wake     chan struct{}
	loopDone chan struct{}
	inFlight sync.WaitGroup // pushes sent by the background loop
	closing  sync.Once

	mu         sync.Mutex
	scenarios  map[string]Scenario
	rules      []Rule
	accounts   map[string]*Account // provider/id
	assigned   map[string]assignment
	parcels    map[string]*parcel // provider/account/tracking number
	order      []*parcel          // parcels in order of first contact
	requestIDs map[string]bool    // SF requestIDs seen, per partner
	idOrder    []string           // requestIDs oldest first, to forget them
	routeSeq   int64              // the last SF route id handed out
	answerSeq  int64              // the last SF apiResponseID handed out
}

// assignment is an explicit choice of scenario for a tracking number.
type assignment struct {
	carrier  string // "" for any carrier
	scenario string
	route    Route // the cities the scenario is moved to, if any
}

// maxRequestIDs bounds the SF requestIDs remembered for A1007.
const maxRequestIDs = 100_000

// New returns a simulator for cfg. Unless cfg.Manual is set it starts a
// goroutine that fires pushes when they are due; Close stops it.
func New(cfg Config) (*Sim, error) {
	if cfg.Scenarios == nil {
		cfg.Scenarios = DefaultScenarios()
	}
	if cfg.Rules == nil {
		cfg.Rules = DefaultRules()
	}
	cfg.Accounts = slices.Clone(cfg.Accounts)
	cfg.Rules = slices.Clone(cfg.Rules)
	if err := validateConfig(&cfg); err != nil {
		return nil, fmt.Errorf("carriersim: %w", err)
	}
	s := &Sim{
		speed:      cfg.Speed,
		now:        cfg.Now,
		manual:     cfg.Manual,
		client:     cfg.HTTP,
		log:        cfg.Logger,
		wake:       make(chan struct{}, 1),
		loopDone:   make(chan struct{}),
		scenarios:  make(map[string]Scenario, len(cfg.Scenarios)),
		rules:      cfg.Rules,
		accounts:   map[string]*Account{},
		assigned:   map[string]assignment{},
		parcels:    map[string]*parcel{},
		requestIDs: map[string]bool{},
	}
	for k, v := range cfg.Scenarios {
		s.scenarios[k] = v
	}
	for i := range cfg.Accounts {
		a := cfg.Accounts[i]
		s.accounts[a.Provider+"/"+a.id()] = &a
	}
	if s.speed == 0 {
		s.speed = 1
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.routes()
	if s.manual {
		close(s.loopDone)
	} else {
		go s.run()
	}
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// routes registers every endpoint.
func (s *Sim) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /kuaidi100/poll/query.do", s.handleKuaidi100Query)
	s.mux.HandleFunc("POST /kuaidi100/poll", s.handleKuaidi100Subscribe)
	s.mux.HandleFunc("POST /kdniao"+kdniaoQueryPath, s.handleKdniaoQuery)
	s.mux.HandleFunc("POST /kdniao"+kdniaoSubscribePath, s.handleKdniaoSubscribe)
	s.mux.HandleFunc("POST /sf/std/service", s.handleSF)
	s.mux.HandleFunc("GET /sim/parcels", s.handleListParcels)
	s.mux.HandleFunc("POST /sim/parcels", s.handleAssign)
	s.mux.HandleFunc("POST /sim/accounts", s.handlePutAccount)
	s.mux.HandleFunc("GET /sim/scenarios", s.handleListScenarios)
}

// Close stops the scheduler, cancels pushes in flight and requests held
// open by an outage, and waits for them to end. No goroutine of the
// simulator outlives Close. Calling it again does nothing.
func (s *Sim) Close() error {
	s.closing.Do(s.cancel)
	<-s.loopDone
	s.inFlight.Wait()
	return nil
}

// PutAccount adds an account, or replaces the one with the same provider
// and identity (kuaidi100 customer, kdniao ebusiness_id, sf partner_id):
// how a brand's callback URL is "entered in the console" once Bottletrail
// has issued it.
func (s *Sim) PutAccount(a Account) error {
	a.normalize()
	if err := a.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[a.Provider+"/"+a.id()] = &a
	return nil
}

// Assign makes a tracking number play a scenario, whatever the rules say.
// carrier, if not empty, limits the assignment to the number asked about
// under that carrier code. It fails for an unknown scenario or carrier and
// for a number some provider has already seen.
func (s *Sim) Assign(carrier, trackingNo, scenario string) error {
	return s.AssignRoute(carrier, trackingNo, scenario, Route{})
}

// AssignRoute is Assign with the scenario moved along route
// (Scenario.Relocated): the parcel is picked up in route.From and
// delivered in route.To.
func (s *Sim) AssignRoute(carrier, trackingNo, scenario string, route Route) error {
	carrier = strings.ToLower(strings.TrimSpace(carrier))
	no := trail.NormalizeTrackingNo(trackingNo)
	if no == "" {
		return errors.New("assign: tracking_no is required")
	}
	if carrier != "" {
		if _, ok := trail.LookupCarrier(carrier); !ok {
			return fmt.Errorf("assign %s: unknown carrier code %q", no, carrier)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.scenarios[scenario]; !ok {
		return fmt.Errorf("assign %s: unknown scenario %q (known: %s)", no, scenario, strings.Join(sortedKeys(s.scenarios), ", "))
	}
	for _, p := range s.order {
		if p.trackingNo == no {
			return fmt.Errorf("assign %s: %w: %s already plays %q since its first contact", no, errStarted, p.provider, p.scenarioName())
		}
	}
	s.assigned[no] = assignment{carrier: carrier, scenario: scenario, route: route}
	return nil
}

// errStarted marks an assignment that comes too late.
var errStarted = errors.New("the parcel has started")

// Scenarios returns the scenarios the simulator knows, by name.
func (s *Sim) Scenarios() []Scenario {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Scenario, 0, len(s.scenarios))
	for _, k := range sortedKeys(s.scenarios) {
		out = append(out, s.scenarios[k])
	}
	return out
}

// Tick fires every push that is due by the clock, one after another in the
// caller's goroutine, retries included, and returns the number of push
// attempts made. It is how tests drive a Manual simulator; on another it
// only fires pushes early.
func (s *Sim) Tick() int {
	n := 0
	for {
		j := s.claim(s.now())
		if j == nil {
			return n
		}
		s.attempt(j)
		n++
	}
}

// run is the scheduler of a simulator that is not Manual: it fires each
// push when it is due, each parcel's pushes one at a time and in order,
// different parcels' at once. It returns when Close cancels s.ctx.
func (s *Sim) run() {
	defer close(s.loopDone)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		for j := s.claim(s.now()); j != nil; j = s.claim(s.now()) {
			s.inFlight.Add(1)
			go func() {
				defer s.inFlight.Done()
				s.attempt(j)
				s.poke()
			}()
		}
		timer.Stop()
		if next, ok := s.nextDue(); ok {
			timer.Reset(max(next.Sub(s.now()), 0))
		}
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// poke wakes the scheduler to look at the outboxes again.
func (s *Sim) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// nextDue returns the earliest due time of a push not in flight.
func (s *Sim) nextDue() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	found := false
	for _, p := range s.order {
		if len(p.outbox) == 0 || p.outbox[0].inFlight {
			continue
		}
		if d := p.outbox[0].due; !found || d.Before(next) {
			next, found = d, true
		}
	}
	return next, found
}

// job is one attempt to deliver a push.
type job struct {
	p           *parcel
	d           *delivery
	at          time.Time // the attempt's time on the simulator's clock
	url         string
	body        []byte
	contentType string
}

// claim picks the push due earliest by now whose parcel has none in
// flight, marks it in flight and returns the attempt to make; nil when no
// push is due or the simulator is closed.
func (s *Sim) claim(now time.Time) *job {
	if s.ctx.Err() != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var p *parcel
	for _, q := range s.order {
		if len(q.outbox) == 0 || q.outbox[0].inFlight || q.outbox[0].due.After(now) {
			continue
		}
		if p == nil || q.outbox[0].due.Before(p.outbox[0].due) {
			p = q
		}
	}
	if p == nil {
		return nil
	}
	d := p.outbox[0]
	d.inFlight = true
	at := d.due
	if at.Before(p.lastAttempt) {
		at = p.lastAttempt
	}
	if d.body == nil {
		d.body, d.contentType = s.buildPush(p, d, at)
		if p.provider == trail.ProviderKuaidi100 && d.kind != pushPolling && !d.correction {
			p.state = d.kind // shutdown or abort: Kuaidi100 stops watching
		}
	}
	return &job{p: p, d: d, at: at, url: s.callbackURL(p), body: d.body, contentType: d.contentType}
}

// callbackURL returns where p's pushes go: the subscription's URL for
// Kuaidi100, the account's for the others.
func (s *Sim) callbackURL(p *parcel) string {
	if p.provider == trail.ProviderKuaidi100 {
		return p.callback
	}
	if a := s.accounts[p.provider+"/"+p.account]; a != nil {
		return a.CallbackURL
	}
	return ""
}

// Retry intervals after a push that was not acknowledged, before Speed:
// Kuaidi100 documents three retries 35 minutes apart; Kuaidiniao and SF
// document none, so the simulator retries three times with back-off.
var retryIntervals = map[string][]time.Duration{
	trail.ProviderKuaidi100: {35 * time.Minute, 35 * time.Minute, 35 * time.Minute},
	trail.ProviderKdniao:    {2 * time.Minute, 10 * time.Minute, 30 * time.Minute},
	trail.ProviderSF:        {1 * time.Minute, 5 * time.Minute, 15 * time.Minute},
}

// maxReply bounds the reply body read and kept of a push.
const maxReply = 4 << 10

// attempt sends one push and records the outcome: acknowledged pushes
// leave the outbox, others are retried at the provider's cadence until the
// retries run out.
func (s *Sim) attempt(j *job) {
	rec := PushAttempt{At: j.at, URL: j.url, Kind: j.d.kind, Request: string(j.body)}
	status, reply, err := s.post(j)
	rec.Status, rec.Reply = status, string(reply)
	if err != nil {
		rec.Error = err.Error()
	} else {
		rec.Accepted, rec.Error = acknowledged(j.p.provider, status, reply)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	p, d := j.p, j.d
	d.inFlight = false
	d.attempts++
	p.lastAttempt = j.at
	rec.Push, rec.Attempt = d.seq, d.attempts
	retries := retryIntervals[p.provider]
	switch {
	case rec.Accepted:
		p.drop(d)
	case d.attempts > len(retries):
		rec.GaveUp = true
		p.drop(d)
	default:
		d.due = j.at.Add(scale(retries[d.attempts-1], s.speed))
	}
	p.pushes = append(p.pushes, rec)
	level := slog.LevelInfo
	if !rec.Accepted {
		level = slog.LevelWarn
	}
	s.log.Log(s.ctx, level, "carriersim push", "provider", p.provider, "tracking_no", p.trackingNo, "kind", rec.Kind,
		"push", rec.Push, "attempt", rec.Attempt, "status", rec.Status, "accepted", rec.Accepted, "gave_up", rec.GaveUp, "error", rec.Error)
}

// post sends a push and returns the reply's status and beginning.
func (s *Sim) post(j *job) (int, []byte, error) {
	if j.url == "" {
		return 0, nil, fmt.Errorf("no callback URL configured for the %s account %s (set callback_url with PutAccount or POST /sim/accounts)", j.p.provider, j.p.account)
	}
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, j.url, bytes.NewReader(j.body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", j.contentType)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	return resp.StatusCode, reply, err
}

// acknowledged reports whether a push's reply is the provider's success
// reply, and if not, why.
func acknowledged(provider string, status int, reply []byte) (bool, string) {
	if status < 200 || status > 299 {
		return false, fmt.Sprintf("http status %d", status)
	}
	var ok bool
	switch provider {
	case trail.ProviderKuaidi100:
		ok = kuaidi100Acknowledged(reply)
	case trail.ProviderKdniao:
		ok = kdniaoAcknowledged(reply)
	case trail.ProviderSF:
		ok = sfAcknowledged(reply)
	}
	if !ok {
		return false, "the reply is not the provider's success reply"
	}
	return true, ""
}

// parcel is one tracking number as one provider account sees it.
type parcel struct {
	provider   string
	account    string // kuaidi100 customer, kdniao ebusiness_id, sf partner_id
	carrier    string // the carrier code of the first contact
	trackingNo string
	scenario   *Scenario // nil: a number no rule knows
	start      time.Time // first contact: the scenario's time zero
	steps      []timedStep
	failures   int // outage failures served

	subscribed   bool
	subscribedAt time.Time
	callback     string // kuaidi100: from the subscription
	salt         string // kuaidi100: from the subscription
	resultV2     string // kuaidi100: from the subscription
	pushType     string // kdniao: 101 or 102, after the subscription's type
	state        string // kuaidi100: polling, shutdown or abort
	corrected    string // kuaidi100: the carrier autoCheck found

	outbox      []*delivery
	seq         int       // pushes planned so far
	lastAttempt time.Time // of the latest push attempt
	pushes      []PushAttempt
	requests    []Request
}

// timedStep is a step placed on the simulator's clock.
type timedStep struct {
	Step
	release time.Time // when it happens
	at      time.Time // the event time reported: release to the second, strictly increasing
	routeID string    // SF's route id
}

// delivery is one push and its attempts.
type delivery struct {
	seq        int
	due        time.Time
	kind       string // kuaidi100 status (polling, shutdown, abort); kdniao RequestType; sf "routes"
	steps      []int  // the steps reported: all so far for Kuaidi100 and Kuaidiniao, the new ones for SF
	message    string // kuaidi100 message
	correction bool   // kuaidi100: the abort announcing the carrier autoCheck found
	autoCheck  bool   // kuaidi100: a push after autoCheck corrected the carrier

	attempts    int
	inFlight    bool
	body        []byte // built at the first attempt, resent as is
	contentType string
}

// drop removes d from the outbox, if a new plan has not already.
func (p *parcel) drop(d *delivery) {
	if i := slices.Index(p.outbox, d); i >= 0 {
		p.outbox = slices.Delete(p.outbox, i, i+1)
	}
}

func (p *parcel) scenarioName() string {
	if p.scenario == nil {
		return ""
	}
	return p.scenario.Name
}

// knows reports whether the provider has tracks of p under carrier.
func (p *parcel) knows(carrier string) bool {
	sc := p.scenario
	return sc != nil && !sc.Behaviours.Lost && (sc.Behaviours.WrongCarrier == "" || sc.Behaviours.WrongCarrier == carrier)
}

// visible returns the steps that have happened by now.
func (p *parcel) visible(now time.Time) []int {
	var out []int
	for i, st := range p.steps {
		if !st.release.After(now) {
			out = append(out, i)
		}
	}
	return out
}

// parcelFor returns the parcel of a provider account's tracking number,
// creating it at its first contact, when the scenario's clock starts.
// Called with s.mu held.
func (s *Sim) parcelFor(provider, account, carrier, no string) *parcel {
	key := provider + "/" + account + "/" + no
	if p := s.parcels[key]; p != nil {
		return p
	}
	p := &parcel{provider: provider, account: account, carrier: carrier, trackingNo: no, start: s.now()}
	name := pickRule(s.rules, carrier, no)
	var route Route
	if a, ok := s.assigned[no]; ok && (a.carrier == "" || a.carrier == carrier) {
		name, route = a.scenario, a.route
	}
	if sc, ok := s.scenarios[name]; ok {
		sc = sc.Relocated(route)
		p.scenario = &sc
		var last time.Time
		for _, st := range sc.played() {
			release := p.start.Add(scale(time.Duration(st.After), s.speed))
			at := release.Truncate(time.Second)
			if !at.After(last) && !last.IsZero() {
				at = last.Add(time.Second)
			}
			last = at
			s.routeSeq++
			p.steps = append(p.steps, timedStep{Step: st, release: release, at: at, routeID: fmt.Sprintf("%d", 30000000000+s.routeSeq)})
		}
	}
	s.parcels[key] = p
	s.order = append(s.order, p)
	return p
}

// admit records a request about p and returns the outage failure to serve
// it with, if the scenario has one left. Called with s.mu held.
func (s *Sim) admit(p *parcel, kind string) (Failure, bool) {
	r := Request{At: s.now(), Kind: kind, Result: "ok"}
	defer func() { p.requests = append(p.requests, r) }()
	if p.scenario == nil || p.scenario.Behaviours.Outage == nil {
		return Failure{}, false
	}
	fails := p.scenario.Behaviours.Outage.FirstRequestsFailWith
	if p.failures >= len(fails) {
		return Failure{}, false
	}
	f := fails[p.failures]
	p.failures++
	r.Result = f.String()
	return f, true
}

// maxHold bounds how long an outage holds a request open.
const maxHold = 2 * time.Minute

// fail serves an outage failure: a bare HTTP error at once, or a request
// held open until the client gives up, the simulator closes or maxHold
// passes.
func (s *Sim) fail(w http.ResponseWriter, r *http.Request, f Failure) {
	if f.Timeout {
		t := time.NewTimer(maxHold)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return
		case <-s.ctx.Done():
		case <-t.C:
		}
		f.Status = http.StatusGatewayTimeout
	}
	http.Error(w, http.StatusText(f.Status), f.Status)
}

// plan replaces p's outbox with the pushes of a subscription made at at.
// Called with s.mu held.
func (s *Sim) plan(p *parcel, at time.Time) {
	p.outbox = nil
	queue := func(due time.Time, kind string, steps []int, message string, autoCheck bool) *delivery {
		p.seq++
		d := &delivery{seq: p.seq, due: due, kind: kind, steps: steps, message: message, autoCheck: autoCheck}
		p.outbox = append(p.outbox, d)
		return d
	}
	kuaidi100 := p.provider == trail.ProviderKuaidi100
	sc := p.scenario
	if sc == nil || sc.Behaviours.Lost {
		if kuaidi100 {
			queue(at.Add(scale(trail.NoRecordTimeout, s.speed)), pushAbort, nil, messageNoRecord, false)
		}
		return
	}
	autoCheck := false
	if wrong := sc.Behaviours.WrongCarrier; wrong != "" && wrong != p.carrier {
		if !kuaidi100 {
			return // no tracks under this carrier, and nobody to correct it
		}
		p.corrected, autoCheck = wrong, true
		queue(at, pushAbort, nil, messageNoRecord, false).correction = true
	}

	// One push per step when it happens (those that happened before the
	// subscription together, in its first push), the held-back step of
	// out_of_order right after the third.
	type report struct {
		due   time.Time
		steps []int
	}
	var reports []report
	ooo := sc.Behaviours.OutOfOrder
	for i, st := range p.steps {
		due := st.release
		if due.Before(at) {
			due = at
		}
		switch {
		case ooo && i == 1:
			continue
		case len(reports) > 0 && due.Equal(at) && reports[len(reports)-1].due.Equal(at):
			reports[len(reports)-1].steps = append(reports[len(reports)-1].steps, i)
		default:
			reports = append(reports, report{due, []int{i}})
		}
		if ooo && i == 2 {
			reports = append(reports, report{due, []int{1}})
		}
	}

	last := len(p.steps) - 1
	final := p.steps[last].Status == trail.StatusDelivered || p.steps[last].Status == trail.StatusReturned
	var seen []int
	for n, r := range reports {
		seen = append(seen, r.steps...)
		steps := r.steps
		kind := pushTypeSF
		switch p.provider {
		case trail.ProviderKuaidi100:
			steps, kind = slices.Clone(seen), pushPolling
			if final && n == len(reports)-1 {
				kind = pushShutdown
			}
		case trail.ProviderKdniao:
			steps, kind = slices.Clone(seen), p.pushType
		}
		copies := 1
		if sc.Behaviours.DuplicatePushes {
			copies = 2
		}
		for range copies {
			queue(r.due, kind, steps, "", autoCheck)
		}
	}
	if kuaidi100 && !final {
		queue(p.steps[last].release.Add(scale(trail.NoChangeTimeout, s.speed)), pushAbort, slices.Clone(seen), messageNoChange, autoCheck)
	}
}

// buildPush returns the body and content type of a push at time at.
func (s *Sim) buildPush(p *parcel, d *delivery, at time.Time) ([]byte, string) {
	switch p.provider {
	case trail.ProviderKuaidi100:
		return kuaidi100Push(p, d), "application/x-www-form-urlencoded;charset=UTF-8"
	case trail.ProviderKdniao:
		return s.kdniaoPush(p, d, at), "application/x-www-form-urlencoded;charset=utf-8"
	}
	return sfPush(p, d), "application/json;charset=UTF-8"
}

// chinaTime formats t as the providers do: yyyy-MM-dd HH:mm:ss, China time.
func chinaTime(t time.Time) string { return t.In(trail.ChinaTime).Format(time.DateTime) }

// maxRequest bounds a request body the simulator reads.
const maxRequest = 1 << 20

// parseForm reads a form body of at most maxRequest bytes.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequest)
	return r.ParseForm()
}
