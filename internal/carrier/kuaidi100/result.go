package kuaidi100

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// result is a parcel's tracking result: the answer to a query and the
// lastResult of a push (QueryTrackResp in the official SDK).
type result struct {
	Message string     `json:"message"`
	State   flexString `json:"state"`
	Com     string     `json:"com"`
	Nu      string     `json:"nu"`
	Data    []trace    `json:"data"`
}

// trace is one event of a result. With resultv2 set, Status is the Chinese
// status name and StatusCode the code (docs/CARRIER-PROTOCOLS.md §1.1).
type trace struct {
	Time       string     `json:"time"`
	FTime      string     `json:"ftime"`
	Context    string     `json:"context"`
	Location   string     `json:"location"`
	AreaCode   string     `json:"areaCode"`
	AreaName   string     `json:"areaName"`
	StatusCode flexString `json:"statusCode"`
}

// Limits of trail.CarrierEvent.Validate that a carrier's text could pass;
// longer text is cut at a character boundary, so that one long scan never
// makes a whole push fail again at every retry.
const (
	maxDescription = 2000
	maxLocation    = 200
	maxRawCode     = 40
)

// events maps a result's traces to carrier events from source.
//
// An event's RawCode is its own statusCode (resultv2). A trace without one
// (a subscription made without resultv2, or a carrier that gives none) is
// mapped from the parcel-level state, following docs/ARCHITECTURE.md §3 ("where events
// carry none, the push's parcel-level state belongs to its newest event"):
//
//   - the newest code-less event (latest time; on a tie the first listed,
//     as Kuaidi100 lists newest first) gets the state's status and
//     sub-status;
//   - an older code-less event happened before that state was reached, and
//     when and in what state is unknowable: it gets in_transit when the
//     state is in_transit or a later stage, and otherwise the state's own
//     status (created or picked_up: nothing earlier can be in transit);
//   - code-less events keep RawCode "", because RawCode is part of the
//     event's fingerprint and the newest event of one push is an older one
//     in the next: a state in RawCode would store the same scan twice. The
//     store keeps the first status it saw for a scan, which is the one it
//     had as the newest;
//   - only when the state itself is unknown do code-less events carry it as
//     RawCode (status unknown, so they are counted and never guessed).
//
// A missing or unreadable time is EMALFORMED naming the trace; so is a
// missing state when a code-less trace needs it.
func (r *result) events(source string) ([]trail.CarrierEvent, error) {
	if len(r.Data) == 0 {
		return nil, nil
	}
	evs := make([]trail.CarrierEvent, len(r.Data))
	newest := -1 // the newest code-less trace
	for i, tr := range r.Data {
		field := fmt.Sprintf("lastResult.data[%d]", i)
		at := strings.TrimSpace(tr.Time)
		if at == "" {
			at = strings.TrimSpace(tr.FTime)
		}
		t, err := time.ParseInLocation(time.DateTime, at, trail.ChinaTime)
		if err != nil {
			return nil, &trail.Error{Code: trail.EMALFORMED, Field: field + ".time", Message: fmt.Sprintf("event time %q is not yyyy-MM-dd HH:mm:ss", clip(at, 40))}
		}
		loc := tr.Location
		if strings.TrimSpace(loc) == "" {
			loc = tr.AreaName
		}
		e := trail.CarrierEvent{
			Time:        t,
			Description: clip(tr.Context, maxDescription),
			Location:    clip(loc, maxLocation),
			AreaCode:    areaCode(tr.AreaCode),
			Source:      source,
		}
		if code := string(tr.StatusCode); code != "" {
			if len(code) > maxRawCode {
				return nil, &trail.Error{Code: trail.EMALFORMED, Field: field + ".statusCode", Message: "status code too long"}
			}
			e.Status, e.SubStatus, _ = MapState(code)
			e.RawCode = code
		} else if newest < 0 || t.After(evs[newest].Time) {
			newest = i
		}
		evs[i] = e
	}
	if newest < 0 {
		return evs, nil
	}
	state := string(r.State)
	if state == "" || len(state) > maxRawCode {
		return nil, &trail.Error{Code: trail.EMALFORMED, Field: "lastResult.state", Message: "events without a statusCode need the parcel's state"}
	}
	status, sub, known := MapState(state)
	older := status
	if rank(status) > rank(trail.StatusInTransit) {
		older = trail.StatusInTransit
	}
	for i := range evs {
		e := &evs[i]
		switch {
		case e.RawCode != "":
			continue
		case !known:
			e.Status, e.SubStatus, e.RawCode = status, sub, state
		case i == newest:
			e.Status, e.SubStatus = status, sub
		default:
			e.Status = older
		}
	}
	return evs, nil
}

// rank orders statuses by the stage of the journey they mean: nothing
// before pickup, pickup, everything after it.
func rank(s trail.ShipmentStatus) int {
	switch s {
	case trail.StatusCreated:
		return 0
	case trail.StatusPickedUp:
		return 1
	case trail.StatusInTransit:
		return 2
	}
	return 3
}

// areaCode turns Kuaidi100's areaCode (CN610111000000) into a six-digit
// GB/T 2260 code (610111); "" when it is not one.
func areaCode(s string) string {
	s = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "CN")
	if len(s) < 6 || !isDigits(s[:6], 6) || s[:2] == "00" {
		return ""
	}
	for _, r := range s[6:] {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return s[:6]
}

// clip trims s, drops NUL bytes and invalid UTF-8 and cuts it to at most n
// bytes at a character boundary.
func clip(s string, n int) string {
	s = strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", ""))
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n])
}

// update turns a result into a TrackUpdate of the parcel it names.
func (r *result) update(source string) (*trail.TrackUpdate, error) {
	u := &trail.TrackUpdate{
		Carrier:    strings.ToLower(strings.TrimSpace(r.Com)),
		TrackingNo: trail.NormalizeTrackingNo(r.Nu),
	}
	var err error
	if u.Events, err = r.events(source); err != nil {
		return nil, err
	}
	return u, nil
}
