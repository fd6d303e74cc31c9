package trail

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// providerFields lists the credential fields each provider needs.
var providerFields = map[string][]string{
	ProviderKuaidi100: {"customer", "key", "salt"},
	ProviderKdniao:    {"ebusiness_id", "app_key"},
	ProviderSF:        {"partner_id", "check_word"},
}

// NewSalt returns a random Kuaidi100 push salt.
func NewSalt() string { return strings.ToLower(rand.Text()) }

// CredentialFields lists the credential fields of a provider.
func CredentialFields(provider string) []string { return providerFields[provider] }

// optionalFields may be left empty; a missing Kuaidi100 salt is kept from
// the replaced account or generated (NewSalt), because pushes are always
// checked against one.
var optionalFields = map[string]bool{"salt": true}

// DefaultRatePerMinute is the query budget of an account that names none.
const DefaultRatePerMinute = 60

// Normalize trims the account's fields, fills defaults and generates a
// callback token. (A Kuaidi100 salt left empty is kept from the account it
// replaces, or generated, by the store.)
func (a *CarrierAccount) Normalize() {
	a.Provider = strings.ToLower(strings.TrimSpace(a.Provider))
	a.BaseURL = strings.TrimRight(strings.TrimSpace(a.BaseURL), "/")
	for k, v := range a.Credentials {
		a.Credentials[k] = strings.TrimSpace(v)
	}
	if a.RatePerMinute == 0 {
		a.RatePerMinute = DefaultRatePerMinute
	}
	if a.CallbackToken == "" {
		a.CallbackToken = strings.ToLower(rand.Text())
	}
}

// Validate reports the first problem with a normalised account.
func (a *CarrierAccount) Validate() error {
	fields, ok := providerFields[a.Provider]
	if !ok {
		return Invalid("provider", "unknown provider %s (kuaidi100, kdniao or sf)", Quote(a.Provider))
	}
	for _, f := range fields {
		if a.Credentials[f] == "" && !optionalFields[f] {
			return Invalid("credentials."+f, "%s needs credentials.%s", a.Provider, f)
		}
	}
	for f := range a.Credentials {
		if !slices.Contains(fields, f) {
			return Invalid("credentials."+Clip(f), "%s takes no credential %s (fields: %s)", a.Provider, Quote(f), strings.Join(fields, ", "))
		}
	}
	if a.BaseURL != "" {
		u, err := url.Parse(a.BaseURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			return Invalid("base_url", "base_url must be an http(s) URL")
		case u.Scheme == "http" && !isLoopback(u.Hostname()):
			// The requests carry the provider key and the callback token.
			return Invalid("base_url", "base_url must be https (plain http only to a loopback address such as a local simulator)")
		}
	}
	if a.RatePerMinute < 1 || a.RatePerMinute > 6000 {
		return Invalid("rate_per_minute", "rate_per_minute must be 1–6000")
	}
	return nil
}

// CallbackURL is where a provider pushes an account's parcels:
// {publicURL}/hooks/{provider}/{brand}?token=<the account's secret>.
func CallbackURL(publicURL, brandSlug string, a *CarrierAccount) string {
	return strings.TrimRight(publicURL, "/") + "/hooks/" + a.Provider + "/" + brandSlug + "?token=" + url.QueryEscape(a.CallbackToken)
}

// ProviderPreference is the order in which providers serve a carrier: the
// carrier's own API first, then Kuaidi100, then Kuaidiniao.
func ProviderPreference(carrier string) []string {
	if carrier == "shunfeng" || carrier == "shunfengkuaiyun" {
		return []string{ProviderSF, ProviderKuaidi100, ProviderKdniao}
	}
	return []string{ProviderKuaidi100, ProviderKdniao}
}

// Compliance is what a brand has verified of a carrier.
type Compliance struct {
	Carrier              string `json:"carrier"`
	Alcohol              bool   `json:"alcohol"`
	Fragile              bool   `json:"fragile"`
	ColdChain            bool   `json:"cold_chain"`
	QualificationExpires *Date  `json:"qualification_expires,omitempty"`
}

// Validate reports the first problem with a compliance record.
func (c *Compliance) Validate() error {
	if _, ok := LookupCarrier(c.Carrier); !ok {
		return UnknownCarrier("carrier", c.Carrier)
	}
	if c.QualificationExpires != nil {
		if _, err := ParseDate(string(*c.QualificationExpires)); err != nil {
			return Invalid("qualification_expires", "%v", err)
		}
	}
	return nil
}

// CheckAlcohol refuses an alcohol parcel with a carrier the brand has not
// declared qualified for alcohol at time now; c may be nil (nothing
// declared).
func CheckAlcohol(carrier string, c *Compliance, now time.Time) error {
	name := carrier
	if cr, ok := LookupCarrier(carrier); ok {
		name = cr.Name + " (" + carrier + ")"
	}
	fix := fmt.Sprintf("record its qualification with PUT /api/v1/carriers/%s {\"alcohol\":true,...} or ship with a qualified carrier", carrier)
	switch {
	case c == nil || !c.Alcohol:
		return Invalid("carrier", "承运商 %s 未登记酒类运输资质 / carrier %s is not declared qualified for alcohol: %s", name, carrier, fix)
	case c.QualificationExpires != nil && !now.Before(c.QualificationExpires.End()):
		return Invalid("carrier", "承运商 %s 的酒类运输资质已于 %s 过期 / the alcohol qualification of %s expired on %s: %s",
			name, *c.QualificationExpires, carrier, *c.QualificationExpires, fix)
	}
	return nil
}

// CarrierService manages a brand's provider accounts and what it has
// verified of each carrier.
type CarrierService interface {
	// PutCarrierAccount creates or replaces the brand's account with a
	// provider; a must be normalised and valid. A replaced account keeps its
	// callback token.
	PutCarrierAccount(ctx context.Context, brandID int64, a *CarrierAccount) (created bool, err error)

	// CarrierAccounts lists the brand's accounts, credentials included:
	// callers must not return them.
	CarrierAccounts(ctx context.Context, brandID int64) ([]*CarrierAccount, error)

	// CarrierAccount returns one account. ENOTFOUND if the brand has none
	// with that provider.
	CarrierAccount(ctx context.Context, brandID int64, provider string) (*CarrierAccount, error)

	// PutCompliance records what the brand verified of a carrier.
	PutCompliance(ctx context.Context, brandID int64, c *Compliance) (created bool, err error)

	// Compliances lists what the brand has declared of each carrier, by
	// carrier code.
	Compliances(ctx context.Context, brandID int64) ([]*Compliance, error)

	// CorrectCarrier moves a parcel to the carrier code a provider found it
	// under, and records the correction. ENOTFOUND if there is no such
	// parcel.
	CorrectCarrier(ctx context.Context, brandID int64, oldCarrier, trackingNo, newCarrier, reason string) error
}
