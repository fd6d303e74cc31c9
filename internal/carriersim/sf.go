package carriersim

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/bottletrail/bottletrail/internal/carrier/sf"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// pushTypeSF is the kind of an SF route push.
const pushTypeSF = "routes"

// sfCarrier is the carrier code of the parcels SF tracks.
const sfCarrier = "shunfeng"

// sfAnswer is the gateway's answer. APIResultData is a JSON string holding
// the business result, null when the gateway refuses the request.
type sfAnswer struct {
	APIErrorMsg   string  `json:"apiErrorMsg"`
	APIResponseID string  `json:"apiResponseID"`
	APIResultCode string  `json:"apiResultCode"`
	APIResultData *string `json:"apiResultData"`
}

// sfResult is the business result inside apiResultData.
type sfResult struct {
	Success   bool    `json:"success"`
	ErrorCode string  `json:"errorCode"`
	ErrorMsg  *string `json:"errorMsg"`
	MsgData   any     `json:"msgData"`
}

// sfRequest is the msgData of a route query or registration.
type sfRequest struct {
	TrackingType   string   `json:"trackingType"`
	TrackingNumber []string `json:"trackingNumber"`
	CheckPhoneNo   string   `json:"checkPhoneNo"`
}

// sfRoute is a route of a query answer.
type sfRoute struct {
	AcceptAddress string `json:"acceptAddress"`
	AcceptTime    string `json:"acceptTime"`
	OpCode        string `json:"opCode"`
	Remark        string `json:"remark"`
}

// sfRouteResp is one waybill's routes in a query answer.
type sfRouteResp struct {
	MailNo string    `json:"mailNo"`
	Routes []sfRoute `json:"routes"`
}

// sfPushRoute is a route of a push.
type sfPushRoute struct {
	ID            string `json:"id"`
	MailNo        string `json:"mailno"`
	AcceptTime    string `json:"acceptTime"`
	AcceptAddress string `json:"acceptAddress"`
	Remark        string `json:"remark"`
	OpCode        string `json:"opCode"`
}

// sfPush returns the JSON body of a route push: the new routes, each with
// its route id, {"Body":{"WaybillRoute":[...]}}.
func sfPush(p *parcel, d *delivery) []byte {
	var push struct {
		Body struct {
			WaybillRoute []sfPushRoute `json:"WaybillRoute"`
		} `json:"Body"`
	}
	for _, i := range d.steps {
		st := p.steps[i]
		push.Body.WaybillRoute = append(push.Body.WaybillRoute, sfPushRoute{
			ID: st.routeID, MailNo: p.trackingNo, AcceptTime: chinaTime(st.at), AcceptAddress: st.Location,
			Remark: st.Description, OpCode: providerCode(trail.ProviderSF, st.Status, st.SubStatus).Code,
		})
	}
	return []byte(marshalJSON(push))
}

// sfAcknowledged reports whether a reply is SF's success reply:
// return_code "0000".
func sfAcknowledged(reply []byte) bool {
	var a struct {
		ReturnCode *string `json:"return_code"`
	}
	return json.Unmarshal(reply, &a) == nil && a.ReturnCode != nil && *a.ReturnCode == "0000"
}

// handleSF answers POST /sf/std/service, the gateway of every service:
// A1001 for a missing field, A1006 for an unknown partnerID or a wrong
// msgDigest (sf.Digest of msgData, timestamp and the check word), A1007 for
// a requestID already used, A1004 for a service other than
// EXP_RECE_SEARCH_ROUTES and EXP_RECE_REGISTER_ROUTE, and A1000 with the
// business result as a JSON string in apiResultData otherwise.
func (s *Sim) handleSF(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		writeJSON(w, http.StatusOK, sfAnswer{APIErrorMsg: "请求格式错误", APIResultCode: "A1001"})
		return
	}
	answer, failure := s.sfService(r.PostForm)
	if failure != nil {
		s.fail(w, r, *failure)
		return
	}
	s.poke()
	writeJSON(w, http.StatusOK, answer)
}

