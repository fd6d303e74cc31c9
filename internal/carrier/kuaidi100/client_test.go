package kuaidi100

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// fakeServer is a Kuaidi100 endpoint that checks each request with check
// and answers with the fixture it returns (or with what check wrote).
type fakeServer struct {
	*httptest.Server
	requests atomic.Int32
}

// newFakeServer starts a server on path; check returns the answer's body,
// "" after writing its own answer.
func newFakeServer(t *testing.T, path string, check func(t *testing.T, w http.ResponseWriter, r *http.Request) string) *fakeServer {
	t.Helper()
	s := &fakeServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != path {
			t.Errorf("got %s %s, want POST %s", r.Method, r.URL.Path, path)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			t.Errorf("content type: got %q, want a form", ct)
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("parse form: %v", err)
		}
		if body := check(t, w, r); body != "" {
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
			w.Write([]byte(body))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// wantSubscribeParam is the exact param the test subscription sends.
const wantSubscribeParam = `{"company":"shunfeng","number":"SF1402318825791","key":"TESTKEY","parameters":{"callbackurl":"https://bt.example.com/hooks/kuaidi100/acme?token=t0k&x=1","salt":"s4lt-for-tests","resultv2":"4","phone":"0000"}}`

var testSubscription = trail.TrackRequest{
	Carrier:     "SHUNFENG",
	TrackingNo:  " sf1402318825791 ",
	PhoneLast4:  "0000",
	CallbackURL: "https://bt.example.com/hooks/kuaidi100/acme?token=t0k&x=1",
}

func TestSubscribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		code    string // trail code, "" for success
		retry   bool   // wraps ErrProviderUnavailable
		message string // part of the error's message
	}{
		{"ok", "", false, ""},
		{"duplicate", "", false, ""},
		{"server_error", trail.EINTERNAL, true, ""},
		{"bad_data", trail.EINVALID, false, "错误的回调地址"},
		{"bad_key", trail.EINVALID, false, "授权Key出错"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			srv := newFakeServer(t, SubscribePath, func(t *testing.T, w http.ResponseWriter, r *http.Request) string {
				if got := r.PostForm.Get("schema"); got != "json" {
					t.Errorf("schema: got %q, want json", got)
				}
				if got := r.PostForm.Get("param"); got != wantSubscribeParam {
					t.Errorf("param:\ngot  %s\nwant %s", got, wantSubscribeParam)
				}
				if len(r.PostForm) != 2 {
					t.Errorf("form: got %v, want schema and param only", r.PostForm)
				}
				return string(MustReadFile(t, "subscribe/"+tt.fixture+".json"))
			})
			err := (&Client{}).Subscribe(context.Background(), testAccount(srv.URL+"/"), testSubscription)
			if code := trail.ErrorCode(err); code != tt.code {
				t.Fatalf("got %v (%q), want code %q", err, code, tt.code)
			}
			if errors.Is(err, trail.ErrProviderUnavailable) != tt.retry {
				t.Errorf("got %v, want retry %v", err, tt.retry)
			}
			if err != nil && !strings.Contains(trail.ErrorMessage(err)+err.Error(), tt.message) {
				t.Errorf("got %v, want the provider's message %q", err, tt.message)
			}
		})
	}
}

// Without a phone the param has none; the company code and number go out
// as Kuaidi100 writes them.
func TestSubscribeNoPhone(t *testing.T) {
	t.Parallel()
	srv := newFakeServer(t, SubscribePath, func(t *testing.T, w http.ResponseWriter, r *http.Request) string {
		var p map[string]any
		if err := json.Unmarshal([]byte(r.PostForm.Get("param")), &p); err != nil {
			t.Fatal(err)
		}
		if _, ok := p["parameters"].(map[string]any)["phone"]; ok || p["company"] != "yuantong" || p["number"] != "YT1234567890123" {
			t.Errorf("param: got %v", p)
		}
		return string(MustReadFile(t, "subscribe/ok.json"))
	})
	req := trail.TrackRequest{Carrier: "yuantong", TrackingNo: "YT1234567890123", CallbackURL: "http://127.0.0.1/hooks"}
	if err := (&Client{}).Subscribe(context.Background(), testAccount(srv.URL), req); err != nil {
		t.Fatal(err)
	}
}

