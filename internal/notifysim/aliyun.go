package notifysim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Aliyun's limits, as the simulator enforces them.
const (
	aliyunVersion   = "2017-05-25"
	aliyunHost      = "dysmsapi.aliyuncs.com"
	timestampWindow = 15 * time.Minute // skew allowed, and how long a nonce is remembered
	maxPhones       = 1000
	maxOutID        = 256
)

// mobile matches a mainland mobile number, bare or with a country prefix.
var mobile = regexp.MustCompile(`^(\+?86|0086)?1\d{10}$`)

// templateVar matches a ${name} variable of an SMS template.
var templateVar = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// popEncode is Aliyun's percent-encoding: RFC 3986 unreserved characters
// stay, every other byte is %XX in upper case.
func popEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// aliyunStringToSign repeats signature v1's steps over the parameters
// received: all but Signature, encoded, sorted by name, joined, encoded
// again after the method and "/".
func aliyunStringToSign(method string, p url.Values) string {
	names := make([]string, 0, len(p))
	for k := range p {
		if k != "Signature" {
			names = append(names, k)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(popEncode(a), popEncode(b)) })
	pairs := make([]string, len(names))
	for i, k := range names {
		pairs[i] = popEncode(k) + "=" + popEncode(p.Get(k))
	}
	return method + "&" + popEncode("/") + "&" + popEncode(strings.Join(pairs, "&"))
}

