package trail

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// Role is what an operator may do within one brand (docs/ARCHITECTURE.md §10). A
// user holds one role per brand they belong to.
type Role string

// Roles, from the most to the least powerful.
const (
	// RoleAdmin manages the brand: settings, users, carrier accounts, API
	// keys, and everything an agent does.
	RoleAdmin Role = "admin"
	// RoleAgent is customer service: works orders, alerts and claims, and
	// may reveal personal data with a reason.
	RoleAgent Role = "agent"
	// RoleViewer reads orders and alerts, with personal data masked.
	RoleViewer Role = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleAgent, RoleViewer}

// RoleNames are the Chinese names shown to people.
var RoleNames = map[Role]string{
	RoleAdmin:  "管理员",
	RoleAgent:  "客服",
	RoleViewer: "只读",
}

// Valid reports whether r is one of the closed list of roles.
func (r Role) Valid() bool { _, ok := RoleNames[r]; return ok }

// Action is something an operator does in the console or through the
// API on behalf of a brand. The list is closed: every handler names the
// action it performs and asks the role whether it may (Role.Can).
type Action string

// Actions.
const (
	ActionViewOrders     Action = "view_orders"     // search orders, open an order (personal data masked)
	ActionRevealPII      Action = "reveal_pii"      // show a phone, name or street in clear, with a reason
	ActionAddNote        Action = "add_note"        // add a note to an order
	ActionOperateParcels Action = "operate_parcels" // resend a link, re-subscribe or re-poll a parcel, correct a carrier code
	ActionViewAlerts     Action = "view_alerts"     // read the alert inbox
	ActionHandleAlerts   Action = "handle_alerts"   // assign, acknowledge and resolve alerts
	ActionHandleClaims   Action = "handle_claims"   // work the damage-claims queue
	ActionViewAudit      Action = "view_audit"      // read the brand's whole audit log
	ActionManageSettings Action = "manage_settings" // alert thresholds, quiet hours, templates, webhooks
	ActionManageUsers    Action = "manage_users"    // invite, change the role of and remove operators
	ActionManageCarriers Action = "manage_carriers" // carrier accounts (secrets write-only) and compliance
	ActionManageAPIKeys  Action = "manage_api_keys" // create and revoke API keys
)

// Actions lists every action.
var Actions = []Action{
	ActionViewOrders, ActionRevealPII, ActionAddNote, ActionOperateParcels,
	ActionViewAlerts, ActionHandleAlerts, ActionHandleClaims, ActionViewAudit,
	ActionManageSettings, ActionManageUsers, ActionManageCarriers, ActionManageAPIKeys,
}

// permissions maps each role to the actions it may perform. An admin may
// do everything; an agent works orders, alerts and claims; a viewer reads.
var permissions = map[Role]map[Action]bool{
	RoleViewer: {ActionViewOrders: true, ActionViewAlerts: true},
	RoleAgent: {
		ActionViewOrders: true, ActionViewAlerts: true,
		ActionRevealPII: true, ActionAddNote: true, ActionOperateParcels: true,
		ActionHandleAlerts: true, ActionHandleClaims: true,
	},
	RoleAdmin: func() map[Action]bool {
		all := map[Action]bool{}
		for _, a := range Actions {
			all[a] = true
		}
		return all
	}(),
}

// Can reports whether the role may perform the action. An unknown role
// may do nothing, and an unknown action is refused to every role.
func (r Role) Can(a Action) bool { return permissions[r][a] }

// User is an operator: a person who signs in to the console. A user may
// belong to several brands, with one role in each (Membership).
type User struct {
	ID         int64
	Email      string // normalised: trimmed and lower-case
	Name       string // display name; may be empty
	DisabledAt *time.Time
	CreatedAt  time.Time
}

// NormalizeEmail trims an e-mail address and lower-cases it, so that one
// mailbox is one account however it is typed.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Normalize trims the user's fields.
func (u *User) Normalize() {
	u.Email = NormalizeEmail(u.Email)
	u.Name = strings.TrimSpace(u.Name)
}

// Validate reports the first problem with a normalised user.
func (u *User) Validate() error {
	a, err := mail.ParseAddress(u.Email)
	if err != nil || a.Address != u.Email || a.Name != "" || len(u.Email) > 254 {
		return Invalid("email", "请输入有效的邮箱地址 / email must be a plain e-mail address such as kefu@example.com")
	}
	if len([]rune(u.Name)) > 64 {
		return Invalid("name", "name must be at most 64 characters")
	}
	return nil
}

