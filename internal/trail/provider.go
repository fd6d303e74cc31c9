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
