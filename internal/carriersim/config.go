package carriersim

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Config configures a simulator.
type Config struct {
	// Accounts are the provider accounts the simulator accepts; requests
	// with other credentials fail as the provider fails them. More can be
	// added later with PutAccount or POST /sim/accounts.
	Accounts []Account
	// Scenarios are the scenarios parcels can play, by name; nil means
	// DefaultScenarios().
	Scenarios map[string]Scenario
	// Rules pick the scenario of a tracking number that was not assigned
	// one explicitly; nil means DefaultRules(). A number no rule matches
	// is unknown to the providers.
	Rules []Rule
	// Speed compresses scenario time: at speed 3600 a step "after 6h"
	// happens 6 s after the parcel's first contact, and retry intervals
	// shrink alike. 0 means 1 (real time).
	Speed float64
	// Now is the simulator's clock; nil means time.Now.
	Now func() time.Time
	// Manual stops the simulator from firing pushes on its own: pushes
	// that are due fire only when Tick is called, synchronously. Tests set
	// it together with Now.
	Manual bool
	// HTTP sends pushes; nil means a client with a 10 s timeout.
	HTTP *http.Client
	// Logger receives a line per push attempt; nil discards them.
	Logger *slog.Logger
}

// Account is a provider account the simulator accepts. Credentials use the
// field names of trail.CarrierAccount: kuaidi100 customer and key (a salt,
// if given, is ignored: each subscription brings its own); kdniao
// ebusiness_id and app_key; sf partner_id and check_word.
type Account struct {
	Provider    string            `json:"provider"`
	Credentials map[string]string `json:"credentials"`
	// CallbackURL is where pushes for a kdniao or sf account go. The real
	// providers take it from their consoles (Kuaidiniao's 推送地址, SF 丰桥's
	// route push address), not from subscriptions, so here it belongs to
	// the account: the account's Bottletrail callback URL,
	// .../hooks/{provider}/{brand}?token=.... It may be set after the fact
	// with PutAccount; until then pushes fail and are retried. Kuaidi100
	// subscriptions carry their own callback URL, so a kuaidi100 account
	// has none.
	CallbackURL string `json:"callback_url,omitempty"`
}

// requiredCredentials are the credentials each provider's account needs.
var requiredCredentials = map[string][]string{
	trail.ProviderKuaidi100: {"customer", "key"},
	trail.ProviderKdniao:    {"ebusiness_id", "app_key"},
	trail.ProviderSF:        {"partner_id", "check_word"},
}

// id returns the account's identity: kuaidi100 customer, kdniao
// ebusiness_id, sf partner_id.
func (a *Account) id() string {
	return a.Credentials[requiredCredentials[a.Provider][0]]
}

// secret returns the account's signing secret: kuaidi100 key, kdniao
// app_key, sf check_word.
func (a *Account) secret() string {
	return a.Credentials[requiredCredentials[a.Provider][1]]
}

// normalize trims the account's fields and drops a kuaidi100 salt.
func (a *Account) normalize() {
	a.Provider = strings.ToLower(strings.TrimSpace(a.Provider))
	creds := make(map[string]string, len(a.Credentials))
	for k, v := range a.Credentials {
		creds[k] = strings.TrimSpace(v)
	}
	if a.Provider == trail.ProviderKuaidi100 {
		delete(creds, "salt")
	}
	a.Credentials = creds
	a.CallbackURL = strings.TrimSpace(a.CallbackURL)
}

// validate reports the first problem of a normalised account.
func (a *Account) validate() error {
	fields, ok := requiredCredentials[a.Provider]
	if !ok {
		return fmt.Errorf("account: unknown provider %q (kuaidi100, kdniao or sf)", a.Provider)
	}
	for _, f := range fields {
		if a.Credentials[f] == "" {
			return fmt.Errorf("%s account: credentials.%s is required", a.Provider, f)
		}
	}
	for f := range a.Credentials {
		if !slices.Contains(fields, f) {
			return fmt.Errorf("%s account: unknown credential %q (fields: %s)", a.Provider, f, strings.Join(fields, ", "))
		}
	}
	switch {
	case a.Provider == trail.ProviderKuaidi100 && a.CallbackURL != "":
		return errors.New("kuaidi100 account: no callback_url: each subscription names its own")
	case a.CallbackURL != "" && !httpURL(a.CallbackURL):
		return fmt.Errorf("%s account: callback_url %q is not an http(s) URL", a.Provider, a.CallbackURL)
	}
	return nil
}