// DisplayName is how the console names the user: the name, or the e-mail
// address when there is none.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// Password length bounds. The upper bound keeps hashing cheap to refuse.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// ValidatePassword reports whether a new password is acceptable.
func ValidatePassword(p string) error {
	if n := len([]rune(p)); n < MinPasswordLen || len(p) > MaxPasswordLen {
		return Invalid("password", "密码至少 %d 个字符 / the password must be %d–%d characters", MinPasswordLen, MinPasswordLen, MaxPasswordLen)
	}
	return nil
}

// Membership is a user's role in one brand.
type Membership struct {
	UserID    int64
	Brand     Brand
	Role      Role
	CreatedAt time.Time
}

// UserService manages operator accounts and their roles per brand.
type UserService interface {
	// CreateUser stores a new user with the PHC-format hash of their
	// password and fills u's ID and CreatedAt; u must be normalised.
	// EINVALID if u does not validate, ECONFLICT (field email) if the
	// address is taken.
	CreateUser(ctx context.Context, u *User, passwordHash string) error

	// UserByEmail returns a user and their password hash; email is
	// normalised first. ENOTFOUND if there is no such user.
	UserByEmail(ctx context.Context, email string) (*User, string, error)

	// User returns a user by ID. ENOTFOUND if there is none.
	User(ctx context.Context, id int64) (*User, error)

	// SetPassword replaces a user's password hash. ENOTFOUND if there is
	// no such user.
	SetPassword(ctx context.Context, userID int64, passwordHash string) error

	// PutMembership gives a user a role in a brand, or changes it.
	// EINVALID for an unknown role, ENOTFOUND if the user or the brand
	// does not exist.
	PutMembership(ctx context.Context, userID, brandID int64, role Role) (created bool, err error)

	// Membership returns a user's role in a brand. ENOTFOUND if the user
	// does not belong to the brand.
	Membership(ctx context.Context, userID, brandID int64) (*Membership, error)

	// Memberships lists the brands a user belongs to, by brand name.
	Memberships(ctx context.Context, userID int64) ([]*Membership, error)

	// Members lists the users of a brand with their roles, by e-mail
	// address.
	Members(ctx context.Context, brandID int64) ([]*Member, error)

	// ChangeRole changes the role of a user who belongs to the brand.
	// EINVALID for an unknown role, ENOTFOUND if the user does not belong
	// to the brand, ECONFLICT (field role) if it would leave the brand
	// without an admin whose account is enabled.
	ChangeRole(ctx context.Context, brandID, userID int64, role Role) error

	// RemoveMember takes a user out of the brand and ends their sessions
	// in it; the account stays, with its other brands. ENOTFOUND if the
	// user does not belong to the brand, ECONFLICT if they are its last
	// enabled admin.
	RemoveMember(ctx context.Context, brandID, userID int64) error
}

// Member is a user of a brand as the brand's admins see them.
type Member struct {
	User     User
	Role     Role
	JoinedAt time.Time
}

// Session lifetimes: a session ends after SessionIdleTimeout without a
// request, and SessionMaxAge after sign-in whatever happens.
const (
	SessionIdleTimeout = 30 * time.Minute
	SessionMaxAge      = 12 * time.Hour
)

// Session is a signed-in operator working for one brand. The cookie holds
// a random token; only its hash (HashSessionToken) is stored, so that a
// leaked database opens no session.
type Session struct {
	TokenHash  []byte
	UserID     int64
	BrandID    int64
	CSRFSecret []byte // per-session key of the forms' CSRF tokens
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute end: CreatedAt + SessionMaxAge
}

// NewSession returns a fresh session of a user in a brand at now, and the
// token for the cookie that names it.
func NewSession(userID, brandID int64, now time.Time) (token string, s *Session) {
	token = rand.Text() + rand.Text()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // never fails (crypto/rand)
	now = now.UTC().Truncate(time.Microsecond)
	return token, &Session{
		TokenHash:  HashSessionToken(token),
		UserID:     userID,
		BrandID:    brandID,
		CSRFSecret: secret,
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(SessionMaxAge),
	}
}

// HashSessionToken returns the digest under which a session is stored.
// Tokens are 256-bit random strings, so a plain SHA-256 suffices.
func HashSessionToken(token string) []byte {
	sum := sha256.Sum256([]byte("session\x00" + token))
	return sum[:]
}

// Live reports whether the session may still be used at now: before its
// absolute end, and within the idle timeout of the last request.
func (s *Session) Live(now time.Time) bool {
	return now.Before(s.ExpiresAt) && now.Before(s.LastSeenAt.Add(SessionIdleTimeout))
}

// SessionTouchInterval is how stale LastSeenAt may grow before a request
// writes it again: sessions are read on every request but written at most
// about once a minute.
const SessionTouchInterval = time.Minute

