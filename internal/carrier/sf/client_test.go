package sf_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/carrier/sf"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// received is a request the fake gateway accepted.
type received struct {
	Service, RequestID, Timestamp, MsgData, MsgDigest string
}

// fakeSF is SF's gateway as the reference describes it: it recomputes
// msgDigest from the exact fields received (A1006 if it differs), rejects a
// repeated requestID (A1007) and answers accepted requests with answer.
type fakeSF struct {
	t      *testing.T
	answer func(r received) (status int, body string)

	mu   sync.Mutex
	seen map[string]bool
	got  []received
}

func (f *fakeSF) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/std/service" ||
		!strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		f.t.Errorf("fake sf: got %s %s %s, want a form POST to /std/service", req.Method, req.URL.Path, req.Header.Get("Content-Type"))
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if err := req.ParseForm(); err != nil {
		f.t.Errorf("fake sf: %v", err)
	}
	r := received{req.PostForm.Get("serviceCode"), req.PostForm.Get("requestID"),
		req.PostForm.Get("timestamp"), req.PostForm.Get("msgData"), req.PostForm.Get("msgDigest")}
	f.mu.Lock()
	dup := f.seen[r.RequestID]
	if f.seen == nil {
		f.seen = map[string]bool{}
	}
	f.seen[r.RequestID] = true
	f.mu.Unlock()
	switch {
	case len(req.PostForm) != 6 || r.RequestID == "" || r.Timestamp == "" || r.MsgData == "":
		f.t.Errorf("fake sf: got form %v, want the six envelope fields", req.PostForm)
		writeJSON(w, gatewayAnswer("A1001", "缺少必要参数", nil))
	case req.PostForm.Get("partnerID") != testPartnerID || sf.Digest(r.MsgData, r.Timestamp, testCheckWord) != r.MsgDigest:
		writeJSON(w, gatewayAnswer("A1006", "数字签名无效", nil))
	case dup:
		writeJSON(w, gatewayAnswer("A1007", "重复请求", nil))
	default:
		f.mu.Lock()
		f.got = append(f.got, r)
		f.mu.Unlock()
		status, body := f.answer(r)
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

func (f *fakeSF) requests() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.got...)
}

func writeJSON(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Write([]byte(body))
}

// gatewayAnswer builds an outer answer; inner, if not nil, becomes
// apiResultData as a JSON string, as SF sends it.
func gatewayAnswer(code, msg string, inner any) string {
	var data any
	if inner != nil {
		b, _ := json.Marshal(inner)
		data = string(b)
	}
	b, _ := json.Marshal(map[string]any{"apiResultCode": code, "apiErrorMsg": msg, "apiResponseID": "R1", "apiResultData": data})
	return string(b)
}

// routesAnswer is a successful route query answer.
func routesAnswer(mailNo string, routes ...map[string]any) string {
	return gatewayAnswer("A1000", "", map[string]any{"success": true, "errorCode": "S0000",
		"msgData": map[string]any{"routeResps": []map[string]any{{"mailNo": mailNo, "routes": routes}}}})
}

type testBundle struct {
	fake   *fakeSF
	server *httptest.Server
	client *sf.Client
	acct   *trail.CarrierAccount
}

// setup starts a fake gateway answering with answer and a client with a
// fixed clock at the reference example's timestamp.
func setup(t *testing.T, answer func(received) (int, string)) *testBundle {
	t.Helper()
	f := &fakeSF{t: t, answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return &testBundle{
		fake:   f,
		server: srv,
		client: &sf.Client{HTTP: srv.Client(), Now: func() time.Time { return time.UnixMilli(1700000000000) }},
		acct:   testAccount(srv.URL),
	}
}

var exampleRequest = trail.TrackRequest{Carrier: "shunfeng", TrackingNo: "sf1234567890123", PhoneLast4: "5678"}

func TestQueryGolden(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"success.json": "", "no_routes.json": trail.ENOTFOUND, "business_failure.json": trail.EINVALID,
		"a1006.json": trail.EINVALID, "a1005.json": trail.EINTERNAL,
	}
	for _, path := range MustGlob(t, "testdata/query/*.json") {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body := string(MustReadFile(t, path))
			tb := setup(t, func(received) (int, string) { return http.StatusOK, body })
			u, err := tb.client.Query(context.Background(), tb.acct, exampleRequest)
			if code, ok := want[name]; !ok || trail.ErrorCode(err) != code {
				t.Errorf("Query: got %v, want code %q", err, code)
			}
			reqs := tb.fake.requests()
			if len(reqs) != 1 {
				t.Fatalf("requests: got %d, want 1", len(reqs))
			}
			// The request is the reference's worked example (§3.2), digest included.
			r := reqs[0]
			wantMsg := `{"language":"0","trackingType":"1","trackingNumber":["SF1234567890123"],"methodType":"1","checkPhoneNo":"5678"}`
			if r.Service != sf.ServiceSearchRoutes || r.MsgData != wantMsg || r.Timestamp != "1700000000000" || r.MsgDigest != "gsFZxzbvFL7RXr1hPEjVCA==" {
				t.Errorf("request: got %+v, want the reference's worked example", r)
			}
			CompareGolden(t, "query/"+strings.TrimSuffix(name, ".json")+".golden", struct {
				Update *trail.TrackUpdate `json:"update,omitempty"`
				Error  *errorView         `json:"error,omitempty"`
			}{u, viewError(err)})
		})
	}
}

