package trail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// TestRoleCan is the permission matrix of docs/ARCHITECTURE.md §10: admins do
// everything, agents work orders, alerts and claims and may reveal personal
// data, viewers read.
func TestUserRoleCan(t *testing.T) {
	const (
		A = 1 << iota // admin
		G             // agent
		V             // viewer
	)
	want := map[trail.Action]int{
		trail.ActionViewOrders:     A | G | V,
		trail.ActionViewAlerts:     A | G | V,
		trail.ActionRevealPII:      A | G,
		trail.ActionAddNote:        A | G,
		trail.ActionOperateParcels: A | G,
		trail.ActionHandleAlerts:   A | G,
		trail.ActionHandleClaims:   A | G,
		trail.ActionViewAudit:      A,
		trail.ActionManageSettings: A,
		trail.ActionManageUsers:    A,
		trail.ActionManageCarriers: A,
		trail.ActionManageAPIKeys:  A,
	}
	if len(want) != len(trail.Actions) {
		t.Fatalf("the test covers %d actions, trail.Actions has %d", len(want), len(trail.Actions))
	}
	roles := map[trail.Role]int{trail.RoleAdmin: A, trail.RoleAgent: G, trail.RoleViewer: V}
	for _, a := range trail.Actions {
		for r, bit := range roles {
			if got := r.Can(a); got != (want[a]&bit != 0) {
				t.Errorf("%s.Can(%s): got %v", r, a, got)
			}
		}
	}
	for _, r := range []trail.Role{"", "owner", "Admin"} {
		if r.Valid() || r.Can(trail.ActionViewOrders) {
			t.Errorf("role %q is valid or may view orders", r)
		}
	}
	if trail.RoleAdmin.Can("delete_everything") {
		t.Error("an unknown action is allowed")
	}
}

func TestUserValidate(t *testing.T) {
	tests := []struct {
		email, name string
		field       string // "" when valid
	}{
		{"kefu@plum.example", "", ""},
		{" KeFu@Plum.Example ", "小梅", ""},
		{"", "", "email"},
		{"kefu", "", "email"},
		{"小梅 <kefu@plum.example>", "", "email"},
		{"kefu@plum.example, b@plum.example", "", "email"},
		{strings.Repeat("a", 250) + "@x.cn", "", "email"},
		{"kefu@plum.example", strings.Repeat("梅", 65), "name"},
	}
	for _, tt := range tests {
		u := &trail.User{Email: tt.email, Name: tt.name}
		u.Normalize()
		err := u.Validate()
		if tt.field == "" {
			if err != nil {
				t.Errorf("%q: got %v, want valid", tt.email, err)
			}
			continue
		}
		if e, ok := err.(*trail.Error); !ok || e.Field != tt.field {
			t.Errorf("%q: got %v, want invalid %s", tt.email, err, tt.field)
		}
	}
	u := &trail.User{Email: " KeFu@Plum.Example "}
	u.Normalize()
	if u.Email != "kefu@plum.example" || u.DisplayName() != "kefu@plum.example" {
		t.Fatalf("normalised: got %q / %q", u.Email, u.DisplayName())
	}
}

func TestUserValidatePassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"":                       false,
		"short":                  false,
		"123456789":              false,
		"1234567890":             true,
		"梅子酒坊的密码是这个吗":            true, // 11 characters
		strings.Repeat("x", 256): true,
		strings.Repeat("x", 257): false,
	} {
		if err := trail.ValidatePassword(pw); (err == nil) != ok {
			t.Errorf("ValidatePassword(%d bytes): got %v, want ok=%v", len(pw), err, ok)
		}
	}
}

func TestUserSessionLive(t *testing.T) {
	start := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	token, s := trail.NewSession(7, 3, start)
	if len(token) < 40 || string(s.TokenHash) != string(trail.HashSessionToken(token)) || len(s.CSRFSecret) != 32 {
		t.Fatalf("new session: token %q, %+v", token, s)
	}
	if other, s2 := trail.NewSession(7, 3, start); other == token || string(s2.CSRFSecret) == string(s.CSRFSecret) {
		t.Fatal("two sessions share a token or a secret")
	}
	tests := []struct {
		name     string
		lastSeen time.Duration // after start
		now      time.Duration
		live     bool
	}{
		{"fresh", 0, 0, true},
		{"idle just under the timeout", 0, trail.SessionIdleTimeout - time.Second, true},
		{"idle at the timeout", 0, trail.SessionIdleTimeout, false},
		{"active, late in the day", 11 * time.Hour, 11*time.Hour + time.Minute, true},
		{"active, at the absolute end", 12*time.Hour - time.Minute, 12 * time.Hour, false},
	}
	for _, tt := range tests {
		s.LastSeenAt = start.Add(tt.lastSeen)
		if got := s.Live(start.Add(tt.now)); got != tt.live {
			t.Errorf("%s: got live=%v", tt.name, got)
		}
	}
}

