// Package kdniao implements trail.Provider for Kuaidiniao (快递鸟), a
// tracking aggregator: value-added subscriptions (RequestType 8008), the
// pushes that follow them (101, 102) and value-added instant queries (8001).
//
// Every request is a form of RequestData (a JSON string), EBusinessID,
// RequestType, DataType=2 and DataSign, where DataSign signs RequestData
// exactly as sent (see Sign).
//
// Kuaidiniao takes the push address from its console, not from the
// subscription: a brand enters its account's callback URL,
// /hooks/kdniao/{brand}?token=..., in the Kuaidiniao console once, and
// Subscribe ignores TrackRequest.CallbackURL. A simulator standing in for
// Kuaidiniao needs the address configured the same way.
package kdniao

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Endpoints and request types (docs/CARRIER-PROTOCOLS.md §2.1).
const (
	productionURL = "https://api.kdniao.com"
	queryPath     = "/Ebusiness/EbusinessOrderHandle.aspx"
	subscribePath = "/api/dist"

	requestQuery     = "8001" // instant query, value-added: traces carry Action codes
	requestSubscribe = "8008" // subscription, value-added: pushes carry Action codes

	maxAnswer = 4 << 20 // bytes read from an answer
)

// DefaultTimeout bounds one request when Client.HTTP is nil.
const DefaultTimeout = 10 * time.Second

// defaultHTTP serves clients without their own HTTP client.
var defaultHTTP = &http.Client{Timeout: DefaultTimeout}

// Client speaks Kuaidiniao's protocol for any number of accounts; the
// account's credentials are ebusiness_id and app_key. The zero value is
// ready to use.
type Client struct {
	// HTTP sends requests; nil means a client with DefaultTimeout.
	HTTP *http.Client
	// Now returns the current time, for push replies; nil means time.Now.
	Now func() time.Time
}

var _ trail.Provider = (*Client)(nil)

// Name returns trail.ProviderKdniao.
func (c *Client) Name() string { return trail.ProviderKdniao }

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

// Sign returns Kuaidiniao's DataSign of requestData: the Base64 of the
// lowercase hex MD5 of requestData followed by appKey. The Base64 covers the
// 32-character hex text, not the raw digest.
func Sign(requestData, appKey string) string {
	sum := md5.Sum([]byte(requestData + appKey))
	return base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(sum[:])))
}

// form returns the request envelope. requestData is signed and sent as is,
// and Encode encodes it once.
func form(ebusinessID, appKey, requestType, requestData string) url.Values {
	return url.Values{
		"RequestData": {requestData},
		"EBusinessID": {ebusinessID},
		"RequestType": {requestType},
		"DataSign":    {Sign(requestData, appKey)},
		"DataType":    {"2"},
	}
}

// credentials returns the account's ebusiness_id and app_key, and false if
// either is missing.
func credentials(acct *trail.CarrierAccount) (id, key string, ok bool) {
	if acct == nil {
		return "", "", false
	}
	id = strings.TrimSpace(acct.Credentials["ebusiness_id"])
	key = acct.Credentials["app_key"]
	return id, key, id != "" && key != ""
}

// baseURL returns the account's endpoint without a trailing slash.
func baseURL(acct *trail.CarrierAccount) string {
	if acct.BaseURL == "" {
		return productionURL
	}
	return strings.TrimRight(acct.BaseURL, "/")
}

// trackRequest is the RequestData of subscriptions and queries.
type trackRequest struct {
	ShipperCode  string
	LogisticCode string
	// CustomerName is the phone's last four digits, sent for SF only:
	// Kuaidiniao refuses it for most other carriers.
	CustomerName string `json:",omitempty"`
}

var fourDigits = regexp.MustCompile(`^[0-9]{4}$`)

// requestData returns the RequestData naming req's parcel, or EINVALID if
// Kuaidiniao cannot track it as asked.
func requestData(req trail.TrackRequest) (string, error) {
	shipper, ok := ShipperCode(req.Carrier)
	if !ok {
		return "", trail.Invalid("carrier", "kdniao has no ShipperCode for carrier %q", req.Carrier)
	}
	r := trackRequest{ShipperCode: shipper, LogisticCode: strings.TrimSpace(req.TrackingNo)}
	if r.LogisticCode == "" {
		return "", trail.Invalid("tracking_no", "tracking_no is required")
	}
	if shipper == "SF" {
		if !fourDigits.MatchString(req.PhoneLast4) {
			return "", trail.Invalid("phone_last4", "SF Express parcels need the last four digits of the recipient's phone")
		}
		r.CustomerName = req.PhoneLast4
	}
	b, err := json.Marshal(r)
	return string(b), err
}