// aliyunSignature signs a string to sign with an AccessKey secret.
func aliyunSignature(secret, toSign string) string {
	h := hmac.New(sha1.New, []byte(secret+"&"))
	h.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// aliyunError is the body of a refused request.
type aliyunError struct {
	RequestID string `json:"RequestId" xml:"RequestId"`
	HostID    string `json:"HostId" xml:"HostId"`
	Code      string `json:"Code" xml:"Code"`
	Message   string `json:"Message" xml:"Message"`
	Recommend string `json:"Recommend" xml:"Recommend"`
}

// aliyunResult is the body of a business answer: OK or an isv.* code.
type aliyunResult struct {
	RequestID string `json:"RequestId" xml:"RequestId"`
	Code      string `json:"Code" xml:"Code"`
	Message   string `json:"Message" xml:"Message"`
	BizID     string `json:"BizId,omitempty" xml:"BizId,omitempty"`
}

// aliyunDetails is the answer to QuerySendDetails.
type aliyunDetails struct {
	RequestID         string `json:"RequestId" xml:"RequestId"`
	Code              string `json:"Code" xml:"Code"`
	Message           string `json:"Message" xml:"Message"`
	TotalCount        int    `json:"TotalCount" xml:"TotalCount"`
	SmsSendDetailDTOs struct {
		SmsSendDetailDTO []sendDetail `json:"SmsSendDetailDTO" xml:"SmsSendDetailDTO"`
	} `json:"SmsSendDetailDTOs" xml:"SmsSendDetailDTOs"`
}

type sendDetail struct {
	PhoneNum     string `json:"PhoneNum" xml:"PhoneNum"`
	SendStatus   int    `json:"SendStatus" xml:"SendStatus"`
	ErrCode      string `json:"ErrCode" xml:"ErrCode"`
	TemplateCode string `json:"TemplateCode" xml:"TemplateCode"`
	Content      string `json:"Content" xml:"Content"`
	SendDate     string `json:"SendDate" xml:"SendDate"`
	ReceiveDate  string `json:"ReceiveDate" xml:"ReceiveDate"`
	OutID        string `json:"OutId" xml:"OutId"`
}

// aliyunReply writes v in the format the request asked for: JSON, or XML
// (Aliyun's default) under the root element.
func aliyunReply(w http.ResponseWriter, p url.Values, status int, root string, v any) {
	if strings.EqualFold(p.Get("Format"), "JSON") {
		writeJSON(w, status, v)
		return
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if err := xml.NewEncoder(&b).EncodeElement(v, xml.StartElement{Name: xml.Name{Local: root}}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// refuse answers a gateway error.
func refuse(w http.ResponseWriter, p url.Values, status int, code, message string) {
	aliyunReply(w, p, status, "Error", aliyunError{
		RequestID: requestID(), HostID: aliyunHost, Code: code, Message: message,
		Recommend: "https://api.aliyun.com/troubleshoot?q=" + url.QueryEscape(code) + "&product=Dysmsapi",
	})
}

// fail answers a business error: HTTP 200 with the code.
func fail(w http.ResponseWriter, p url.Values, root, code, message string) {
	aliyunReply(w, p, http.StatusOK, root, aliyunResult{RequestID: requestID(), Code: code, Message: message})
}

// handleAliyun serves the RPC endpoint: it authenticates the request as
// Aliyun's gateway does, then runs its action.
func (s *Sim) handleAliyun(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		refuse(w, url.Values{}, http.StatusBadRequest, "InvalidParameter", "The request cannot be parsed: "+err.Error())
		return
	}
	p := r.Form // query and form body together, as the gateway reads them
	for _, name := range []string{"AccessKeyId", "Action", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp", "Version", "Signature"} {
		if p.Get(name) == "" {
			refuse(w, p, http.StatusBadRequest, "MissingParameter",
				fmt.Sprintf("The input parameter %q that is mandatory for processing this request is not supplied.", name))
			return
		}
	}
	if p.Get("SignatureMethod") != "HMAC-SHA1" || p.Get("SignatureVersion") != "1.0" {
		refuse(w, p, http.StatusBadRequest, "InvalidSignatureMethod", "Specified signature method or version is not supported (HMAC-SHA1, 1.0).")
		return
	}
	keyID := p.Get("AccessKeyId")
	secret, ok := s.cfg.AliyunKeys[keyID]
	if !ok {
		refuse(w, p, http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
		return
	}
	toSign := aliyunStringToSign(r.Method, p)
	if !hmac.Equal([]byte(aliyunSignature(secret, toSign)), []byte(p.Get("Signature"))) {
		s.log.Warn("notifysim aliyun signature mismatch", "access_key_id", keyID, "action", p.Get("Action"))
		refuse(w, p, http.StatusBadRequest, "SignatureDoesNotMatch",
			"Specified signature is not matched with our calculation. server string to sign is:"+toSign)
		return
	}
	now := s.now()
	ts, err := time.Parse("2006-01-02T15:04:05Z", p.Get("Timestamp"))
	if err != nil {
		refuse(w, p, http.StatusBadRequest, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
		return
	}
	if d := now.Sub(ts); d > timestampWindow || d < -timestampWindow {
		refuse(w, p, http.StatusBadRequest, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
		return
	}
	if p.Get("Version") != aliyunVersion {
		refuse(w, p, http.StatusBadRequest, "InvalidVersion", "Specified parameter Version is not valid.")
		return
	}
	if !s.useNonce(p.Get("SignatureNonce"), now) {
		refuse(w, p, http.StatusBadRequest, "SignatureNonceUsed", "Specified signature nonce was used already.")
		return
	}
	switch p.Get("Action") {
	case "SendSms":
		s.sendSms(w, r, p, keyID, now)
	case "QuerySendDetails":
		s.querySendDetails(w, p, keyID)
	default:
		refuse(w, p, http.StatusNotFound, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
	}
}

// useNonce records a SignatureNonce; false if it was used within the
// timestamp window.
func (s *Sim) useNonce(nonce string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.nonceLog) > 0 && now.Sub(s.nonceLog[0].at) > timestampWindow {
		if s.nonces[s.nonceLog[0].nonce].Equal(s.nonceLog[0].at) {
			delete(s.nonces, s.nonceLog[0].nonce)
		}
		s.nonceLog = s.nonceLog[1:]
	}
	if _, used := s.nonces[nonce]; used {
		return false
	}
	s.nonces[nonce] = now
	s.nonceLog = append(s.nonceLog, nonceUse{nonce, now})
	return true
}

// sendSms runs SendSms: it checks the business parameters like Aliyun,
// records one message per number and answers with the BizId, unless a
// fault says otherwise.
func (s *Sim) sendSms(w http.ResponseWriter, r *http.Request, p url.Values, keyID string, now time.Time) {
	const root = "SendSmsResponse"
	s.mu.Lock()
	fault := s.takeFault(trail.ChannelSMS)
	s.mu.Unlock()
	switch fault {
	case FaultError:
		s.log.Warn("notifysim sms fault", "mode", fault)
		aliyunReply(w, p, http.StatusInternalServerError, "Error", aliyunError{RequestID: requestID(), HostID: aliyunHost,
			Code: "isp.SYSTEM_ERROR", Message: "系统错误 (simulated fault)"})
		return
	case FaultTimeout:
		s.log.Warn("notifysim sms fault", "mode", fault)
		s.hold(r)
		return
	}
	for _, name := range []string{"PhoneNumbers", "SignName", "TemplateCode"} {
		if p.Get(name) == "" {
			refuse(w, p, http.StatusBadRequest, "MissingParameter",
				fmt.Sprintf("The input parameter %q that is mandatory for processing this request is not supplied.", name))
			return
		}
	}
	phones := strings.Split(p.Get("PhoneNumbers"), ",")
	if len(phones) > maxPhones {
		fail(w, p, root, "isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制")
		return
	}
	for _, ph := range phones {
		if !mobile.MatchString(ph) {
			fail(w, p, root, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
			return
		}
	}
	if len(p.Get("OutId")) > maxOutID {
		fail(w, p, root, "isv.INVALID_PARAMETERS", "OutId 超过长度限制")
		return
	}
	var params []trail.Param
	if tp := p.Get("TemplateParam"); tp != "" {
		var err error
		if params, err = stringObject([]byte(tp)); err != nil {
			fail(w, p, root, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
			return
		}
	}
	sign, code := p.Get("SignName"), p.Get("TemplateCode")
	text, errCode, errMsg := s.renderSMS(sign, code, params)
	if errCode != "" {
		fail(w, p, root, errCode, errMsg)
		return
	}

	s.mu.Lock()
	bizID := fmt.Sprintf("%d^0", 900000000000000000+s.seq+1)
	for _, ph := range phones {
		s.record(Message{Channel: trail.ChannelSMS, At: now, To: ph, Template: code, Params: params, Text: text,
			SignName: sign, OutID: p.Get("OutId"), ProviderID: bizID, Account: keyID})
		s.log.Info("notifysim sms accepted", "to", trail.MaskPhone(nationalNumber(ph)), "template", code, "out_id", p.Get("OutId"), "fault", fault)
	}
	s.mu.Unlock()
	if fault == FaultLostReply {
		s.hold(r)
		return
	}
	aliyunReply(w, p, http.StatusOK, root, aliyunResult{RequestID: requestID(), Code: "OK", Message: "OK", BizID: bizID})
}

// renderSMS returns the text of a message, or the code and message that
// refuse it.
func (s *Sim) renderSMS(sign, code string, params []trail.Param) (text, errCode, errMsg string) {
	if s.cfg.SMSTemplates == nil {
		parts := make([]string, len(params))
		for i, p := range params {
			parts[i] = p.Name + "=" + p.Value
		}
		return "【" + sign + "】" + code + " " + strings.Join(parts, ", "), "", ""
	}
	tmpl, ok := s.cfg.SMSTemplates[code]
	if !ok {
		return "", "isv.SMS_TEMPLATE_ILLEGAL", "模板不合法(不存在或被拉黑)"
	}
	vals := map[string]string{}
	for _, p := range params {
		vals[p.Name] = p.Value
	}
	for _, m := range templateVar.FindAllStringSubmatch(tmpl, -1) {
		if _, ok := vals[m[1]]; !ok {
			return "", "isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量: " + m[1]
		}
	}
	return "【" + sign + "】" + templateVar.ReplaceAllStringFunc(tmpl, func(v string) string { return vals[v[2:len(v)-1]] }), "", ""
}

// querySendDetails answers QuerySendDetails from the messages recorded
// for the account: one number, one China-time day, newest first, a page
// at a time.
func (s *Sim) querySendDetails(w http.ResponseWriter, p url.Values, keyID string) {
	const root = "QuerySendDetailsResponse"
	for _, name := range []string{"PhoneNumber", "SendDate", "PageSize", "CurrentPage"} {
		if p.Get(name) == "" {
			refuse(w, p, http.StatusBadRequest, "MissingParameter",
				fmt.Sprintf("The input parameter %q that is mandatory for processing this request is not supplied.", name))
			return
		}
	}
	day, err := time.ParseInLocation("20060102", p.Get("SendDate"), trail.ChinaTime)
	size, errSize := strconv.Atoi(p.Get("PageSize"))
	page, errPage := strconv.Atoi(p.Get("CurrentPage"))
	if err != nil || errSize != nil || errPage != nil || size < 1 || size > 50 || page < 1 {
		fail(w, p, root, "isv.INVALID_PARAMETERS", "参数异常: SendDate yyyyMMdd, PageSize 1–50, CurrentPage ≥ 1")
		return
	}
	phone, bizID := nationalNumber(p.Get("PhoneNumber")), p.Get("BizId")
	var all []sendDetail
	for _, m := range s.Messages(trail.ChannelSMS) { // newest first
		at := m.At.In(trail.ChinaTime)
		if m.Account != keyID || nationalNumber(m.To) != phone || !sameDay(at, day) || (bizID != "" && m.ProviderID != bizID) {
			continue
		}
		stamp := at.Format(time.DateTime)
		all = append(all, sendDetail{PhoneNum: phone, SendStatus: 3, ErrCode: "DELIVERED", TemplateCode: m.Template,
			Content: m.Text, SendDate: stamp, ReceiveDate: stamp, OutID: m.OutID})
	}
	out := aliyunDetails{RequestID: requestID(), Code: "OK", Message: "OK", TotalCount: len(all)}
	out.SmsSendDetailDTOs.SmsSendDetailDTO = []sendDetail{}
	if from := (page - 1) * size; from < len(all) {
		out.SmsSendDetailDTOs.SmsSendDetailDTO = all[from:min(from+size, len(all))]
	}
	aliyunReply(w, p, http.StatusOK, root, out)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// nationalNumber strips a mainland prefix from a mobile number.
func nationalNumber(phone string) string {
	for _, prefix := range []string{"+86", "0086", "86"} {
		if rest, ok := strings.CutPrefix(phone, prefix); ok && len(rest) == 11 {
			return rest
		}
	}
	return phone
}

// errNotStringObject says a JSON text is not an object of strings.
var errNotStringObject = errors.New("not a JSON object of strings")

// stringObject reads a JSON object whose values are strings, keeping the
// order of its keys.
func stringObject(b []byte) ([]trail.Param, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errNotStringObject
	}
	var out []trail.Param
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, errNotStringObject
		}
		v, err := dec.Token()
		vs, ok := v.(string)
		if err != nil || !ok {
			return nil, errNotStringObject
		}
		out = append(out, trail.Param{Name: k.(string), Value: vs})
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, errNotStringObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errNotStringObject
	}
	return out, nil
}
