package trail_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// checkCode reports whether err is an application error with code and
// field ("" code wants nil).
func checkCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if got := trail.ErrorCode(err); got != code {
		t.Fatalf("error code: got %q (%v), want %q", got, err, code)
	}
	if got := errField(err); code != "" && got != field {
		t.Errorf("error field: got %q, want %q", got, field)
	}
}

// TestClaimMoves tries every pair of customer-track statuses, generated
// from ClaimStatuses, against the track written out here: a status added
// to the list is tried against every other at once.
func TestClaimMoves(t *testing.T) {
	t.Parallel()
	allowed := map[string]bool{
		"reported>reviewing": true, "reported>need_info": true, "reported>resolved": true, "reported>withdrawn": true,
		"reviewing>need_info": true, "reviewing>resolved": true, "reviewing>withdrawn": true,
		"need_info>reviewing": true, "need_info>resolved": true, "need_info>withdrawn": true,
	}
	tried := 0
	for _, from := range trail.ClaimStatuses {
		for _, to := range trail.ClaimStatuses {
			key := string(from) + ">" + string(to)
			err := trail.CheckClaimMove(from, to)
			if allowed[key] {
				tried++
				if err != nil {
					t.Errorf("%s: refused: %v", key, err)
				}
				continue
			}
			if trail.ErrorCode(err) != trail.ECONFLICT || errField(err) != "status" {
				t.Errorf("%s: got %v, want a conflict on status", key, err)
				continue
			}
			msg := trail.ErrorMessage(err)
			for _, part := range []string{trail.ClaimStatusNames[from], trail.ClaimStatusNames[to], string(from), string(to)} {
				if !strings.Contains(msg, part) {
					t.Errorf("%s: message %q does not name %q", key, msg, part)
				}
			}
		}
	}
	if tried != len(allowed) {
		t.Errorf("tried %d allowed moves of %d: the list lacks a status the track names", tried, len(allowed))
	}
}

func TestCarrierMoves(t *testing.T) {
	t.Parallel()
	allowed := map[string]bool{
		"not_filed>filed": true, "filed>approved": true, "filed>rejected": true, "approved>paid": true,
	}
	tried := 0
	for _, from := range trail.CarrierClaimStatuses {
		for _, to := range trail.CarrierClaimStatuses {
			key := string(from) + ">" + string(to)
			err := trail.CheckCarrierMove(from, to)
			if allowed[key] {
				tried++
				if err != nil {
					t.Errorf("%s: refused: %v", key, err)
				}
				continue
			}
			if trail.ErrorCode(err) != trail.ECONFLICT || errField(err) != "carrier.status" {
				t.Errorf("%s: got %v, want a conflict on carrier.status", key, err)
				continue
			}
			msg := trail.ErrorMessage(err)
			for _, part := range []string{trail.CarrierClaimStatusNames[from], trail.CarrierClaimStatusNames[to], string(from), string(to)} {
				if !strings.Contains(msg, part) {
					t.Errorf("%s: message %q does not name %q", key, msg, part)
				}
			}
		}
	}
	if tried != len(allowed) {
		t.Errorf("tried %d allowed moves of %d: the list lacks a status the track names", tried, len(allowed))
	}
}

