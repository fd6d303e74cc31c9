package notifysim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// The doc's SendSms example (docs/NOTIFY-PROTOCOLS.md §1.4): the
// final GET URL, signed with testId / testSecret at 2017-07-12T02:42:19Z.
const docURL = "/aliyun/?Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D&AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"

const docStringToSign = "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"

var docTime = time.Date(2017, 7, 12, 2, 42, 19, 0, time.UTC)

func TestAliyunSignatureVectors(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(docURL)
	if err != nil {
		t.Fatal(err)
	}
	p := u.Query()
	if got := aliyunStringToSign("GET", p); got != docStringToSign {
		t.Errorf("string to sign:\ngot  %s\nwant %s", got, docStringToSign)
	}
	for _, tt := range []struct{ method, secret, want string }{
		{"GET", "testSecret", "zJDF+Lrzhj/ThnlvIToysFRq6t4="},
		{"GET", "testsecret", "EpROzuoKhdewdxdmVWhll2qdKbk="},
		{"POST", "testSecret", "Xvhv7fPXrPkLVSnlt0jIr08o8NQ="},
	} {
		if got := aliyunSignature(tt.secret, aliyunStringToSign(tt.method, p)); got != tt.want {
			t.Errorf("%s with %s: got %s, want %s", tt.method, tt.secret, got, tt.want)
		}
	}
	ecs := url.Values{"AccessKeyId": {"testid"}, "Action": {"DescribeRegions"}, "Format": {"XML"}, "SignatureMethod": {"HMAC-SHA1"},
		"SignatureNonce": {"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"}, "SignatureVersion": {"1.0"},
		"Timestamp": {"2016-02-23T12:46:24Z"}, "Version": {"2014-05-26"}}
	if got := aliyunSignature("testsecret", aliyunStringToSign("GET", ecs)); got != "OLeaidS1JvxuMvnyHOwuJ+uX5qY=" {
		t.Errorf("ECS vector: got %s", got)
	}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

const (
	simKey    = "SIMACCESSKEY"
	simSecret = "sim-access-secret"
)

var simNow = time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC) // 12:00 China time

func newSim(t *testing.T, cfg Config) (*Sim, *httptest.Server, *clock) {
	t.Helper()
	c := &clock{t: simNow}
	if cfg.AliyunKeys == nil {
		cfg.AliyunKeys = map[string]string{simKey: simSecret, "testId": "testSecret"}
	}
	if cfg.WeChatApps == nil {
		cfg.WeChatApps = map[string]string{"wxsimapp": "sim-app-secret"}
	}
	cfg.Now = c.Now
	s := New(cfg)
	srv := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); srv.Close() })
	return s, srv, c
}

var nonceSeq struct {
	sync.Mutex
	n int
}

// signed returns the parameters of an action signed for method with the
// secret, at the given time, with a fresh nonce.
func signed(method, keyID, secret string, at time.Time, p url.Values) url.Values {
	nonceSeq.Lock()
	nonceSeq.n++
	n := nonceSeq.n
	nonceSeq.Unlock()
	common := url.Values{"AccessKeyId": {keyID}, "Format": {"JSON"}, "RegionId": {"cn-hangzhou"}, "SignatureMethod": {"HMAC-SHA1"},
		"SignatureNonce": {"nonce-" + strconv.Itoa(n)}, "SignatureVersion": {"1.0"},
		"Timestamp": {at.UTC().Format("2006-01-02T15:04:05Z")}, "Version": {"2017-05-25"}}
	for k, v := range p {
		common[k] = v
	}
	common.Set("Signature", aliyunSignature(secret, aliyunStringToSign(method, common)))
	return common
}

