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

// TimelineShown is how many of a parcel's newest events a page shows until
// the reader asks for all of them, so that a parcel with a long history
// still makes a small page.
const TimelineShown = 20

// MaxEventsPerParcel bounds the events one parcel holds, so that its
// timeline, its order graph and the ingestion of its next event stay small.
// A push, poll or manual call that would store more is refused (EINVALID on
// field events) and stores nothing. Real parcels hold a few dozen.
const MaxEventsPerParcel = 2000

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
// improving a mapping table never duplicates history. Events are stored
// with SealScan's fingerprint, which is this one unless the text holds
// personal data.
func (e *CarrierEvent) Fingerprint() string {
	sum := sha256.Sum256([]byte(e.fingerprintInput()))
	return hex.EncodeToString(sum[:16])
}

func (e *CarrierEvent) fingerprintInput() string {
	return e.content() + "\x00" + e.ExternalID
}

// content is the event without the carrier's event id: its time, raw code
// and description with white space folded.
func (e *CarrierEvent) content() string {
	desc := strings.Join(strings.FieldsFunc(e.Description, unicode.IsSpace), " ")
	return fmt.Sprintf("%d\x00%s\x00%s", e.Time.UnixMicro(), e.RawCode, desc)
}

// SealScan prepares a normalised event for storage: it masks the personal
// data in its description (MaskScanText) and returns its fingerprint,
// computed from the unmasked text so that the same scan pushed again is
// still found, and the unmasked text sealed, or nil when masking changed
// nothing. Where the text held personal data the fingerprint is a keyed
// hash (HashScan): a plain hash of it would let anyone who reads the table
// find the masked digits by trying them all.
func SealScan(e *CarrierEvent, s Sealer) (fingerprint string, sealed []byte, err error) {
	masked := MaskScanText(e.Description)
	if masked == FoldSpace(e.Description) {
		return e.Fingerprint(), nil, nil
	}
	if sealed, err = s.Seal(e.Description); err != nil {
		return "", nil, fmt.Errorf("seal scan text: %w", err)
	}
	fingerprint = hex.EncodeToString(s.Hash(HashScan, e.fingerprintInput())[:16])
	e.Description = masked
	return fingerprint, sealed, nil
}

// FreshEvents returns the events of incoming that a parcel holding stored
// lacks, each once, in the order they came. Both are in their stored form:
// descriptions masked, the carrier's own text in Unmasked where masking
// changed it, and fingerprints set by SealScan.
//
// An event is known when its fingerprint is, or when exactly one of it and
// a known event with the same time, raw code and text (the carrier's own)
// lacks the carrier's event id: SF pushes its routes with ids but answers a
// route query without them, so the same scan pushed and polled, in either
// order, is stored once. Two events that both carry ids are different
// events when the ids differ, even with the same text; two without ids are
// told apart by their fingerprints alone.
func FreshEvents(stored, incoming []TrackingEvent) []TrackingEvent {
	prints := make(map[string]bool, len(stored)+len(incoming))
	anonymous := map[string]bool{} // content of known events without an id
	named := map[string]bool{}     // content of known events with an id
	content := func(e *TrackingEvent) string {
		c := e.CarrierEvent
		c.Description = e.ScanText()
		return c.content()
	}
	know := func(e *TrackingEvent) {
		prints[e.Fingerprint] = true
		if e.ExternalID == "" {
			anonymous[content(e)] = true
		} else {
			named[content(e)] = true
		}
	}
	for i := range stored {
		know(&stored[i])
	}
	var fresh []TrackingEvent
	for i := range incoming {
		e := &incoming[i]
		c := content(e)
		if prints[e.Fingerprint] || (e.ExternalID != "" && anonymous[c]) || (e.ExternalID == "" && named[c]) {
			continue
		}
		know(e)
		fresh = append(fresh, *e)
	}
	return fresh
}

// TrackingEvent is a stored carrier event. Its Description is masked
// (MaskScanText).
type TrackingEvent struct {
	CarrierEvent
	ID          int64
	Fingerprint string
	ReceivedAt  time.Time
	// Unmasked is the carrier's own text, opened from its sealed copy, when
	// masking changed it; "" otherwise. It is never stored in clear.
	Unmasked string
}

// ScanText returns the carrier's own text: Unmasked if set, else
// Description.
func (e *TrackingEvent) ScanText() string {
	if e.Unmasked != "" {
		return e.Unmasked
	}
	return e.Description
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
// whatever order they arrived (docs/ARCHITECTURE.md §5 rule 2): the latest event by
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
