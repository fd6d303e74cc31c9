package carriersim

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/bottletrail/bottletrail/internal/carrier/kuaidi100"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// Kuaidi100 push statuses (docs/CARRIER-PROTOCOLS.md §1.3) and abort messages.
const (
	pushPolling     = "polling"
	pushShutdown    = "shutdown"
	pushAbort       = "abort"
	messageNoRecord = "3天查询无记录"
	messageNoChange = "60天无变化"
	// noRecordResult is lastResult.message of a parcel without tracks.
	noRecordResult = "快递公司参数异常：单号不存在或者已经过期"
)

// k100Answer is Kuaidi100's status answer: {"result":..,"returnCode":..,
// "message":..}.
type k100Answer struct {
	Result     bool   `json:"result"`
	ReturnCode string `json:"returnCode"`
	Message    string `json:"message"`
}

// k100Result is a tracking result: a query's answer and a push's
// lastResult.
type k100Result struct {
	Message   string      `json:"message"`
	State     string      `json:"state"`
	Status    string      `json:"status"`
	Condition string      `json:"condition"`
	IsCheck   string      `json:"ischeck"`
	Com       string      `json:"com"`
	Nu        string      `json:"nu"`
	Data      []k100Trace `json:"data"`
}

// k100Trace is one event; Status (the code's name) and StatusCode only
// with resultv2.
type k100Trace struct {
	Time       string `json:"time"`
	FTime      string `json:"ftime"`
	Context    string `json:"context"`
	Location   string `json:"location"`
	AreaCode   string `json:"areaCode,omitempty"`
	Status     string `json:"status,omitempty"`
	StatusCode string `json:"statusCode,omitempty"`
}

// k100Push is a push's param.
type k100Push struct {
	Status     string     `json:"status"`
	BillStatus string     `json:"billstatus"`
	Message    string     `json:"message"`
	AutoCheck  string     `json:"autoCheck"`
	ComOld     string     `json:"comOld"`
	ComNew     string     `json:"comNew"`
	LastResult k100Result `json:"lastResult"`
}

// flexString is a JSON string or number read as text.
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %.20s", b)
	}
	*f = flexString(n)
	return nil
}

// resultV2On reports whether a resultv2 value asks for status codes.
func resultV2On(v string) bool { return v != "" && v != "0" }

// kuaidi100State returns the parcel-level state of a statusCode: the code
// itself with resultv2, which Kuaidi100 then also uses at the top level,
// else its base group (docs/CARRIER-PROTOCOLS.md §1.4: 100x → 0, other three-digit codes →
// their first digit).
func kuaidi100State(code string, resultV2 bool) string {
	switch {
	case resultV2:
		return code
	case len(code) == 4 && strings.HasPrefix(code, "100"):
		return "0"
	case len(code) == 3:
		return code[:1]
	}
	return code
}

// kuaidi100Result returns the result of steps of p under carrier com,
// newest first unless asc.
func kuaidi100Result(p *parcel, steps []int, com, resultV2 string, asc bool) k100Result {
	res := k100Result{Message: "ok", State: "0", Status: "200", Condition: "F00", IsCheck: "0", Com: com, Nu: p.trackingNo, Data: []k100Trace{}}
	if len(steps) == 0 {
		res.Message, res.Status, res.Condition = noRecordResult, "201", ""
		return res
	}
	on := resultV2On(resultV2)
	newest := steps[0]
	for _, i := range steps {
		st := p.steps[i]
		row := providerCode(trail.ProviderKuaidi100, st.Status, st.SubStatus)
		tr := k100Trace{Time: chinaTime(st.at), FTime: chinaTime(st.at), Context: st.Description, Location: st.Location}
		if on {
			tr.Status, tr.StatusCode = row.Name, row.Code
			if st.AreaCode != "" {
				tr.AreaCode = "CN" + st.AreaCode + "000000"
			}
		}
		res.Data = append(res.Data, tr)
		if st.at.After(p.steps[newest].at) {
			newest = i
		}
	}
	st := p.steps[newest]
	res.State = kuaidi100State(providerCode(trail.ProviderKuaidi100, st.Status, st.SubStatus).Code, on)
	if st.Status == trail.StatusDelivered || st.Status == trail.StatusReturned {
		res.IsCheck = "1"
	}
	slices.SortStableFunc(res.Data, func(a, b k100Trace) int {
		if asc {
			return strings.Compare(a.Time, b.Time)
		}
		return strings.Compare(b.Time, a.Time)
	})
	return res
}

