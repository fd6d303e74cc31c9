package sf

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// routePush is a route push, {"Body":{"WaybillRoute":[...]}} or
// {"WaybillRoute":[...]}.
type routePush struct {
	Body *struct {
		WaybillRoute routeList `json:"WaybillRoute"`
	} `json:"Body"`
	WaybillRoute routeList `json:"WaybillRoute"`
}

// ParsePush parses a route push to acct's callback into one update per
// parcel (carrier shunfeng), its events in the order pushed.
//
// SF pushes in two shapes, told apart by the body, not by contentType,
// which senders set loosely: a body that starts with '{' is the JSON push
// {"Body":{"WaybillRoute":[...]}}; anything else is read as the form
// envelope of the gateway (partnerID, requestID, serviceCode, timestamp,
// msgData, msgDigest) whose msgData holds the same routes. Either may leave
// out the Body wrapper, and WaybillRoute may be a single object.
//
// The JSON push carries no signature, so ParsePush cannot authenticate it:
// the HTTP layer must check the callback URL's token against
// acct.CallbackToken (in constant time) before calling ParsePush, for every
// push. The envelope is verified here as well: its msgDigest must match
// acct's check_word and its partnerID acct's partner_id, else EUNAUTHORIZED
// (also when acct lacks either credential).
//
// Routes repeating an id already seen for the same waybill in the push are
// dropped. EMALFORMED for a body that cannot be read, a push with no routes
// or a route without waybill number, readable acceptTime or opCode;
// ETOOLARGE for more than trail.MaxEventsPerPush routes. Either way nothing
// is returned, so nothing is stored.
func (c *Client) ParsePush(acct *trail.CarrierAccount, contentType string, body []byte) ([]trail.TrackUpdate, error) {
	body = bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	msg := body
	if !bytes.HasPrefix(body, []byte("{")) {
		data, err := verifyEnvelope(acct, body)
		if err != nil {
			return nil, err
		}
		msg = []byte(data)
	}
	var p routePush
	if err := json.Unmarshal(msg, &p); err != nil {
		return nil, trail.Errorf(trail.EMALFORMED, "sf push is not valid JSON: %v", err)
	}
	routes := p.WaybillRoute
	if p.Body != nil {
		routes = p.Body.WaybillRoute
	}
	switch {
	case len(routes) == 0:
		return nil, trail.Errorf(trail.EMALFORMED, "sf push holds no WaybillRoute")
	case len(routes) > trail.MaxEventsPerPush:
		return nil, trail.Errorf(trail.ETOOLARGE, "sf push holds %d routes, more than %d", len(routes), trail.MaxEventsPerPush)
	}
	return groupRoutes(routes)
}

// verifyEnvelope checks a signed form envelope against acct and returns
// its msgData.
func verifyEnvelope(acct *trail.CarrierAccount, body []byte) (string, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return "", trail.Errorf(trail.EMALFORMED, "sf push is neither JSON nor a form envelope: %v", err)
	}
	data := form.Get("msgData")
	if data == "" {
		return "", trail.Errorf(trail.EMALFORMED, "sf push envelope lacks msgData")
	}
	partnerID, checkWord := credential(acct, CredPartnerID), credential(acct, CredCheckWord)
	if partnerID == "" || checkWord == "" {
		return "", trail.Errorf(trail.EUNAUTHORIZED, "sf push is signed but the account lacks partner_id or check_word to verify it")
	}
	sent := form.Get("partnerID")
	if sent == "" {
		sent = form.Get("PartnerID") // one SDK capitalises it
	}
	if subtle.ConstantTimeCompare([]byte(sent), []byte(partnerID)) != 1 {
		return "", trail.Errorf(trail.EUNAUTHORIZED, "sf push is for another partnerID")
	}
	want := Digest(data, form.Get("timestamp"), checkWord)
	if subtle.ConstantTimeCompare([]byte(form.Get("msgDigest")), []byte(want)) != 1 {
		return "", trail.Errorf(trail.EUNAUTHORIZED, "sf push msgDigest does not match")
	}
	return data, nil
}

// groupRoutes turns pushed routes into one update per waybill, in order of
// first appearance, dropping repeated route ids.
func groupRoutes(routes []route) ([]trail.TrackUpdate, error) {
	var updates []trail.TrackUpdate
	index := make(map[string]int)
	seen := make(map[[2]string]bool)
	for i := range routes {
		r := &routes[i]
		field := fmt.Sprintf("WaybillRoute[%d]", i)
		no := trail.NormalizeTrackingNo(string(r.MailNo))
		if no == "" || len(no) > maxTrackingNo {
			return nil, &trail.Error{Code: trail.EMALFORMED, Field: field + ".mailno",
				Message: fmt.Sprintf("mailno must be 1–%d characters", maxTrackingNo)}
		}
		e, err := r.event(field, trail.SourcePush)
		if err != nil {
			return nil, err
		}
		if e.ExternalID != "" {
			key := [2]string{no, e.ExternalID}
			if seen[key] {
				continue
			}
			seen[key] = true
		}
		j, ok := index[no]
		if !ok {
			j = len(updates)
			index[no] = j
			updates = append(updates, trail.TrackUpdate{Carrier: carrierCode, TrackingNo: no})
		}
		updates[j].Events = append(updates[j].Events, e)
	}
	return updates, nil
}

// pushReply is the body SF expects in answer to a push.
type pushReply struct {
	ReturnCode string `json:"return_code"`
	ReturnMsg  string `json:"return_msg"`
}

// Reply acknowledges a push: 200 {"return_code":"0000","return_msg":"成功"}
// when err is nil; otherwise return_code 1000 with a short reason, and 400
// for bad input (so SF does not resend it unchanged) or 500 for a failure
// on our side (so SF retries).
func (c *Client) Reply(acct *trail.CarrierAccount, err error) (status int, contentType string, body []byte) {
	status, reply := http.StatusOK, pushReply{"0000", "成功"}
	switch trail.ErrorCode(err) {
	case "":
	case trail.EMALFORMED:
		status, reply = http.StatusBadRequest, pushReply{"1000", "报文格式错误"}
	case trail.EUNAUTHORIZED, trail.EFORBIDDEN:
		status, reply = http.StatusBadRequest, pushReply{"1000", "验签失败"}
	case trail.ENOTFOUND:
		status, reply = http.StatusBadRequest, pushReply{"1000", "运单不存在"}
	case trail.EINVALID, trail.ECONFLICT:
		status, reply = http.StatusBadRequest, pushReply{"1000", "数据校验失败"}
	case trail.ETOOLARGE:
		status, reply = http.StatusBadRequest, pushReply{"1000", "报文过大"}
	default:
		status, reply = http.StatusInternalServerError, pushReply{"1000", "系统错误"}
	}
	body, _ = json.Marshal(reply) // a struct of two strings always marshals
	return status, "application/json", body
}