// TestClaimTracksComplete checks what a new status must come with: a
// Chinese name, a place in the track (reachable from the start, and a way
// on to a final status), and that an unknown status is invalid, not a
// conflict.
func TestClaimTracksComplete(t *testing.T) {
	t.Parallel()
	reach := func(statuses []string, move func(a, b string) error, start string) map[string]bool {
		seen := map[string]bool{start: true}
		for todo := []string{start}; len(todo) > 0; todo = todo[1:] {
			for _, s := range statuses {
				if !seen[s] && move(todo[0], s) == nil {
					seen[s] = true
					todo = append(todo, s)
				}
			}
		}
		return seen
	}
	type track struct {
		name     string
		statuses []string
		names    func(string) string
		move     func(a, b string) error
		start    string
		final    []string
		field    string
	}
	var claim, carrier []string
	for _, s := range trail.ClaimStatuses {
		claim = append(claim, string(s))
	}
	for _, s := range trail.CarrierClaimStatuses {
		carrier = append(carrier, string(s))
	}
	tracks := []track{
		{"customer", claim, func(s string) string { return trail.ClaimStatusNames[trail.ClaimStatus(s)] },
			func(a, b string) error { return trail.CheckClaimMove(trail.ClaimStatus(a), trail.ClaimStatus(b)) },
			"reported", []string{"resolved", "withdrawn"}, "status"},
		{"carrier", carrier, func(s string) string { return trail.CarrierClaimStatusNames[trail.CarrierClaimStatus(s)] },
			func(a, b string) error {
				return trail.CheckCarrierMove(trail.CarrierClaimStatus(a), trail.CarrierClaimStatus(b))
			},
			"not_filed", []string{"rejected", "paid"}, "carrier.status"},
	}
	for _, tr := range tracks {
		fromStart := reach(tr.statuses, tr.move, tr.start)
		for _, s := range tr.statuses {
			if tr.names(s) == "" {
				t.Errorf("%s track: %s has no Chinese name", tr.name, s)
			}
			if !fromStart[s] {
				t.Errorf("%s track: %s cannot be reached from %s", tr.name, s, tr.start)
			}
			on := reach(tr.statuses, tr.move, s)
			ends := false
			for _, f := range tr.final {
				ends = ends || on[f]
			}
			if !ends {
				t.Errorf("%s track: %s leads to no final status", tr.name, s)
			}
		}
		for _, f := range tr.final {
			for _, s := range tr.statuses {
				if tr.move(f, s) == nil {
					t.Errorf("%s track: final %s moves to %s", tr.name, f, s)
				}
			}
		}
		checkCode(t, tr.move(tr.start, "archived"), trail.EINVALID, tr.field)
		checkCode(t, tr.move("archived", tr.start), trail.EINVALID, tr.field)
	}
	for _, s := range trail.ClaimStatuses {
		want := s != trail.ClaimResolved && s != trail.ClaimWithdrawn
		if s.Open() != want {
			t.Errorf("%s.Open() = %v, want %v", s, s.Open(), want)
		}
	}
	for _, ty := range trail.ClaimTypes {
		if trail.ClaimTypeNames[ty] == "" {
			t.Errorf("claim type %s has no Chinese name", ty)
		}
	}
}

func TestParseClaimItems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []trail.ClaimItem
		message string // a part of the error message; "" for success
	}{
		{in: "PLUM-330:2,RICE-500:1", want: []trail.ClaimItem{{SKU: "PLUM-330", Quantity: 2}, {SKU: "RICE-500", Quantity: 1}}},
		{in: " PLUM-330 : 2 , RICE-500:1 ", want: []trail.ClaimItem{{SKU: "PLUM-330", Quantity: 2}, {SKU: "RICE-500", Quantity: 1}}},
		{in: "PLUM-330:1", want: []trail.ClaimItem{{SKU: "PLUM-330", Quantity: 1}}},
		{in: "", message: "items are required"},
		{in: "  ", message: "items are required"},
		{in: "PLUM-330", message: "SKU:quantity"},
		{in: "PLUM-330:2,", message: "SKU:quantity"},
		{in: ":2", message: "SKU:quantity"},
		{in: "PLUM 330:2", message: "SKU:quantity"},
		{in: "PLUM-330:two", message: "whole number"},
		{in: "PLUM-330:1.5", message: "whole number"},
		{in: "PLUM-330:0", message: "at least 1"},
		{in: "PLUM-330:-2", message: "at least 1"},
		{in: "PLUM-330:100001", message: "whole number"},
		{in: "PLUM-330:2,PLUM-330:1", message: "named twice"},
		{in: strings.Repeat("A:1,", trail.MaxClaimItems) + "B:1", message: "at most 50"},
	}
	for _, tt := range tests {
		got, err := trail.ParseClaimItems(tt.in)
		if tt.message == "" {
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("ParseClaimItems(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			continue
		}
		if errField(err) != "items" || !strings.Contains(trail.ErrorMessage(err), tt.message) {
			t.Errorf("ParseClaimItems(%q): got %v, want an invalid items error saying %q", tt.in, err, tt.message)
		}
	}
	// Fifty distinct lines are the most a claim holds.
	var lines []string
	for i := range trail.MaxClaimItems {
		lines = append(lines, fmt.Sprintf("S%d:1", i))
	}
	if got, err := trail.ParseClaimItems(strings.Join(lines, ",")); err != nil || len(got) != trail.MaxClaimItems {
		t.Errorf("%d lines: got %d, %v", trail.MaxClaimItems, len(got), err)
	}
}