func TestQueryErrors(t *testing.T) {
	t.Parallel()
	ok := routesAnswer("SF1234567890123", map[string]any{"acceptTime": "2026-06-01 18:02:11", "opCode": "50", "remark": "已收取快件"})
	answer := func(status int, body string) func(received) (int, string) {
		return func(received) (int, string) { return status, body }
	}
	tests := []struct {
		name        string
		answer      func(received) (int, string)
		req         trail.TrackRequest
		code        string // "" for success
		unavailable bool
		text        string // in the message
	}{
		{name: "ok", answer: answer(200, ok)},
		{name: "500", answer: answer(500, "oops"), code: trail.EINTERNAL, unavailable: true},
		{name: "502", answer: answer(502, ""), code: trail.EINTERNAL, unavailable: true},
		{name: "429", answer: answer(429, ""), code: trail.EINTERNAL, unavailable: true},
		{name: "404", answer: answer(404, "not found"), code: trail.EINTERNAL, text: "http status 404"},
		{name: "html", answer: answer(200, "<html>维护中</html>"), code: trail.EINTERNAL, unavailable: true},
		{name: "A1005 throttled", answer: answer(200, gatewayAnswer("A1005", "流量受控", nil)), code: trail.EINTERNAL, unavailable: true},
		{name: "A1009", answer: answer(200, gatewayAnswer("A1009", "", nil)), code: trail.EINTERNAL, unavailable: true},
		{name: "A1099", answer: answer(200, gatewayAnswer("A1099", "系统异常", nil)), code: trail.EINTERNAL, unavailable: true},
		{name: "A1001", answer: answer(200, gatewayAnswer("A1001", "", nil)), code: trail.EINVALID, text: "required parameter"},
		{name: "A1002", answer: answer(200, gatewayAnswer("A1002", "", nil)), code: trail.EINVALID, text: "clock"},
		{name: "A1004", answer: answer(200, gatewayAnswer("A1004", "无权限", nil)), code: trail.EINVALID, text: "no permission"},
		{name: "A1006", answer: answer(200, gatewayAnswer("A1006", "", nil)), code: trail.EINVALID, text: "check partner_id and check_word"},
		{name: "A1007", answer: answer(200, gatewayAnswer("A1007", "", nil)), code: trail.EINVALID, text: "duplicate requestID"},
		{name: "unknown gateway code", answer: answer(200, gatewayAnswer("A1234", "新错误", nil)), code: trail.EINVALID, text: "新错误"},
		{name: "success false", answer: answer(200, gatewayAnswer("A1000", "", map[string]any{"success": false, "errorCode": "8152", "errorMsg": "无权限"})),
			code: trail.EINVALID, text: "无权限 (errorCode 8152)"},
		{name: "success as a string", answer: answer(200, gatewayAnswer("A1000", "", map[string]any{"success": "true", "errorCode": "S0000",
			"msgData": map[string]any{"routeResps": []any{map[string]any{"mailNo": "SF1234567890123", "routes": []any{map[string]any{"acceptTime": "2026-06-01 18:02:11", "opCode": 50}}}}}}))},
		{name: "apiResultData as an object", answer: answer(200, `{"apiResultCode":"A1000","apiResultData":`+
			`{"success":true,"msgData":{"routeResps":[{"mailNo":"SF1234567890123","routes":[{"acceptTime":"2026-06-01 18:02:11","opCode":"50"}]}]}}}`)},
		{name: "apiResultData missing", answer: answer(200, `{"apiResultCode":"A1000"}`), code: trail.EINTERNAL, unavailable: true},
		{name: "routes of another waybill", answer: answer(200, routesAnswer("SF9999999999999", map[string]any{"acceptTime": "2026-06-01 18:02:11", "opCode": "50"})),
			code: trail.ENOTFOUND},
		{name: "no msgData", answer: answer(200, gatewayAnswer("A1000", "", map[string]any{"success": true, "errorCode": "S0000"})), code: trail.ENOTFOUND},
		{name: "no routeResps", answer: answer(200, gatewayAnswer("A1000", "", map[string]any{"success": true, "msgData": map[string]any{}})), code: trail.ENOTFOUND},
		{name: "route with a bad time", answer: answer(200, routesAnswer("SF1234567890123", map[string]any{"acceptTime": "yesterday", "opCode": "50"})),
			code: trail.EINTERNAL, text: "acceptTime"},
		{name: "other carrier", req: trail.TrackRequest{Carrier: "zhongtong", TrackingNo: "73190553102532"}, code: trail.EINVALID, text: "only SF Express"},
		{name: "no tracking number", req: trail.TrackRequest{Carrier: "shunfeng", TrackingNo: " "}, code: trail.EINVALID},
		{name: "bad phone", req: trail.TrackRequest{Carrier: "shunfeng", TrackingNo: "SF1234567890123", PhoneLast4: "56a8"}, code: trail.EINVALID, text: "four digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.answer == nil {
				tt.answer = func(received) (int, string) {
					t.Error("request sent, want none")
					return 500, ""
				}
			}
			if tt.req.Carrier == "" {
				tt.req = exampleRequest
			}
			tb := setup(t, tt.answer)
			u, err := tb.client.Query(context.Background(), tb.acct, tt.req)
			if got := trail.ErrorCode(err); got != tt.code {
				t.Fatalf("Query: got %v, want code %q", err, tt.code)
			}
			if got := errors.Is(err, trail.ErrProviderUnavailable); got != tt.unavailable {
				t.Errorf("Query: got %v, want unavailable %v", err, tt.unavailable)
			}
			if err != nil && !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Query: got %q, want it to say %q", err, tt.text)
			}
			if err == nil && (u.Carrier != "shunfeng" || u.TrackingNo != "SF1234567890123" || len(u.Events) != 1 ||
				u.Events[0].Status != trail.StatusPickedUp || u.Events[0].Source != trail.SourcePoll) {
				t.Errorf("Query: got %+v, want one picked_up poll event of SF1234567890123", u)
			}
		})
	}
}