// kuaidi100Push returns the form of a push: param and its sign with the
// subscription's salt.
func kuaidi100Push(p *parcel, d *delivery) []byte {
	param := k100Push{Status: d.kind, Message: d.message, AutoCheck: "0"}
	com := p.carrier
	switch {
	case d.correction:
		param.ComNew = p.corrected
	case d.autoCheck:
		param.AutoCheck, param.ComOld, param.ComNew = "1", p.carrier, p.corrected
		com = p.corrected
	}
	param.LastResult = kuaidi100Result(p, d.steps, com, p.resultV2, false)
	body := marshalJSON(param)
	form := url.Values{"param": {body}, "sign": {kuaidi100.PushSign(body, p.salt)}}
	return []byte(form.Encode())
}

// kuaidi100Acknowledged reports whether a reply is Kuaidi100's success
// reply: result true and returnCode the string "200"; the message is free.
func kuaidi100Acknowledged(reply []byte) bool {
	var a struct {
		Result     *bool   `json:"result"`
		ReturnCode *string `json:"returnCode"`
	}
	return json.Unmarshal(reply, &a) == nil && a.Result != nil && *a.Result && a.ReturnCode != nil && *a.ReturnCode == "200"
}

// k100QueryParam is a real-time query's param (docs/CARRIER-PROTOCOLS.md §1.1).
type k100QueryParam struct {
	Com      string     `json:"com"`
	Num      string     `json:"num"`
	Phone    string     `json:"phone"`
	ResultV2 flexString `json:"resultv2"`
	Show     flexString `json:"show"`
	Order    string     `json:"order"`
}

// handleKuaidi100Query answers POST /kuaidi100/poll/query.do: customer,
// sign and param, sign = kuaidi100.QuerySign(param, key, customer).
// returnCode 400 for missing or unreadable fields and unknown customers or
// companies, 503 for a wrong sign, 408 for an SF parcel without phone, 500
// when there is no result (unknown number, wrong company, no scan yet).
func (s *Sim) handleKuaidi100Query(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		writeJSON(w, http.StatusOK, k100Answer{false, "400", "请求格式错误：" + err.Error()})
		return
	}
	customer, sign, param := r.PostForm.Get("customer"), r.PostForm.Get("sign"), r.PostForm.Get("param")
	if customer == "" || sign == "" || param == "" {
		writeJSON(w, http.StatusOK, k100Answer{false, "400", "数据不完整：需要 customer、sign 和 param"})
		return
	}
	if t := r.PostForm.Get("signType"); t != "" && !strings.EqualFold(t, "MD5") {
		writeJSON(w, http.StatusOK, k100Answer{false, "400", "模拟器仅支持 signType=MD5"})
		return
	}
	answer, failure := s.kuaidi100Query(customer, sign, param)
	if failure != nil {
		s.fail(w, r, *failure)
		return
	}
	writeJSON(w, http.StatusOK, answer)
}

// kuaidi100Query works out a query's answer, or the outage failure to
// serve instead.
func (s *Sim) kuaidi100Query(customer, sign, param string) (any, *Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acct := s.accounts[trail.ProviderKuaidi100+"/"+customer]
	if acct == nil {
		return k100Answer{false, "400", "账号未授权：未知的 customer"}, nil
	}
	if subtle.ConstantTimeCompare([]byte(sign), []byte(kuaidi100.QuerySign(param, acct.secret(), customer))) != 1 {
		return k100Answer{false, "503", "验证签名失败"}, nil
	}
	var q k100QueryParam
	if err := json.Unmarshal([]byte(param), &q); err != nil {
		return k100Answer{false, "400", "param 不是合法的 JSON"}, nil
	}
	com, no := strings.ToLower(strings.TrimSpace(q.Com)), trail.NormalizeTrackingNo(q.Num)
	switch {
	case len(no) < 6 || len(no) > 32:
		return k100Answer{false, "400", "单号长度需为 6–32 位"}, nil
	case !knownCarrier(com):
		return k100Answer{false, "400", "找不到对应公司"}, nil
	case (com == "shunfeng" || com == "shunfengkuaiyun") && strings.TrimSpace(q.Phone) == "":
		return k100Answer{false, "408", "顺丰单号需要 phone（收寄件人手机号或后四位）"}, nil
	case q.Show != "" && q.Show != "0":
		return k100Answer{false, "400", "模拟器仅支持 show=0 (json)"}, nil
	}
	p := s.parcelFor(trail.ProviderKuaidi100, customer, com, no)
	if f, ok := s.admit(p, "query"); ok {
		return nil, &f
	}
	steps := p.visible(s.now())
	if !p.knows(com) || len(steps) == 0 {
		return k100Answer{false, "500", "查询无结果，请隔段时间再查"}, nil
	}
	return kuaidi100Result(p, steps, com, string(q.ResultV2), q.Order == "asc"), nil
}

