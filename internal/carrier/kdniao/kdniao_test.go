package kdniao

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// The worked example of docs/CARRIER-PROTOCOLS.md §2.1.
const (
	exampleData = `{"OrderCode":"","ShipperCode":"YTO","LogisticCode":"YT1234567890123"}`
	exampleMD5  = "d0b76d5a2d285a1f398dfa76c7c96660"
	exampleSign = "ZDBiNzZkNWEyZDI4NWExZjM5OGRmYTc2YzdjOTY2NjA="
	exampleBody = "DataSign=ZDBiNzZkNWEyZDI4NWExZjM5OGRmYTc2YzdjOTY2NjA%3D&DataType=2&EBusinessID=1234567&RequestData=%7B%22OrderCode%22%3A%22%22%2C%22ShipperCode%22%3A%22YTO%22%2C%22LogisticCode%22%3A%22YT1234567890123%22%7D&RequestType=1002"
)

func TestSign(t *testing.T) {
	t.Parallel()
	sum := md5.Sum([]byte(exampleData + testKey))
	if got := hex.EncodeToString(sum[:]); got != exampleMD5 {
		t.Fatalf("md5hex: got %s, want %s", got, exampleMD5)
	}
	if got := Sign(exampleData, testKey); got != exampleSign {
		t.Errorf("Sign: got %s, want %s", got, exampleSign)
	}
}

func TestFormBody(t *testing.T) {
	t.Parallel()
	if got := form(testID, testKey, "1002", exampleData).Encode(); got != exampleBody {
		t.Errorf("body:\ngot  %s\nwant %s", got, exampleBody)
	}
}

// wantBody returns the exact form body of a request.
func wantBody(requestType, data string) string {
	return url.Values{
		"DataSign":    {Sign(data, testKey)},
		"DataType":    {"2"},
		"EBusinessID": {testID},
		"RequestData": {data},
		"RequestType": {requestType},
	}.Encode()
}