func TestQueryRequest(t *testing.T) {
	t.Parallel()
	ok := routesAnswer("SF1234567890123", map[string]any{"acceptTime": "2026-06-01 18:02:11", "opCode": "50"})

	t.Run("shunfengkuaiyun without phone", func(t *testing.T) {
		t.Parallel()
		tb := setup(t, func(received) (int, string) { return 200, ok })
		u, err := tb.client.Query(context.Background(), tb.acct, trail.TrackRequest{Carrier: "ShunFengKuaiYun", TrackingNo: "SF1234567890123"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Carrier != "shunfengkuaiyun" {
			t.Errorf("carrier: got %q, want shunfengkuaiyun", u.Carrier)
		}
		if got, want := tb.fake.requests()[0].MsgData, `{"language":"0","trackingType":"1","trackingNumber":["SF1234567890123"],"methodType":"1"}`; got != want {
			t.Errorf("msgData: got %s, want %s", got, want)
		}
	})
	t.Run("base URL with the service path", func(t *testing.T) {
		t.Parallel()
		tb := setup(t, func(received) (int, string) { return 200, ok })
		tb.acct.BaseURL += "/std/service/"
		if _, err := tb.client.Query(context.Background(), tb.acct, exampleRequest); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("request ids are unique UUIDs", func(t *testing.T) {
		t.Parallel()
		tb := setup(t, func(received) (int, string) { return 200, ok })
		tb.client.NewRequestID = nil
		for range 20 {
			if _, err := tb.client.Query(context.Background(), tb.acct, exampleRequest); err != nil {
				t.Fatal(err) // a repeated requestID is answered with A1007
			}
		}
		uuid4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
		for _, r := range tb.fake.requests() {
			if !uuid4.MatchString(r.RequestID) {
				t.Errorf("requestID: got %q, want a UUID version 4", r.RequestID)
			}
		}
	})
	t.Run("repeated request id", func(t *testing.T) {
		t.Parallel()
		tb := setup(t, func(received) (int, string) { return 200, ok })
		tb.client.NewRequestID = func() string { return "same" }
		if _, err := tb.client.Query(context.Background(), tb.acct, exampleRequest); err != nil {
			t.Fatal(err)
		}
		_, err := tb.client.Query(context.Background(), tb.acct, exampleRequest)
		if trail.ErrorCode(err) != trail.EINVALID || !strings.Contains(err.Error(), "A1007") {
			t.Errorf("second Query: got %v, want the gateway's A1007", err)
		}
	})
	t.Run("wrong check word", func(t *testing.T) {
		t.Parallel()
		tb := setup(t, func(received) (int, string) { return 200, ok })
		tb.acct.Credentials["check_word"] = "WRONG"
		_, err := tb.client.Query(context.Background(), tb.acct, exampleRequest)
		var te *trail.Error
		if !errors.As(err, &te) || te.Code != trail.EINVALID || te.Field != "credentials" {
			t.Errorf("Query: got %v, want EINVALID on credentials", err)
		}
	})
	t.Run("missing credentials", func(t *testing.T) {
		t.Parallel()
		tb := setup(t, func(received) (int, string) { t.Error("request sent, want none"); return 500, "" })
		delete(tb.acct.Credentials, "partner_id")
		if _, err := tb.client.Query(context.Background(), tb.acct, exampleRequest); trail.ErrorCode(err) != trail.EINVALID {
			t.Errorf("Query: got %v, want EINVALID", err)
		}
		if _, err := tb.client.Query(context.Background(), nil, exampleRequest); trail.ErrorCode(err) != trail.EINVALID {
			t.Errorf("Query without account: got %v, want EINVALID", err)
		}
	})
}

func TestQueryOutage(t *testing.T) {
	t.Parallel()

	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		_, err := (&sf.Client{}).Query(context.Background(), testAccount(srv.URL), exampleRequest)
		if !errors.Is(err, trail.ErrProviderUnavailable) {
			t.Errorf("Query: got %v, want ErrProviderUnavailable", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		tb := setup(t, func(received) (int, string) { <-release; return 200, "" })
		defer close(release)
		tb.client.HTTP = &http.Client{Timeout: 50 * time.Millisecond}
		_, err := tb.client.Query(context.Background(), tb.acct, exampleRequest)
		if !errors.Is(err, trail.ErrProviderUnavailable) {
			t.Errorf("Query: got %v, want ErrProviderUnavailable", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		tb := setup(t, func(received) (int, string) { return 200, "" })
		_, err := tb.client.Query(ctx, tb.acct, exampleRequest)
		if !errors.Is(err, trail.ErrProviderUnavailable) || !errors.Is(err, context.Canceled) {
			t.Errorf("Query: got %v, want ErrProviderUnavailable and context.Canceled", err)
		}
	})
}

func TestSubscribe(t *testing.T) {
	t.Parallel()
	success := gatewayAnswer("A1000", "", map[string]any{"success": true, "errorCode": "S0000", "msgData": nil})
	tests := []struct {
		name        string
		status      int
		body        string
		req         trail.TrackRequest
		code        string
		unavailable bool
	}{
		{name: "ok", status: 200, body: success},
		{name: "A1006", status: 200, body: gatewayAnswer("A1006", "数字签名无效", nil), code: trail.EINVALID},
		{name: "A1005", status: 200, body: gatewayAnswer("A1005", "", nil), code: trail.EINTERNAL, unavailable: true},
		{name: "502", status: 502, body: "", code: trail.EINTERNAL, unavailable: true},
		{name: "success false", status: 200, body: gatewayAnswer("A1000", "", map[string]any{"success": false, "errorCode": "1010", "errorMsg": "运单号不合法"}), code: trail.EINVALID},
		{name: "other carrier", req: trail.TrackRequest{Carrier: "yuantong", TrackingNo: "YT1234567890123"}, code: trail.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb := setup(t, func(r received) (int, string) {
				if tt.status == 0 {
					t.Error("request sent, want none")
				}
				return tt.status, tt.body
			})
			if tt.req.Carrier == "" {
				tt.req = exampleRequest
				tt.req.CallbackURL = "https://bottletrail.example/hooks/sf/brand?token=tok"
			}
			err := tb.client.Subscribe(context.Background(), tb.acct, tt.req)
			if got := trail.ErrorCode(err); got != tt.code || errors.Is(err, trail.ErrProviderUnavailable) != tt.unavailable {
				t.Fatalf("Subscribe: got %v, want code %q, unavailable %v", err, tt.code, tt.unavailable)
			}
			if tt.status == 0 {
				return
			}
			r := tb.fake.requests()[0]
			if want := `{"trackingType":"1","trackingNumber":["SF1234567890123"],"checkPhoneNo":"5678"}`; r.Service != sf.ServiceRegisterRoute || r.MsgData != want {
				t.Errorf("request: got %s %s, want %s %s", r.Service, r.MsgData, sf.ServiceRegisterRoute, want)
			}
		})
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	if got := (&sf.Client{}).Name(); got != trail.ProviderSF {
		t.Errorf("Name: got %q, want %q", got, trail.ProviderSF)
	}
}

// roundTripFunc is an http.RoundTripper from a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestQueryProductionURL(t *testing.T) {
	t.Parallel()
	var got string
	c := &sf.Client{HTTP: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r.URL.String()
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Body: http.NoBody, Request: r}, nil
	})}}
	_, err := c.Query(context.Background(), testAccount(""), exampleRequest)
	if !errors.Is(err, trail.ErrProviderUnavailable) {
		t.Errorf("Query: got %v, want ErrProviderUnavailable", err)
	}
	if want := "https://sfapi.sf-express.com/std/service"; got != want {
		t.Errorf("URL: got %s, want %s", got, want)
	}
}