// post sends form parameters to the Aliyun endpoint and decodes the JSON.
func post(t *testing.T, srv *httptest.Server, p url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(srv.URL+"/aliyun/", p)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

func sendSms(phone, tmpl, params, outID string) url.Values {
	p := url.Values{"Action": {"SendSms"}, "PhoneNumbers": {phone}, "SignName": {"瓶迹"}, "TemplateCode": {tmpl}, "OutId": {outID}}
	if params != "" {
		p.Set("TemplateParam", params)
	}
	return p
}

func TestAliyunDocExample(t *testing.T) {
	t.Parallel()
	s, srv, c := newSim(t, Config{})
	c.t = docTime.Add(time.Minute)
	resp, err := http.Get(srv.URL + docURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<Code>OK</Code>") || !strings.Contains(string(body), "<SendSmsResponse>") {
		t.Fatalf("got %d %s, want an OK SendSmsResponse in XML", resp.StatusCode, body)
	}
	msgs := s.Messages(trail.ChannelSMS)
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.To != "15300000001" || m.Template != "SMS_71390007" || m.OutID != "123" || m.Account != "testId" ||
		m.Text != "【阿里云短信测试专用】SMS_71390007 customer=test" || len(m.Params) != 1 || m.Params[0] != (trail.Param{Name: "customer", Value: "test"}) {
		t.Errorf("recorded %+v", m)
	}
	if !strings.Contains(string(body), "<BizId>"+m.ProviderID+"</BizId>") {
		t.Errorf("answer %s lacks the BizId %s", body, m.ProviderID)
	}
	// The same request again reuses the nonce.
	resp, err = http.Get(srv.URL + docURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "<Code>SignatureNonceUsed</Code>") {
		t.Errorf("replay: got %d %s, want 400 SignatureNonceUsed", resp.StatusCode, body)
	}
}

func TestAliyunRefusals(t *testing.T) {
	t.Parallel()
	templates := map[string]string{"SMS_SHIPPED": "您的订单${order}已由${carrier}发出，查看：${link}"}
	ok := sendSms("13800138000", "SMS_SHIPPED", `{"order":"WX-1","carrier":"顺丰","link":"https://t.example.com/t/x"}`, "ntf-1")
	tests := []struct {
		name    string
		params  func() url.Values
		status  int
		code    string
		message string // a part of it
	}{
		{"accepted", func() url.Values { return signed("POST", simKey, simSecret, simNow, ok) }, 200, "OK", "OK"},
		{"wrong secret", func() url.Values { return signed("POST", simKey, "other", simNow, ok) }, 400, "SignatureDoesNotMatch",
			"server string to sign is:POST&%2F&AccessKeyId%3DSIMACCESSKEY%26Action%3DSendSms%26Format%3DJSON"},
		{"signed for GET, sent by POST", func() url.Values { return signed("GET", simKey, simSecret, simNow, ok) }, 400, "SignatureDoesNotMatch", ""},
		{"parameter changed after signing", func() url.Values {
			p := signed("POST", simKey, simSecret, simNow, ok)
			p.Set("PhoneNumbers", "13900139000")
			return p
		}, 400, "SignatureDoesNotMatch", ""},
		{"unknown AccessKeyId", func() url.Values { return signed("POST", "NOBODY", simSecret, simNow, ok) }, 404, "InvalidAccessKeyId.NotFound", ""},
		{"no signature", func() url.Values {
			p := signed("POST", simKey, simSecret, simNow, ok)
			p.Del("Signature")
			return p
		}, 400, "MissingParameter", `"Signature"`},
		{"16 minutes old", func() url.Values { return signed("POST", simKey, simSecret, simNow.Add(-16*time.Minute), ok) }, 400, "InvalidTimeStamp.Expired", ""},
		{"16 minutes ahead", func() url.Values { return signed("POST", simKey, simSecret, simNow.Add(16*time.Minute), ok) }, 400, "InvalidTimeStamp.Expired", ""},
		{"unknown action", func() url.Values {
			return signed("POST", simKey, simSecret, simNow, url.Values{"Action": {"SendBatchSmsX"}})
		}, 404, "InvalidAction.NotFound", ""},
		{"bad phone", func() url.Values {
			return signed("POST", simKey, simSecret, simNow, sendSms("1380013800", "SMS_SHIPPED", `{"order":"1","carrier":"x","link":"y"}`, "k"))
		}, 200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"},
		{"number value", func() url.Values {
			return signed("POST", simKey, simSecret, simNow, sendSms("13800138000", "SMS_SHIPPED", `{"order":1,"carrier":"x","link":"y"}`, "k"))
		}, 200, "isv.INVALID_JSON_PARAM", "只接受字符串值"},
		{"TemplateParam not JSON", func() url.Values {
			return signed("POST", simKey, simSecret, simNow, sendSms("13800138000", "SMS_SHIPPED", `order=1`, "k"))
		}, 200, "isv.INVALID_JSON_PARAM", ""},
		{"unknown template", func() url.Values {
			return signed("POST", simKey, simSecret, simNow, sendSms("13800138000", "SMS_OTHER", `{}`, "k"))
		}, 200, "isv.SMS_TEMPLATE_ILLEGAL", ""},
		{"missing variable", func() url.Values {
			return signed("POST", simKey, simSecret, simNow, sendSms("13800138000", "SMS_SHIPPED", `{"order":"1","carrier":"x"}`, "k"))
		}, 200, "isv.TEMPLATE_MISSING_PARAMETERS", "link"},
		{"no sign name", func() url.Values {
			p := sendSms("13800138000", "SMS_SHIPPED", `{"order":"1","carrier":"x","link":"y"}`, "k")
			p.Del("SignName")
			return signed("POST", simKey, simSecret, simNow, p)
		}, 400, "MissingParameter", "SignName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, srv, _ := newSim(t, Config{SMSTemplates: templates})
			status, body := post(t, srv, tt.params())
			if status != tt.status || body["Code"] != tt.code || !strings.Contains(body["Message"].(string), tt.message) {
				t.Fatalf("got %d %v, want %d %s %q", status, body, tt.status, tt.code, tt.message)
			}
			if body["RequestId"] == "" {
				t.Error("no RequestId")
			}
			n := len(s.Messages(""))
			if want := map[bool]int{true: 1, false: 0}[tt.code == "OK"]; n != want {
				t.Errorf("recorded %d messages, want %d", n, want)
			}
			if tt.code == "OK" {
				if got, want := s.Messages("")[0].Text, "【瓶迹】您的订单WX-1已由顺丰发出，查看：https://t.example.com/t/x"; got != want {
					t.Errorf("text: got %q, want %q", got, want)
				}
			}
		})
	}
}

func TestAliyunQuerySendDetails(t *testing.T) {
	t.Parallel()
	s, srv, c := newSim(t, Config{AliyunKeys: map[string]string{simKey: simSecret, "OTHER": "other-secret"}})
	send := func(key, secret, phone, outID string) string {
		t.Helper()
		_, body := post(t, srv, signed("POST", key, secret, c.Now(), sendSms(phone, "SMS_X", `{"a":"1"}`, outID)))
		if body["Code"] != "OK" {
			t.Fatalf("send: %v", body)
		}
		return body["BizId"].(string)
	}
	for i := range 3 {
		send(simKey, simSecret, "13800138000", "ntf-"+strconv.Itoa(i))
	}
	send(simKey, simSecret, "+8613900139000", "ntf-other-phone")
	send("OTHER", "other-secret", "13800138000", "ntf-other-account")
	c.Add(24 * time.Hour)
	last := send(simKey, simSecret, "8613800138000", "ntf-next-day")
	if len(s.Messages(trail.ChannelSMS)) != 6 {
		t.Fatalf("got %d messages", len(s.Messages(trail.ChannelSMS)))
	}

	query := func(phone, date, size, page, bizID string) map[string]any {
		t.Helper()
		p := url.Values{"Action": {"QuerySendDetails"}, "PhoneNumber": {phone}, "SendDate": {date}, "PageSize": {size}, "CurrentPage": {page}}
		if bizID != "" {
			p.Set("BizId", bizID)
		}
		status, body := post(t, srv, signed("POST", simKey, simSecret, c.Now(), p))
		if status != 200 {
			t.Fatalf("query: %d %v", status, body)
		}
		return body
	}
	outIDs := func(body map[string]any) []string {
		var out []string
		for _, d := range body["SmsSendDetailDTOs"].(map[string]any)["SmsSendDetailDTO"].([]any) {
			out = append(out, d.(map[string]any)["OutId"].(string))
		}
		return out
	}
	tests := []struct {
		name                    string
		phone, date, size, page string
		bizID                   string
		total                   float64
		want                    []string
	}{
		{"first day, newest first", "13800138000", "20261201", "50", "1", "", 3, []string{"ntf-2", "ntf-1", "ntf-0"}},
		{"page 2 of 2", "13800138000", "20261201", "2", "2", "", 3, []string{"ntf-0"}},
		{"past the end", "13800138000", "20261201", "2", "3", "", 3, nil},
		{"next day, number given with +86", "+8613800138000", "20261202", "50", "1", "", 1, []string{"ntf-next-day"}},
		{"by BizId", "13800138000", "20261202", "50", "1", last, 1, []string{"ntf-next-day"}},
		{"another number", "13900139000", "20261201", "50", "1", "", 1, []string{"ntf-other-phone"}},
		{"a day without messages", "13800138000", "20261130", "50", "1", "", 0, nil},
	}
	for _, tt := range tests {
		body := query(tt.phone, tt.date, tt.size, tt.page, tt.bizID)
		if body["Code"] != "OK" || body["TotalCount"] != tt.total || strings.Join(outIDs(body), ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: got %v, want total %v, OutIds %v", tt.name, body, tt.total, tt.want)
		}
	}
	if body := query("13800138000", "2026-12-01", "50", "1", ""); body["Code"] != "isv.INVALID_PARAMETERS" {
		t.Errorf("bad SendDate: got %v", body)
	}
	if body := query("13800138000", "20261201", "51", "1", ""); body["Code"] != "isv.INVALID_PARAMETERS" {
		t.Errorf("PageSize 51: got %v", body)
	}
}
