package kuaidi100

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// queryParam is the param of a real-time query (docs/CARRIER-PROTOCOLS.md §1.1); the field
// order is the order on the wire.
type queryParam struct {
	Com      string `json:"com"`
	Num      string `json:"num"`
	Phone    string `json:"phone,omitempty"`
	ResultV2 string `json:"resultv2"`
	Show     string `json:"show"`
	Order    string `json:"order"`
}

// queryAnswer is an answer of /poll/query.do: a result, or a failure
// object {"result":false,"returnCode":..,"message":..}.
type queryAnswer struct {
	result
	Result     *bool      `json:"result"`
	ReturnCode flexString `json:"returnCode"`
}

// Query fetches the parcel's full history in resultv2=4 mode, newest first,
// mapped as ParsePush maps a push's (source poll). The update names the
// parcel as req does; an answer under another company code sets
// CorrectedCarrier.
//
// Kuaidi100 locks numbers queried too often, so a number this Client had an
// answer for less than QueryInterval ago (by Now) is not sent again; that
// error wraps trail.ErrProviderUnavailable, as do returnCode 501 and 502
// (busy), HTTP 5xx, timeouts and transport errors. ENOTFOUND for returnCode
// 500 (no result; also the answer to a wrong company code). EINVALID for a
// request Kuaidi100 refuses for good (400 incomplete or unauthorised, 503
// bad sign, 601 expired key, 408 phone check) or one lacking credentials.
func (c *Client) Query(ctx context.Context, acct *trail.CarrierAccount, req trail.TrackRequest) (*trail.TrackUpdate, error) {
	com, num, phone, err := parcel(req)
	if err != nil {
		return nil, err
	}
	customer, key := credential(acct, CredCustomer), credential(acct, CredKey)
	if customer == "" || key == "" {
		return nil, trail.Invalid("credentials", "the kuaidi100 account needs a customer and a key to query")
	}
	guard := customer + "\x00" + com + "\x00" + num
	if ago, ok := c.lastQuery(guard); ok {
		return nil, fmt.Errorf("kuaidi100 query %s %s: answered %s ago, less than %s: %w", com, num, ago.Round(time.Second), QueryInterval, trail.ErrProviderUnavailable)
	}
	param, err := marshal(queryParam{Com: com, Num: num, Phone: phone, ResultV2: ResultV2, Show: "0", Order: "desc"})
	if err != nil {
		return nil, fmt.Errorf("kuaidi100 query %s %s: %w", com, num, err)
	}
	form := url.Values{"customer": {customer}, "sign": {QuerySign(param, key, customer)}, "param": {param}}
	body, err := c.post(ctx, "query", endpoint(acct, QueryPath), form)
	if err != nil {
		return nil, err
	}
	var a queryAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("kuaidi100 query %s %s: unreadable answer: %w", com, num, trail.ErrProviderUnavailable)
	}
	code := string(a.ReturnCode)
	failed := (a.Result != nil && !*a.Result) || (code != "" && code != "200")
	switch {
	case !failed:
	case code == "500":
		c.remember(guard)
		return nil, trail.Errorf(trail.ENOTFOUND, "Kuaidi100 has no result for %s %s: %s", com, num, a.Message)
	case code == "" || (code[0] == '5' && code != "503"):
		return nil, fmt.Errorf("kuaidi100 query %s %s: returnCode %s %q: %w", com, num, code, a.Message, trail.ErrProviderUnavailable)
	default:
		return nil, trail.Errorf(trail.EINVALID, "Kuaidi100 refused the query of %s %s (returnCode %s): %s", com, num, code, a.Message)
	}
	c.remember(guard)
	u, err := a.result.update(trail.SourcePoll)
	if err != nil {
		return nil, err
	}
	if u.Carrier != "" && u.Carrier != com {
		u.CorrectedCarrier = u.Carrier
	}
	u.Carrier, u.TrackingNo = com, num
	return u, nil
}

// lastQuery reports how long ago key had an answer, if that is less than
// QueryInterval.
func (c *Client) lastQuery(key string) (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.answered[key]
	ago := c.now().Sub(at)
	return ago, ok && ago < QueryInterval
}

// remember records that key had an answer now, forgetting answers older
// than QueryInterval once the record grows.
func (c *Client) remember(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.answered == nil {
		c.answered = make(map[string]time.Time)
	}
	if len(c.answered) >= 1024 {
		for k, at := range c.answered {
			if now.Sub(at) >= QueryInterval {
				delete(c.answered, k)
			}
		}
	}
	c.answered[key] = now
}
