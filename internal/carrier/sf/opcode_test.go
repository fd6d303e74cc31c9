package sf

import (
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

func TestOpCodes(t *testing.T) {
	t.Parallel()
	// What each row must say, written out apart from the table
	// (docs/CARRIER-PROTOCOLS.md §3.7, docs/ARCHITECTURE.md §3).
	want := map[string]struct {
		status trail.ShipmentStatus
		sub    string
	}{
		"50": {trail.StatusPickedUp, ""}, "54": {trail.StatusPickedUp, ""},
		"30": {trail.StatusInTransit, ""}, "36": {trail.StatusInTransit, ""},
		"31": {trail.StatusInTransit, ""}, "3036": {trail.StatusInTransit, ""},
		"123": {trail.StatusInTransit, ""}, "130": {trail.StatusInTransit, ""},
		"44": {trail.StatusOutForDelivery, ""}, "204": {trail.StatusOutForDelivery, ""},
		"607": {trail.StatusAtPickupPoint, ""},
		"80":  {trail.StatusDelivered, ""}, "8000": {trail.StatusDelivered, ""},
		"33": {trail.StatusException, ""}, "70": {trail.StatusException, "delivery_failed"},
		"99":  {trail.StatusInTransit, trail.SubForwarded},
		"631": {trail.StatusReturning, ""}, "648": {trail.StatusReturning, ""},
	}
	if len(opCodes) != len(want) {
		t.Errorf("opCodes: got %d rows, want %d", len(opCodes), len(want))
	}
	for _, row := range opCodes {
		t.Run(row.code, func(t *testing.T) {
			t.Parallel()
			w, ok := want[row.code]
			if !ok {
				t.Fatalf("opCode %s: got a row, want none", row.code)
			}
			if !row.status.Valid() || row.note == "" {
				t.Errorf("opCode %s: got status %q, note %q; want a valid status and a note", row.code, row.status, row.note)
			}
			r := route{AcceptTime: "2026-06-01 18:02:11", OpCode: text(row.code), Remark: "x"}
			e, err := r.event("r", trail.SourcePush)
			if err != nil {
				t.Fatal(err)
			}
			if e.Status != w.status || e.SubStatus != w.sub || e.RawCode != row.code {
				t.Errorf("opCode %s: got %q/%q raw %q, want %q/%q raw %[1]s", row.code, e.Status, e.SubStatus, e.RawCode, w.status, w.sub)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		t.Parallel()
		for _, code := range []string{"9999", "0", "81", "5"} {
			r := route{AcceptTime: "2026-06-01 18:02:11", OpCode: text(code)}
			e, err := r.event("r", trail.SourcePush)
			if err != nil {
				t.Fatal(err)
			}
			if e.Status != trail.StatusUnknown || e.SubStatus != "" || e.RawCode != code {
				t.Errorf("opCode %q: got %q/%q raw %q, want unknown with the code kept", code, e.Status, e.SubStatus, e.RawCode)
			}
		}
	})
}
