package trail

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Event sources.
const (
	SourcePush   = "push"
	SourcePoll   = "poll"
	SourceManual = "manual"
)

// CarrierEvent is one scan as a carrier reports it, already mapped to the
// canonical vocabulary by the carrier's adapter. Status is StatusUnknown
// when the adapter's table does not know RawCode.
type CarrierEvent struct {
	Time        time.Time      `json:"time"`
	Status      ShipmentStatus `json:"status"`
	SubStatus   string         `json:"sub_status,omitempty"`
	RawCode     string         `json:"raw_code,omitempty"`
	Description string         `json:"description"`
	Location    string         `json:"location,omitempty"`
	AreaCode    string         `json:"area_code,omitempty"`
	ExternalID  string         `json:"external_id,omitempty"` // the carrier's own event id, e.g. SF's route id
	Source      string         `json:"source,omitempty"`
}

// MaxEventsPerPush bounds one call of the ingestion core.
const MaxEventsPerPush = 1000

// Normalize trims the event's text and puts its time in UTC.
func (e *CarrierEvent) Normalize() {
	e.Time = e.Time.UTC()
	e.Description = strings.TrimSpace(e.Description)
	e.Location = strings.TrimSpace(e.Location)
	e.RawCode = strings.TrimSpace(e.RawCode)
	if e.Source == "" {
		e.Source = SourceManual
	}
}

// Validate reports the first problem with a normalised event; field names
// the event's place in its push.
func (e *CarrierEvent) Validate(field string) error {
	switch {
	case e.Time.IsZero():
		return Invalid(field+".time", "event time is required")
	case e.Status != StatusUnknown && !e.Status.Valid():
		return Invalid(field+".status", "unknown status %s", Quote(e.Status))
	case e.Status == StatusUnknown && e.RawCode == "":
		return Invalid(field+".status", "an event needs a status or the carrier's raw code")
	case len(e.Description) > 2000 || len(e.Location) > 200 || len(e.RawCode) > 40 || len(e.SubStatus) > 40 || len(e.ExternalID) > 100:
		return Invalid(field, "event text too long")
	case e.Source != SourcePush && e.Source != SourcePoll && e.Source != SourceManual:
		return Invalid(field+".source", "source must be push, poll or manual")
	}
	return nil
}

// Fingerprint identifies the logical event within its shipment: the event
// time, the carrier's raw code, the description with white space folded and
// the carrier's event id. The mapped status is left out on purpose, so that
// improving a mapping table never duplicates history.
func (e *CarrierEvent) Fingerprint() string {
	desc := strings.Join(strings.FieldsFunc(e.Description, unicode.IsSpace), " ")
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s", e.Time.UnixMicro(), e.RawCode, desc, e.ExternalID)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// TrackingEvent is a stored carrier event.
type TrackingEvent struct {
	CarrierEvent
	ID          int64
	Fingerprint string
	ReceivedAt  time.Time
}

// ShipmentState is what a parcel's events say about it.
type ShipmentState struct {
	Status      ShipmentStatus
	SubStatus   string
	Leg         int
	LastEventAt *time.Time
	DeliveredAt *time.Time
}

// sortEvents orders events by event time; ties go to the later stage, then
// to the order of arrival.
func sortEvents(events []TrackingEvent) {
	slices.SortStableFunc(events, func(a, b TrackingEvent) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		if c := rank[a.Status] - rank[b.Status]; c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
}

// opensReturnLeg reports whether an event after delivery starts a new leg:
// a refusal, a return or a forward.
func opensReturnLeg(e *TrackingEvent) bool {
	switch e.Status {
	case StatusRefused, StatusReturning, StatusReturned:
		return true
	}
	return e.SubStatus == SubForwarded
}

// DeriveShipmentState computes a parcel's status from all its events, in
// whatever order they arrived (DESIGN.md §4 rule 2): the latest event by
// event time wins, ties going to the later stage; once delivered, only a
// refusal, return or forward timed after the delivery moves the status, and
// it opens a new leg; an event with an unknown code keeps the status and
// sets the sub-status unknown_code.
func DeriveShipmentState(events []TrackingEvent) ShipmentState {
	sorted := slices.Clone(events)
	sortEvents(sorted)
	st := ShipmentState{Status: StatusCreated}
	for i := range sorted {
		e := &sorted[i]
		t := e.Time
		st.LastEventAt = &t
		switch {
		case st.Status == StatusDelivered && !(opensReturnLeg(e) && e.Time.After(*st.DeliveredAt)):
			continue // a late scan stays in the timeline without moving the status
		case st.Status == StatusReturned:
			continue // the parcel is back with the sender
		case e.Status == StatusUnknown:
			st.SubStatus = SubUnknownCode
			continue
		case st.Status == StatusDelivered:
			st.Leg++
			st.DeliveredAt = nil
		}
		st.Status, st.SubStatus = e.Status, e.SubStatus
		if e.Status == StatusDelivered {
			st.DeliveredAt = &t
		}
	}
	return st
}

// IngestResult says what one call of the ingestion core did.
type IngestResult struct {
	Shipment     *Shipment      // the parcel after the events, without its events
	New          int            // events stored now
	Duplicates   int            // events already stored before
	UnknownCodes []string       // raw codes of new events no mapping table knows
	Previous     ShipmentStatus // the status before the call
}
