package carriersim

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/carrier/kdniao"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// Kuaidiniao paths under /kdniao and request types (docs/CARRIER-PROTOCOLS.md §2.1).
const (
	kdniaoQueryPath     = "/Ebusiness/EbusinessOrderHandle.aspx"
	kdniaoSubscribePath = "/api/dist"

	kdniaoQueryStandard     = "1002"
	kdniaoQueryValue        = "8001"
	kdniaoSubscribeStandard = "1008"
	kdniaoSubscribeValue    = "8008"
	kdniaoPushStandard      = "101"
	kdniaoPushValue         = "102"
)

// kdniaoRequest is the RequestData of queries and subscriptions.
type kdniaoRequest struct {
	ShipperCode  string
	LogisticCode string
	OrderCode    string
	CustomerName string
	Sort         flexString
}

// kdniaoStatus is the answer to a subscription, and to any request that
// fails.
type kdniaoStatus struct {
	EBusinessID           string
	UpdateTime            string
	Success               bool
	Reason                string
	EstimatedDeliveryTime string `json:",omitempty"`
	ShipperCode           string `json:",omitempty"`
	LogisticCode          string `json:",omitempty"`
}

// kdniaoParcel is a query's answer and one element of a push's Data.
// StateEx, Location and Action come only in the value-added modes (8001,
// 8008 and its pushes, RequestType 102).
type kdniaoParcel struct {
	EBusinessID  string
	OrderCode    string
	ShipperCode  string
	LogisticCode string
	Success      bool
	Reason       string
	State        string
	StateEx      string `json:",omitempty"`
	Location     string `json:",omitempty"`
	Traces       []kdniaoTrace
}

// kdniaoTrace is one scan.
type kdniaoTrace struct {
	AcceptTime    string
	AcceptStation string
	Location      string `json:",omitempty"`
	Action        string `json:",omitempty"`
}

// kdniaoPushData is a push's RequestData.
type kdniaoPushData struct {
	EBusinessID string
	PushTime    string
	Count       string
	Data        []kdniaoParcel
}

// kdniaoState returns the State group of a StateEx code: its first digit
// for three-digit codes, else the code.
func kdniaoState(code string) string {
	if len(code) == 3 {
		return code[:1]
	}
	return code
}

// kdniaoParcelOf returns the tracking data of steps of p, oldest first
// unless desc; valueAdded adds StateEx, Location and Action.
func kdniaoParcelOf(p *parcel, id, shipper string, steps []int, valueAdded, desc bool) kdniaoParcel {
	out := kdniaoParcel{EBusinessID: id, ShipperCode: shipper, LogisticCode: p.trackingNo, Success: true, State: "0", Traces: []kdniaoTrace{}}
	if len(steps) == 0 {
		out.Reason = "暂无轨迹信息"
		if valueAdded {
			out.StateEx = "0"
		}
		return out
	}
	sorted := slices.Clone(steps)
	slices.SortStableFunc(sorted, func(a, b int) int { return p.steps[a].at.Compare(p.steps[b].at) })
	for _, i := range sorted {
		st := p.steps[i]
		tr := kdniaoTrace{AcceptTime: chinaTime(st.at), AcceptStation: st.Description}
		if valueAdded {
			tr.Location, tr.Action = st.Location, providerCode(trail.ProviderKdniao, st.Status, st.SubStatus).Code
		}
		out.Traces = append(out.Traces, tr)
	}
	newest := p.steps[sorted[len(sorted)-1]]
	code := providerCode(trail.ProviderKdniao, newest.Status, newest.SubStatus).Code
	out.State = kdniaoState(code)
	if valueAdded {
		out.StateEx, out.Location = code, newest.Location
	}
	if desc {
		slices.Reverse(out.Traces)
	}
	return out
}

// kdniaoPush returns the form of a push: RequestData, RequestType and
// DataSign. Called with s.mu held.
func (s *Sim) kdniaoPush(p *parcel, d *delivery, at time.Time) []byte {
	var key string
	if a := s.accounts[trail.ProviderKdniao+"/"+p.account]; a != nil {
		key = a.secret()
	}
	shipper, _ := kdniao.ShipperCode(p.carrier)
	data := marshalJSON(kdniaoPushData{
		EBusinessID: p.account,
		PushTime:    chinaTime(at),
		Count:       "1",
		Data:        []kdniaoParcel{kdniaoParcelOf(p, p.account, shipper, d.steps, d.kind == kdniaoPushValue, false)},
	})
	form := url.Values{"RequestData": {data}, "RequestType": {d.kind}, "DataSign": {kdniao.Sign(data, key)}}
	return []byte(form.Encode())
}

// kdniaoAcknowledged reports whether a reply is Kuaidiniao's success reply:
// Success true.
func kdniaoAcknowledged(reply []byte) bool {
	var a struct{ Success *bool }
	return json.Unmarshal(reply, &a) == nil && a.Success != nil && *a.Success
}