func TestCheckClaimItems(t *testing.T) {
	t.Parallel()
	type ci = trail.ClaimItem
	// The parcel holds PLUM-330 on two order lines (3 + 1) and one RICE-500.
	parcel := []trail.ShipmentItem{{ItemID: 1, SKU: "PLUM-330", Quantity: 3}, {ItemID: 2, SKU: "PLUM-330", Quantity: 1}, {ItemID: 3, SKU: "RICE-500", Quantity: 1}}
	tests := []struct {
		name  string
		items []ci
		field string
	}{
		{"some of one", []ci{{"PLUM-330", 2}}, ""},
		{"all of both lines of a SKU", []ci{{"PLUM-330", 4}, {"RICE-500", 1}}, ""},
		{"more than the parcel holds", []ci{{"PLUM-330", 5}}, "items[0].quantity"},
		{"not in the parcel", []ci{{"RICE-500", 1}, {"GIN-700", 1}}, "items[1].sku"},
		{"twice", []ci{{"PLUM-330", 1}, {"PLUM-330", 1}}, "items[1].sku"},
		{"zero", []ci{{"PLUM-330", 0}}, "items[0].quantity"},
		{"negative", []ci{{"PLUM-330", -1}}, "items[0].quantity"},
		{"none", nil, "items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkInvalid(t, trail.CheckClaimItems(tt.items, parcel), tt.field)
		})
	}
}

func TestClaimValidate(t *testing.T) {
	t.Parallel()
	items := []trail.ClaimItem{{SKU: "PLUM-330", Quantity: 2}}
	consumer := trail.ClaimOpener{Kind: trail.OpenerConsumer, Via: "buyer"}
	agent := trail.ClaimOpener{Kind: trail.OpenerAgent, Actor: "ops@example.com"}
	tests := []struct {
		name  string
		c     trail.Claim
		field string
	}{
		{"consumer with one photo", trail.Claim{Type: trail.ClaimDamaged, Items: items, Photos: 1, OpenedBy: consumer}, ""},
		{"consumer with six photos", trail.Claim{Type: trail.ClaimMissing, Items: items, Photos: 6, OpenedBy: consumer}, ""},
		{"consumer with seven photos", trail.Claim{Type: trail.ClaimDamaged, Items: items, Photos: 7, OpenedBy: consumer}, "photo"},
		{"consumer damaged without photos", trail.Claim{Type: trail.ClaimDamaged, Items: items, OpenedBy: consumer}, "photo"},
		{"consumer missing without photos", trail.Claim{Type: trail.ClaimMissing, Items: items, OpenedBy: consumer}, "photo"},
		{"consumer lost without photos", trail.Claim{Type: trail.ClaimLost, Items: items, OpenedBy: consumer}, ""},
		{"agent without photos", trail.Claim{Type: trail.ClaimDamaged, Items: items, OpenedBy: agent}, ""},
		{"agent with seven photos", trail.Claim{Type: trail.ClaimDamaged, Items: items, Photos: 7, OpenedBy: agent}, "photo"},
		{"agent without a name", trail.Claim{Type: trail.ClaimDamaged, Items: items, OpenedBy: trail.ClaimOpener{Kind: trail.OpenerAgent}}, "opened_by"},
		{"consumer from the look-up page", trail.Claim{Type: trail.ClaimDamaged, Items: items, Photos: 1, OpenedBy: trail.ClaimOpener{Kind: trail.OpenerConsumer, Via: trail.ViaLookup}}, ""},
		{"consumer from a gift link", trail.Claim{Type: trail.ClaimDamaged, Items: items, Photos: 1, OpenedBy: trail.ClaimOpener{Kind: trail.OpenerConsumer, Via: "gift"}}, ""},
		{"consumer from nowhere", trail.Claim{Type: trail.ClaimDamaged, Items: items, Photos: 1, OpenedBy: trail.ClaimOpener{Kind: trail.OpenerConsumer}}, "opened_by"},
		{"nobody", trail.Claim{Type: trail.ClaimDamaged, Items: items, Photos: 1}, "opened_by"},
		{"unknown type", trail.Claim{Type: "stolen", Items: items, Photos: 1, OpenedBy: consumer}, "type"},
		{"no items", trail.Claim{Type: trail.ClaimDamaged, Photos: 1, OpenedBy: consumer}, "items"},
		{"longest description", trail.Claim{Type: trail.ClaimDamaged, Items: items, Photos: 1, OpenedBy: consumer, Description: strings.Repeat("碎", trail.MaxClaimDescription)}, ""},
		{"description too long", trail.Claim{Type: trail.ClaimDamaged, Items: items, Photos: 1, OpenedBy: consumer, Description: strings.Repeat("碎", trail.MaxClaimDescription+1)}, "description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			c.Normalize()
			checkInvalid(t, c.Validate(), tt.field)
		})
	}
}

