package kuaidi100

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Values of a push's status (docs/CARRIER-PROTOCOLS.md §1.3).
const (
	pushPolling   = "polling"   // watching; an update
	pushUpdateAll = "updateall" // a full re-push
	pushShutdown  = "shutdown"  // finished: the parcel is signed
	pushAbort     = "abort"     // stopped; message says why
)

// maxStopped bounds the reason kept in TrackUpdate.Stopped.
const maxStopped = 200

// pushParam is the param of a push (SubscribePushParamResp in the official
// SDK).
type pushParam struct {
	Status     string     `json:"status"`
	Message    string     `json:"message"`
	AutoCheck  flexString `json:"autoCheck"`
	ComOld     string     `json:"comOld"`
	ComNew     string     `json:"comNew"`
	LastResult *result    `json:"lastResult"`
}

// ParsePush verifies and parses a push: a form with param (JSON) and sign.
// The body is read as a form whatever contentType says, as Kuaidi100 always
// sends one and relays may drop the header. sign must equal
// PushSign(param, salt), compared case-insensitively in constant time.
//
// The one update names lastResult's carrier and number and carries its
// whole history, newest first, times read in China time. An event's RawCode
// is its own statusCode (resultv2), mapped by MapState. Events without one
// take the parcel-level state: the newest of them gets the state's status;
// older ones get in_transit, or the state's status while that is created or
// picked_up; their RawCode stays empty so that a scan keeps its fingerprint
// from push to push, except when the state is unknown, which they then
// carry as RawCode with status unknown. Quirks:
//
//   - status shutdown sets Stopped "shutdown" (the parcel is signed);
//   - status abort sets Stopped to the message ("abort" when there is
//     none), and Resubscribe when the message says there was no record
//     (3天查询无记录): the number may still become valid once the carrier
//     scans it. Not after 60天无变化, nor when the abort names a corrected
//     carrier, which Kuaidi100 has already subscribed itself;
//   - comNew, when autoCheck is "1" or the push is an abort, sets
//     CorrectedCarrier, and Carrier becomes comOld (when given) so that the
//     parcel is found under the code it was subscribed with.
//
// EUNAUTHORIZED for a missing or wrong sign; EMALFORMED for a body that is
// not a form, a missing param, JSON that cannot be read, a push naming no
// parcel or an event without a readable time. An account without a salt is
// an internal error: its pushes cannot be verified.
func (c *Client) ParsePush(acct *trail.CarrierAccount, contentType string, body []byte) ([]trail.TrackUpdate, error) {
	salt := credential(acct, CredSalt)
	if salt == "" {
		return nil, errors.New("kuaidi100 push: the account has no salt to check signs with")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, trail.Errorf(trail.EMALFORMED, "The push is not a form: %v.", err)
	}
	param := form.Get("param")
	if strings.TrimSpace(param) == "" {
		return nil, &trail.Error{Code: trail.EMALFORMED, Field: "param", Message: "The push has no param."}
	}
	sign := strings.ToUpper(strings.TrimSpace(form.Get("sign")))
	if subtle.ConstantTimeCompare([]byte(sign), []byte(PushSign(param, salt))) != 1 {
		return nil, &trail.Error{Code: trail.EUNAUTHORIZED, Field: "sign", Message: "The push's sign is missing or wrong."}
	}
	var p pushParam
	if err := json.Unmarshal([]byte(param), &p); err != nil {
		return nil, &trail.Error{Code: trail.EMALFORMED, Field: "param", Message: "The push's param is not valid JSON: " + err.Error()}
	}
	if p.LastResult == nil {
		return nil, &trail.Error{Code: trail.EMALFORMED, Field: "lastResult", Message: "The push has no lastResult."}
	}
	u, err := p.LastResult.update(trail.SourcePush)
	if err != nil {
		return nil, err
	}

	status := strings.ToLower(strings.TrimSpace(p.Status))
	comOld := strings.ToLower(strings.TrimSpace(p.ComOld))
	comNew := strings.ToLower(strings.TrimSpace(p.ComNew))
	if comNew != "" && (p.AutoCheck == "1" || status == pushAbort) {
		if comOld != "" {
			u.Carrier = comOld
		}
		if comNew != u.Carrier {
			u.CorrectedCarrier = comNew
		}
	}
	switch status {
	case pushPolling, pushUpdateAll, "":
		// An update; so is a status this package does not know.
	case pushShutdown:
		u.Stopped = pushShutdown
	case pushAbort:
		msg := clip(p.Message, maxStopped)
		u.Stopped = msg
		if msg == "" {
			u.Stopped = pushAbort
		}
		u.Resubscribe = strings.Contains(msg, "无记录") && u.CorrectedCarrier == ""
	}

	switch {
	case u.Carrier == "":
		return nil, &trail.Error{Code: trail.EMALFORMED, Field: "lastResult.com", Message: "The push names no carrier."}
	case u.TrackingNo == "":
		return nil, &trail.Error{Code: trail.EMALFORMED, Field: "lastResult.nu", Message: "The push names no tracking number."}
	}
	return []trail.TrackUpdate{*u}, nil
}

// Reply bodies. Kuaidi100 checks result and returnCode of the reply and
// retries anything but success three times, 35 minutes apart.
var replyOK = []byte(`{"result":true,"returnCode":"200","message":"成功"}`)

// refusal is a reply's returnCode and short reason for an error code. The
// returnCodes reuse Kuaidi100's own vocabulary (docs/CARRIER-PROTOCOLS.md §1.1), which its
// staff read: 400 bad data, 503 bad sign, 500 no result.
type refusal struct {
	returnCode string
	reason     string
}

var refusals = map[string]refusal{
	trail.EMALFORMED:    {"400", "数据格式错误"},
	trail.EINVALID:      {"400", "数据不合法"},
	trail.ETOOLARGE:     {"400", "数据过大"},
	trail.EUNAUTHORIZED: {"503", "签名验证失败"},
	trail.ENOTFOUND:     {"500", "单号不存在"},
}

// Reply acknowledges a push with {"result":true,"returnCode":"200",
// "message":"成功"} and HTTP 200 when err is nil. A push refused for its
// content (trail codes malformed, invalid, too_large, unauthorized,
// not_found) gets HTTP 400 and {"result":false,"returnCode":...,
// "message":"<reason>: <detail>"}, its returnCode from Kuaidi100's own
// table: 400 bad data, 503 bad sign, 500 unknown number. Any other error is
// ours (or passing, such as a conflict) and gets HTTP 500 with returnCode
// 500 and no detail, so that Kuaidi100 retries.
func (c *Client) Reply(acct *trail.CarrierAccount, err error) (status int, contentType string, body []byte) {
	const ct = "application/json"
	if err == nil {
		return http.StatusOK, ct, replyOK
	}
	r, ok := refusals[trail.ErrorCode(err)]
	if !ok {
		return http.StatusInternalServerError, ct, failure("500", "服务器错误，请稍后重试")
	}
	return http.StatusBadRequest, ct, failure(r.returnCode, clip(r.reason+": "+trail.ErrorMessage(err), 200))
}

// failure returns the body {"result":false,"returnCode":code,"message":msg}.
func failure(code, msg string) []byte {
	body, _ := marshal(struct { // plain strings always encode
		Result     bool   `json:"result"`
		ReturnCode string `json:"returnCode"`
		Message    string `json:"message"`
	}{false, code, msg})
	return []byte(body)
}