// kdniaoEnvelope checks a request's form: the account, DataSign over
// RequestData with the account's app key, a RequestType among types, and
// RequestData naming a parcel of a carrier Kuaidiniao knows. It returns the
// account, the request type and the request, or the failure answer.
// Called with s.mu held.
func (s *Sim) kdniaoEnvelope(form url.Values, types ...string) (*Account, string, kdniaoRequest, *kdniaoStatus) {
	id, data, sign, typ := form.Get("EBusinessID"), form.Get("RequestData"), form.Get("DataSign"), form.Get("RequestType")
	fail := func(reason string) (*Account, string, kdniaoRequest, *kdniaoStatus) {
		return nil, "", kdniaoRequest{}, &kdniaoStatus{EBusinessID: id, UpdateTime: chinaTime(s.now()), Reason: reason}
	}
	if id == "" || data == "" || sign == "" || typ == "" {
		return fail("参数不完整：需要 EBusinessID、RequestType、RequestData 和 DataSign")
	}
	acct := s.accounts[trail.ProviderKdniao+"/"+id]
	switch {
	case acct == nil:
		return fail("用户ID不存在")
	case subtle.ConstantTimeCompare([]byte(sign), []byte(kdniao.Sign(data, acct.secret()))) != 1:
		return fail("数据签名验证失败（DataSign）")
	case !slices.Contains(types, typ):
		return fail("此接口不支持 RequestType " + typ + "（支持 " + strings.Join(types, "、") + "）")
	case form.Get("DataType") != "" && form.Get("DataType") != "2":
		return fail("模拟器仅支持 DataType=2（JSON）")
	}
	var req kdniaoRequest
	if err := json.Unmarshal([]byte(data), &req); err != nil {
		return fail("RequestData 不是合法的 JSON")
	}
	req.ShipperCode = strings.ToUpper(strings.TrimSpace(req.ShipperCode))
	req.LogisticCode = trail.NormalizeTrackingNo(req.LogisticCode)
	if _, ok := kdniao.CanonicalCarrier(req.ShipperCode); !ok {
		return fail("快递公司编码错误：" + req.ShipperCode)
	}
	switch {
	case req.LogisticCode == "" || len(req.LogisticCode) > 40:
		return fail("物流单号不能为空或超长")
	case req.ShipperCode == "SF" && !isDigits4(req.CustomerName):
		return fail("顺丰单号需要 CustomerName（收件人或寄件人手机号后四位）")
	}
	return acct, typ, req, nil
}

// isDigits4 reports whether s is four ASCII digits.
func isDigits4(s string) bool {
	return len(s) == 4 && strings.Trim(s, "0123456789") == ""
}

// handleKdniaoQuery answers POST /kdniao/Ebusiness/EbusinessOrderHandle.aspx
// with RequestType 1002 or 8001: the parcel's scans so far, oldest first
// (8001 with Sort=1: newest first); Success true without traces and Reason
// 暂无轨迹信息 when there are none; Success false with a Reason for a bad
// request.
func (s *Sim) handleKdniaoQuery(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		writeJSON(w, http.StatusOK, kdniaoStatus{UpdateTime: chinaTime(s.now()), Reason: "请求格式错误"})
		return
	}
	answer, failure := s.kdniaoQuery(r.PostForm)
	if failure != nil {
		s.fail(w, r, *failure)
		return
	}
	writeJSON(w, http.StatusOK, answer)
}

// kdniaoQuery works out a query's answer, or the outage failure to serve.
func (s *Sim) kdniaoQuery(form url.Values) (any, *Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acct, typ, req, bad := s.kdniaoEnvelope(form, kdniaoQueryStandard, kdniaoQueryValue)
	if bad != nil {
		return bad, nil
	}
	carrier, _ := kdniao.CanonicalCarrier(req.ShipperCode)
	p := s.parcelFor(trail.ProviderKdniao, acct.id(), carrier, req.LogisticCode)
	if f, ok := s.admit(p, "query"); ok {
		return nil, &f
	}
	var steps []int
	if p.knows(carrier) {
		steps = p.visible(s.now())
	}
	valueAdded := typ == kdniaoQueryValue
	answer := kdniaoParcelOf(p, acct.id(), req.ShipperCode, steps, valueAdded, valueAdded && req.Sort == "1")
	answer.OrderCode = req.OrderCode
	return answer, nil
}

// handleKdniaoSubscribe answers POST /kdniao/api/dist with RequestType 1008
// or 8008. Pushes (101 for 1008, 102 for 8008) go to the account's
// callback URL. A subscription of a parcel already subscribed replaces it.
func (s *Sim) handleKdniaoSubscribe(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		writeJSON(w, http.StatusOK, kdniaoStatus{UpdateTime: chinaTime(s.now()), Reason: "请求格式错误"})
		return
	}
	answer, failure := s.kdniaoSubscribe(r.PostForm)
	if failure != nil {
		s.fail(w, r, *failure)
		return
	}
	s.poke()
	writeJSON(w, http.StatusOK, answer)
}

// kdniaoSubscribe works out a subscription's answer, or the outage failure
// to serve.
func (s *Sim) kdniaoSubscribe(form url.Values) (kdniaoStatus, *Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acct, typ, req, bad := s.kdniaoEnvelope(form, kdniaoSubscribeStandard, kdniaoSubscribeValue)
	if bad != nil {
		return *bad, nil
	}
	carrier, _ := kdniao.CanonicalCarrier(req.ShipperCode)
	p := s.parcelFor(trail.ProviderKdniao, acct.id(), carrier, req.LogisticCode)
	if f, ok := s.admit(p, "subscribe"); ok {
		return kdniaoStatus{}, &f
	}
	now := s.now()
	p.subscribed, p.subscribedAt, p.carrier = true, now, carrier
	p.pushType = kdniaoPushStandard
	if typ == kdniaoSubscribeValue {
		p.pushType = kdniaoPushValue
	}
	s.plan(p, now)
	answer := kdniaoStatus{EBusinessID: acct.id(), UpdateTime: chinaTime(now), Success: true}
	if typ == kdniaoSubscribeValue {
		answer.ShipperCode, answer.LogisticCode = req.ShipperCode, req.LogisticCode
	}
	return answer, nil
}