func TestClaimValueAndRefund(t *testing.T) {
	t.Parallel()
	fen := func(n trail.Fen) *trail.Fen { return &n }
	order := &trail.Order{Items: []trail.Item{
		{SKU: "PLUM-330", Quantity: 2, UnitPrice: fen(6800)},
		{SKU: "PLUM-330", Quantity: 1, UnitPrice: fen(9800)}, // engraved: dearer
		{SKU: "RICE-500", Quantity: 1},
	}}
	v, ok := trail.ClaimValue([]trail.ClaimItem{{SKU: "PLUM-330", Quantity: 2}}, order)
	if !ok || v != 19600 {
		t.Errorf("value of 2 PLUM-330 = %d, %v; want 19600 (the higher price), true", v, ok)
	}
	if _, ok := trail.ClaimValue([]trail.ClaimItem{{SKU: "PLUM-330", Quantity: 1}, {SKU: "RICE-500", Quantity: 1}}, order); ok {
		t.Error("a claim with an unpriced item has a known value")
	}
	tests := []struct {
		amount, value trail.Fen
		known         bool
		field         string
	}{
		{19600, 19600, true, ""},
		{1, 19600, true, ""},
		{19601, 19600, true, "amount"},
		{0, 19600, true, "amount"},
		{-100, 19600, true, "amount"},
		{50000, 0, false, ""},
		{0, 0, false, "amount"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d of %d known=%v", tt.amount, tt.value, tt.known), func(t *testing.T) {
			checkInvalid(t, trail.CheckRefund(tt.amount, tt.value, tt.known), tt.field)
		})
	}
}

// china returns an instant in China time.
func china(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, trail.ChinaTime)
}

