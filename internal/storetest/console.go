package storetest

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// consoleStore is what the operator console needs of a store.
type consoleStore interface {
	Store
	trail.UserService
	trail.SessionService
	trail.AuditService
	trail.OrderSearchService
}

// testConsole runs the console's store behaviour: users and roles,
// sessions, the audit log and the order search, with brand isolation in
// each.
func testConsole(t *testing.T, open OpenFunc) {
	t.Run("Users", func(t *testing.T) { testConsoleUsers(t, open) })
	t.Run("Members", func(t *testing.T) { testConsoleMembers(t, open) })
	t.Run("Sessions", func(t *testing.T) { testConsoleSessions(t, open) })
	t.Run("Audit", func(t *testing.T) { testConsoleAudit(t, open) })
	t.Run("Search", func(t *testing.T) { testConsoleSearch(t, open) })
	t.Run("SearchTextPages", func(t *testing.T) { testConsoleSearchTextPages(t, open) })
	t.Run("SearchStatus", func(t *testing.T) { testConsoleSearchStatus(t, open) })
	t.Run("SearchOpenAlert", func(t *testing.T) { testConsoleSearchOpenAlert(t, open) })
}

func consoleSetup(t *testing.T, open OpenFunc) (*bundle, consoleStore) {
	t.Helper()
	b := setup(t, open)
	cs, ok := b.s.(consoleStore)
	if !ok {
		t.Fatalf("%T does not implement the console services", b.s)
	}
	return b, cs
}

// mustUser creates a user with a placeholder hash.
func mustUser(t *testing.T, b *bundle, cs consoleStore, email string) *trail.User {
	t.Helper()
	u := &trail.User{Email: email}
	u.Normalize()
	if err := cs.CreateUser(b.ctx, u, "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA"); err != nil {
		t.Fatal(err)
	}
	return u
}

func testConsoleUsers(t *testing.T, open OpenFunc) {
	b, cs := consoleSetup(t, open)
	u := &trail.User{Email: "  KeFu@Plum.example ", Name: "小梅"}
	u.Normalize()
	if err := cs.CreateUser(b.ctx, u, "hash-1"); err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Email != "kefu@plum.example" || !u.CreatedAt.Equal(b.clock.Now()) {
		t.Fatalf("created user: got %+v", u)
	}
	dup := &trail.User{Email: "KEFU@plum.example"}
	dup.Normalize()
	wantCode(t, cs.CreateUser(b.ctx, dup, "hash-2"), trail.ECONFLICT, "email")
	bad := &trail.User{Email: "not an address"}
	wantCode(t, cs.CreateUser(b.ctx, bad, "hash"), trail.EINVALID, "email")

	got, hash, err := cs.UserByEmail(b.ctx, " KEFU@plum.example")
	if err != nil || got.ID != u.ID || got.Name != "小梅" || hash != "hash-1" {
		t.Fatalf("UserByEmail: got %+v %q %v", got, hash, err)
	}
	_, _, err = cs.UserByEmail(b.ctx, "nobody@plum.example")
	wantCode(t, err, trail.ENOTFOUND)
	if got, err := cs.User(b.ctx, u.ID); err != nil || got.Email != u.Email {
		t.Fatalf("User: got %+v, %v", got, err)
	}
	_, err = cs.User(b.ctx, u.ID+1000)
	wantCode(t, err, trail.ENOTFOUND)
	if err := cs.SetPassword(b.ctx, u.ID, "hash-3"); err != nil {
		t.Fatal(err)
	}
	if _, hash, _ := cs.UserByEmail(b.ctx, u.Email); hash != "hash-3" {
		t.Fatalf("after SetPassword: got hash %q, want hash-3", hash)
	}
	wantCode(t, cs.SetPassword(b.ctx, u.ID+1000, "x"), trail.ENOTFOUND)

	t.Run("memberships", func(t *testing.T) {
		_, err := cs.Membership(b.ctx, u.ID, b.brand.ID)
		wantCode(t, err, trail.ENOTFOUND)
		created, err := cs.PutMembership(b.ctx, u.ID, b.brand.ID, trail.RoleAgent)
		if err != nil || !created {
			t.Fatalf("PutMembership: got %v, %v", created, err)
		}
		created, err = cs.PutMembership(b.ctx, u.ID, b.brand.ID, trail.RoleAdmin)
		if err != nil || created {
			t.Fatalf("PutMembership again: got created=%v, %v, want an update", created, err)
		}
		m, err := cs.Membership(b.ctx, u.ID, b.brand.ID)
		if err != nil || m.Role != trail.RoleAdmin || m.Brand.Slug != b.brand.Slug || m.UserID != u.ID {
			t.Fatalf("Membership: got %+v, %v", m, err)
		}
		// Another brand knows nothing of the user until given a role.
		_, err = cs.Membership(b.ctx, u.ID, b.other.ID)
		wantCode(t, err, trail.ENOTFOUND)
		if _, err := cs.PutMembership(b.ctx, u.ID, b.other.ID, trail.RoleViewer); err != nil {
			t.Fatal(err)
		}
		ms, err := cs.Memberships(b.ctx, u.ID)
		if err != nil || len(ms) != 2 {
			t.Fatalf("Memberships: got %v, %v, want two", ms, err)
		}
		roles := map[string]trail.Role{}
		for _, m := range ms {
			roles[m.Brand.Slug] = m.Role
		}
		if roles["plum-house"] != trail.RoleAdmin || roles["rival-brew"] != trail.RoleViewer {
			t.Fatalf("Memberships: got %v", roles)
		}
		_, err = cs.PutMembership(b.ctx, u.ID, b.brand.ID, "owner")
		wantCode(t, err, trail.EINVALID, "role")
		_, err = cs.PutMembership(b.ctx, u.ID+1000, b.brand.ID, trail.RoleAgent)
		wantCode(t, err, trail.ENOTFOUND)
		_, err = cs.PutMembership(b.ctx, u.ID, b.other.ID+1000, trail.RoleAgent)
		wantCode(t, err, trail.ENOTFOUND)
	})
}