// k100SubscribeParam is a subscription's param (docs/CARRIER-PROTOCOLS.md §1.2).
type k100SubscribeParam struct {
	Company    string `json:"company"`
	Number     string `json:"number"`
	Key        string `json:"key"`
	Parameters struct {
		CallbackURL string     `json:"callbackurl"`
		Salt        string     `json:"salt"`
		ResultV2    flexString `json:"resultv2"`
		AutoCom     flexString `json:"autoCom"`
	} `json:"parameters"`
}

// handleKuaidi100Subscribe answers POST /kuaidi100/poll: a form with
// param, whose key authenticates it. returnCode 200 on success; 501 while
// the number is already polling; 600 for an unknown key; 700 for a bad
// number, company or callback URL; 702 when autoCom cannot tell the
// company; 500 for an unreadable request.
func (s *Sim) handleKuaidi100Subscribe(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		writeJSON(w, http.StatusOK, k100Answer{false, "500", "服务器错误：请求格式错误"})
		return
	}
	answer, failure := s.kuaidi100Subscribe(r.PostForm.Get("param"))
	if failure != nil {
		s.fail(w, r, *failure)
		return
	}
	if answer.ReturnCode == "200" {
		s.poke()
	}
	writeJSON(w, http.StatusOK, answer)
}

// kuaidi100Subscribe works out a subscription's answer, or the outage
// failure to serve instead.
func (s *Sim) kuaidi100Subscribe(param string) (k100Answer, *Failure) {
	var q k100SubscribeParam
	dec := json.NewDecoder(bytes.NewReader([]byte(param)))
	if err := dec.Decode(&q); err != nil {
		return k100Answer{false, "500", "服务器错误：param 不是合法的 JSON"}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var acct *Account
	for _, a := range s.accounts {
		if a.Provider == trail.ProviderKuaidi100 && q.Key != "" && subtle.ConstantTimeCompare([]byte(a.secret()), []byte(q.Key)) == 1 {
			acct = a
		}
	}
	if acct == nil {
		return k100Answer{false, "600", "您不是合法的订阅者（即授权Key出错）"}, nil
	}
	com, no := strings.ToLower(strings.TrimSpace(q.Company)), trail.NormalizeTrackingNo(q.Number)
	callback := strings.TrimSpace(q.Parameters.CallbackURL)
	switch {
	case len(no) < 6 || len(no) > 32:
		return k100Answer{false, "700", "订阅方的订阅数据存在错误（单号为空或超长）"}, nil
	case !httpURL(callback):
		return k100Answer{false, "700", "订阅方的订阅数据存在错误（错误的回调地址）"}, nil
	case com == "" && q.Parameters.AutoCom == "1":
		var err error
		if com, err = trail.ResolveCarrier(no); err != nil {
			return k100Answer{false, "702", "无法识别该单号的快递公司"}, nil
		}
	case !knownCarrier(com):
		return k100Answer{false, "700", "订阅方的订阅数据存在错误（不支持的快递公司）"}, nil
	}
	p := s.parcelFor(trail.ProviderKuaidi100, acct.id(), com, no)
	if f, ok := s.admit(p, "subscribe"); ok {
		return k100Answer{}, &f
	}
	if p.subscribed && p.state == pushPolling {
		return k100Answer{false, "501", "重复订阅"}, nil
	}
	now := s.now()
	p.subscribed, p.subscribedAt, p.state = true, now, pushPolling
	p.callback, p.salt, p.resultV2 = callback, q.Parameters.Salt, string(q.Parameters.ResultV2)
	if p.carrier != com {
		p.carrier, p.corrected = com, ""
	}
	s.plan(p, now)
	return k100Answer{true, "200", "提交成功"}, nil
}

// knownCarrier reports whether code is a carrier code trail knows.
func knownCarrier(code string) bool {
	_, ok := trail.LookupCarrier(code)
	return ok
}

// marshalJSON serialises v without HTML escaping or a trailing newline, as
// the providers send JSON.
func marshalJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("carriersim: marshal " + err.Error()) // only the simulator's own structs of strings come here
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// writeJSON writes v as the JSON body of an answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	w.Write([]byte(marshalJSON(v)))
}