func TestCanReport(t *testing.T) {
	t.Parallel()
	w := trail.DefaultClaimWindow()
	// Delivered 12月1日 23:30 China time, which is 15:30 UTC the same day;
	// the last moment to report is 12月16日 23:59:59 China time.
	delivered := china(2026, 12, 1, 23, 30, 0)
	lastScan := china(2026, 12, 1, 10, 0, 0)
	deliveredParcel := &trail.Shipment{Carrier: "shunfeng", Status: trail.StatusDelivered, DeliveredAt: &delivered, LastEventAt: &delivered}
	onTheWay := &trail.Shipment{Carrier: "zhongtong", Status: trail.StatusInTransit, LastEventAt: &lastScan}
	created := &trail.Shipment{Carrier: "zhongtong", Status: trail.StatusCreated, LastEventAt: &lastScan}
	noEvents := &trail.Shipment{Carrier: "zhongtong"}
	returned := &trail.Shipment{Carrier: "zhongtong", Status: trail.StatusReturned, LastEventAt: &lastScan}
	tests := []struct {
		name    string
		s       *trail.Shipment
		typ     trail.ClaimType
		now     time.Time
		w       trail.ClaimWindow
		message string // a part of the refusal; "" to allow
	}{
		{"damaged the day of delivery", deliveredParcel, trail.ClaimDamaged, delivered.Add(time.Minute), w, ""},
		{"damaged on the last day's last second", deliveredParcel, trail.ClaimDamaged, china(2026, 12, 16, 23, 59, 59), w, ""},
		{"damaged at midnight after the last day", deliveredParcel, trail.ClaimDamaged, china(2026, 12, 17, 0, 0, 0), w, "签收后 15 天"},
		{"missing a day late", deliveredParcel, trail.ClaimMissing, china(2026, 12, 18, 9, 0, 0), w, "ended on 2026-12-16"},
		{"missing within a brand's 30 days", deliveredParcel, trail.ClaimMissing, china(2026, 12, 31, 23, 0, 0), trail.ClaimWindow{ReportDays: 30, LostAfterDays: 7, DefaultCarrierDays: 7}, ""},
		{"damaged before delivery", onTheWay, trail.ClaimDamaged, china(2026, 12, 3, 9, 0, 0), w, "尚未签收"},
		{"lost once 7 days pass without a scan", onTheWay, trail.ClaimLost, china(2026, 12, 8, 10, 0, 0), w, ""},
		{"lost a minute before 7 days", onTheWay, trail.ClaimLost, china(2026, 12, 8, 9, 59, 0), w, "12月8日 10:00"},
		{"lost after delivery", deliveredParcel, trail.ClaimLost, china(2026, 12, 20, 9, 0, 0), w, "已签收"},
		{"lost before pickup", created, trail.ClaimLost, china(2026, 12, 20, 9, 0, 0), w, "尚未揽收"},
		{"lost without any scan", noEvents, trail.ClaimLost, china(2026, 12, 20, 9, 0, 0), w, "尚未揽收"},
		{"lost when returned to the brand", returned, trail.ClaimLost, china(2026, 12, 20, 9, 0, 0), w, "退回"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := trail.CanReport(tt.s, tt.typ, tt.now, tt.w)
			if tt.message == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			checkCode(t, err, trail.EINVALID, "type")
			msg := trail.ErrorMessage(err)
			if !strings.Contains(msg, tt.message) {
				t.Errorf("message %q does not say %q", msg, tt.message)
			}
			if r := []rune(msg)[0]; r < 0x4e00 || r > 0x9fff {
				t.Errorf("message %q does not start in Chinese", msg)
			}
		})
	}
	checkCode(t, trail.CanReport(deliveredParcel, "stolen", delivered, w), trail.EINVALID, "type")
}

func TestCarrierDeadline(t *testing.T) {
	t.Parallel()
	damageScan := china(2026, 12, 1, 23, 50, 0) // 15:50 UTC: still 12月1日 in China
	delivered := china(2026, 12, 2, 14, 0, 0)
	lastScan := china(2026, 12, 3, 8, 0, 0)
	event := func(at time.Time, sub string) trail.TrackingEvent {
		return trail.TrackingEvent{CarrierEvent: trail.CarrierEvent{Time: at, Status: trail.StatusException, SubStatus: sub}}
	}
	w := trail.DefaultClaimWindow()
	w.CarrierDays = map[string]int{"shunfeng": 30}
	tests := []struct {
		name string
		s    *trail.Shipment
		want time.Time
	}{
		{"delivered, no damage scan: 7 days by default",
			&trail.Shipment{Carrier: "zhongtong", DeliveredAt: &delivered, LastEventAt: &delivered},
			china(2026, 12, 10, 0, 0, 0)},
		{"damage scan before delivery counts, in China time",
			&trail.Shipment{Carrier: "zhongtong", DeliveredAt: &delivered, LastEventAt: &delivered,
				Events: []trail.TrackingEvent{event(delivered, ""), event(damageScan, trail.SubDamaged)}},
			china(2026, 12, 9, 0, 0, 0)},
		{"the brand's days for the carrier",
			&trail.Shipment{Carrier: "shunfeng", DeliveredAt: &delivered, LastEventAt: &delivered},
			china(2027, 1, 2, 0, 0, 0)},
		{"lost: from the last scan",
			&trail.Shipment{Carrier: "zhongtong", LastEventAt: &lastScan},
			china(2026, 12, 11, 0, 0, 0)},
		{"no scan: no deadline", &trail.Shipment{Carrier: "zhongtong"}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := trail.CarrierDeadline(tt.s, w); !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got.In(trail.ChinaTime), tt.want)
			}
		})
	}
}