func TestConsoleSearchCursor(t *testing.T) {
	at := time.Date(2026, 11, 25, 2, 3, 4, 567891000, time.UTC)
	c := trail.SearchCursor(at, 42)
	gotAt, gotID, err := trail.ParseSearchCursor(c)
	if err != nil || !gotAt.Equal(at) || gotID != 42 {
		t.Fatalf("round trip: got %v %d %v", gotAt, gotID, err)
	}
	for _, bad := range []string{"", "x", "!!", "MjAyNg", trail.SearchCursor(at, 0), "MjAyNi0xMS0yNVQwMjowMzowNFp8LTE"} {
		if _, _, err := trail.ParseSearchCursor(bad); trail.ErrorCode(err) != trail.EINVALID {
			t.Errorf("ParseSearchCursor(%q): got %v, want invalid", bad, err)
		}
	}
}

func FuzzConsoleSearchCursor(f *testing.F) {
	f.Add(trail.SearchCursor(time.Date(2026, 11, 25, 2, 3, 4, 5, time.UTC), 42))
	f.Add("MjAyNi0xMS0yNVQwMjowMzowNFp8LTE")
	f.Add("")
	f.Fuzz(func(t *testing.T, c string) {
		at, id, err := trail.ParseSearchCursor(c)
		if err != nil {
			return
		}
		if id <= 0 {
			t.Fatalf("accepted id %d", id)
		}
		if at2, id2, err := trail.ParseSearchCursor(trail.SearchCursor(at, id)); err != nil || !at2.Equal(at) || id2 != id {
			t.Fatalf("re-encoded cursor differs: %v %d %v", at2, id2, err)
		}
	})
}

func TestConsoleOrderSearchValidate(t *testing.T) {
	d := func(s string) *trail.Date { x := trail.Date(s); return &x }
	tests := []struct {
		s     trail.OrderSearch
		field string
	}{
		{trail.OrderSearch{}, ""},
		{trail.OrderSearch{Q: " 13912345678 ", Status: trail.OrderShipped, Carrier: " ShunFeng ", OccasionWithinDays: 7}, ""},
		{trail.OrderSearch{Q: strings.Repeat("x", 101)}, "q"},
		{trail.OrderSearch{Status: "lost"}, "status"},
		{trail.OrderSearch{Carrier: "pigeon"}, "carrier"},
		{trail.OrderSearch{OccasionWithinDays: 400}, "occasion_within_days"},
		{trail.OrderSearch{CreatedFrom: d("2026-02-30")}, "created_from"},
		{trail.OrderSearch{CreatedFrom: d("2026-12-02"), CreatedTo: d("2026-12-01")}, "created_to"},
		{trail.OrderSearch{Cursor: "nope"}, "cursor"},
	}
	for _, tt := range tests {
		s := tt.s
		s.Normalize()
		err := s.Validate()
		var field string
		if e, ok := err.(*trail.Error); ok {
			field = e.Field
		} else if err != nil {
			field = "?"
		}
		if field != tt.field {
			t.Errorf("%+v: got %v, want field %q", tt.s, err, tt.field)
		}
	}
	s := trail.OrderSearch{Limit: 1000}
	s.Normalize()
	if s.Limit != trail.MaxSearchLimit {
		t.Fatalf("limit: got %d", s.Limit)
	}
}

func TestUserAuditEntryValidate(t *testing.T) {
	ok := trail.AuditEntry{BrandID: 1, Actor: "cli", Action: trail.AuditUserCreate}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, e := range map[string]trail.AuditEntry{
		"brand":  {Actor: "cli", Action: "x"},
		"actor":  {BrandID: 1, Action: "x"},
		"action": {BrandID: 1, Actor: "cli"},
		"target": {BrandID: 1, Actor: "cli", Action: "x", Target: strings.Repeat("t", 201)},
		"reason": {BrandID: 1, Actor: "cli", Action: "x", Reason: strings.Repeat("因", trail.MaxNoteLen+1)},
	} {
		if err, ok := e.Validate().(*trail.Error); !ok || err.Field != field {
			t.Errorf("%s: got %v", field, e.Validate())
		}
	}
}