// Requests that cannot succeed are refused before anything is sent.
func TestSubscribeInvalid(t *testing.T) {
	t.Parallel()
	srv := newFakeServer(t, SubscribePath, func(t *testing.T, w http.ResponseWriter, r *http.Request) string {
		t.Error("the request was sent")
		return "{}"
	})
	noKey, noSalt := testAccount(srv.URL), testAccount(srv.URL)
	delete(noKey.Credentials, CredKey)
	delete(noSalt.Credentials, CredSalt)
	with := func(f func(*trail.TrackRequest)) trail.TrackRequest {
		r := testSubscription
		f(&r)
		return r
	}
	tests := []struct {
		name  string
		acct  *trail.CarrierAccount
		req   trail.TrackRequest
		field string
	}{
		{"no key", noKey, testSubscription, "credentials.key"},
		{"no salt", noSalt, testSubscription, "credentials.salt"},
		{"no callback", testAccount(srv.URL), with(func(r *trail.TrackRequest) { r.CallbackURL = "" }), "callback_url"},
		{"no carrier", testAccount(srv.URL), with(func(r *trail.TrackRequest) { r.Carrier = " " }), "carrier"},
		{"short number", testAccount(srv.URL), with(func(r *trail.TrackRequest) { r.TrackingNo = "12345" }), "tracking_no"},
		{"bad phone", testAccount(srv.URL), with(func(r *trail.TrackRequest) { r.PhoneLast4 = "13800000000" }), "phone_last4"},
	}
	for _, tt := range tests {
		err := (&Client{}).Subscribe(context.Background(), tt.acct, tt.req)
		if e := MustHaveCode(t, err, trail.EINVALID); e.Field != tt.field {
			t.Errorf("%s: field: got %q, want %q", tt.name, e.Field, tt.field)
		}
	}
}

// Outages are worth retrying: HTTP 5xx, an unreadable answer, a timeout, a
// refused connection.
func TestSubscribeUnavailable(t *testing.T) {
	t.Parallel()
	tests := map[string]func(t *testing.T, w http.ResponseWriter, r *http.Request) string{
		"http 502": func(t *testing.T, w http.ResponseWriter, r *http.Request) string {
			w.WriteHeader(http.StatusBadGateway)
			return ""
		},
		"html page": func(t *testing.T, w http.ResponseWriter, r *http.Request) string {
			return "<html>维护中</html>"
		},
		"timeout": func(t *testing.T, w http.ResponseWriter, r *http.Request) string {
			<-r.Context().Done()
			return ""
		},
	}
	for name, handler := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newFakeServer(t, SubscribePath, handler)
			c := &Client{HTTP: &http.Client{Timeout: 100 * time.Millisecond}}
			err := c.Subscribe(context.Background(), testAccount(srv.URL), testSubscription)
			if !errors.Is(err, trail.ErrProviderUnavailable) {
				t.Fatalf("got %v, want ErrProviderUnavailable", err)
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		err := (&Client{}).Subscribe(context.Background(), testAccount(srv.URL), testSubscription)
		if !errors.Is(err, trail.ErrProviderUnavailable) {
			t.Fatalf("got %v, want ErrProviderUnavailable", err)
		}
	})
}

// wantQueryParam is the exact param the test query sends.
const wantQueryParam = `{"com":"shunfeng","num":"SF1402318825791","phone":"0000","resultv2":"4","show":"0","order":"desc"}`

var testQuery = trail.TrackRequest{Carrier: "shunfeng", TrackingNo: "SF1402318825791", PhoneLast4: "0000"}

// queryServer checks the query's form and signature and answers with a
// fixture.
func queryServer(t *testing.T, fixture string) *fakeServer {
	return newFakeServer(t, QueryPath, func(t *testing.T, w http.ResponseWriter, r *http.Request) string {
		param := r.PostForm.Get("param")
		if param != wantQueryParam {
			t.Errorf("param:\ngot  %s\nwant %s", param, wantQueryParam)
		}
		if got := r.PostForm.Get("customer"); got != testCustomer {
			t.Errorf("customer: got %q, want %q", got, testCustomer)
		}
		if got, want := r.PostForm.Get("sign"), QuerySign(param, testKey, testCustomer); got != want {
			t.Errorf("sign: got %q, want %q", got, want)
			return string(MustReadFile(t, "query/bad_sign.json"))
		}
		if len(r.PostForm) != 3 {
			t.Errorf("form: got %v, want customer, sign and param only", r.PostForm)
		}
		return string(MustReadFile(t, "query/"+fixture+".json"))
	})
}

func TestQuery(t *testing.T) {
	t.Parallel()
	srv := queryServer(t, "success")
	got, err := (&Client{}).Query(context.Background(), testAccount(srv.URL), testQuery)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkUpdates([]trail.TrackUpdate{*got}, trail.SourcePoll); err != nil {
		t.Error(err)
	}
	MustMatchGolden(t, "query/success.golden", got)
}

func TestQueryFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		code    string
		retry   bool
	}{
		{"no_result", trail.ENOTFOUND, false},
		{"bad_sign", trail.EINVALID, false},
		{"bad_request", trail.EINVALID, false},
		{"key_expired", trail.EINVALID, false},
		{"server_error", trail.EINTERNAL, true},
		{"busy", trail.EINTERNAL, true},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			srv := queryServer(t, tt.fixture)
			got, err := (&Client{}).Query(context.Background(), testAccount(srv.URL), testQuery)
			if code := trail.ErrorCode(err); code != tt.code || errors.Is(err, trail.ErrProviderUnavailable) != tt.retry {
				t.Fatalf("got %v (%q), want code %q, retry %v", err, code, tt.code, tt.retry)
			}
			if got != nil {
				t.Errorf("got %v with the error, want nothing", got)
			}
		})
	}
}