func TestClaimWindowValidate(t *testing.T) {
	t.Parallel()
	d := trail.DefaultClaimWindow()
	if d.ReportDays != 15 || d.LostAfterDays != 7 || d.DefaultCarrierDays != 7 {
		t.Errorf("defaults: %+v", d)
	}
	tests := []struct {
		name  string
		edit  func(*trail.ClaimWindow)
		field string
	}{
		{"defaults", func(*trail.ClaimWindow) {}, ""},
		{"a carrier's days", func(w *trail.ClaimWindow) { w.CarrierDays = map[string]int{"shunfeng": 30} }, ""},
		{"no report days", func(w *trail.ClaimWindow) { w.ReportDays = 0 }, "report_days"},
		{"lost after a year and a day", func(w *trail.ClaimWindow) { w.LostAfterDays = 366 }, "lost_after_days"},
		{"no carrier default", func(w *trail.ClaimWindow) { w.DefaultCarrierDays = 0 }, "default_carrier_days"},
		{"unknown carrier", func(w *trail.ClaimWindow) { w.CarrierDays = map[string]int{"pigeon": 3} }, "carrier_days"},
		{"negative carrier days", func(w *trail.ClaimWindow) { w.CarrierDays = map[string]int{"jd": -1} }, "carrier_days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := trail.DefaultClaimWindow()
			tt.edit(&w)
			checkInvalid(t, w.Validate(), tt.field)
		})
	}
}

func TestCarrierClaimAdvance(t *testing.T) {
	t.Parallel()
	fen := func(n trail.Fen) *trail.Fen { return &n }
	date := func(s string) *trail.Date { d := trail.Date(s); return &d }
	notFiled := trail.CarrierClaim{Status: trail.CarrierNotFiled}
	filed := trail.CarrierClaim{Status: trail.CarrierFiled, CaseNo: "SF-C-1", FiledOn: date("2026-12-03"), AmountClaimed: fen(19600)}
	approved := filed
	approved.Status, approved.AmountGranted = trail.CarrierApproved, fen(15000)
	tests := []struct {
		name  string
		cur   trail.CarrierClaim
		step  trail.CarrierClaim
		code  string
		field string
	}{
		{"file", notFiled, trail.CarrierClaim{Status: trail.CarrierFiled, CaseNo: " SF-C-1 ", FiledOn: date("2026-12-03"), AmountClaimed: fen(19600)}, "", ""},
		{"file without a case number", notFiled, trail.CarrierClaim{Status: trail.CarrierFiled, FiledOn: date("2026-12-03"), AmountClaimed: fen(19600)}, trail.EINVALID, "carrier.case_no"},
		{"file without a day", notFiled, trail.CarrierClaim{Status: trail.CarrierFiled, CaseNo: "X", AmountClaimed: fen(19600)}, trail.EINVALID, "carrier.filed_on"},
		{"file on a bad day", notFiled, trail.CarrierClaim{Status: trail.CarrierFiled, CaseNo: "X", FiledOn: date("2026-13-01"), AmountClaimed: fen(1)}, trail.EINVALID, "carrier.filed_on"},
		{"file for nothing", notFiled, trail.CarrierClaim{Status: trail.CarrierFiled, CaseNo: "X", FiledOn: date("2026-12-03"), AmountClaimed: fen(0)}, trail.EINVALID, "carrier.amount_claimed"},
		{"file with a grant", notFiled, trail.CarrierClaim{Status: trail.CarrierFiled, CaseNo: "X", FiledOn: date("2026-12-03"), AmountClaimed: fen(1), AmountGranted: fen(1)}, trail.EINVALID, "carrier.amount_granted"},
		{"approve", filed, trail.CarrierClaim{Status: trail.CarrierApproved, AmountGranted: fen(19600)}, "", ""},
		{"approve more than claimed", filed, trail.CarrierClaim{Status: trail.CarrierApproved, AmountGranted: fen(19601)}, trail.EINVALID, "carrier.amount_granted"},
		{"approve with a new case number", filed, trail.CarrierClaim{Status: trail.CarrierApproved, AmountGranted: fen(1), CaseNo: "Y"}, trail.EINVALID, "carrier.case_no"},
		{"reject", filed, trail.CarrierClaim{Status: trail.CarrierRejected, Reason: "未保价，外包装完好"}, "", ""},
		{"reject without a reason", filed, trail.CarrierClaim{Status: trail.CarrierRejected, Reason: "  "}, trail.EINVALID, "carrier.reason"},
		{"paid", approved, trail.CarrierClaim{Status: trail.CarrierPaid, PaidOn: date("2026-12-20")}, "", ""},
		{"paid before filing", approved, trail.CarrierClaim{Status: trail.CarrierPaid, PaidOn: date("2026-12-02")}, trail.EINVALID, "carrier.paid_on"},
		{"paid without a day", approved, trail.CarrierClaim{Status: trail.CarrierPaid}, trail.EINVALID, "carrier.paid_on"},
		{"paid before approval", filed, trail.CarrierClaim{Status: trail.CarrierPaid, PaidOn: date("2026-12-20")}, trail.ECONFLICT, "carrier.status"},
		{"file twice", filed, trail.CarrierClaim{Status: trail.CarrierFiled, CaseNo: "X", FiledOn: date("2026-12-03"), AmountClaimed: fen(1)}, trail.ECONFLICT, "carrier.status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, err := tt.cur.Advance(tt.step)
			checkCode(t, err, tt.code, tt.field)
			if err != nil {
				if fmt.Sprint(next) != fmt.Sprint(tt.cur) {
					t.Errorf("refused step changed the track: %+v", next)
				}
				return
			}
			if next.Status != tt.step.Status {
				t.Errorf("status %s, want %s", next.Status, tt.step.Status)
			}
		})
	}
	// What earlier steps recorded carries over.
	paid, err := approved.Advance(trail.CarrierClaim{Status: trail.CarrierPaid, PaidOn: date("2026-12-20")})
	if err != nil || paid.CaseNo != "SF-C-1" || *paid.AmountClaimed != 19600 || *paid.AmountGranted != 15000 || *paid.PaidOn != "2026-12-20" {
		t.Errorf("paid: %+v, %v", paid, err)
	}
	got, _ := notFiled.Advance(trail.CarrierClaim{Status: trail.CarrierFiled, CaseNo: " SF-C-1 ", FiledOn: date("2026-12-03"), AmountClaimed: fen(19600)})
	if got.CaseNo != "SF-C-1" {
		t.Errorf("case number not trimmed: %q", got.CaseNo)
	}
}

