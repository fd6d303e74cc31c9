package sf

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// maxAnswer bounds the gateway answer read into memory.
const maxAnswer = 8 << 20

// gatewayCodes are the gateway's apiResultCode values other than A1000
// (docs/CARRIER-PROTOCOLS.md §3.6): what each means and whether it is
// worth retrying.
var gatewayCodes = map[string]struct {
	text  string
	retry bool
	field string
}{
	"A1001": {text: "a required parameter is missing"},
	"A1002": {text: "the request expired: check this server's clock"},
	"A1003": {text: "this server's IP address is not allowed for the partner", field: "credentials"},
	"A1004": {text: "the partner has no permission for this service", field: "credentials"},
	"A1005": {text: "throttled", retry: true},
	"A1006": {text: "invalid digital signature: check partner_id and check_word", field: "credentials"},
	"A1007": {text: "duplicate requestID"},
	"A1008": {text: "the gateway could not decrypt the request"},
	"A1009": {text: "the target service is unreachable", retry: true},
	"A1099": {text: "system error", retry: true},
}

// answer is the gateway's outer answer.
type answer struct {
	APIResultCode string `json:"apiResultCode"`
	APIErrorMsg   string `json:"apiErrorMsg"`
	APIResponseID string `json:"apiResponseID"`
	// APIResultData is a JSON string holding the business result, to be
	// decoded a second time; an object is accepted too.
	APIResultData json.RawMessage `json:"apiResultData"`
}

// result is the business result inside apiResultData.
type result struct {
	Success   text            `json:"success"` // true, or "true" in some answers
	ErrorCode text            `json:"errorCode"`
	ErrorMsg  text            `json:"errorMsg"`
	MsgData   json.RawMessage `json:"msgData"`
}

// call sends one request to the gateway: msg serialised once, signed and
// sent as that same string. It returns the business msgData of a
// successful answer. Failures worth retrying wrap
// trail.ErrProviderUnavailable; refusals by the gateway or the service are
// EINVALID.
func (c *Client) call(ctx context.Context, acct *trail.CarrierAccount, service string, msg any) (json.RawMessage, error) {
	partnerID, checkWord := credential(acct, CredPartnerID), credential(acct, CredCheckWord)
	if partnerID == "" || checkWord == "" {
		return nil, trail.Invalid("credentials", "an sf account needs partner_id and check_word")
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("sf %s: encode msgData: %w", service, err)
	}
	msgData := string(data)
	timestamp := strconv.FormatInt(c.now().UnixMilli(), 10)
	form := url.Values{
		"partnerID":   {partnerID},
		"requestID":   {c.requestID()},
		"serviceCode": {service},
		"timestamp":   {timestamp},
		"msgData":     {msgData},
		"msgDigest":   {Digest(msgData, timestamp, checkWord)},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint(acct), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, trail.Invalid("base_url", "sf base URL %q: %v", acct.BaseURL, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("sf %s: %w: %w", service, trail.ErrProviderUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("sf %s: read answer: %w: %w", service, trail.ErrProviderUnavailable, err)
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return nil, fmt.Errorf("sf %s: http status %d: %w", service, resp.StatusCode, trail.ErrProviderUnavailable)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("sf %s: unexpected http status %d", service, resp.StatusCode)
	case len(body) > maxAnswer:
		return nil, fmt.Errorf("sf %s: answer larger than %d bytes", service, maxAnswer)
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("sf %s: unreadable answer: %w: %w", service, trail.ErrProviderUnavailable, err)
	}
	if a.APIResultCode != "A1000" {
		return nil, gatewayError(service, a)
	}
	raw := a.APIResultData
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte(`"`)) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("sf %s: unreadable apiResultData: %w: %w", service, trail.ErrProviderUnavailable, err)
		}
		raw = json.RawMessage(s)
	}
	var r result
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("sf %s: unreadable apiResultData: %w: %w", service, trail.ErrProviderUnavailable, err)
	}
	if r.Success.trim() != "true" {
		return nil, trail.Errorf(trail.EINVALID, "sf %s refused the request: %s (errorCode %s)", service, r.ErrorMsg.trim(), r.ErrorCode.trim())
	}
	return r.MsgData, nil
}

// gatewayError maps an apiResultCode other than A1000 to an error.
func gatewayError(service string, a answer) error {
	g, ok := gatewayCodes[a.APIResultCode]
	switch {
	case !ok:
		return trail.Errorf(trail.EINVALID, "sf %s: gateway answered %q: %s", service, a.APIResultCode, a.APIErrorMsg)
	case g.retry:
		return fmt.Errorf("sf %s: gateway %s %s (%s): %w", service, a.APIResultCode, g.text, a.APIErrorMsg, trail.ErrProviderUnavailable)
	}
	return &trail.Error{Code: trail.EINVALID, Field: g.field,
		Message: fmt.Sprintf("sf %s: gateway %s %s (%s)", service, a.APIResultCode, g.text, a.APIErrorMsg)}
}