// httpURL reports whether s is an absolute http or https URL.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Rule picks a scenario for tracking numbers. A rule with a TrackingNo
// matches that number only; one with a Suffix matches numbers ending in it;
// one with neither matches every number. Carrier, when set, limits the rule
// to parcels asked about under that carrier code.
type Rule struct {
	TrackingNo string `json:"tracking_no,omitempty"`
	Suffix     string `json:"suffix,omitempty"`
	Carrier    string `json:"carrier,omitempty"`
	Scenario   string `json:"scenario"`
}

// DefaultRules maps the last two digits of a tracking number to the
// built-in scenarios, and every other number to normal_delivery:
//
//	…01 normal_delivery          …07 locker_drop
//	…02 split_parcels            …08 lost
//	…03 delay_stall              …09 duplicate_out_of_order
//	…04 damage                   …10 wrong_carrier_code
//	…05 refusal                  …11 provider_outage
//	…06 return_after_delivery    …12 stalled_in_transit
//	                             …13 slow_line_haul
//	                             other numbers: normal_delivery
func DefaultRules() []Rule {
	names := []string{
		"normal_delivery", "split_parcels", "delay_stall", "damage", "refusal", "return_after_delivery",
		"locker_drop", "lost", "duplicate_out_of_order", "wrong_carrier_code", "provider_outage",
		"stalled_in_transit", "slow_line_haul",
	}
	rules := make([]Rule, 0, len(names)+1)
	for i, n := range names {
		rules = append(rules, Rule{Suffix: fmt.Sprintf("%02d", i+1), Scenario: n})
	}
	return append(rules, Rule{Scenario: "normal_delivery"})
}

// matches reports whether the rule covers a parcel.
func (r *Rule) matches(carrier, trackingNo string) bool {
	switch {
	case r.Carrier != "" && r.Carrier != carrier:
		return false
	case r.TrackingNo != "":
		return r.TrackingNo == trackingNo
	}
	return strings.HasSuffix(trackingNo, r.Suffix)
}

// pickRule returns the scenario name of the first rule naming trackingNo,
// else of the first other rule that matches, else "".
func pickRule(rules []Rule, carrier, trackingNo string) string {
	for i := range rules {
		if rules[i].TrackingNo != "" && rules[i].matches(carrier, trackingNo) {
			return rules[i].Scenario
		}
	}
	for i := range rules {
		if rules[i].TrackingNo == "" && rules[i].matches(carrier, trackingNo) {
			return rules[i].Scenario
		}
	}
	return ""
}

// normalize puts the rule's fields in canonical form.
func (r *Rule) normalize() {
	r.TrackingNo = trail.NormalizeTrackingNo(r.TrackingNo)
	r.Suffix = trail.NormalizeTrackingNo(r.Suffix)
	r.Carrier = strings.ToLower(strings.TrimSpace(r.Carrier))
	r.Scenario = strings.TrimSpace(r.Scenario)
}

// validateConfig checks cfg, normalising its accounts and rules in place.
func validateConfig(cfg *Config) error {
	if math.IsNaN(cfg.Speed) || math.IsInf(cfg.Speed, 0) || cfg.Speed < 0 {
		return fmt.Errorf("speed %v: want a positive number", cfg.Speed)
	}
	for name, sc := range cfg.Scenarios {
		if sc.Name != name {
			return fmt.Errorf("scenario %q is filed under the name %q", sc.Name, name)
		}
		if err := sc.Validate(); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for i := range cfg.Accounts {
		a := &cfg.Accounts[i]
		a.normalize()
		if err := a.validate(); err != nil {
			return fmt.Errorf("accounts[%d]: %w", i, err)
		}
		key := a.Provider + "/" + a.id()
		if seen[key] {
			return fmt.Errorf("accounts[%d]: a second %s account %s", i, a.Provider, a.id())
		}
		seen[key] = true
	}
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		r.normalize()
		if _, ok := cfg.Scenarios[r.Scenario]; !ok {
			return fmt.Errorf("rules[%d]: unknown scenario %q", i, r.Scenario)
		}
		if r.Carrier != "" {
			if _, ok := trail.LookupCarrier(r.Carrier); !ok {
				return fmt.Errorf("rules[%d]: unknown carrier code %q", i, r.Carrier)
			}
		}
		if r.TrackingNo != "" && r.Suffix != "" {
			return fmt.Errorf("rules[%d]: give tracking_no or suffix, not both", i)
		}
	}
	return nil
}