func TestClaimPatchValidate(t *testing.T) {
	t.Parallel()
	st := func(s trail.ClaimStatus) *trail.ClaimStatus { return &s }
	tests := []struct {
		name  string
		p     trail.ClaimPatch
		field string
	}{
		{"need info with a note", trail.ClaimPatch{Status: st(trail.ClaimNeedInfo), Note: "请补拍外箱照片"}, ""},
		{"a note alone", trail.ClaimPatch{Note: "客户来电"}, ""},
		{"a carrier step alone", trail.ClaimPatch{Carrier: &trail.CarrierClaim{Status: trail.CarrierFiled}}, ""},
		{"reject with a reason", trail.ClaimPatch{Status: st(trail.ClaimResolved), Reject: "照片显示商品完好"}, ""},
		{"nothing", trail.ClaimPatch{Note: "  "}, "status"},
		{"resolved without a reason", trail.ClaimPatch{Status: st(trail.ClaimResolved)}, "reject"},
		{"a reason without resolving", trail.ClaimPatch{Status: st(trail.ClaimReviewing), Reject: "x"}, "reject"},
		{"unknown status", trail.ClaimPatch{Status: st("archived")}, "status"},
		{"note too long", trail.ClaimPatch{Note: strings.Repeat("字", trail.MaxClaimReason+1)}, "note"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			p.Normalize()
			checkInvalid(t, p.Validate(), tt.field)
		})
	}
}

