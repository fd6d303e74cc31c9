package kdniao

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Limits that keep every event this package returns valid for trail
// (CarrierEvent.Validate).
const (
	maxDescription = 2000 // bytes; longer text is cut at a rune boundary
	maxLocation    = 200  // bytes; likewise
	maxCode        = 40   // bytes; a longer code is malformed
)

// code is a code or id that Kuaidiniao documents as a JSON string; a JSON
// number is read as its text too, so that a payload with "State":3 parses.
type code string

// UnmarshalJSON implements json.Unmarshaler.
func (c *code) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = code(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*c = code(n)
	return nil
}

// parcel is one parcel's tracking data: a query answer, or one element of a
// push's Data. encoding/json matches the names case-insensitively, which
// covers the "location" some payloads send.
type parcel struct {
	EBusinessID  code
	ShipperCode  string
	LogisticCode string
	Success      bool
	Reason       string
	State        code
	StateEx      code
	Traces       []trace
}

// trace is one scan.
type trace struct {
	AcceptTime    string
	AcceptStation string
	Location      string
	Action        code
	Remark        string
	Time          time.Time `json:"-"` // AcceptTime parsed
}

// events maps the parcel's traces to carrier events; field names the
// parcel in errors ("Traces" or "Data[2].Traces"). EMALFORMED for a time or
// code that cannot be read, ETOOLARGE for more traces than trail takes in
// one call.
//
// A trace with an Action is mapped by its own code, which becomes the
// event's RawCode. A trace without one (pushes of RequestType 101, old
// subscriptions) takes its status from the parcel: the parcel's StateEx
// (else State) describes only the parcel's newest trace, so that trace
// alone gets it, and only if it has no Action of its own. An older
// code-less trace becomes in_transit once the parcel is beyond pickup (it
// happened on the way, at the latest) and otherwise takes the parcel's
// status without its sub-status (created or picked_up: nothing before can
// be later).
//
// Code-less traces never get a RawCode, even the newest: a trace is newest
// in one push and older in the next, and its fingerprint, which includes
// RawCode, must stay the same (the store keeps the status a trace had when
// first seen, normally as the newest). For the same reason a parcel code
// the table lacks cannot be kept as a RawCode; the newest code-less trace
// then becomes in_transit with sub-status unknown_code.
func (p *parcel) events(field, source string) ([]trail.CarrierEvent, error) {
	if len(p.Traces) > trail.MaxEventsPerPush {
		return nil, &trail.Error{Code: trail.ETOOLARGE, Field: field,
			Message: fmt.Sprintf("a parcel may carry at most %d traces", trail.MaxEventsPerPush)}
	}
	for i := range p.Traces {
		tr := &p.Traces[i]
		t, ok := parseTime(tr.AcceptTime)
		if !ok {
			return nil, malformed(fmt.Sprintf("%s[%d].AcceptTime", field, i), "AcceptTime is not a time of the form yyyy-MM-dd HH:mm:ss")
		}
		tr.Time = t
		if len(tr.Action) > maxCode {
			return nil, malformed(fmt.Sprintf("%s[%d].Action", field, i), "Action is too long for a code")
		}
	}
	newest := newestTrace(p.Traces)
	state, known := p.state()
	older := trail.StatusInTransit
	if known && (state.status == trail.StatusCreated || state.status == trail.StatusPickedUp) {
		older = state.status
	}
	events := make([]trail.CarrierEvent, len(p.Traces))
	for i, tr := range p.Traces {
		e := trail.CarrierEvent{
			Time:        tr.Time,
			Description: clip(describe(tr.AcceptStation, tr.Remark), maxDescription),
			Location:    clip(strings.TrimSpace(tr.Location), maxLocation),
			Source:      source,
		}
		switch {
		case tr.Action != "":
			e.RawCode = string(tr.Action)
			if r, ok := lookupStatus(e.RawCode); ok {
				e.Status, e.SubStatus = r.status, r.sub
			} // else StatusUnknown: trail keeps the parcel's status and counts RawCode
		case i == newest && known:
			e.Status, e.SubStatus = state.status, state.sub
		case i == newest:
			e.Status, e.SubStatus = trail.StatusInTransit, trail.SubUnknownCode
		default:
			e.Status = older
		}
		events[i] = e
	}
	return events, nil
}

// state returns the table row of the parcel's StateEx, or of its State if
// the table lacks StateEx, and false if it lacks both.
func (p *parcel) state() (statusRow, bool) {
	if r, ok := lookupStatus(string(p.StateEx)); ok {
		return r, true
	}
	return lookupStatus(string(p.State))
}

// newestTrace returns the index of the latest trace, -1 if there is none.
// Of traces sharing the latest time it picks the one listed last in time
// order: last if the list runs oldest first (the default), first if it runs
// newest first (a query with Sort=1).
func newestTrace(traces []trace) int {
	if len(traces) == 0 {
		return -1
	}
	descending := traces[0].Time.After(traces[len(traces)-1].Time)
	best := 0
	for i, tr := range traces {
		if c := tr.Time.Compare(traces[best].Time); c > 0 || c == 0 && !descending {
			best = i
		}
	}
	return best
}

// timeLayouts are the AcceptTime forms Kuaidiniao sends: dashes, and
// slashes in old payloads. Single-digit months, days and hours parse too,
// as do fractional seconds.
var timeLayouts = []string{"2006-1-2 15:04:05", "2006/1/2 15:04:05", "2006-1-2 15:04", "2006/1/2 15:04"}

// parseTime reads an AcceptTime in China time. Years outside 2000–2099 are
// refused as garbage.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, trail.ChinaTime); err == nil {
			return t, t.Year() >= 2000 && t.Year() <= 2099
		}
	}
	return time.Time{}, false
}

// describe joins a trace's text and remark: "station（remark）".
func describe(station, remark string) string {
	station, remark = strings.TrimSpace(station), strings.TrimSpace(remark)
	switch {
	case remark == "":
		return station
	case station == "":
		return remark
	}
	return station + "（" + remark + "）"
}

// clip cuts s to at most n bytes without splitting a rune.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// malformed returns an EMALFORMED error naming field.
func malformed(field, msg string) *trail.Error {
	return &trail.Error{Code: trail.EMALFORMED, Field: field, Message: msg}
}
