package kuaidi100

import (
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestStates checks every row of the mapping table against the mapping
// chosen for it, written out again here so that an edit to the table is a
// visible decision.
func TestStates(t *testing.T) {
	t.Parallel()
	want := map[string]struct {
		status trail.ShipmentStatus
		sub    string
	}{
		"0":    {trail.StatusInTransit, ""},
		"1001": {trail.StatusInTransit, "destination_city"},
		"1002": {trail.StatusInTransit, ""},
		"1003": {trail.StatusInTransit, "forwarded"},
		"1":    {trail.StatusPickedUp, ""},
		"101":  {trail.StatusCreated, ""},
		"102":  {trail.StatusCreated, "awaiting_pickup"},
		"103":  {trail.StatusPickedUp, ""},
		"5":    {trail.StatusOutForDelivery, ""},
		"501":  {trail.StatusAtPickupPoint, ""},
		"3":    {trail.StatusDelivered, ""},
		"301":  {trail.StatusDelivered, ""},
		"302":  {trail.StatusDelivered, "signed_after_exception"},
		"303":  {trail.StatusDelivered, "signed_by_proxy"},
		"304":  {trail.StatusDelivered, "collected_from_locker"},
		"6":    {trail.StatusReturning, ""},
		"4":    {trail.StatusReturned, ""},
		"401":  {trail.StatusReturned, "cancelled"},
		"14":   {trail.StatusRefused, ""},
		"7":    {trail.StatusInTransit, "forwarded"},
		"2":    {trail.StatusException, ""},
		"201":  {trail.StatusException, "unsigned_overdue"},
		"202":  {trail.StatusException, "stalled"},
		"203":  {trail.StatusRefused, ""},
		"204":  {trail.StatusException, "delivery_failed"},
		"205":  {trail.StatusAtPickupPoint, "locker_overdue"},
		"206":  {trail.StatusException, "unreachable"},
		"207":  {trail.StatusException, "out_of_area"},
		"208":  {trail.StatusException, "stalled"},
		"209":  {trail.StatusException, "damaged"},
		"210":  {trail.StatusException, "cancelled"},
		"8":    {trail.StatusInTransit, "customs"},
		"10":   {trail.StatusInTransit, "customs"},
		"11":   {trail.StatusInTransit, "customs"},
		"12":   {trail.StatusInTransit, "customs"},
		"13":   {trail.StatusException, "customs"},
	}
	if len(states) != len(want) {
		t.Errorf("the table has %d rows, want %d", len(states), len(want))
	}
	seen := map[string]bool{}
	for _, row := range states {
		if seen[row.Code] {
			t.Errorf("code %s appears twice", row.Code)
		}
		seen[row.Code] = true
		t.Run(row.Code, func(t *testing.T) {
			t.Parallel()
			w, ok := want[row.Code]
			if !ok {
				t.Fatalf("code %s has no expected mapping", row.Code)
			}
			if row.Status != w.status || row.SubStatus != w.sub {
				t.Errorf("row: got %s/%s, want %s/%s", row.Status, row.SubStatus, w.status, w.sub)
			}
			if !row.Status.Valid() {
				t.Errorf("status %q is not a trail status", row.Status)
			}
			if row.Note == "" {
				t.Error("the row has no note")
			}
			status, sub, ok := MapState(" " + row.Code + " ")
			if !ok || status != w.status || sub != w.sub {
				t.Errorf("MapState: got %s/%s/%v, want %s/%s/true", status, sub, ok, w.status, w.sub)
			}
		})
	}
}

// TestMapStateFallback checks the reference's fallback rule for codes the
// table lacks, and that anything else stays unknown.
func TestMapStateFallback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code   string
		status trail.ShipmentStatus
		sub    string
		ok     bool
	}{
		{"1004", trail.StatusInTransit, "", true},     // 100x → 0
		{"1009", trail.StatusInTransit, "", true},     // 100x → 0
		{"211", trail.StatusException, "", true},      // → 2
		{"305", trail.StatusDelivered, "", true},      // → 3
		{"502", trail.StatusOutForDelivery, "", true}, // → 5
		{"104", trail.StatusPickedUp, "", true},       // → 1
		{"402", trail.StatusReturned, "", true},       // → 4
		{"801", trail.StatusInTransit, "customs", true},
		{"999", trail.StatusUnknown, trail.SubUnknownCode, false}, // no base 9
		{"9", trail.StatusUnknown, trail.SubUnknownCode, false},
		{"15", trail.StatusUnknown, trail.SubUnknownCode, false},
		{"1010", trail.StatusUnknown, trail.SubUnknownCode, false}, // not 100x
		{"2001", trail.StatusUnknown, trail.SubUnknownCode, false},
		{"10000", trail.StatusUnknown, trail.SubUnknownCode, false},
		{"-1", trail.StatusUnknown, trail.SubUnknownCode, false},
		{"abc", trail.StatusUnknown, trail.SubUnknownCode, false},
		{"2a1", trail.StatusUnknown, trail.SubUnknownCode, false},
		{"", trail.StatusUnknown, trail.SubUnknownCode, false},
	}
	for _, tt := range tests {
		status, sub, ok := MapState(tt.code)
		if status != tt.status || sub != tt.sub || ok != tt.ok {
			t.Errorf("MapState(%q): got %q/%q/%v, want %q/%q/%v", tt.code, status, sub, ok, tt.status, tt.sub, tt.ok)
		}
	}
}