func TestClaimReshipValidate(t *testing.T) {
	t.Parallel()
	c := &trail.Claim{Items: []trail.ClaimItem{{SKU: "PLUM-330", Quantity: 2}}}
	tests := []struct {
		name  string
		r     trail.ClaimReship
		field string
	}{
		{"the claimed items", trail.ClaimReship{Carrier: "SF", TrackingNo: "sf 1234 5678 9012", Items: []trail.ClaimItem{{SKU: "PLUM-330", Quantity: 2}}}, ""},
		{"with a new batch", trail.ClaimReship{Carrier: "shunfeng", TrackingNo: "SF123456789012", Items: []trail.ClaimItem{{SKU: "PLUM-330", Quantity: 1}}, BatchNo: "B-2026-12"}, ""},
		{"more than claimed", trail.ClaimReship{Carrier: "shunfeng", TrackingNo: "SF123456789012", Items: []trail.ClaimItem{{SKU: "PLUM-330", Quantity: 3}}}, "items[0].quantity"},
		{"not claimed", trail.ClaimReship{Carrier: "shunfeng", TrackingNo: "SF123456789012", Items: []trail.ClaimItem{{SKU: "RICE-500", Quantity: 1}}}, "items[0].sku"},
		{"unknown carrier", trail.ClaimReship{Carrier: "pigeon", TrackingNo: "SF123456789012", Items: c.Items}, "carrier"},
		{"bad tracking number", trail.ClaimReship{Carrier: "shunfeng", TrackingNo: "SF1", Items: c.Items}, "tracking_no"},
		{"bad batch", trail.ClaimReship{Carrier: "shunfeng", TrackingNo: "SF123456789012", Items: c.Items, BatchNo: "B 1"}, "batch_no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			r.Normalize()
			checkInvalid(t, r.Validate(c), tt.field)
		})
	}
}

func TestClaimFilterValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f     trail.ClaimFilter
		field string
	}{
		{trail.ClaimFilter{Limit: 20}, ""},
		{trail.ClaimFilter{Status: trail.ClaimNeedInfo, CarrierStatus: trail.CarrierFiled, Carrier: "shunfeng", Limit: 100}, ""},
		{trail.ClaimFilter{Status: "open", Limit: 20}, "status"},
		{trail.ClaimFilter{CarrierStatus: "open", Limit: 20}, "carrier_status"},
		{trail.ClaimFilter{Carrier: "pigeon", Limit: 20}, "carrier"},
		{trail.ClaimFilter{Limit: 0}, "limit"},
		{trail.ClaimFilter{Limit: 101}, "limit"},
	}
	for _, tt := range tests {
		checkInvalid(t, tt.f.Validate(), tt.field)
	}
}

// TestClaimJSON checks the wire shape against the contract
// examples: amounts in yuan, snake_case names.
func TestClaimJSON(t *testing.T) {
	t.Parallel()
	var p trail.ClaimPatch
	if err := json.Unmarshal([]byte(`{"carrier":{"status":"filed","case_no":"SF-C-1","filed_on":"2026-12-03","amount_claimed":196.0}}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.Carrier == nil || p.Carrier.Status != trail.CarrierFiled || *p.Carrier.AmountClaimed != 19600 || p.Carrier.CaseNo != "SF-C-1" {
		t.Errorf("patch: %+v", p.Carrier)
	}
	var r trail.ClaimReship
	if err := json.Unmarshal([]byte(`{"carrier":"shunfeng","tracking_no":"SF1234567890","items":[{"sku":"PLUM-330","quantity":2}]}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Carrier != "shunfeng" || r.TrackingNo != "SF1234567890" || len(r.Items) != 1 || r.Items[0] != (trail.ClaimItem{SKU: "PLUM-330", Quantity: 2}) {
		t.Errorf("reship: %+v", r)
	}
	var refund trail.ClaimRefund
	if err := json.Unmarshal([]byte(`{"amount":196.0,"note":"退款"}`), &refund); err != nil || refund.Amount != 19600 {
		t.Errorf("refund: %+v, %v", refund, err)
	}
	amount := trail.Fen(19600)
	c := trail.Claim{ID: 7, OrderNo: "WED-7", ShipmentID: 3, Carrier: "shunfeng", TrackingNo: "SF1234567890", Type: trail.ClaimDamaged,
		Status: trail.ClaimResolved, Resolution: &trail.Resolution{Kind: trail.ResolutionRefund, Amount: &amount},
		CarrierClaim: trail.CarrierClaim{Status: trail.CarrierNotFiled}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{`"id":7`, `"order_no":"WED-7"`, `"type":"damaged"`, `"status":"resolved"`,
		`"resolution":{"kind":"refund","amount":196.00`, `"carrier_claim":{"status":"not_filed"}`} {
		if !strings.Contains(string(b), part) {
			t.Errorf("%s lacks %s", b, part)
		}
	}
	if strings.Contains(string(b), "shipment") {
		t.Errorf("%s shows the internal parcel ID", b)
	}
}
