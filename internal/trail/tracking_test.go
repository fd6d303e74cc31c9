package trail_test

import (
	"crypto/sha256"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// ev builds a stored event: id is its arrival order, min its event time in
// minutes after base.
func ev(id int64, min int, status trail.ShipmentStatus, sub string) trail.TrackingEvent {
	return trail.TrackingEvent{
		ID: id,
		CarrierEvent: trail.CarrierEvent{
			Time:        at(min),
			Status:      status,
			SubStatus:   sub,
			RawCode:     "code-" + string(status),
			Description: "scan " + string(status),
		},
	}
}

// evAt is ev with an explicit instant.
func evAt(id int64, t time.Time, status trail.ShipmentStatus, sub string) trail.TrackingEvent {
	e := ev(id, 0, status, sub)
	e.Time = t
	return e
}

// checkState compares a derived state with the wanted one, field by field.
func checkState(t *testing.T, got, want trail.ShipmentState) {
	t.Helper()
	if got.Status != want.Status {
		t.Errorf("Status: got %q, want %q", got.Status, want.Status)
	}
	if got.SubStatus != want.SubStatus {
		t.Errorf("SubStatus: got %q, want %q", got.SubStatus, want.SubStatus)
	}
	if got.Leg != want.Leg {
		t.Errorf("Leg: got %d, want %d", got.Leg, want.Leg)
	}
	if !sameTime(got.LastEventAt, want.LastEventAt) {
		t.Errorf("LastEventAt: got %s, want %s", fmtTime(got.LastEventAt), fmtTime(want.LastEventAt))
	}
	if !sameTime(got.DeliveredAt, want.DeliveredAt) {
		t.Errorf("DeliveredAt: got %s, want %s", fmtTime(got.DeliveredAt), fmtTime(want.DeliveredAt))
	}
}

// sameState reports whether two derived states say the same thing.
func sameState(a, b trail.ShipmentState) bool {
	return a.Status == b.Status && a.SubStatus == b.SubStatus && a.Leg == b.Leg &&
		sameTime(a.LastEventAt, b.LastEventAt) && sameTime(a.DeliveredAt, b.DeliveredAt)
}

func TestDeriveShipmentState(t *testing.T) {
	t.Parallel()

	const (
		created   = trail.StatusCreated
		pickedUp  = trail.StatusPickedUp
		inTransit = trail.StatusInTransit
		outForDel = trail.StatusOutForDelivery
		pickup    = trail.StatusAtPickupPoint
		delivered = trail.StatusDelivered
		exception = trail.StatusException
		refused   = trail.StatusRefused
		returning = trail.StatusReturning
		returned  = trail.StatusReturned
		unknown   = trail.StatusUnknown
	)
	type state = trail.ShipmentState

	tests := []struct {
		name   string
		events []trail.TrackingEvent
		want   state
	}{
		{
			name: "nil history is created",
			want: state{Status: created},
		},
		{
			name:   "empty history is created",
			events: []trail.TrackingEvent{},
			want:   state{Status: created},
		},
		{
			name:   "only the waybill",
			events: []trail.TrackingEvent{ev(1, 0, created, "")},
			want:   state{Status: created, LastEventAt: ptrAt(0)},
		},
		{
			name: "in order, on the way",
			events: []trail.TrackingEvent{
				ev(1, 0, created, ""), ev(2, 30, pickedUp, ""), ev(3, 300, inTransit, "customs"),
			},
			want: state{Status: inTransit, SubStatus: "customs", LastEventAt: ptrAt(300)},
		},
		{
			name: "in order, delivered",
			events: []trail.TrackingEvent{
				ev(1, 0, created, ""), ev(2, 30, pickedUp, ""), ev(3, 300, inTransit, ""),
				ev(4, 1200, outForDel, ""), ev(5, 1300, delivered, "signed_by_proxy"),
			},
			want: state{Status: delivered, SubStatus: "signed_by_proxy", LastEventAt: ptrAt(1300), DeliveredAt: ptrAt(1300)},
		},
		{
			name: "out of order arrival: the delivery arrives first",
			events: []trail.TrackingEvent{
				ev(1, 1300, delivered, ""), ev(2, 300, inTransit, ""), ev(3, 0, created, ""),
				ev(4, 1200, outForDel, ""), ev(5, 30, pickedUp, ""),
			},
			want: state{Status: delivered, LastEventAt: ptrAt(1300), DeliveredAt: ptrAt(1300)},
		},
		{
			name: "out of order arrival: an older scan arrives last",
			events: []trail.TrackingEvent{
				ev(1, 0, created, ""), ev(2, 1200, outForDel, ""), ev(3, 300, inTransit, ""),
			},
			want: state{Status: outForDel, LastEventAt: ptrAt(1200)},
		},
		{
			name: "event time compares instants, not wall clocks in different zones",
			events: []trail.TrackingEvent{
				// 16:00 China time is 08:00 UTC; the UTC scan at 09:00 is the later one.
				evAt(1, MustParseTime(t, "2026-12-01T16:00:00+08:00"), outForDel, ""),
				evAt(2, MustParseTime(t, "2026-12-01T09:00:00Z"), exception, "address_issue"),
			},
			want: state{
				Status: exception, SubStatus: "address_issue",
				LastEventAt: ptr(MustParseTime(t, "2026-12-01T09:00:00Z")),
			},
		},
		{
			name:   "tie: out_for_delivery and delivered in the same second go to delivered",
			events: []trail.TrackingEvent{ev(1, 60, delivered, ""), ev(2, 60, outForDel, "")},
			want:   state{Status: delivered, LastEventAt: ptrAt(60), DeliveredAt: ptrAt(60)},
		},
		{
			name:   "tie: created and picked_up go to picked_up",
			events: []trail.TrackingEvent{ev(1, 0, pickedUp, ""), ev(2, 0, created, "")},
			want:   state{Status: pickedUp, LastEventAt: ptrAt(0)},
		},
		{
			name:   "tie: in_transit and out_for_delivery go to out_for_delivery",
			events: []trail.TrackingEvent{ev(1, 5, outForDel, ""), ev(2, 5, inTransit, "")},
			want:   state{Status: outForDel, LastEventAt: ptrAt(5)},
		},
		{
			name:   "tie: out_for_delivery and at_pickup_point go to at_pickup_point",
			events: []trail.TrackingEvent{ev(1, 5, pickup, ""), ev(2, 5, outForDel, "")},
			want:   state{Status: pickup, LastEventAt: ptrAt(5)},
		},
		{
			name:   "tie: at_pickup_point and exception go to exception",
			events: []trail.TrackingEvent{ev(1, 5, exception, "locker_overdue"), ev(2, 5, pickup, "")},
			want:   state{Status: exception, SubStatus: "locker_overdue", LastEventAt: ptrAt(5)},
		},
		{
			name:   "tie: exception and delivered go to delivered",
			events: []trail.TrackingEvent{ev(1, 5, delivered, ""), ev(2, 5, exception, "damaged")},
			want:   state{Status: delivered, LastEventAt: ptrAt(5), DeliveredAt: ptrAt(5)},
		},
		{
			name: "late in_transit scan after delivery stays in the timeline",
			events: []trail.TrackingEvent{
				ev(1, 0, pickedUp, ""), ev(2, 100, delivered, ""), ev(3, 200, inTransit, ""),
			},
			want: state{Status: delivered, LastEventAt: ptrAt(200), DeliveredAt: ptrAt(100)},
		},
		{
			name: "late exception and out_for_delivery after delivery do not move the status",
			events: []trail.TrackingEvent{
				ev(1, 100, delivered, ""), ev(2, 150, exception, "damaged"), ev(3, 160, outForDel, ""),
			},
			want: state{Status: delivered, LastEventAt: ptrAt(160), DeliveredAt: ptrAt(100)},
		},
		{
			name: "a second delivery scan keeps the first delivery time",
			events: []trail.TrackingEvent{
				ev(1, 100, delivered, ""), ev(2, 130, delivered, "signed_by_proxy"),
			},
			want: state{Status: delivered, LastEventAt: ptrAt(130), DeliveredAt: ptrAt(100)},
		},
		{
			name:   "refusal after delivery opens leg 1",
			events: []trail.TrackingEvent{ev(1, 100, delivered, ""), ev(2, 200, refused, "")},
			want:   state{Status: refused, Leg: 1, LastEventAt: ptrAt(200)},
		},
		{
			name:   "returning after delivery opens leg 1",
			events: []trail.TrackingEvent{ev(1, 100, delivered, ""), ev(2, 200, returning, "")},
			want:   state{Status: returning, Leg: 1, LastEventAt: ptrAt(200)},
		},
		{
			name:   "returned after delivery opens leg 1",
			events: []trail.TrackingEvent{ev(1, 100, delivered, ""), ev(2, 200, returned, "")},
			want:   state{Status: returned, Leg: 1, LastEventAt: ptrAt(200)},
		},
		{
			name:   "forward after delivery opens leg 1",
			events: []trail.TrackingEvent{ev(1, 100, delivered, ""), ev(2, 200, inTransit, trail.SubForwarded)},
			want:   state{Status: inTransit, SubStatus: trail.SubForwarded, Leg: 1, LastEventAt: ptrAt(200)},
		},
		{
			name:   "in_transit without the forwarded sub-status after delivery is only a late scan",
			events: []trail.TrackingEvent{ev(1, 100, delivered, ""), ev(2, 200, inTransit, "customs")},
			want:   state{Status: delivered, LastEventAt: ptrAt(200), DeliveredAt: ptrAt(100)},
		},
		{
			name: "one return journey is one leg: refused, returning, returned",
			events: []trail.TrackingEvent{
				ev(1, 100, delivered, ""), ev(2, 200, refused, ""), ev(3, 300, returning, ""), ev(4, 400, returned, ""),
			},
			want: state{Status: returned, Leg: 1, LastEventAt: ptrAt(400)},
		},
		{
			name: "forwarded then delivered again: leg 1 with the new delivery time",
			events: []trail.TrackingEvent{
				ev(1, 100, delivered, ""), ev(2, 200, inTransit, trail.SubForwarded),
				ev(3, 300, outForDel, ""), ev(4, 400, delivered, ""),
			},
			want: state{Status: delivered, Leg: 1, LastEventAt: ptrAt(400), DeliveredAt: ptrAt(400)},
		},
		{
			name: "two return legs: each return after a delivery counts",
			events: []trail.TrackingEvent{
				ev(1, 100, delivered, ""), ev(2, 200, returning, ""),
				ev(3, 300, delivered, ""), ev(4, 400, returning, ""),
			},
			want: state{Status: returning, Leg: 2, LastEventAt: ptrAt(400)},
		},
		{
			name: "two legs ending returned",
			events: []trail.TrackingEvent{
				ev(1, 100, delivered, ""), ev(2, 200, inTransit, trail.SubForwarded), ev(3, 300, delivered, ""),
				ev(4, 400, refused, ""), ev(5, 500, returned, ""),
			},
			want: state{Status: returned, Leg: 2, LastEventAt: ptrAt(500)},
		},
		{
			name:   "refusal before the delivery does not reopen it",
			events: []trail.TrackingEvent{ev(2, 200, delivered, ""), ev(1, 100, refused, "")},
			want:   state{Status: delivered, LastEventAt: ptrAt(200), DeliveredAt: ptrAt(200)},
		},
		{
			name: "returning and forwarded before the delivery do not reopen it",
			events: []trail.TrackingEvent{
				ev(3, 300, delivered, ""), ev(1, 100, inTransit, trail.SubForwarded), ev(2, 200, returning, ""),
			},
			want: state{Status: delivered, LastEventAt: ptrAt(300), DeliveredAt: ptrAt(300)},
		},
		{
			name:   "a return in the same second as the delivery is not after it",
			events: []trail.TrackingEvent{ev(1, 100, returning, ""), ev(2, 100, delivered, "")},
			want:   state{Status: delivered, LastEventAt: ptrAt(100), DeliveredAt: ptrAt(100)},
		},
		{
			name:   "unknown code keeps the status and sets unknown_code",
			events: []trail.TrackingEvent{ev(1, 100, inTransit, "customs"), ev(2, 200, unknown, "")},
			want:   state{Status: inTransit, SubStatus: trail.SubUnknownCode, LastEventAt: ptrAt(200)},
		},
		{
			name: "a later known event clears unknown_code",
			events: []trail.TrackingEvent{
				ev(1, 100, inTransit, ""), ev(2, 200, unknown, ""), ev(3, 300, outForDel, ""),
			},
			want: state{Status: outForDel, LastEventAt: ptrAt(300)},
		},
		{
			name: "an older known event arriving late does not clear a newer unknown_code",
			events: []trail.TrackingEvent{
				ev(1, 100, inTransit, ""), ev(2, 200, unknown, ""), ev(3, 150, inTransit, ""),
			},
			want: state{Status: inTransit, SubStatus: trail.SubUnknownCode, LastEventAt: ptrAt(200)},
		},
		{
			name:   "only unknown codes: still created",
			events: []trail.TrackingEvent{ev(1, 100, unknown, ""), ev(2, 200, unknown, "")},
			want:   state{Status: created, SubStatus: trail.SubUnknownCode, LastEventAt: ptrAt(200)},
		},
		{
			name:   "unknown code tied with a known event yields to the known one",
			events: []trail.TrackingEvent{ev(1, 100, inTransit, ""), ev(2, 100, unknown, "")},
			want:   state{Status: inTransit, LastEventAt: ptrAt(100)},
		},
		{
			name:   "unknown code after delivery does not touch the delivered parcel",
			events: []trail.TrackingEvent{ev(1, 100, delivered, "signed_by_proxy"), ev(2, 200, unknown, "")},
			want:   state{Status: delivered, SubStatus: "signed_by_proxy", LastEventAt: ptrAt(200), DeliveredAt: ptrAt(100)},
		},
		{
			name: "returned is terminal",
			events: []trail.TrackingEvent{
				ev(1, 100, returning, ""), ev(2, 200, returned, ""), ev(3, 300, inTransit, ""),
				ev(4, 400, delivered, ""), ev(5, 500, unknown, ""), ev(6, 600, inTransit, trail.SubForwarded),
			},
			want: state{Status: returned, LastEventAt: ptrAt(600)},
		},
		{
			name: "exception then recovery",
			events: []trail.TrackingEvent{
				ev(1, 100, inTransit, ""), ev(2, 200, exception, "stalled"), ev(3, 300, outForDel, ""),
			},
			want: state{Status: outForDel, LastEventAt: ptrAt(300)},
		},
		{
			name: "duplicates of the same event change nothing",
			events: []trail.TrackingEvent{
				ev(1, 100, inTransit, ""), ev(2, 200, delivered, ""), ev(3, 100, inTransit, ""),
				ev(4, 200, delivered, ""), ev(5, 200, delivered, ""),
			},
			want: state{Status: delivered, LastEventAt: ptrAt(200), DeliveredAt: ptrAt(200)},
		},
		{
			name: "duplicates of a return leg open one leg",
			events: []trail.TrackingEvent{
				ev(1, 100, delivered, ""), ev(2, 200, returning, ""), ev(3, 200, returning, ""), ev(4, 100, delivered, ""),
			},
			want: state{Status: returning, Leg: 1, LastEventAt: ptrAt(200)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			input := slices.Clone(tt.events)
			checkState(t, trail.DeriveShipmentState(input), tt.want)
			for i := range input {
				if input[i].ID != tt.events[i].ID {
					t.Fatalf("input[%d].ID: got %d, want %d (DeriveShipmentState reordered its argument)", i, input[i].ID, tt.events[i].ID)
				}
			}

			// The same events in any order of arrival say the same.
			slices.Reverse(input)
			checkState(t, trail.DeriveShipmentState(input), tt.want)
			rng := rand.New(rand.NewPCG(1, uint64(len(tt.name))))
			for range 20 {
				rng.Shuffle(len(input), func(i, j int) { input[i], input[j] = input[j], input[i] })
				if got := trail.DeriveShipmentState(input); !sameState(got, tt.want) {
					t.Fatalf("shuffled %v: got %+v, want %+v", ids(input), got, tt.want)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func ids(events []trail.TrackingEvent) []int64 {
	out := make([]int64, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func TestCarrierEventFingerprint(t *testing.T) {
	t.Parallel()

	orig := trail.CarrierEvent{
		Time:        MustParseTime(t, "2026-12-01T09:30:00+08:00"),
		Status:      trail.StatusInTransit,
		RawCode:     "30",
		Description: "快件已到达 杭州转运中心",
		Location:    "杭州",
		AreaCode:    "330100",
		Source:      trail.SourcePush,
	}
	fp := orig.Fingerprint()
	if len(fp) != 32 || strings.Trim(fp, "0123456789abcdef") != "" {
		t.Fatalf("Fingerprint: got %q, want 32 lower-case hex digits", fp)
	}

	tests := []struct {
		name   string
		change func(e *trail.CarrierEvent)
		same   bool
	}{
		{"unchanged", func(e *trail.CarrierEvent) {}, true},
		{"extra inner spaces", func(e *trail.CarrierEvent) { e.Description = "快件已到达   杭州转运中心" }, true},
		{"tabs and newlines", func(e *trail.CarrierEvent) { e.Description = "快件已到达\t\n杭州转运中心" }, true},
		{"leading and trailing space", func(e *trail.CarrierEvent) { e.Description = "  快件已到达 杭州转运中心 \n" }, true},
		{"ideographic space", func(e *trail.CarrierEvent) { e.Description = "快件已到达\u3000杭州转运中心" }, true},
		{"no-break space", func(e *trail.CarrierEvent) { e.Description = "快件已到达\u00a0杭州转运中心" }, true},
		{"other status (improved mapping)", func(e *trail.CarrierEvent) { e.Status = trail.StatusException }, true},
		{"unknown status (older mapping)", func(e *trail.CarrierEvent) { e.Status = trail.StatusUnknown }, true},
		{"other sub-status", func(e *trail.CarrierEvent) { e.SubStatus = "stalled" }, true},
		{"other location", func(e *trail.CarrierEvent) { e.Location, e.AreaCode = "", "" }, true},
		{"other source", func(e *trail.CarrierEvent) { e.Source = trail.SourcePoll }, true},
		{"same instant in UTC", func(e *trail.CarrierEvent) { e.Time = e.Time.UTC() }, true},
		// Databases keep microseconds: a time that made the round trip must keep its fingerprint.
		{"sub-microsecond difference", func(e *trail.CarrierEvent) { e.Time = e.Time.Add(999 * time.Nanosecond) }, true},

		{"one second later", func(e *trail.CarrierEvent) { e.Time = e.Time.Add(time.Second) }, false},
		{"one microsecond later", func(e *trail.CarrierEvent) { e.Time = e.Time.Add(time.Microsecond) }, false},
		{"other raw code", func(e *trail.CarrierEvent) { e.RawCode = "31" }, false},
		{"no raw code", func(e *trail.CarrierEvent) { e.RawCode = "" }, false},
		{"other description", func(e *trail.CarrierEvent) { e.Description = "快件已到达 宁波转运中心" }, false},
		{"white space removed, not folded", func(e *trail.CarrierEvent) { e.Description = "快件已到达杭州转运中心" }, false},
		{"external id", func(e *trail.CarrierEvent) { e.ExternalID = "route-1" }, false},
		{"raw code and description split differently", func(e *trail.CarrierEvent) {
			e.RawCode, e.Description = "3", "0快件已到达 杭州转运中心"
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := orig
			tt.change(&e)
			if got := e.Fingerprint() == fp; got != tt.same {
				t.Errorf("same fingerprint: got %v, want %v (%s vs %s)", got, tt.same, e.Fingerprint(), fp)
			}
		})
	}

	t.Run("external ids tell events apart", func(t *testing.T) {
		t.Parallel()
		a, b := orig, orig
		a.ExternalID, b.ExternalID = "route-1", "route-2"
		if a.Fingerprint() == b.Fingerprint() {
			t.Errorf("Fingerprint with external ids route-1 and route-2: got equal, want different")
		}
	})
}

func TestCarrierEventNormalizeValidate(t *testing.T) {
	t.Parallel()

	valid := func() trail.CarrierEvent {
		return trail.CarrierEvent{
			Time:        MustParseTime(t, "2026-12-01T09:30:00+08:00"),
			Status:      trail.StatusInTransit,
			RawCode:     " 30 ",
			Description: "  到达杭州  ",
			Location:    " 杭州 ",
		}
	}
	t.Run("normalize", func(t *testing.T) {
		t.Parallel()
		e := valid()
		e.Normalize()
		if e.Time.Location() != time.UTC {
			t.Errorf("Time.Location: got %v, want UTC", e.Time.Location())
		}
		if !e.Time.Equal(valid().Time) {
			t.Errorf("Time: got %v, want %v", e.Time, valid().Time)
		}
		if e.RawCode != "30" || e.Description != "到达杭州" || e.Location != "杭州" {
			t.Errorf("trimmed text: got %q %q %q, want %q %q %q", e.RawCode, e.Description, e.Location, "30", "到达杭州", "杭州")
		}
		if e.Source != trail.SourceManual {
			t.Errorf("Source: got %q, want %q", e.Source, trail.SourceManual)
		}
	})

	tests := []struct {
		name   string
		change func(e *trail.CarrierEvent)
		field  string
	}{
		{"valid", func(e *trail.CarrierEvent) {}, ""},
		{"unknown status with a raw code", func(e *trail.CarrierEvent) { e.Status = trail.StatusUnknown }, ""},
		{"zero time", func(e *trail.CarrierEvent) { e.Time = time.Time{} }, "events[3].time"},
		{"invalid status", func(e *trail.CarrierEvent) { e.Status = "lost" }, "events[3].status"},
		{"neither status nor raw code", func(e *trail.CarrierEvent) { e.Status, e.RawCode = trail.StatusUnknown, "" }, "events[3].status"},
		{"description too long", func(e *trail.CarrierEvent) { e.Description = strings.Repeat("x", 2001) }, "events[3]"},
		{"raw code too long", func(e *trail.CarrierEvent) { e.RawCode = strings.Repeat("x", 41) }, "events[3]"},
		{"bad source", func(e *trail.CarrierEvent) { e.Source = "email" }, "events[3].source"},
		{"poll source", func(e *trail.CarrierEvent) { e.Source = trail.SourcePoll }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := valid()
			e.Normalize()
			tt.change(&e)
			checkInvalid(t, e.Validate("events[3]"), tt.field)
		})
	}
}

func TestShipmentStatusValidFinal(t *testing.T) {
	t.Parallel()

	all := []trail.ShipmentStatus{
		trail.StatusCreated, trail.StatusPickedUp, trail.StatusInTransit, trail.StatusOutForDelivery,
		trail.StatusAtPickupPoint, trail.StatusDelivered, trail.StatusException, trail.StatusRefused,
		trail.StatusReturning, trail.StatusReturned, trail.StatusExpired,
	}
	for _, s := range all {
		if !s.Valid() {
			t.Errorf("%q.Valid(): got false, want true", s)
		}
		if trail.StatusNames[s] == "" {
			t.Errorf("StatusNames[%q]: got \"\", want a Chinese name", s)
		}
		want := s == trail.StatusDelivered || s == trail.StatusReturned
		if got := s.Final(); got != want {
			t.Errorf("%q.Final(): got %v, want %v", s, got, want)
		}
	}
	for _, s := range []trail.ShipmentStatus{trail.StatusUnknown, "lost", "Delivered"} {
		if s.Valid() {
			t.Errorf("%q.Valid(): got true, want false", s)
		}
	}
}

// fuzzStatuses are the statuses fuzzed events draw from: every valid one
// and the unknown code.
var fuzzStatuses = []trail.ShipmentStatus{
	trail.StatusUnknown, trail.StatusCreated, trail.StatusPickedUp, trail.StatusInTransit,
	trail.StatusOutForDelivery, trail.StatusAtPickupPoint, trail.StatusDelivered, trail.StatusException,
	trail.StatusRefused, trail.StatusReturning, trail.StatusReturned, trail.StatusExpired,
}

var fuzzSubStatuses = []string{"", trail.SubForwarded, "damaged", "signed_by_proxy"}

// fuzzEvents turns fuzz bytes into a history, three bytes an event: the
// minute (few values, so that ties are common), the status and the
// sub-status. IDs are the arrival order, unique as in the store.
func fuzzEvents(data []byte) []trail.TrackingEvent {
	var out []trail.TrackingEvent
	for i := 0; i+2 < len(data) && len(out) < 64; i += 3 {
		out = append(out, ev(int64(len(out)+1), int(data[i]%16)*30,
			fuzzStatuses[int(data[i+1])%len(fuzzStatuses)], fuzzSubStatuses[int(data[i+2])%len(fuzzSubStatuses)]))
	}
	return out
}

func FuzzDeriveShipmentState(f *testing.F) {
	enc := func(events ...[3]byte) []byte {
		var b []byte
		for _, e := range events {
			b = append(b, e[:]...)
		}
		return b
	}
	idx := func(s trail.ShipmentStatus) byte { return byte(slices.Index(fuzzStatuses, s)) }
	f.Add([]byte{}, uint64(0))
	f.Add(enc([3]byte{0, idx(trail.StatusCreated), 0}, [3]byte{1, idx(trail.StatusPickedUp), 0},
		[3]byte{5, idx(trail.StatusDelivered), 3}), uint64(1))
	f.Add(enc([3]byte{5, idx(trail.StatusDelivered), 0}, [3]byte{5, idx(trail.StatusOutForDelivery), 0}), uint64(2))
	f.Add(enc([3]byte{2, idx(trail.StatusDelivered), 0}, [3]byte{3, idx(trail.StatusReturning), 0},
		[3]byte{4, idx(trail.StatusDelivered), 0}, [3]byte{6, idx(trail.StatusInTransit), 1}), uint64(3))
	f.Add(enc([3]byte{2, idx(trail.StatusInTransit), 0}, [3]byte{3, idx(trail.StatusUnknown), 0},
		[3]byte{3, idx(trail.StatusExpired), 2}, [3]byte{3, idx(trail.StatusInTransit), 1}), uint64(4))
	f.Add(enc([3]byte{1, idx(trail.StatusReturned), 0}, [3]byte{9, idx(trail.StatusDelivered), 0}), uint64(5))

	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		events := fuzzEvents(data)
		got := trail.DeriveShipmentState(events)

		if !got.Status.Valid() {
			t.Fatalf("Status: got %q, want a valid status", got.Status)
		}
		if (got.DeliveredAt != nil) != (got.Status == trail.StatusDelivered) {
			t.Fatalf("DeliveredAt %s with status %q: want a delivery time exactly when delivered", fmtTime(got.DeliveredAt), got.Status)
		}
		var latest *time.Time
		legOpeners := 0
		for _, e := range events {
			if latest == nil || e.Time.After(*latest) {
				latest = &e.Time
			}
			if e.Status == trail.StatusRefused || e.Status == trail.StatusReturning || e.Status == trail.StatusReturned || e.SubStatus == trail.SubForwarded {
				legOpeners++
			}
		}
		if !sameTime(got.LastEventAt, latest) {
			t.Fatalf("LastEventAt: got %s, want %s", fmtTime(got.LastEventAt), fmtTime(latest))
		}
		if got.DeliveredAt != nil && got.DeliveredAt.After(*got.LastEventAt) {
			t.Fatalf("DeliveredAt %s after LastEventAt %s", fmtTime(got.DeliveredAt), fmtTime(got.LastEventAt))
		}
		if got.Leg < 0 || got.Leg > legOpeners {
			t.Fatalf("Leg: got %d, want 0–%d", got.Leg, legOpeners)
		}

		// Order of arrival does not matter.
		shuffled := slices.Clone(events)
		rand.New(rand.NewPCG(seed, seed>>1)).Shuffle(len(shuffled), func(i, j int) {
			shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
		})
		if again := trail.DeriveShipmentState(shuffled); !sameState(again, got) {
			t.Fatalf("shuffled %v: got %+v, want %+v as for %v", ids(shuffled), again, got, ids(events))
		}
		slices.Reverse(shuffled)
		if again := trail.DeriveShipmentState(shuffled); !sameState(again, got) {
			t.Fatalf("reversed %v: got %+v, want %+v", ids(shuffled), again, got)
		}

		// A carrier re-pushing the whole history changes nothing.
		doubled := slices.Clone(events)
		for i, e := range events {
			e.ID = int64(len(events) + i + 1)
			doubled = append(doubled, e)
		}
		if again := trail.DeriveShipmentState(doubled); !sameState(again, got) {
			t.Fatalf("history pushed twice: got %+v, want %+v", again, got)
		}
	})
}

func TestTrackUpdateChange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		u    trail.TrackUpdate
		want trail.ParcelChange
	}{
		{"events only", trail.TrackUpdate{Carrier: "yuantong"},
			trail.ParcelChange{Carriers: []string{"yuantong"}}},
		{"corrected", trail.TrackUpdate{Carrier: "yunda", CorrectedCarrier: "zhongtong"},
			trail.ParcelChange{Carriers: []string{"yunda", "zhongtong"}, CorrectTo: "zhongtong"}},
		{"correction to the same code is none", trail.TrackUpdate{Carrier: "zhongtong", CorrectedCarrier: "zhongtong", Stopped: "shutdown"},
			trail.ParcelChange{Carriers: []string{"zhongtong"}, Stop: "shutdown"}},
		{"SF pushes 顺丰快运 as shunfeng", trail.TrackUpdate{Carrier: "shunfeng"},
			trail.ParcelChange{Carriers: []string{"shunfeng", "shunfengkuaiyun"}}},
		{"a correction within the family is none", trail.TrackUpdate{Carrier: "shunfengkuaiyun", CorrectedCarrier: "shunfeng"},
			trail.ParcelChange{Carriers: []string{"shunfengkuaiyun", "shunfeng"}}},
		{"signed", trail.TrackUpdate{Carrier: "yuantong", Stopped: "shutdown"},
			trail.ParcelChange{Carriers: []string{"yuantong"}, Stop: "shutdown"}},
		{"aborted without record", trail.TrackUpdate{Carrier: "yuantong", Stopped: "3天查询无记录", Resubscribe: true},
			trail.ParcelChange{Carriers: []string{"yuantong"}, Stop: "3天查询无记录", ResubscribeAfter: trail.ResubscribeDelay}},
		{"aborted with a corrected code: the provider subscribes it itself", trail.TrackUpdate{Carrier: "yunda", CorrectedCarrier: "zhongtong", Stopped: "abort"},
			trail.ParcelChange{Carriers: []string{"yunda", "zhongtong"}, CorrectTo: "zhongtong"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.u.Change(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFreshEvents(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	route := func(id, desc string) trail.CarrierEvent {
		return trail.CarrierEvent{Time: at, Status: trail.StatusInTransit, RawCode: "30", Description: desc, ExternalID: id, Source: trail.SourcePush}
	}
	stored := func(es ...trail.CarrierEvent) []trail.TrackingEvent {
		var out []trail.TrackingEvent
		for _, e := range es {
			out = append(out, trail.TrackingEvent{CarrierEvent: e, Fingerprint: e.Fingerprint()})
		}
		return out
	}
	// sealed is events in their stored form, as the store keeps them.
	sealed := func(es ...trail.CarrierEvent) []trail.TrackingEvent {
		var out []trail.TrackingEvent
		for _, e := range es {
			raw := e.Description
			fp, _, err := trail.SealScan(&e, fakeSealer{})
			if err != nil {
				t.Fatal(err)
			}
			te := trail.TrackingEvent{CarrierEvent: e, Fingerprint: fp}
			if e.Description != raw {
				te.Unmasked = raw
			}
			out = append(out, te)
		}
		return out
	}
	tests := []struct {
		name     string
		stored   []trail.TrackingEvent
		incoming []trail.TrackingEvent
		want     int
	}{
		{"new", nil, stored(route("1", "到达")), 1},
		{"same event twice in one call", nil, stored(route("1", "到达"), route("1", "到达")), 1},
		{"pushed, then queried without the id", stored(route("1", "到达")), stored(route("", "到达")), 0},
		{"queried, then pushed with the id", stored(route("", "到达")), stored(route("1", "到达")), 0},
		{"queried with a folded space", stored(route("1", "到达 杭州")), stored(route("", " 到达  杭州")), 0},
		{"two ids are two events", stored(route("1", "到达")), stored(route("2", "到达")), 1},
		{"other text", stored(route("1", "到达")), stored(route("", "离开")), 1},
		{"personal data: pushed, then queried", sealed(route("1", "已签收，签收人：张三")), sealed(route("", "已签收，签收人：张三")), 0},
		{"personal data: another signer", sealed(route("1", "已签收，签收人：张三")), sealed(route("2", "已签收，签收人：李四")), 1},
		{"personal data: a signer masked alike, queried", sealed(route("1", "已签收，签收人：欧阳娜娜")), sealed(route("", "已签收，签收人：欧阳菲菲")), 1},
		{"personal data: a signer masked alike, no ids", sealed(route("", "已签收，签收人：欧阳娜娜")), sealed(route("", "已签收，签收人：欧阳菲菲")), 1},
		{"no ids, same text: one", stored(route("", "到达")), stored(route("", "到达")), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := trail.FreshEvents(tt.stored, tt.incoming)
			if len(got) != tt.want {
				t.Fatalf("got %d fresh events, want %d", len(got), tt.want)
			}
		})
	}
}

// fakeSealer seals by prefixing and hashes with SHA-256 of domain and value:
// enough for the stored form of events.
type fakeSealer struct{}

func (fakeSealer) Seal(s string) ([]byte, error) { return []byte("sealed:" + s), nil }
func (fakeSealer) Open(b []byte) (string, error) {
	return strings.TrimPrefix(string(b), "sealed:"), nil
}
func (fakeSealer) Hash(domain, value string) []byte {
	sum := sha256.Sum256([]byte(domain + "\x00" + value))
	return sum[:]
}
