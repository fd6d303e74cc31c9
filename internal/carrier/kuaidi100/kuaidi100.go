// Package kuaidi100 implements trail.Provider for Kuaidi100 (快递100), the
// tracking aggregator whose company codes are Bottletrail's canonical
// carrier codes: subscriptions (/poll), real-time queries (/poll/query.do)
// and signed pushes to the account's callback, exactly as
// docs/CARRIER-PROTOCOLS.md §1 describes them.
package kuaidi100

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// ProductionURL is the base URL of Kuaidi100's production API.
const ProductionURL = "https://poll.kuaidi100.com"

// Paths of the two endpoints under the base URL.
const (
	QueryPath     = "/poll/query.do"
	SubscribePath = "/poll"
)

// Credential keys of a Kuaidi100 account (trail.CarrierAccount.Credentials).
const (
	CredCustomer = "customer" // 授权码 customer id, sent with queries
	CredKey      = "key"      // authorisation key: signs queries, rides inside subscriptions
	CredSalt     = "salt"     // signs pushes; every subscription carries it
)

// ResultV2 is the richest trace mode (resultv2=4): every event carries its
// own status code, so the parcel-level state is rarely needed.
const ResultV2 = "4"

// DefaultTimeout bounds one request when Client.HTTP is nil.
const DefaultTimeout = 10 * time.Second

// QueryInterval is the shortest time between two queries of one number by
// one account: Kuaidi100 locks (锁单) numbers queried more often than about
// every 30 minutes (docs/CARRIER-PROTOCOLS.md §1.1).
const QueryInterval = 30 * time.Minute

// maxBody bounds what is read of an answer.
const maxBody = 8 << 20

var defaultHTTP = &http.Client{Timeout: DefaultTimeout}

// Client talks to Kuaidi100. The zero value is ready to use; it is safe for
// concurrent use as long as its fields are not changed, and must not be
// copied after first use.
type Client struct {
	// HTTP sends the requests; nil means a client with DefaultTimeout.
	HTTP *http.Client
	// Now is the clock of the query guard (QueryInterval); nil means
	// time.Now.
	Now func() time.Time

	mu       sync.Mutex
	answered map[string]time.Time // account, carrier and number → time of the last answer
}

var _ trail.Provider = (*Client)(nil)

// Name returns trail.ProviderKuaidi100.
func (c *Client) Name() string { return trail.ProviderKuaidi100 }

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// QuerySign returns the sign of a query: the upper-case hex MD5 of param,
// key and customer concatenated (docs/CARRIER-PROTOCOLS.md §1.1).
func QuerySign(param, key, customer string) string {
	return md5Upper(param + key + customer)
}

// PushSign returns the sign of a push: the upper-case hex MD5 of param and
// salt concatenated (docs/CARRIER-PROTOCOLS.md §1.3).
func PushSign(param, salt string) string {
	return md5Upper(param + salt)
}

func md5Upper(s string) string {
	sum := md5.Sum([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// endpoint returns the URL of path under acct's base URL or production.
func endpoint(acct *trail.CarrierAccount, path string) string {
	base := strings.TrimRight(strings.TrimSpace(acct.BaseURL), "/")
	if base == "" {
		base = ProductionURL
	}
	return base + path
}

// credential returns one of acct's credentials, "" if acct is nil or lacks
// it.
func credential(acct *trail.CarrierAccount, key string) string {
	if acct == nil {
		return ""
	}
	return strings.TrimSpace(acct.Credentials[key])
}

// marshal serialises v once, without HTML escaping and without the trailing
// newline, so that the string signed is the string sent.
func marshal(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// parcel checks the carrier, number and phone of req and returns them in
// canonical form.
func parcel(req trail.TrackRequest) (com, num, phone string, err error) {
	com = strings.ToLower(strings.TrimSpace(req.Carrier))
	num = trail.NormalizeTrackingNo(req.TrackingNo)
	phone = strings.TrimSpace(req.PhoneLast4)
	switch {
	case com == "":
		return "", "", "", trail.Invalid("carrier", "carrier is required (a Kuaidi100 company code such as shunfeng)")
	case len(num) < 6 || len(num) > 32:
		return "", "", "", trail.Invalid("tracking_no", "kuaidi100 takes tracking numbers of 6–32 characters")
	case phone != "" && !isDigits(phone, 4):
		return "", "", "", trail.Invalid("phone_last4", "phone_last4 must be four digits")
	}
	return com, num, phone, nil
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// answer is Kuaidi100's acknowledgement or failure object, such as
// {"result":false,"returnCode":"500","message":"..."}; returnCode decides.
type answer struct {
	ReturnCode flexString `json:"returnCode"`
	Message    string     `json:"message"`
}

// post sends form to url and returns the answer's body. Transport errors,
// timeouts and HTTP 5xx or 429 wrap trail.ErrProviderUnavailable.
func (c *Client) post(ctx context.Context, op, u string, form url.Values) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("kuaidi100 %s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("kuaidi100 %s: %w: %w", op, trail.ErrProviderUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("kuaidi100 %s: read answer: %w: %w", op, trail.ErrProviderUnavailable, err)
	}
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return nil, fmt.Errorf("kuaidi100 %s: http status %d: %w", op, resp.StatusCode, trail.ErrProviderUnavailable)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("kuaidi100 %s: unexpected http status %d from %s", op, resp.StatusCode, u)
	}
	return body, nil
}

// flexString is a JSON string that Kuaidi100 sometimes sends as a number
// (returnCode, state, statusCode, autoCheck): both read as the same text,
// null as "".
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(strings.TrimSpace(v))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %s", b)
	}
	*s = flexString(n)
	return nil
}