// sfService works out the gateway's answer, or the outage failure to
// serve.
func (s *Sim) sfService(form url.Values) (sfAnswer, *Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answerSeq++
	answer := sfAnswer{APIResponseID: fmt.Sprintf("%016X", s.answerSeq), APIResultCode: "A1000"}
	gateway := func(code, msg string) (sfAnswer, *Failure) {
		answer.APIResultCode, answer.APIErrorMsg = code, msg
		return answer, nil
	}
	partnerID := form.Get("partnerID")
	if partnerID == "" {
		partnerID = form.Get("PartnerID")
	}
	requestID, service, timestamp := form.Get("requestID"), form.Get("serviceCode"), form.Get("timestamp")
	msgData, digest := form.Get("msgData"), form.Get("msgDigest")
	if partnerID == "" || requestID == "" || service == "" || timestamp == "" || msgData == "" || digest == "" {
		return gateway("A1001", "必传参数不可为空")
	}
	acct := s.accounts[trail.ProviderSF+"/"+partnerID]
	if acct == nil || subtle.ConstantTimeCompare([]byte(digest), []byte(sf.Digest(msgData, timestamp, acct.secret()))) != 1 {
		return gateway("A1006", "数字签名无效")
	}
	key := partnerID + "/" + requestID
	if s.requestIDs[key] {
		return gateway("A1007", "重复请求")
	}
	s.rememberRequestID(key)
	if service != sf.ServiceSearchRoutes && service != sf.ServiceRegisterRoute {
		return gateway("A1004", "无对应服务权限")
	}
	var req sfRequest
	result := sfResult{Success: true, ErrorCode: "S0000"}
	if err := json.Unmarshal([]byte(msgData), &req); err != nil || !validWaybills(req.TrackingNumber) {
		msg := "msgData 格式错误或缺少 trackingNumber"
		result = sfResult{ErrorCode: "8016", ErrorMsg: &msg}
	} else {
		var failure *Failure
		parcels := make([]*parcel, len(req.TrackingNumber))
		for i, no := range req.TrackingNumber {
			parcels[i] = s.parcelFor(trail.ProviderSF, partnerID, sfCarrier, trail.NormalizeTrackingNo(no))
			if f, ok := s.admit(parcels[i], service); ok && failure == nil {
				failure = &f
			}
		}
		if failure != nil {
			return sfAnswer{}, failure
		}
		if service == sf.ServiceSearchRoutes {
			result.MsgData = s.sfRoutes(parcels)
		} else {
			now := s.now()
			for _, p := range parcels {
				p.subscribed, p.subscribedAt = true, now
				s.plan(p, now)
			}
		}
	}
	data := marshalJSON(result)
	answer.APIResultData = &data
	return answer, nil
}

// sfRoutes returns the msgData of a route query: each waybill's routes so
// far, oldest first; none for a waybill SF does not carry.
func (s *Sim) sfRoutes(parcels []*parcel) any {
	resps := make([]sfRouteResp, 0, len(parcels))
	for _, p := range parcels {
		rr := sfRouteResp{MailNo: p.trackingNo, Routes: []sfRoute{}}
		if p.knows(sfCarrier) {
			steps := p.visible(s.now())
			slices.SortStableFunc(steps, func(a, b int) int { return p.steps[a].at.Compare(p.steps[b].at) })
			for _, i := range steps {
				st := p.steps[i]
				rr.Routes = append(rr.Routes, sfRoute{AcceptAddress: st.Location, AcceptTime: chinaTime(st.at),
					OpCode: providerCode(trail.ProviderSF, st.Status, st.SubStatus).Code, Remark: st.Description})
			}
		}
		resps = append(resps, rr)
	}
	return map[string]any{"routeResps": resps}
}

// rememberRequestID records an SF requestID, forgetting the oldest beyond
// maxRequestIDs. Called with s.mu held.
func (s *Sim) rememberRequestID(key string) {
	s.requestIDs[key] = true
	s.idOrder = append(s.idOrder, key)
	if len(s.idOrder) > maxRequestIDs {
		delete(s.requestIDs, s.idOrder[0])
		s.idOrder = s.idOrder[1:]
	}
}

// validWaybills reports whether a request names 1–10 waybills of 1–40
// characters.
func validWaybills(nos []string) bool {
	if len(nos) == 0 || len(nos) > 10 {
		return false
	}
	for _, no := range nos {
		if n := len(trail.NormalizeTrackingNo(no)); n == 0 || n > 40 {
			return false
		}
	}
	return true
}
