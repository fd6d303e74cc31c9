package trail

import (
	"context"
	"errors"
	"time"
)

// Tracking-data providers: two aggregators and one carrier's own API.
const (
	ProviderKuaidi100 = "kuaidi100"
	ProviderKdniao    = "kdniao"
	ProviderSF        = "sf"
)

// ErrProviderUnavailable marks a provider failure worth retrying later: a
// 5xx answer, a timeout, a refused connection, throttling. Providers wrap
// it; anything else they return is permanent (bad credentials, a number
// the provider refuses).
var ErrProviderUnavailable = errors.New("provider unavailable")

// CarrierAccount is a brand's account with a tracking provider.
type CarrierAccount struct {
	ID       int64
	Provider string
	// Credentials are the provider's own fields: kuaidi100 customer, key,
	// salt; kdniao ebusiness_id, app_key; sf partner_id, check_word. They
	// are encrypted at rest and never returned by the API.
	Credentials map[string]string
	// BaseURL points the account at an endpoint other than the provider's
	// production one, such as the carrier simulator. Empty means production.
	BaseURL string
	// RatePerMinute caps the queries this account sends.
	RatePerMinute int
	// CallbackToken authenticates pushes to this account's callback URL.
	CallbackToken string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TrackRequest names a parcel to a provider.
type TrackRequest struct {
	Carrier     string // canonical (Kuaidi100) company code
	TrackingNo  string
	PhoneLast4  string // the recipient phone's last four digits, for carriers that need them (SF)
	CallbackURL string // where pushes go (Subscribe only)
}

// TrackUpdate is what a provider says about one parcel, in a push or an
// answer to a query.
type TrackUpdate struct {
	Carrier    string // canonical code of the carrier the provider tracked
	TrackingNo string
	Events     []CarrierEvent // mapped to the canonical vocabulary; raw codes kept
	// CorrectedCarrier is set when the provider found the parcel under
	// another carrier than it was subscribed with (Kuaidi100 autoCheck).
	CorrectedCarrier string
	// Stopped is set, with the provider's reason, when the provider stops
	// watching the parcel (Kuaidi100 shutdown or abort).
	Stopped string
	// Resubscribe asks for a new subscription (Kuaidi100 abort of a valid
	// number).
	Resubscribe bool
}

// ResubscribeDelay is how long after a Kuaidi100 abort a valid number is
// subscribed again, as Kuaidi100 asks.
const ResubscribeDelay = 30 * time.Minute

// CorrectionReason is recorded with a carrier code a provider corrected.
const CorrectionReason = "provider corrected the carrier code (autoCheck)"

// ParcelChange is what a TrackUpdate does to its parcel besides adding
// events; TrackUpdate.Change decides it the same for a push and a poll.
type ParcelChange struct {
	// Carriers are the codes the parcel may be stored under, the update's
	// own first: its carrier family, then the corrected code's family (a
	// parcel an earlier update already corrected).
	Carriers []string
	// CorrectTo is the code the parcel moves to; "" keeps its code. A code
	// of the parcel's own family is no correction.
	CorrectTo string
	// Stop is the provider's reason for no longer watching the parcel; ""
	// while tracking goes on.
	Stop string
	// ResubscribeAfter, when positive, queues a new subscription of the
	// stopped parcel that long after now.
	ResubscribeAfter time.Duration
}

// Change returns what the update does to its parcel. A stop that comes
// with a corrected carrier code is the provider re-subscribing the parcel
// under that code itself (Kuaidi100 abort with comNew): tracking goes on.
func (u *TrackUpdate) Change() ParcelChange {
	c := ParcelChange{Carriers: CarrierFamily(u.Carrier)}
	corrected := u.CorrectedCarrier != "" && u.CorrectedCarrier != u.Carrier
	if corrected && !SameCarrierFamily(u.Carrier, u.CorrectedCarrier) {
		c.CorrectTo = u.CorrectedCarrier
		c.Carriers = append(c.Carriers, CarrierFamily(u.CorrectedCarrier)...)
	}
	if u.Stopped != "" && !corrected {
		c.Stop = u.Stopped
		if u.Resubscribe {
			c.ResubscribeAfter = ResubscribeDelay
		}
	}
	return c
}

// Applied says what ShipmentService.Apply did with one TrackUpdate.
type Applied struct {
	// Carrier and TrackingNo name the parcel, under its code after any
	// correction (the update's code when the brand has no such parcel).
	Carrier    string
	TrackingNo string
	// Found is false when the brand has no such parcel: nothing was done.
	Found bool
	// Corrected is set when the parcel's carrier code changed.
	Corrected bool
	// Result is what the ingestion core did with the events; nil when the
	// update carried none or the parcel was not found.
	Result *IngestResult
	// Stopped is set when tracking stopped; ResubscribeAt when a new
	// subscription is queued.
	Stopped       bool
	ResubscribeAt *time.Time
}

// Provider is a source of tracking data. Each provider is one package that
// speaks its wire format exactly, signatures included.
type Provider interface {
	// Name returns the provider's name, such as ProviderKuaidi100.
	Name() string

	// Subscribe asks the provider to push updates of a parcel to
	// req.CallbackURL. Errors wrapping ErrProviderUnavailable are worth
	// retrying.
	Subscribe(ctx context.Context, acct *CarrierAccount, req TrackRequest) error

	// Query fetches a parcel's full history now. ENOTFOUND if the provider
	// knows nothing of it; errors wrapping ErrProviderUnavailable are worth
	// retrying.
	Query(ctx context.Context, acct *CarrierAccount, req TrackRequest) (*TrackUpdate, error)

	// ParsePush verifies and parses a push the provider sent to acct's
	// callback. EUNAUTHORIZED for a wrong signature, EMALFORMED for a body
	// that cannot be read; nothing may be stored after either.
	ParsePush(acct *CarrierAccount, contentType string, body []byte) ([]TrackUpdate, error)

	// Reply returns the HTTP status, content type and body that acknowledge
	// a push (err == nil, sent only after the events are committed) or refuse
	// it (err != nil, a 4xx for bad input and a 5xx for a failure on our
	// side, so that the provider retries).
	Reply(acct *CarrierAccount, err error) (status int, contentType string, body []byte)
}