// SessionService stores console sessions.
type SessionService interface {
	// CreateSession stores a new session.
	CreateSession(ctx context.Context, s *Session) error

	// Session returns the session a cookie token names, expired or not:
	// the caller decides with Session.Live. ENOTFOUND if there is none.
	Session(ctx context.Context, token string) (*Session, error)

	// TouchSession records a request of the session at the given time.
	// ENOTFOUND if the session is gone.
	TouchSession(ctx context.Context, token string, at time.Time) error

	// DeleteSession ends a session; deleting one that is gone is no error.
	DeleteSession(ctx context.Context, token string) error

	// DeleteUserSessions ends every session of a user, for a password
	// change or a disabled account, and returns how many it ended.
	DeleteUserSessions(ctx context.Context, userID int64) (int, error)

	// DeleteExpiredSessions removes the sessions that are no longer live
	// at now and returns how many it removed.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}

// Audit actions: what an audit entry records.
const (
	AuditLogin       = "login"
	AuditLogout      = "logout"
	AuditSwitchBrand = "switch_brand"
	AuditRevealPII   = "reveal_pii"
	AuditAddNote     = "add_note"
	AuditUserCreate  = "user_create"
	AuditMembership  = "membership_put"

	// Settings changed in the console (the reason never holds a secret).
	AuditMemberRemove      = "membership_remove"
	AuditCarrierAccountPut = "carrier_account_put"
	AuditCompliancePut     = "compliance_put"
	AuditAlertRulePut      = "alert_rule_put"
	AuditWebhookCreate     = "webhook_create"
	AuditWebhookRotate     = "webhook_rotate"
	AuditWebhookDelete     = "webhook_delete"
	AuditAPIKeyCreate      = "api_key_create"
	AuditAPIKeyRevoke      = "api_key_revoke"
	AuditNotifySettingsPut = "notify_settings_put"
	AuditNotifyChannelPut  = "notify_channel_put"
	AuditNoticeTemplatePut = "notice_template_put"
	AuditServiceContactPut = "service_contact_put"
	// AuditAPIChange is a change made through the brand API with an API
	// key: the route in Reason, the order it concerns (if the route names
	// one) in Target.
	AuditAPIChange = "api_change"
)

// AuditEntry is one thing a person did, kept for ever: who, in which
// brand, what, to what, why and when. The log is append-only: nothing
// updates or deletes an entry.
type AuditEntry struct {
	ID      int64
	BrandID int64
	UserID  int64  // the operator; 0 for the command line or an API key
	Actor   string // how the actor is shown: the operator's e-mail, "cli", "api"
	Action  string // one of the Audit* constants
	Target  string // what it was done to, such as "order:WX123" (AuditTarget)
	Reason  string // why, as the operator gave it; the text of a note
	At      time.Time
}

// AuditTarget names an object in the audit log: kind ":" key.
func AuditTarget(kind, key string) string { return kind + ":" + key }

// Validate reports the first problem with a new audit entry.
func (e *AuditEntry) Validate() error {
	switch {
	case e.BrandID == 0:
		return Invalid("brand", "an audit entry belongs to a brand")
	case e.Actor == "" || len(e.Actor) > 254:
		return Invalid("actor", "an audit entry needs an actor")
	case e.Action == "" || len(e.Action) > 40:
		return Invalid("action", "an audit entry needs an action")
	case len(e.Target) > 200:
		return Invalid("target", "target must be at most 200 characters")
	case len([]rune(e.Reason)) > MaxNoteLen:
		return Invalid("reason", "原因或备注最多 %d 字 / reason must be at most %d characters", MaxNoteLen, MaxNoteLen)
	}
	return nil
}

// MaxNoteLen bounds the reason or note of an audit entry, in characters.
const MaxNoteLen = 1000

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	Target   string    // only entries about this target; "" for all
	Action   string    // only this action; "" for all
	UserID   int64     // only this operator's; 0 for all
	Since    time.Time // only entries at or after this instant; zero for all
	BeforeID int64     // the page after the one that ended at this ID; 0 for the first page
	Limit    int       // at most this many; 0 means 50, and at most 500
}

// AuditService keeps the append-only audit log.
type AuditService interface {
	// RecordAudit appends an entry and fills its ID and At. EINVALID if it
	// does not validate.
	RecordAudit(ctx context.Context, e *AuditEntry) error

	// AuditLog lists a brand's entries matching f, newest first.
	AuditLog(ctx context.Context, brandID int64, f AuditFilter) ([]*AuditEntry, error)
}

