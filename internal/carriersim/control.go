package carriersim

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Parcel is what the simulator holds about one tracking number of one
// provider account, as GET /sim/parcels shows it.
type Parcel struct {
	Provider         string     `json:"provider"`
	Account          string     `json:"account"` // kuaidi100 customer, kdniao ebusiness_id, sf partner_id
	Carrier          string     `json:"carrier"` // the carrier code it was asked about under
	CorrectedCarrier string     `json:"corrected_carrier,omitempty"`
	TrackingNo       string     `json:"tracking_no"`
	Scenario         string     `json:"scenario"` // "" for a number no rule knows
	FirstContact     time.Time  `json:"first_contact"`
	SubscribedAt     *time.Time `json:"subscribed_at,omitempty"`
	// State is Kuaidi100's view of the subscription: polling, shutdown or
	// abort.
	State string `json:"state,omitempty"`
	// Events are the scenario's scans whose time has come, oldest first.
	Events        []Event       `json:"events"`
	PendingPushes int           `json:"pending_pushes"`
	Requests      []Request     `json:"requests"`
	Pushes        []PushAttempt `json:"pushes"`
}

// Event is one scan of a parcel, with the provider's code for it.
type Event struct {
	Time        time.Time            `json:"time"`
	Status      trail.ShipmentStatus `json:"status"`
	SubStatus   string               `json:"sub_status,omitempty"`
	Code        string               `json:"code"`
	Description string               `json:"description"`
	Location    string               `json:"location,omitempty"`
}

// Request is one subscription or query about a parcel and how the
// simulator served it: "ok" or the outage failure ("500", "timeout").
type Request struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Result string    `json:"result"`
}

// PushAttempt is one attempt to deliver a push.
type PushAttempt struct {
	Push     int       `json:"push"`    // the push's number within the parcel, from 1
	Attempt  int       `json:"attempt"` // 1 for the first try, then the retries
	At       time.Time `json:"at"`      // on the simulator's clock
	URL      string    `json:"url"`
	Kind     string    `json:"kind"`    // kuaidi100 status, kdniao RequestType, sf "routes"
	Request  string    `json:"request"` // the body sent
	Status   int       `json:"status,omitempty"`
	Reply    string    `json:"reply,omitempty"` // the reply body, cut at 4 KiB
	Error    string    `json:"error,omitempty"` // why the push was not acknowledged
	Accepted bool      `json:"accepted"`
	GaveUp   bool      `json:"gave_up,omitempty"` // the last attempt failed: no more retries
}

// Parcels returns every parcel the simulator has seen, in order of first
// contact, with their push logs.
func (s *Sim) Parcels() []Parcel {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]Parcel, 0, len(s.order))
	for _, p := range s.order {
		v := Parcel{
			Provider: p.provider, Account: p.account, Carrier: p.carrier, CorrectedCarrier: p.corrected,
			TrackingNo: p.trackingNo, Scenario: p.scenarioName(), FirstContact: p.start.In(trail.ChinaTime),
			State: p.state, Events: []Event{}, PendingPushes: len(p.outbox),
			Requests: slices.Clone(p.requests), Pushes: slices.Clone(p.pushes),
		}
		if p.subscribed {
			t := p.subscribedAt.In(trail.ChinaTime)
			v.SubscribedAt = &t
		}
		for _, i := range p.visible(now) {
			st := p.steps[i]
			v.Events = append(v.Events, Event{Time: st.at.In(trail.ChinaTime), Status: st.Status, SubStatus: st.SubStatus,
				Code: providerCode(p.provider, st.Status, st.SubStatus).Code, Description: st.Description, Location: st.Location})
		}
		out = append(out, v)
	}
	return out
}

// handleListParcels answers GET /sim/parcels, optionally filtered by
// ?tracking_no= and ?provider=: {"parcels":[...]}.
func (s *Sim) handleListParcels(w http.ResponseWriter, r *http.Request) {
	no := trail.NormalizeTrackingNo(r.URL.Query().Get("tracking_no"))
	provider := strings.ToLower(r.URL.Query().Get("provider"))
	parcels := slices.DeleteFunc(s.Parcels(), func(p Parcel) bool {
		return (no != "" && p.TrackingNo != no) || (provider != "" && p.Provider != provider)
	})
	writeJSON(w, http.StatusOK, map[string]any{"parcels": parcels})
}

// handleAssign answers POST /sim/parcels {"carrier","tracking_no",
// "scenario", optional "from" and "to" cities (a Route)}: 201 with the
// assignment; 422 for an unknown scenario or carrier; 409 for a number
// already in play.
func (s *Sim) handleAssign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Carrier    string `json:"carrier"`
		TrackingNo string `json:"tracking_no"`
		Scenario   string `json:"scenario"`
		Route
	}
	if !readJSON(w, r, &in) {
		return
	}
	if err := s.AssignRoute(in.Carrier, in.TrackingNo, in.Scenario, in.Route); err != nil {
		status := http.StatusUnprocessableEntity
		if errors.Is(err, errStarted) {
			status = http.StatusConflict
		}
		writeError(w, status, err.Error())
		return
	}
	in.TrackingNo = trail.NormalizeTrackingNo(in.TrackingNo)
	writeJSON(w, http.StatusCreated, in)
}

// handlePutAccount answers POST /sim/accounts with an Account: the
// account is added or replaced; the answer names it without its secrets.
func (s *Sim) handlePutAccount(w http.ResponseWriter, r *http.Request) {
	var a Account
	if !readJSON(w, r, &a) {
		return
	}
	if err := s.PutAccount(a); err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	a.normalize()
	writeJSON(w, http.StatusOK, map[string]string{"provider": a.Provider, "account": a.id(), "callback_url": a.CallbackURL})
}

// handleListScenarios answers GET /sim/scenarios: {"scenarios":[...]}.
func (s *Sim) handleListScenarios(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"scenarios": s.Scenarios()})
}

// readJSON decodes a JSON request body into v, or answers 400.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "read request: "+err.Error())
		return false
	}
	return true
}

// writeError answers with Bottletrail's error shape.
func writeError(w http.ResponseWriter, status int, msg string) {
	code := map[int]string{
		http.StatusBadRequest:          trail.EMALFORMED,
		http.StatusConflict:            trail.ECONFLICT,
		http.StatusUnprocessableEntity: trail.EINVALID,
	}[status]
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}