// testConsoleMembers: a brand lists its users, changes their roles and
// removes them, never leaving itself without an enabled admin and never
// touching another brand's users.
func testConsoleMembers(t *testing.T, open OpenFunc) {
	b, cs := consoleSetup(t, open)
	admin := mustUser(t, b, cs, "admin@plum.example")
	agent := mustUser(t, b, cs, "agent@plum.example")
	rival := mustUser(t, b, cs, "admin@rival.example")
	for _, m := range []struct {
		u     *trail.User
		brand int64
		role  trail.Role
	}{{admin, b.brand.ID, trail.RoleAdmin}, {agent, b.brand.ID, trail.RoleAgent}, {agent, b.other.ID, trail.RoleViewer}, {rival, b.other.ID, trail.RoleAdmin}} {
		if _, err := cs.PutMembership(b.ctx, m.u.ID, m.brand, m.role); err != nil {
			t.Fatal(err)
		}
	}
	members := func(brandID int64) string {
		t.Helper()
		ms, err := cs.Members(b.ctx, brandID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			if m.JoinedAt.IsZero() || m.User.ID == 0 {
				t.Fatalf("member %+v lacks its user or join time", m)
			}
			out = append(out, m.User.Email+"="+string(m.Role))
		}
		return strings.Join(out, ",")
	}
	if got := members(b.brand.ID); got != "admin@plum.example=admin,agent@plum.example=agent" {
		t.Fatalf("Members: got %s", got)
	}
	if got := members(b.other.ID); got != "admin@rival.example=admin,agent@plum.example=viewer" {
		t.Fatalf("Members of the other brand: got %s", got)
	}

	// The last admin can be neither demoted nor removed.
	wantCode(t, cs.ChangeRole(b.ctx, b.brand.ID, admin.ID, trail.RoleAgent), trail.ECONFLICT, "role")
	wantCode(t, cs.RemoveMember(b.ctx, b.brand.ID, admin.ID), trail.ECONFLICT, "role")
	wantCode(t, cs.ChangeRole(b.ctx, b.brand.ID, agent.ID, "owner"), trail.EINVALID, "role")
	// A user of another brand is not found by id.
	wantCode(t, cs.ChangeRole(b.ctx, b.brand.ID, rival.ID, trail.RoleViewer), trail.ENOTFOUND)
	wantCode(t, cs.RemoveMember(b.ctx, b.brand.ID, rival.ID), trail.ENOTFOUND)
	wantCode(t, cs.RemoveMember(b.ctx, b.brand.ID, rival.ID+1000), trail.ENOTFOUND)
	if got := members(b.other.ID); got != "admin@rival.example=admin,agent@plum.example=viewer" {
		t.Fatalf("the other brand changed: %s", got)
	}

	// With a second admin, the first may go.
	if err := cs.ChangeRole(b.ctx, b.brand.ID, agent.ID, trail.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := cs.ChangeRole(b.ctx, b.brand.ID, admin.ID, trail.RoleViewer); err != nil {
		t.Fatal(err)
	}
	if got := members(b.brand.ID); got != "admin@plum.example=viewer,agent@plum.example=admin" {
		t.Fatalf("after the role changes: got %s", got)
	}
	// The agent's role in the other brand is its own.
	if m, err := cs.Membership(b.ctx, agent.ID, b.other.ID); err != nil || m.Role != trail.RoleViewer {
		t.Fatalf("role in the other brand: got %+v, %v", m, err)
	}

	// Removing ends the user's sessions in that brand, and only there.
	now := b.clock.Now()
	_, here := trail.NewSession(admin.ID, b.brand.ID, now)
	if err := cs.CreateSession(b.ctx, here); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.PutMembership(b.ctx, admin.ID, b.other.ID, trail.RoleViewer); err != nil {
		t.Fatal(err)
	}
	thereToken, there := trail.NewSession(admin.ID, b.other.ID, now)
	if err := cs.CreateSession(b.ctx, there); err != nil {
		t.Fatal(err)
	}
	if err := cs.RemoveMember(b.ctx, b.brand.ID, admin.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Membership(b.ctx, admin.ID, b.brand.ID); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Fatalf("membership after removal: got %v", err)
	}
	if _, err := cs.Session(b.ctx, thereToken); err != nil {
		t.Fatalf("the session in the other brand: %v", err)
	}
	if n, err := cs.DeleteUserSessions(b.ctx, admin.ID); err != nil || n != 1 {
		t.Fatalf("sessions left: got %d, %v, want only the other brand's", n, err)
	}
	if u, err := cs.User(b.ctx, admin.ID); err != nil || u.Email != admin.Email {
		t.Fatalf("the account after removal: got %+v, %v", u, err)
	}
	wantCode(t, cs.RemoveMember(b.ctx, b.brand.ID, admin.ID), trail.ENOTFOUND)
	if got := members(b.brand.ID); got != "agent@plum.example=admin" {
		t.Fatalf("after removal: got %s", got)
	}
	wantCode(t, cs.RemoveMember(b.ctx, b.brand.ID, agent.ID), trail.ECONFLICT, "role")
}

func testConsoleSessions(t *testing.T, open OpenFunc) {
	b, cs := consoleSetup(t, open)
	u := mustUser(t, b, cs, "agent@plum.example")
	token, s := trail.NewSession(u.ID, b.brand.ID, b.clock.Now())
	if err := cs.CreateSession(b.ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := cs.Session(b.ctx, token)
	if err != nil || got.UserID != u.ID || got.BrandID != b.brand.ID || string(got.CSRFSecret) != string(s.CSRFSecret) ||
		!got.CreatedAt.Equal(s.CreatedAt) || !got.ExpiresAt.Equal(s.ExpiresAt) || !got.LastSeenAt.Equal(s.LastSeenAt) {
		t.Fatalf("Session: got %+v, %v, want %+v", got, err, s)
	}
	_, err = cs.Session(b.ctx, token+"x")
	wantCode(t, err, trail.ENOTFOUND)

	later := b.clock.Now().Add(20 * time.Minute)
	if err := cs.TouchSession(b.ctx, token, later); err != nil {
		t.Fatal(err)
	}
	got, _ = cs.Session(b.ctx, token)
	if !got.LastSeenAt.Equal(later) || !got.Live(later.Add(29*time.Minute)) || got.Live(later.Add(30*time.Minute)) {
		t.Fatalf("after touch: got last seen %v", got.LastSeenAt)
	}

	// A second session, idle for too long, goes with the clean-up.
	token2, s2 := trail.NewSession(u.ID, b.other.ID, b.clock.Now())
	if err := cs.CreateSession(b.ctx, s2); err != nil {
		t.Fatal(err)
	}
	n, err := cs.DeleteExpiredSessions(b.ctx, b.clock.Now().Add(35*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredSessions: got %d, %v, want 1", n, err)
	}
	_, err = cs.Session(b.ctx, token2)
	wantCode(t, err, trail.ENOTFOUND)
	if _, err := cs.Session(b.ctx, token); err != nil {
		t.Fatalf("the touched session went too: %v", err)
	}

	if err := cs.DeleteSession(b.ctx, token); err != nil {
		t.Fatal(err)
	}
	_, err = cs.Session(b.ctx, token)
	wantCode(t, err, trail.ENOTFOUND)
	if err := cs.DeleteSession(b.ctx, token); err != nil {
		t.Fatalf("deleting a deleted session: %v", err)
	}
	wantCode(t, cs.TouchSession(b.ctx, token, later), trail.ENOTFOUND)

	for range 2 {
		_, s := trail.NewSession(u.ID, b.brand.ID, b.clock.Now())
		if err := cs.CreateSession(b.ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := cs.DeleteUserSessions(b.ctx, u.ID); err != nil || n != 2 {
		t.Fatalf("DeleteUserSessions: got %d, %v, want 2", n, err)
	}
}

func testConsoleAudit(t *testing.T, open OpenFunc) {
	b, cs := consoleSetup(t, open)
	u := mustUser(t, b, cs, "agent@plum.example")
	record := func(brandID int64, action, target, reason string) *trail.AuditEntry {
		t.Helper()
		e := &trail.AuditEntry{BrandID: brandID, UserID: u.ID, Actor: u.Email, Action: action, Target: target, Reason: reason}
		if err := cs.RecordAudit(b.ctx, e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	first := record(b.brand.ID, trail.AuditLogin, "", "")
	if first.ID == 0 || !first.At.Equal(b.clock.Now()) {
		t.Fatalf("recorded entry: got %+v", first)
	}
	record(b.brand.ID, trail.AuditAddNote, "order:WX1", "客户来电，改约周六送达")
	record(b.brand.ID, trail.AuditRevealPII, "order:WX1", "核对收件人电话")
	record(b.other.ID, trail.AuditAddNote, "order:WX1", "another brand's note")
	cli := &trail.AuditEntry{BrandID: b.brand.ID, Actor: "cli", Action: trail.AuditUserCreate, Target: "user:" + u.Email}
	if err := cs.RecordAudit(b.ctx, cli); err != nil {
		t.Fatal(err)
	}
	wantCode(t, cs.RecordAudit(b.ctx, &trail.AuditEntry{BrandID: b.brand.ID, Action: "x"}), trail.EINVALID, "actor")

	all, err := cs.AuditLog(b.ctx, b.brand.ID, trail.AuditFilter{})
	if err != nil || len(all) != 4 {
		t.Fatalf("AuditLog: got %d entries, %v, want 4", len(all), err)
	}
	if all[0].ID != cli.ID || all[0].UserID != 0 || all[3].ID != first.ID {
		t.Fatalf("AuditLog order: got %+v ... %+v, want newest first", all[0], all[3])
	}
	notes, err := cs.AuditLog(b.ctx, b.brand.ID, trail.AuditFilter{Target: "order:WX1"})
	if err != nil || len(notes) != 2 || notes[0].Action != trail.AuditRevealPII || notes[1].Reason != "客户来电，改约周六送达" {
		t.Fatalf("AuditLog by target: got %v, %v", notes, err)
	}
	other, err := cs.AuditLog(b.ctx, b.other.ID, trail.AuditFilter{Target: "order:WX1"})
	if err != nil || len(other) != 1 || other[0].Reason != "another brand's note" {
		t.Fatalf("other brand's log: got %v, %v", other, err)
	}
	page, err := cs.AuditLog(b.ctx, b.brand.ID, trail.AuditFilter{BeforeID: all[1].ID, Limit: 1})
	if err != nil || len(page) != 1 || page[0].ID != all[2].ID {
		t.Fatalf("AuditLog page: got %v, %v, want entry %d", page, err, all[2].ID)
	}
	reveals, err := cs.AuditLog(b.ctx, b.brand.ID, trail.AuditFilter{Action: trail.AuditRevealPII, UserID: u.ID, Since: b.clock.Now()})
	if err != nil || len(reveals) != 1 {
		t.Fatalf("AuditLog by action, user and time: got %v, %v", reveals, err)
	}
	if none, _ := cs.AuditLog(b.ctx, b.brand.ID, trail.AuditFilter{Since: b.clock.Now().Add(time.Second)}); len(none) != 0 {
		t.Fatalf("AuditLog since later: got %v, want none", none)
	}

	// The schema itself refuses to change or remove an entry.
	var raw *sql.DB
	switch db := b.s.(type) {
	case interface{ Writer() *sql.DB }: // SQLite's single writer
		raw = db.Writer()
	case interface{ SQL() *sql.DB }: // PostgreSQL
		raw = db.SQL()
	default:
		t.Fatalf("%T gives no raw connection to check the audit log's triggers", b.s)
	}
	for _, q := range []string{"UPDATE audit_log SET reason = 'rewritten'", "DELETE FROM audit_log"} {
		if _, err := raw.ExecContext(b.ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: got %v, want the append-only refusal", q, err)
		}
	}
	if after, _ := cs.AuditLog(b.ctx, b.brand.ID, trail.AuditFilter{}); len(after) != len(all) || after[1].Reason != all[1].Reason {
		t.Fatalf("the audit log changed: %v", after)
	}
}

// searchFixture is a brand with orders to search, created an hour apart.
type searchFixture struct {
	b  *bundle
	cs consoleStore
	// orders by name: plain (the contract's example), gift (with its own
	// recipient), shipped (one parcel by yuantong), other (another brand,
	// the same phone and name)
	nos map[string]string
}

func newSearchFixture(t *testing.T, open OpenFunc) *searchFixture {
	t.Helper()
	b, cs := consoleSetup(t, open)
	f := &searchFixture{b: b, cs: cs, nos: map[string]string{}}
	start := b.clock.Now()
	step := 0
	create := func(brandID int64, key, no string, edit func(o *trail.Order)) {
		t.Helper()
		b.clock.Set(start.Add(time.Duration(step) * time.Hour))
		step++
		o := newOrder(no)
		if edit != nil {
			edit(o)
		}
		o.Normalize()
		if _, err := b.s.CreateOrder(b.ctx, brandID, o); err != nil {
			t.Fatal(err)
		}
		f.nos[key] = no
	}
	create(b.brand.ID, "plain", "WX-S-001", func(o *trail.Order) { o.Occasion = nil })
	create(b.brand.ID, "gift", "WX-S-002", func(o *trail.Order) {
		o.Customer = trail.Contact{Name: "王五", Phone: "13700001111"}
		o.Recipient = &trail.Contact{Name: "欧阳 娜娜", Phone: "021-87654321"}
		o.Occasion = &trail.Occasion{Kind: "birthday", Date: "2026-11-30"}
	})
	create(b.brand.ID, "shipped", "WX-S-003", func(o *trail.Order) {
		o.Customer = trail.Contact{Name: "赵六", Phone: "13600002222"}
	})
	create(b.other.ID, "other", "WX-S-001", func(o *trail.Order) { o.Occasion = nil })
	b.mustShipment(t, b.brand.ID, "WX-S-003", "yuantong", "YT5550000000001", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 12})
	b.mustShipment(t, b.other.ID, "WX-S-001", "shunfeng", "SF5550000000001", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 12})
	b.clock.Set(start.Add(24 * time.Hour))
	return f
}

// search runs a search of the fixture's brand and returns the order
// numbers found.
func (f *searchFixture) search(t *testing.T, brandID int64, s trail.OrderSearch) ([]string, *trail.OrderResults) {
	t.Helper()
	res, err := f.cs.SearchOrders(f.b.ctx, brandID, s)
	if err != nil {
		t.Fatalf("SearchOrders(%+v): %v", s, err)
	}
	var nos []string
	for _, o := range res.Orders {
		nos = append(nos, o.OrderNo)
	}
	return nos, res
}

func testConsoleSearch(t *testing.T, open OpenFunc) {
	f := newSearchFixture(t, open)
	b := f.b
	date := func(s string) *trail.Date { d := trail.Date(s); return &d }
	tests := []struct {
		name string
		s    trail.OrderSearch
		want []string
	}{
		{"everything, newest first", trail.OrderSearch{}, []string{"WX-S-003", "WX-S-002", "WX-S-001"}},
		{"order number", trail.OrderSearch{Q: " WX-S-002 "}, []string{"WX-S-002"}},
		{"tracking number in lower case", trail.OrderSearch{Q: "yt5550000000001"}, []string{"WX-S-003"}},
		{"another brand's tracking number", trail.OrderSearch{Q: "SF5550000000001"}, nil},
		{"buyer's phone, formatted", trail.OrderSearch{Q: "+86 139-1234-5678"}, []string{"WX-S-001"}},
		{"recipient's landline", trail.OrderSearch{Q: "021 8765 4321"}, []string{"WX-S-002"}},
		{"buyer's name", trail.OrderSearch{Q: "王五"}, []string{"WX-S-002"}},
		{"recipient's name without the space", trail.OrderSearch{Q: "欧阳娜娜"}, []string{"WX-S-002"}},
		{"part of a name finds nothing", trail.OrderSearch{Q: "娜娜"}, nil},
		{"last four digits find nothing", trail.OrderSearch{Q: "5678"}, nil},
		{"carrier", trail.OrderSearch{Carrier: "yuantong"}, []string{"WX-S-003"}},
		{"carrier without parcels", trail.OrderSearch{Carrier: "shunfeng"}, nil},
		{"created on a day", trail.OrderSearch{CreatedFrom: date("2026-11-25"), CreatedTo: date("2026-11-25")}, []string{"WX-S-003", "WX-S-002", "WX-S-001"}},
		{"created later", trail.OrderSearch{CreatedFrom: date("2026-11-26")}, nil},
		{"created before", trail.OrderSearch{CreatedTo: date("2026-11-24")}, nil},
		{"occasion within 5 days", trail.OrderSearch{OccasionWithinDays: 5}, []string{"WX-S-002"}},
		{"occasion within 30 days", trail.OrderSearch{OccasionWithinDays: 30}, []string{"WX-S-003", "WX-S-002"}},
		{"phone and carrier", trail.OrderSearch{Q: "13600002222", Carrier: "yuantong"}, []string{"WX-S-003"}},
		{"phone and the wrong carrier", trail.OrderSearch{Q: "13600002222", Carrier: "zhongtong"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := f.search(t, b.brand.ID, tt.s)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("brand isolation", func(t *testing.T) {
		for _, q := range []string{"WX-S-002", "13700001111", "王五", "YT5550000000001"} {
			if got, _ := f.search(t, b.other.ID, trail.OrderSearch{Q: q}); len(got) != 0 {
				t.Errorf("other brand searching %q: got %v, want nothing", q, got)
			}
		}
		got, _ := f.search(t, b.other.ID, trail.OrderSearch{Q: "13912345678"})
		if !slices.Equal(got, []string{"WX-S-001"}) {
			t.Fatalf("other brand's own order: got %v", got)
		}
	})
	t.Run("summary is masked", func(t *testing.T) {
		_, res := f.search(t, b.brand.ID, trail.OrderSearch{Q: "WX-S-002"})
		o := res.Orders[0]
		if o.Customer != (trail.MaskedContact{Name: "王*", Phone: "137****1111"}) || o.Recipient == nil ||
			o.Recipient.Name != "欧****" || o.Recipient.Phone != "021****4321" {
			t.Fatalf("masked contacts: got %+v / %+v", o.Customer, o.Recipient)
		}
		if o.Status != trail.OrderPending || o.City != "杭州市" || o.Occasion == nil || o.Occasion.Date != "2026-11-30" || o.Parcels != 0 {
			t.Fatalf("summary: got %+v", o)
		}
		_, res = f.search(t, b.brand.ID, trail.OrderSearch{Q: "WX-S-003"})
		if o := res.Orders[0]; o.Status != trail.OrderPartiallyShipped || !slices.Equal(o.Carriers, []string{"yuantong"}) || o.Parcels != 1 || o.Recipient != nil {
			t.Fatalf("shipped summary: got %+v", o)
		}
	})
	t.Run("paging", func(t *testing.T) {
		var all []string
		s := trail.OrderSearch{Limit: 2}
		for page := 0; ; page++ {
			got, res := f.search(t, b.brand.ID, s)
			all = append(all, got...)
			if res.NextCursor == "" {
				break
			}
			if page > 3 {
				t.Fatal("paging does not end")
			}
			s.Cursor = res.NextCursor
		}
		if !slices.Equal(all, []string{"WX-S-003", "WX-S-002", "WX-S-001"}) {
			t.Fatalf("pages: got %v", all)
		}
		_, res := f.search(t, b.brand.ID, trail.OrderSearch{Limit: 3})
		if res.NextCursor != "" {
			t.Fatalf("an exact last page: got cursor %q, want none", res.NextCursor)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		for field, s := range map[string]trail.OrderSearch{
			"cursor":               {Cursor: "garbage"},
			"status":               {Status: "lost"},
			"carrier":              {Carrier: "pigeon"},
			"created_to":           {CreatedFrom: date("2026-11-26"), CreatedTo: date("2026-11-25")},
			"occasion_within_days": {OccasionWithinDays: -1},
		} {
			_, err := f.cs.SearchOrders(b.ctx, b.brand.ID, s)
			wantCode(t, err, trail.EINVALID, field)
		}
	})
}

// testConsoleSearchTextPages pages through a text that matches orders in
// several ways at once: each reading of the text (buyer, recipient, order
// number) is paged on its own, and every order must come exactly once, newest
// first, with or without a filter.
func testConsoleSearchTextPages(t *testing.T, open OpenFunc) {
	f := newSearchFixture(t, open)
	b := f.b
	start := b.clock.Now()
	// WX-S-001 (the fixture's) is bought by 张三; so are the orders below
	// marked buyer, and those marked recipient are sent to 张三.
	const q = "张三"
	want := []string{"WX-S-001"}
	for i, role := range []string{"buyer", "recipient", "both", "neither", "recipient", "buyer", "both", "buyer", "neither", "recipient"} {
		no := fmt.Sprintf("WX-P-%03d", i)
		b.clock.Set(start.Add(time.Duration(i+1) * time.Minute))
		o := newOrder(no)
		o.Occasion = nil
		if role == "recipient" || role == "neither" {
			o.Customer = trail.Contact{Name: "李四", Phone: fmt.Sprintf("1370000%04d", i)}
		}
		if role == "recipient" || role == "both" {
			o.Recipient = &trail.Contact{Name: "张 三", Phone: "13800001111"}
		}
		o.Normalize()
		if _, err := b.s.CreateOrder(b.ctx, b.brand.ID, o); err != nil {
			t.Fatal(err)
		}
		if role != "neither" {
			want = append([]string{no}, want...)
		}
	}
	b.mustShipment(t, b.brand.ID, "WX-P-006", "yuantong", "YT5550000000006", trail.ShipmentItem{SKU: "PLUM-330", Quantity: 12})
	pending := slices.DeleteFunc(slices.Clone(want), func(no string) bool { return no == "WX-P-006" })
	for _, tt := range []struct {
		name string
		s    trail.OrderSearch
		want []string
	}{
		{"name", trail.OrderSearch{Q: q}, want},
		{"name, pending", trail.OrderSearch{Q: q, Status: trail.OrderPending}, pending},
		{"name, parcels by yuantong", trail.OrderSearch{Q: q, Carrier: "yuantong"}, []string{"WX-P-006"}},
		{"recipient's phone", trail.OrderSearch{Q: "13800001111"}, []string{"WX-P-009", "WX-P-006", "WX-P-004", "WX-P-002", "WX-P-001"}},
	} {
		for _, limit := range []int{1, 2, 3, 50} {
			t.Run(fmt.Sprintf("%s, pages of %d", tt.name, limit), func(t *testing.T) {
				var got []string
				s := tt.s
				s.Limit = limit
				for page := 0; ; page++ {
					nos, res := f.search(t, b.brand.ID, s)
					if len(nos) > limit {
						t.Fatalf("page %d: %d results, limit %d", page, len(nos), limit)
					}
					got = append(got, nos...)
					if res.NextCursor == "" {
						break
					}
					if page > len(tt.want) {
						t.Fatalf("paging does not end: %v", got)
					}
					s.Cursor = res.NextCursor
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			})
		}
	}
}

func testConsoleSearchStatus(t *testing.T, open OpenFunc) {
	f := newSearchFixture(t, open)
	b := f.b
	// WX-S-001: its first batch starts production; WX-S-003 is delivered
	// in part.
	if _, err := b.s.CreateBatch(b.ctx, b.brand.ID, &trail.Batch{BatchNo: "B20261125-01", SKU: "PLUM-330",
		Plan: map[trail.Stage]trail.Date{trail.StageReady: "2026-12-02"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.RecordBatchEvent(b.ctx, b.brand.ID, "B20261125-01",
		trail.BatchEvent{Stage: trail.StageFilling, State: trail.StateStarted, At: at(1, 9, 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.Ingest(b.ctx, b.brand.ID, "yuantong", "YT5550000000001",
		[]trail.CarrierEvent{ev(at(1, 10, 0), trail.StatusDelivered, "已签收")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		status trail.OrderStatus
		want   []string
	}{
		// The batch is shared by the items of all three orders.
		{trail.OrderInProduction, []string{"WX-S-002", "WX-S-001"}},
		{trail.OrderPartiallyDelivered, []string{"WX-S-003"}},
		{trail.OrderPending, nil},
		{trail.OrderDelivered, nil},
		{trail.OrderShipped, nil},
		{trail.OrderCancelled, nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			got, _ := f.search(t, b.brand.ID, trail.OrderSearch{Status: tt.status})
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	// Paging a status filter: one at a time, nothing lost or repeated.
	var all []string
	s := trail.OrderSearch{Status: trail.OrderInProduction, Limit: 1}
	for range 4 {
		got, res := f.search(t, b.brand.ID, s)
		all = append(all, got...)
		if res.NextCursor == "" {
			break
		}
		s.Cursor = res.NextCursor
	}
	if !slices.Equal(all, []string{"WX-S-002", "WX-S-001"}) {
		t.Fatalf("status pages: got %v", all)
	}
	// Another brand's order with the same number keeps its own status.
	got, _ := f.search(t, b.other.ID, trail.OrderSearch{Status: trail.OrderPartiallyShipped})
	if !slices.Equal(got, []string{"WX-S-001"}) {
		t.Fatalf("other brand's status: got %v", got)
	}
}

func testConsoleSearchOpenAlert(t *testing.T, open OpenFunc) {
	f := newSearchFixture(t, open)
	b := f.b
	if got, _ := f.search(t, b.brand.ID, trail.OrderSearch{HasOpenAlert: true}); len(got) != 0 {
		t.Fatalf("before any evaluation: got %v, want nothing", got)
	}
	// Three days on, the parcels of both brands were never picked up.
	b.evaluate(t, at(3, 12, 0))
	for _, brandID := range []int64{b.brand.ID, b.other.ID} {
		open, err := b.s.Alerts(b.ctx, brandID, trail.AlertFilter{Status: trail.AlertOpen, Limit: trail.MaxAlertPage})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, a := range open {
			if a.OrderNo != "" {
				want[a.OrderNo] = true
			}
			if a.BatchNo != "" { // every fixture order has items of both batches
				all, _ := f.search(t, brandID, trail.OrderSearch{})
				for _, no := range all {
					want[no] = true
				}
			}
		}
		got, _ := f.search(t, brandID, trail.OrderSearch{HasOpenAlert: true})
		if len(got) != len(want) {
			t.Fatalf("brand %d: got %v, want the orders of its open alerts %v", brandID, got, want)
		}
		for _, no := range got {
			if !want[no] {
				t.Fatalf("brand %d: got %v, want the orders of its open alerts %v", brandID, got, want)
			}
		}
		if brandID == b.brand.ID && !want["WX-S-003"] {
			t.Fatalf("no alert on the parcel never picked up: %+v", open)
		}
		if brandID == b.brand.ID {
			// Text and open alerts together.
			if got, _ := f.search(t, brandID, trail.OrderSearch{Q: "YT5550000000001", HasOpenAlert: true}); !slices.Equal(got, []string{"WX-S-003"}) {
				t.Fatalf("tracking number with an open alert: got %v", got)
			}
		}
		// Resolved by hand, the alerts no longer count.
		for _, a := range open {
			if _, err := b.s.ResolveAlert(b.ctx, brandID, a.ID, "kefu@plum.example", "已联系承运商"); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := f.search(t, brandID, trail.OrderSearch{HasOpenAlert: true}); len(got) != 0 {
			t.Fatalf("brand %d after resolving: got %v, want nothing", brandID, got)
		}
	}
}