// OrderSearch is the console's search of a brand's orders: one box that
// takes an order number, a tracking number, a phone number or a name, and
// filters. Every field is optional.
type OrderSearch struct {
	// Q is matched exactly against the order number, the tracking numbers
	// of its parcels, the buyer's and the recipient's phone (through its
	// keyed hash) and their names (keyed hash of the folded name).
	Q       string
	Status  OrderStatus // the derived status
	Carrier string      // orders with a parcel of this carrier
	// CreatedFrom and CreatedTo bound the creation day, both inclusive,
	// in China time.
	CreatedFrom, CreatedTo *Date
	// HasOpenAlert keeps orders with an alert not yet resolved, about the
	// order, one of its parcels or one of its batches.
	HasOpenAlert bool
	// OccasionWithinDays keeps orders whose occasion falls between today
	// and today + N days (China time); 0 for no filter.
	OccasionWithinDays int
	// Cursor continues a search where the page that returned it ended.
	Cursor string
	// Limit is the page size: 0 means DefaultSearchLimit, at most
	// MaxSearchLimit.
	Limit int
}

// Search page sizes.
const (
	DefaultSearchLimit = 20
	MaxSearchLimit     = 100
)

// Normalize trims the search and fills the default page size.
func (s *OrderSearch) Normalize() {
	s.Q = strings.TrimSpace(s.Q)
	s.Carrier = strings.ToLower(strings.TrimSpace(s.Carrier))
	s.Cursor = strings.TrimSpace(s.Cursor)
	if s.Limit <= 0 {
		s.Limit = DefaultSearchLimit
	}
	s.Limit = min(s.Limit, MaxSearchLimit)
}

// Validate reports the first problem with a normalised search.
func (s *OrderSearch) Validate() error {
	switch {
	case len(s.Q) > 100:
		return Invalid("q", "搜索内容过长 / the search text is too long")
	case s.Status != "" && OrderStatusNames[s.Status] == "":
		return Invalid("status", "unknown order status %s", Quote(s.Status))
	case s.Carrier != "" && !isCarrier(s.Carrier):
		return Invalid("carrier", "unknown carrier code %s", Quote(s.Carrier))
	case s.OccasionWithinDays < 0 || s.OccasionWithinDays > 366:
		return Invalid("occasion_within_days", "occasion_within_days must be 0–366")
	}
	for field, d := range map[string]*Date{"created_from": s.CreatedFrom, "created_to": s.CreatedTo} {
		if d != nil {
			if _, err := ParseDate(string(*d)); err != nil {
				return Invalid(field, "%v", err)
			}
		}
	}
	if s.CreatedFrom != nil && s.CreatedTo != nil && *s.CreatedTo < *s.CreatedFrom {
		return Invalid("created_to", "the end date is before the start date")
	}
	if s.Cursor != "" {
		if _, _, err := ParseSearchCursor(s.Cursor); err != nil {
			return err
		}
	}
	return nil
}

func isCarrier(code string) bool { _, ok := LookupCarrier(code); return ok }

// SearchCursor returns the cursor of a page that ended with the order
// created at createdAt with the given ID: results run newest first.
func SearchCursor(createdAt time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(createdAt.UTC().Format(time.RFC3339Nano) + "|" + strconv.FormatInt(id, 10)))
}

// ParseSearchCursor reads a cursor made by SearchCursor. EINVALID if it
// is not one.
func ParseSearchCursor(c string) (createdAt time.Time, id int64, err error) {
	bad := Invalid("cursor", "invalid page cursor")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, 0, bad
	}
	ts, n, ok := strings.Cut(string(raw), "|")
	if !ok {
		return time.Time{}, 0, bad
	}
	createdAt, err = time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, 0, bad
	}
	id, err = strconv.ParseInt(n, 10, 64)
	if err != nil || id <= 0 {
		return time.Time{}, 0, bad
	}
	return createdAt, id, nil
}

// OrderSummary is an order as a search result lists it, with personal
// data masked.
type OrderSummary struct {
	OrderNo   string
	Customer  MaskedContact
	Recipient *MaskedContact // nil when the buyer receives the order
	Province  string
	City      string
	Status    OrderStatus
	Occasion  *Occasion
	Carriers  []string // the carrier codes of its parcels, without repeats
	Parcels   int
	CreatedAt time.Time
}

// OrderResults is one page of a search.
type OrderResults struct {
	Orders []*OrderSummary
	// NextCursor continues the search; "" when there is nothing more.
	NextCursor string
}

// OrderSearchService finds a brand's orders for the console.
type OrderSearchService interface {
	// SearchOrders returns the brand's orders that match s, newest first.
	// It never decrypts more than the page it returns: phones and names
	// are matched through their keyed hashes. EINVALID if s does not
	// validate.
	SearchOrders(ctx context.Context, brandID int64, s OrderSearch) (*OrderResults, error)
}