// checkRequest fails the test unless f received exactly one request: a
// form POST to path with body.
func checkRequest(t *testing.T, f *fakeKdniao, path, body string) {
	t.Helper()
	reqs := f.received()
	if len(reqs) != 1 {
		t.Fatalf("requests: got %d, want 1", len(reqs))
	}
	want := captured{http.MethodPost, path, "application/x-www-form-urlencoded;charset=utf-8", body}
	if reqs[0] != want {
		t.Errorf("request:\ngot  %+v\nwant %+v", reqs[0], want)
	}
	form, err := url.ParseQuery(reqs[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := form.Get("DataSign"), Sign(form.Get("RequestData"), testKey); got != want {
		t.Errorf("DataSign: got %s, want %s", got, want)
	}
}

func TestSubscribe(t *testing.T) {
	t.Parallel()
	const ok = `{"EBusinessID":"1234567","UpdateTime":"2024-05-06 15:08:09","Success":true,"Reason":"","EstimatedDeliveryTime":"2024-05-08"}`
	tests := []struct {
		name string
		req  trail.TrackRequest
		data string
	}{
		{"sf with phone", trail.TrackRequest{Carrier: "shunfeng", TrackingNo: "SF1234567890", PhoneLast4: "5678", CallbackURL: "https://example.com/hooks/kdniao/b?token=x"},
			`{"ShipperCode":"SF","LogisticCode":"SF1234567890","CustomerName":"5678"}`},
		{"phone only for sf", trail.TrackRequest{Carrier: "zhongtong", TrackingNo: " 78901234567890 ", PhoneLast4: "5678"},
			`{"ShipperCode":"ZTO","LogisticCode":"78901234567890"}`},
		{"ems", trail.TrackRequest{Carrier: "ems", TrackingNo: "EA123456785CN"},
			`{"ShipperCode":"EMS","LogisticCode":"EA123456785CN"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeKdniao(t, http.StatusOK, ok)
			if err := testClient().Subscribe(context.Background(), testAccount(f.URL+"/"), tt.req); err != nil {
				t.Fatal(err)
			}
			checkRequest(t, f, subscribePath, wantBody(requestSubscribe, tt.data))
		})
	}
}

func TestSubscribeRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		acct   func(url string) *trail.CarrierAccount
		req    trail.TrackRequest
		answer string
		field  string // of the EINVALID error
		sent   bool   // whether a request reaches Kuaidiniao
	}{
		{name: "unknown carrier", acct: testAccount, req: trail.TrackRequest{Carrier: "nosuch", TrackingNo: "123456"}, field: "carrier"},
		{name: "sf without phone", acct: testAccount, req: trail.TrackRequest{Carrier: "shunfeng", TrackingNo: "SF1234567890"}, field: "phone_last4"},
		{name: "sf with bad phone", acct: testAccount, req: trail.TrackRequest{Carrier: "shunfeng", TrackingNo: "SF1234567890", PhoneLast4: "12a4"}, field: "phone_last4"},
		{name: "no tracking number", acct: testAccount, req: trail.TrackRequest{Carrier: "yunda", TrackingNo: " "}, field: "tracking_no"},
		{name: "no credentials", acct: func(u string) *trail.CarrierAccount { return &trail.CarrierAccount{BaseURL: u} },
			req: trail.TrackRequest{Carrier: "yunda", TrackingNo: "4312345678901"}, field: "credentials"},
		{name: "success false", acct: testAccount, req: trail.TrackRequest{Carrier: "yunda", TrackingNo: "4312345678901"},
			answer: `{"EBusinessID":"1234567","Success":false,"Reason":"快递公司编码错误"}`, sent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeKdniao(t, http.StatusOK, tt.answer)
			err := testClient().Subscribe(context.Background(), tt.acct(f.URL), tt.req)
			checkCode(t, err, trail.EINVALID)
			if e := errorOf(err); e.Field != tt.field {
				t.Errorf("field: got %q, want %q", e.Field, tt.field)
			}
			if errors.Is(err, trail.ErrProviderUnavailable) {
				t.Error("a refusal must not be retryable")
			}
			if got := len(f.received()) > 0; got != tt.sent {
				t.Errorf("sent: got %v, want %v", got, tt.sent)
			}
			if tt.sent && !strings.Contains(err.Error(), "快递公司编码错误") {
				t.Errorf("error %q lacks Kuaidiniao's reason", err)
			}
		})
	}
}

// outages are provider failures worth retrying, and one that is not.
var outages = []struct {
	name        string
	status      int
	answer      string
	delay       time.Duration
	unavailable bool
}{
	{name: "500", status: http.StatusInternalServerError, answer: "oops", unavailable: true},
	{name: "503", status: http.StatusServiceUnavailable, unavailable: true},
	{name: "429", status: http.StatusTooManyRequests, unavailable: true},
	{name: "timeout", status: http.StatusOK, answer: `{"Success":true}`, delay: time.Second, unavailable: true},
	{name: "garbled answer", status: http.StatusOK, answer: "<html>gateway</html>", unavailable: true},
	{name: "404 is permanent", status: http.StatusNotFound, answer: "not found"},
}

func TestOutage(t *testing.T) {
	t.Parallel()
	req := trail.TrackRequest{Carrier: "yuantong", TrackingNo: "YT1234567890123"}
	calls := map[string]func(c *Client, acct *trail.CarrierAccount) error{
		"subscribe": func(c *Client, acct *trail.CarrierAccount) error {
			return c.Subscribe(context.Background(), acct, req)
		},
		"query": func(c *Client, acct *trail.CarrierAccount) error {
			_, err := c.Query(context.Background(), acct, req)
			return err
		},
	}
	for name, call := range calls {
		for _, tt := range outages {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					select {
					case <-time.After(tt.delay):
					case <-r.Context().Done():
						return
					}
					w.WriteHeader(tt.status)
					w.Write([]byte(tt.answer))
				}))
				t.Cleanup(srv.Close)
				c := &Client{HTTP: &http.Client{Timeout: 100 * time.Millisecond}}
				err := call(c, testAccount(srv.URL))
				if err == nil {
					t.Fatal("no error")
				}
				if got := errors.Is(err, trail.ErrProviderUnavailable); got != tt.unavailable {
					t.Errorf("errors.Is(%v, ErrProviderUnavailable): got %v, want %v", err, got, tt.unavailable)
				}
			})
		}
		t.Run(name+"/connection refused", func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.NotFoundHandler())
			srv.Close()
			if err := call(&Client{}, testAccount(srv.URL)); !errors.Is(err, trail.ErrProviderUnavailable) {
				t.Errorf("got %v, want ErrProviderUnavailable", err)
			}
		})
	}
}

func TestQuery(t *testing.T) {
	t.Parallel()
	req := trail.TrackRequest{Carrier: "zhongtong", TrackingNo: "78901234567890"}
	tests := []struct {
		file string
		code string // of the error, "" for success
	}{
		{"success", ""},
		{"failure", trail.EINVALID},
		{"no_trace", trail.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", "query", tt.file)
			f := newFakeKdniao(t, http.StatusOK, string(MustReadFile(t, path+".json")))
			up, err := testClient().Query(context.Background(), testAccount(f.URL), req)
			checkCode(t, err, tt.code)
			checkRequest(t, f, queryPath, wantBody(requestQuery, `{"ShipperCode":"ZTO","LogisticCode":"78901234567890"}`))
			checkGolden(t, path+".golden.json", struct {
				Update *trail.TrackUpdate `json:"update"`
				Error  *errorJSON         `json:"error,omitempty"`
			}{up, errorOf(err)})
		})
	}
}

func TestQueryBadAnswer(t *testing.T) {
	t.Parallel()
	f := newFakeKdniao(t, http.StatusOK, `{"Success":true,"State":"2","Traces":[{"AcceptTime":"soon","AcceptStation":"x","Action":"2"}]}`)
	_, err := testClient().Query(context.Background(), testAccount(f.URL), trail.TrackRequest{Carrier: "yunda", TrackingNo: "4312345678901"})
	checkCode(t, err, trail.EINTERNAL) // the provider's fault, not the caller's input
	if errors.Is(err, trail.ErrProviderUnavailable) {
		t.Error("a bad answer repeats: not worth retrying")
	}
}

func TestProductionURL(t *testing.T) {
	t.Parallel()
	if got := baseURL(&trail.CarrierAccount{}); got != "https://api.kdniao.com" {
		t.Errorf("got %s", got)
	}
	if got := (&Client{}).Name(); got != trail.ProviderKdniao {
		t.Errorf("Name: got %s", got)
	}
}