// call posts one signed request and decodes the JSON answer into out.
// Transport failures, 429 and 5xx answers and unreadable answers wrap
// trail.ErrProviderUnavailable; other HTTP statuses are permanent.
func (c *Client) call(ctx context.Context, acct *trail.CarrierAccount, path, requestType, data string, out any) error {
	id, key, ok := credentials(acct)
	if !ok {
		return trail.Invalid("credentials", "the kdniao account needs ebusiness_id and app_key")
	}
	body := form(id, key, requestType, data).Encode()
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL(acct)+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	resp, err := c.httpClient().Do(r)
	if err != nil {
		return fmt.Errorf("%w: %w", trail.ErrProviderUnavailable, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("%w: http status %d", trail.ErrProviderUnavailable, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("http status %d", resp.StatusCode)
	case err != nil:
		return fmt.Errorf("%w: read answer: %w", trail.ErrProviderUnavailable, err)
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return fmt.Errorf("%w: decode answer: %w", trail.ErrProviderUnavailable, err)
	}
	return nil
}

// reason returns Kuaidiniao's failure text, or a stand-in when it gave none.
func reason(s string) string {
	if s = strings.TrimSpace(s); s != "" {
		return s
	}
	return "no reason given"
}

// Subscribe asks Kuaidiniao to watch a parcel in the value-added mode
// (RequestType 8008), whose pushes carry an Action code on every trace.
// req.CallbackURL is ignored: Kuaidiniao pushes to the address set in its
// console. EINVALID if the carrier has no ShipperCode, an SF parcel lacks
// the phone's last four digits, the account lacks credentials, or
// Kuaidiniao refuses the subscription (Success=false); errors wrapping
// trail.ErrProviderUnavailable are worth retrying.
func (c *Client) Subscribe(ctx context.Context, acct *trail.CarrierAccount, req trail.TrackRequest) error {
	data, err := requestData(req)
	if err != nil {
		return fmt.Errorf("kdniao subscribe: %w", err)
	}
	var ans struct {
		Success bool
		Reason  string
	}
	if err := c.call(ctx, acct, subscribePath, requestSubscribe, data, &ans); err != nil {
		return fmt.Errorf("kdniao subscribe %s %s: %w", req.Carrier, req.TrackingNo, err)
	}
	if !ans.Success {
		return fmt.Errorf("kdniao subscribe %s %s: %w", req.Carrier, req.TrackingNo,
			trail.Errorf(trail.EINVALID, "kdniao refused the subscription: %s", reason(ans.Reason)))
	}
	return nil
}

// Query fetches a parcel's history with the value-added instant query
// (RequestType 8001), whose traces carry Action codes. It sends no Sort,
// so traces come oldest first as in pushes; the parser finds the newest
// trace by time whatever the order. EINVALID if the carrier has no
// ShipperCode, an SF parcel lacks the phone's last four digits, the account
// lacks credentials, or Kuaidiniao answers Success=false; ENOTFOUND if it
// answers Success=true without a single trace (nothing known yet, which a
// later query may change); errors wrapping trail.ErrProviderUnavailable are
// worth retrying.
func (c *Client) Query(ctx context.Context, acct *trail.CarrierAccount, req trail.TrackRequest) (*trail.TrackUpdate, error) {
	data, err := requestData(req)
	if err != nil {
		return nil, fmt.Errorf("kdniao query: %w", err)
	}
	var p parcel
	if err := c.call(ctx, acct, queryPath, requestQuery, data, &p); err != nil {
		return nil, fmt.Errorf("kdniao query %s %s: %w", req.Carrier, req.TrackingNo, err)
	}
	if !p.Success {
		return nil, fmt.Errorf("kdniao query %s %s: %w", req.Carrier, req.TrackingNo,
			trail.Errorf(trail.EINVALID, "kdniao refused the query: %s", reason(p.Reason)))
	}
	if len(p.Traces) == 0 {
		return nil, fmt.Errorf("kdniao query %s %s: %w", req.Carrier, req.TrackingNo,
			trail.Errorf(trail.ENOTFOUND, "kdniao has no trace of %s %s yet", req.Carrier, req.TrackingNo))
	}
	events, err := p.events("Traces", trail.SourcePoll)
	if err != nil {
		// The provider's answer, not our caller's input, is at fault:
		// report it without the application error code.
		return nil, fmt.Errorf("kdniao query %s %s: bad answer: %v", req.Carrier, req.TrackingNo, err)
	}
	return &trail.TrackUpdate{Carrier: req.Carrier, TrackingNo: req.TrackingNo, Events: events}, nil
}