func TestQueryTimeout(t *testing.T) {
	t.Parallel()
	srv := newFakeServer(t, QueryPath, func(t *testing.T, w http.ResponseWriter, r *http.Request) string {
		<-r.Context().Done()
		return ""
	})
	c := &Client{HTTP: &http.Client{Timeout: 100 * time.Millisecond}}
	_, err := c.Query(context.Background(), testAccount(srv.URL), testQuery)
	if !errors.Is(err, trail.ErrProviderUnavailable) {
		t.Fatalf("got %v, want ErrProviderUnavailable", err)
	}
}

// A number answered less than QueryInterval ago is not sent again, so that
// Kuaidi100 does not lock it; failures that are worth retrying do not
// count, and other numbers and accounts are not held back.
func TestQueryInterval(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2024, 6, 3, 12, 0, 0, 0, trail.ChinaTime)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }

	fixture := "busy"
	srv := newFakeServer(t, QueryPath, func(t *testing.T, w http.ResponseWriter, r *http.Request) string {
		return string(MustReadFile(t, "query/"+fixture+".json"))
	})
	c := &Client{Now: clock}
	query := func(acct *trail.CarrierAccount, req trail.TrackRequest) error {
		_, err := c.Query(context.Background(), acct, req)
		return err
	}
	acct := testAccount(srv.URL)

	if err := query(acct, testQuery); !errors.Is(err, trail.ErrProviderUnavailable) {
		t.Fatalf("busy: got %v", err)
	}
	fixture = "success"
	if err := query(acct, testQuery); err != nil {
		t.Fatalf("after busy: got %v, want an answer", err)
	}
	advance(QueryInterval - time.Second)
	if err := query(acct, testQuery); !errors.Is(err, trail.ErrProviderUnavailable) {
		t.Fatalf("too soon: got %v, want ErrProviderUnavailable", err)
	}
	if n := srv.requests.Load(); n != 2 {
		t.Errorf("got %d requests, want 2", n)
	}
	other := testQuery
	other.TrackingNo = "SF1402318825792"
	if err := query(acct, other); err != nil {
		t.Errorf("another number: got %v", err)
	}
	otherAcct := testAccount(srv.URL)
	otherAcct.Credentials[CredCustomer] = "OTHERCUSTOMER"
	if err := query(otherAcct, testQuery); err != nil {
		t.Errorf("another account: got %v", err)
	}
	if n := srv.requests.Load(); n != 4 {
		t.Errorf("got %d requests, want 4", n)
	}
	advance(time.Second)
	if err := query(acct, testQuery); err != nil {
		t.Fatalf("after the interval: got %v", err)
	}
}

func TestQueryInvalid(t *testing.T) {
	t.Parallel()
	srv := newFakeServer(t, QueryPath, func(t *testing.T, w http.ResponseWriter, r *http.Request) string {
		t.Error("the request was sent")
		return "{}"
	})
	noCustomer := testAccount(srv.URL)
	delete(noCustomer.Credentials, CredCustomer)
	_, err := (&Client{}).Query(context.Background(), noCustomer, testQuery)
	MustHaveCode(t, err, trail.EINVALID)
	_, err = (&Client{}).Query(context.Background(), testAccount(srv.URL), trail.TrackRequest{Carrier: "ems"})
	MustHaveCode(t, err, trail.EINVALID)
}

func TestEndpoint(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":                      "https://poll.kuaidi100.com/poll/query.do",
		"http://127.0.0.1:8080": "http://127.0.0.1:8080/poll/query.do",
		" http://sim.local/k/ ": "http://sim.local/k/poll/query.do",
	}
	for base, want := range tests {
		if got := endpoint(&trail.CarrierAccount{BaseURL: base}, QueryPath); got != want {
			t.Errorf("endpoint(%q): got %q, want %q", base, got, want)
		}
	}
	if got := (&Client{}).Name(); got != trail.ProviderKuaidi100 {
		t.Errorf("Name: got %q", got)
	}
}

// An answer under another company code than asked keeps the parcel as the
// request named it and reports the code Kuaidi100 found.
func TestQueryCorrectedCarrier(t *testing.T) {
	t.Parallel()
	srv := newFakeServer(t, QueryPath, func(t *testing.T, w http.ResponseWriter, r *http.Request) string {
		return strings.Replace(string(MustReadFile(t, "query/success.json")), `"com":"shunfeng"`, `"com":"shunfengkuaiyun"`, 1)
	})
	got, err := (&Client{}).Query(context.Background(), testAccount(srv.URL), testQuery)
	if err != nil {
		t.Fatal(err)
	}
	if got.Carrier != "shunfeng" || got.CorrectedCarrier != "shunfengkuaiyun" || got.TrackingNo != "SF1402318825791" {
		t.Errorf("got %s %s corrected to %q, want shunfeng SF1402318825791 corrected to shunfengkuaiyun", got.Carrier, got.TrackingNo, got.CorrectedCarrier)
	}
}