// routeQuery is the msgData of EXP_RECE_SEARCH_ROUTES. Field order is the
// order of the reference's worked example.
type routeQuery struct {
	Language       string   `json:"language"`
	TrackingType   string   `json:"trackingType"`
	TrackingNumber []string `json:"trackingNumber"`
	MethodType     string   `json:"methodType"`
	CheckPhoneNo   string   `json:"checkPhoneNo,omitempty"`
}

// routeQueryResult is the business msgData of a route query.
type routeQueryResult struct {
	RouteResps []struct {
		MailNo text      `json:"mailNo"`
		Routes routeList `json:"routes"`
	} `json:"routeResps"`
}

// Query fetches a parcel's routes with EXP_RECE_SEARCH_ROUTES, in Chinese,
// by waybill number, checked with req.PhoneLast4 (SF needs it for
// waybills not created by the account; it is left out when empty).
// EINVALID for a carrier other than shunfeng or shunfengkuaiyun, a phone
// suffix that is not four digits, missing credentials or a request the
// gateway or the service refuses (bad signature, no permission, ...);
// ENOTFOUND when SF returns no routes for the number; errors wrapping
// trail.ErrProviderUnavailable for outages, 5xx answers, timeouts and
// throttling (A1005, A1009, A1099).
func (c *Client) Query(ctx context.Context, acct *trail.CarrierAccount, req trail.TrackRequest) (*trail.TrackUpdate, error) {
	code, no, err := carrier(req)
	if err != nil {
		return nil, err
	}
	last4, err := phoneLast4(req.PhoneLast4)
	if err != nil {
		return nil, err
	}
	data, err := c.call(ctx, acct, ServiceSearchRoutes, routeQuery{
		Language:       "0",
		TrackingType:   "1",
		TrackingNumber: []string{no},
		MethodType:     "1",
		CheckPhoneNo:   last4,
	})
	if err != nil {
		return nil, err
	}
	var res routeQueryResult
	if len(data) > 0 { // no msgData at all: no routes
		if err := json.Unmarshal(data, &res); err != nil {
			return nil, fmt.Errorf("sf query %s: unreadable routeResps: %w: %w", no, trail.ErrProviderUnavailable, err)
		}
	}
	u := &trail.TrackUpdate{Carrier: code, TrackingNo: no}
	for _, rr := range res.RouteResps {
		if trail.NormalizeTrackingNo(string(rr.MailNo)) != no {
			continue
		}
		for i := range rr.Routes {
			e, err := rr.Routes[i].event(fmt.Sprintf("routes[%d]", i), trail.SourcePoll)
			if err != nil {
				return nil, fmt.Errorf("sf query %s: unusable route: %v", no, err) // SF's fault: internal, not the caller's EMALFORMED
			}
			u.Events = append(u.Events, e)
		}
	}
	if len(u.Events) == 0 {
		return nil, trail.Errorf(trail.ENOTFOUND, "sf has no routes for waybill %s", no)
	}
	return u, nil
}

// routeRegistration is the msgData of EXP_RECE_REGISTER_ROUTE.
type routeRegistration struct {
	TrackingType   string   `json:"trackingType"`
	TrackingNumber []string `json:"trackingNumber"`
	CheckPhoneNo   string   `json:"checkPhoneNo,omitempty"`
}

// Subscribe registers a waybill for route pushes with
// EXP_RECE_REGISTER_ROUTE. Pushes go to the URL configured for the partner
// in 丰桥, not to req.CallbackURL, which SF has no field for: that URL must
// be entered there. Per the reference, registration is meant for waybills
// not created by the account, whose own waybills are pushed anyway.
//
// The reference names the service but not its fields: the msgData sent,
// {"trackingType":"1","trackingNumber":[no],"checkPhoneNo":last4}, mirrors
// the route query and is an assumption to be checked against the real
// endpoint. Errors as for Query, without ENOTFOUND.
func (c *Client) Subscribe(ctx context.Context, acct *trail.CarrierAccount, req trail.TrackRequest) error {
	_, no, err := carrier(req)
	if err != nil {
		return err
	}
	last4, err := phoneLast4(req.PhoneLast4)
	if err != nil {
		return err
	}
	_, err = c.call(ctx, acct, ServiceRegisterRoute, routeRegistration{
		TrackingType:   "1",
		TrackingNumber: []string{no},
		CheckPhoneNo:   last4,
	})
	return err
}

// phoneLast4 checks the phone suffix SF checks waybills with: empty or
// four digits.
func phoneLast4(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) != 4 || strings.Trim(s, "0123456789") != "" {
		return "", trail.Invalid("phone_last4", "phone_last4 must be four digits")
	}
	return s, nil
}
