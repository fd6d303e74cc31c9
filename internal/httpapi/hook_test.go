package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/httpapi"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// The callback tokens of the two brands' Kuaidi100 accounts.
const (
	hookTokenA = "tokenaaaaaaaaaaaaaaaaaaaaaaaaaa"
	hookTokenB = "tokenbbbbbbbbbbbbbbbbbbbbbbbbbb"
	hookPathA  = "/hooks/kuaidi100/plum-house?token=" + hookTokenA
	pushBody   = `param={"status":"polling"}&sign=F79009130DBFEDEDAB7A397F4F39F34E`
	formType   = "application/x-www-form-urlencoded"
)

// hookAccount returns a brand's Kuaidi100 account.
func hookAccount(brandID int64) *trail.CarrierAccount {
	token := hookTokenA
	if brandID == brandB {
		token = hookTokenB
	}
	return &trail.CarrierAccount{
		ID: brandID, Provider: trail.ProviderKuaidi100,
		Credentials:   map[string]string{"customer": secretCustomer, "key": secretKey, "salt": secretSalt},
		RatePerMinute: 60, CallbackToken: token,
	}
}

// replyStatus is the status the fake provider answers each error code
// with; the handler must send whatever the provider says.
var replyStatus = map[string]int{
	"":                  http.StatusOK,
	trail.EMALFORMED:    http.StatusBadRequest,
	trail.EUNAUTHORIZED: http.StatusForbidden,
	trail.ENOTFOUND:     http.StatusNotFound,
	trail.EINVALID:      http.StatusUnprocessableEntity,
	trail.ECONFLICT:     http.StatusConflict,
	trail.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	trail.EINTERNAL:     http.StatusServiceUnavailable,
}

// replyBody is the fake provider's reply body for an error code.
func replyBody(code string) string {
	if code == "" {
		return `{"result":true,"returnCode":"200","message":"成功"}`
	}
	return `{"result":false,"returnCode":"` + code + `"}`
}

// hookRecorder records, in order, what the handler asked of the services and
// of the provider during pushes.
type hookRecorder struct {
	mu         sync.Mutex
	calls      []string
	parsed     int
	replyAccts []*trail.CarrierAccount
	replyErrs  []error
}

func (h *hookRecorder) add(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, fmt.Sprintf(format, args...))
}

// hookSetup is a test server whose brands have Kuaidi100 accounts, whose
// provider answers ParsePush with parse and whose services record their
// calls. Apply fails with the error of applyErr for an update's tracking
// number; otherwise it finds no parcel for tracking numbers starting
// "LOST", and counts one new event per event of the others.
func hookSetup(t *testing.T, parse func() ([]trail.TrackUpdate, error), applyErr map[string]error) (*testBundle, *hookRecorder) {
	t.Helper()
	b := setup(t)
	h := &hookRecorder{}
	b.carriers.CarrierAccountFunc = func(_ context.Context, brandID int64, provider string) (*trail.CarrierAccount, error) {
		h.add("account %d %s", brandID, provider)
		if provider != trail.ProviderKuaidi100 {
			return nil, trail.Errorf(trail.ENOTFOUND, "no account")
		}
		return hookAccount(brandID), nil
	}
	b.provider.ParsePushFunc = func(acct *trail.CarrierAccount, contentType string, body []byte) ([]trail.TrackUpdate, error) {
		h.mu.Lock()
		h.parsed++
		h.mu.Unlock()
		h.add("parse %s %s %d bytes", acct.CallbackToken, contentType, len(body))
		if parse == nil {
			t.Error("ParsePush called")
			return nil, nil
		}
		return parse()
	}
	b.provider.ReplyFunc = func(acct *trail.CarrierAccount, err error) (int, string, []byte) {
		h.mu.Lock()
		h.replyAccts = append(h.replyAccts, acct)
		h.replyErrs = append(h.replyErrs, err)
		h.mu.Unlock()
		code := trail.ErrorCode(err)
		h.add("reply %s", code)
		return replyStatus[code], "application/json;charset=UTF-8", []byte(replyBody(code))
	}
	b.shipments.ApplyFunc = func(_ context.Context, brandID int64, updates []trail.TrackUpdate) ([]trail.Applied, error) {
		var parcels []string
		out := make([]trail.Applied, len(updates))
		for i, u := range updates {
			var descs []string
			for _, e := range u.Events {
				descs = append(descs, e.Description)
			}
			parcels = append(parcels, fmt.Sprintf("%s %s [%s]", u.Carrier, u.TrackingNo, strings.Join(descs, ",")))
			if err := applyErr[u.TrackingNo]; err != nil {
				h.add("apply %d %s", brandID, strings.Join(parcels, "; "))
				return nil, err
			}
			out[i] = trail.Applied{Carrier: u.Carrier, TrackingNo: u.TrackingNo, Found: !strings.HasPrefix(u.TrackingNo, "LOST")}
			if out[i].Found && len(u.Events) > 0 {
				out[i].Result = &trail.IngestResult{Shipment: &trail.Shipment{Carrier: u.Carrier, TrackingNo: u.TrackingNo}, New: len(u.Events)}
			}
			if out[i].Found && u.Resubscribe {
				at := testNow.Add(trail.ResubscribeDelay)
				out[i].Stopped, out[i].ResubscribeAt = true, &at
			}
		}
		h.add("apply %d %s", brandID, strings.Join(parcels, "; "))
		return out, nil
	}
	return b, h
}

// parseCall is how hookRecorder shows a ParsePush of brand A's account
// with a form body.
func parseCall(body string) string {
	return fmt.Sprintf("parse %s %s %d bytes", hookTokenA, formType, len(body))
}

// push posts a form to the hook path, without an API key.
func push(t *testing.T, b *testBundle, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	return b.do(t, "POST", path, "", body, "Content-Type", formType)
}

// mustReply checks that the answer is the provider's reply for code, sent
// as the provider gave it.
func mustReply(t *testing.T, rec *httptest.ResponseRecorder, code string) {
	t.Helper()
	mustStatus(t, rec, replyStatus[code])
	if got := rec.Header().Get("Content-Type"); got != "application/json;charset=UTF-8" {
		t.Errorf("Content-Type: got %q, want the provider's", got)
	}
	if got := rec.Body.String(); got != replyBody(code) {
		t.Errorf("body: got %s, want the provider's reply %s", got, replyBody(code))
	}
}

// mustPushMetric checks one series of bottletrail_carrier_pushes_total.
func mustPushMetric(t *testing.T, b *testBundle, result string, want int) {
	t.Helper()
	metrics := b.do(t, "GET", "/metrics", "", "").Body.String()
	line := fmt.Sprintf(`bottletrail_carrier_pushes_total{provider="kuaidi100",result=%q} %d`, result, want)
	if !strings.Contains(metrics, line+"\n") {
		var have []string
		for l := range strings.SplitSeq(metrics, "\n") {
			if strings.HasPrefix(l, "bottletrail_carrier_pushes_total") {
				have = append(have, l)
			}
		}
		t.Errorf("metrics lack %s; have %q", line, have)
	}
}

// update is a parcel update with events described by descs.
func update(carrier, trackingNo string, descs ...string) trail.TrackUpdate {
	u := trail.TrackUpdate{Carrier: carrier, TrackingNo: trackingNo}
	for i, d := range descs {
		u.Events = append(u.Events, trail.CarrierEvent{
			Time: testNow.Add(-time.Duration(len(descs)-i) * time.Hour), Status: trail.StatusInTransit,
			Description: d, Source: trail.SourcePush,
		})
	}
	return u
}

func TestHookRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		path       string
		body       string
		prepare    func(*testBundle) // changes a lookup
		parse      func() ([]trail.TrackUpdate, error)
		wantCode   string // the error handed to Reply
		wantReason string // the metric's result label
		wantCalls  []string
	}{
		{
			name: "unknown brand", path: "/hooks/kuaidi100/nobody?token=" + hookTokenA, body: pushBody,
			wantCode: trail.EUNAUTHORIZED, wantReason: "unknown_brand",
			wantCalls: []string{"reply unauthorized"},
		},
		{
			name: "brand without an account", path: hookPathA, body: pushBody,
			prepare: func(b *testBundle) {
				b.carriers.CarrierAccountFunc = func(context.Context, int64, string) (*trail.CarrierAccount, error) {
					return nil, trail.Errorf(trail.ENOTFOUND, "no account")
				}
			},
			wantCode: trail.EUNAUTHORIZED, wantReason: "unknown_account",
			wantCalls: []string{"reply unauthorized"},
		},
		{
			name: "wrong token", path: "/hooks/kuaidi100/plum-house?token=tokenaaaaaaaaaaaaaaaaaaaaaaaaab", body: pushBody,
			wantCode: trail.EUNAUTHORIZED, wantReason: "bad_token",
			wantCalls: []string{"account 1 kuaidi100", "reply unauthorized"},
		},
		{
			name: "missing token", path: "/hooks/kuaidi100/plum-house", body: pushBody,
			wantCode: trail.EUNAUTHORIZED, wantReason: "bad_token",
			wantCalls: []string{"account 1 kuaidi100", "reply unauthorized"},
		},
		{
			name: "token in other case", path: "/hooks/kuaidi100/plum-house?token=" + strings.ToUpper(hookTokenA), body: pushBody,
			wantCode: trail.EUNAUTHORIZED, wantReason: "bad_token",
			wantCalls: []string{"account 1 kuaidi100", "reply unauthorized"},
		},
		{
			name: "another brand's token", path: "/hooks/kuaidi100/plum-house?token=" + hookTokenB, body: pushBody,
			wantCode: trail.EUNAUTHORIZED, wantReason: "bad_token",
			wantCalls: []string{"account 1 kuaidi100", "reply unauthorized"},
		},
		{
			name: "account without a token takes no push", path: "/hooks/kuaidi100/plum-house?token=", body: pushBody,
			prepare: func(b *testBundle) {
				b.carriers.CarrierAccountFunc = func(_ context.Context, brandID int64, _ string) (*trail.CarrierAccount, error) {
					a := hookAccount(brandID)
					a.CallbackToken = ""
					return a, nil
				}
			},
			wantCode: trail.EUNAUTHORIZED, wantReason: "bad_token",
			wantCalls: []string{"reply unauthorized"},
		},
		{
			name: "bad signature", path: hookPathA, body: pushBody,
			parse: func() ([]trail.TrackUpdate, error) {
				return nil, &trail.Error{Code: trail.EUNAUTHORIZED, Field: "sign", Message: "The push's sign is missing or wrong."}
			},
			wantCode: trail.EUNAUTHORIZED, wantReason: "bad_signature",
			wantCalls: []string{"account 1 kuaidi100", parseCall(pushBody), "reply unauthorized"},
		},
		{
			name: "unreadable push", path: hookPathA, body: `param=%zz`,
			parse: func() ([]trail.TrackUpdate, error) {
				return nil, trail.Errorf(trail.EMALFORMED, "The push is not a form.")
			},
			wantCode: trail.EMALFORMED, wantReason: "malformed",
			wantCalls: []string{"account 1 kuaidi100", parseCall(`param=%zz`), "reply malformed"},
		},
		{
			name: "provider fails on our side", path: hookPathA, body: pushBody,
			parse: func() ([]trail.TrackUpdate, error) {
				return nil, errors.New("kuaidi100 push: the account has no salt to check signs with")
			},
			wantCode: trail.EINTERNAL, wantReason: "error",
			wantCalls: []string{"account 1 kuaidi100", parseCall(pushBody), "reply internal"},
		},
		{
			name: "account lookup fails", path: hookPathA, body: pushBody,
			prepare: func(b *testBundle) {
				b.carriers.CarrierAccountFunc = func(context.Context, int64, string) (*trail.CarrierAccount, error) {
					return nil, errors.New("database is locked")
				}
			},
			wantCode: trail.EINTERNAL, wantReason: "error",
			wantCalls: []string{"reply internal"},
		},
		{
			name: "brand lookup fails", path: hookPathA, body: pushBody,
			prepare: func(b *testBundle) {
				b.brands.BrandBySlugFunc = func(context.Context, string) (*trail.Brand, error) {
					return nil, errors.New("connection reset")
				}
			},
			wantCode: trail.EINTERNAL, wantReason: "error",
			wantCalls: []string{"reply internal"},
		},
		{
			name: "body over 1 MiB", path: hookPathA, body: "param=" + strings.Repeat("x", httpapi.MaxBodyBytes),
			wantCode: trail.ETOOLARGE, wantReason: "too_large",
			wantCalls: []string{"reply too_large"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, h := hookSetup(t, tt.parse, nil)
			if tt.prepare != nil {
				tt.prepare(b)
			}
			b.shipments.ApplyFunc = func(context.Context, int64, []trail.TrackUpdate) ([]trail.Applied, error) {
				t.Error("Apply called for a refused push")
				return nil, nil
			}
			rec := push(t, b, tt.path, tt.body)
			mustReply(t, rec, tt.wantCode)
			if !slices.Equal(h.calls, tt.wantCalls) {
				t.Errorf("calls:\ngot  %q\nwant %q", h.calls, tt.wantCalls)
			}
			if tt.parse == nil && h.parsed > 0 {
				t.Errorf("ParsePush called %d times for a push refused before it", h.parsed)
			}
			if len(h.replyErrs) != 1 || h.replyErrs[0] == nil {
				t.Fatalf("Reply errors: got %v, want one error", h.replyErrs)
			}
			// A refused caller must not learn the account: Reply is given
			// the account only once the token is right (ParsePush ran).
			acct := h.replyAccts[0]
			if tt.parse != nil {
				if acct == nil || acct.CallbackToken != hookTokenA {
					t.Errorf("Reply account: got %+v, want the brand's account", acct)
				}
			} else if acct == nil || acct.Credentials != nil || acct.CallbackToken != "" || acct.Provider != trail.ProviderKuaidi100 {
				t.Errorf("Reply account: got %+v, want a bare kuaidi100 account", acct)
			}
			mustHoldNoSecret(t, rec.Body.String(), hookTokenA, hookTokenB)
			mustPushMetric(t, b, tt.wantReason, 1)
			if strings.Contains(b.metricsText(t), `result="accepted"`) {
				t.Error("a refused push was counted as accepted")
			}
		})
	}
}

// TestHookRefusalsAlike: an unknown brand, a brand without an account with
// the provider and a wrong token hand Reply the same error and a bare
// account, so every provider answers the three alike; only the metric
// tells them apart.
func TestHookRefusalsAlike(t *testing.T) {
	t.Parallel()
	b, h := hookSetup(t, nil, nil)
	accounts := b.carriers.CarrierAccountFunc
	b.carriers.CarrierAccountFunc = func(ctx context.Context, brandID int64, provider string) (*trail.CarrierAccount, error) {
		if brandID == brandB {
			return nil, trail.Errorf(trail.ENOTFOUND, "no account")
		}
		return accounts(ctx, brandID, provider)
	}
	var bodies []string
	for _, path := range []string{
		"/hooks/kuaidi100/nobody?token=" + hookTokenA,     // unknown brand
		"/hooks/kuaidi100/rice-hall?token=" + hookTokenB,  // no account
		"/hooks/kuaidi100/plum-house?token=" + hookTokenB, // wrong token
	} {
		rec := push(t, b, path, pushBody)
		bodies = append(bodies, fmt.Sprintf("%d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()))
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Errorf("answers differ:\n%s\n%s\n%s", bodies[0], bodies[1], bodies[2])
	}
	if len(h.replyErrs) != 3 || h.replyErrs[0].Error() != h.replyErrs[1].Error() || h.replyErrs[1].Error() != h.replyErrs[2].Error() {
		t.Errorf("Reply errors differ: %v", h.replyErrs)
	}
	for i, a := range h.replyAccts {
		if a == nil || !reflect.DeepEqual(*a, trail.CarrierAccount{Provider: trail.ProviderKuaidi100}) {
			t.Errorf("Reply account %d: got %+v, want a bare kuaidi100 account", i, a)
		}
	}
	for _, reason := range []string{"unknown_brand", "unknown_account", "bad_token"} {
		mustPushMetric(t, b, reason, 1)
	}
}

// metricsText scrapes /metrics.
func (b *testBundle) metricsText(t *testing.T) string {
	t.Helper()
	rec := b.do(t, "GET", "/metrics", "", "")
	mustStatus(t, rec, http.StatusOK)
	return rec.Body.String()
}

func TestHookUnknownProvider(t *testing.T) {
	t.Parallel()
	b, h := hookSetup(t, nil, nil)
	rec := push(t, b, "/hooks/zto/plum-house?token="+hookTokenA, pushBody)
	mustStatus(t, rec, http.StatusNotFound)
	if e := mustError(t, rec); e.Code != trail.ENOTFOUND {
		t.Errorf("code: got %q, want %q", e.Code, trail.ENOTFOUND)
	}
	if len(h.calls) != 0 {
		t.Errorf("calls for an unknown provider: %q", h.calls)
	}
	if strings.Contains(b.metricsText(t), "bottletrail_carrier_pushes_total{") {
		t.Error("a push to an unknown provider was counted")
	}

	rec = b.do(t, "GET", hookPathA, "", "")
	mustStatus(t, rec, http.StatusMethodNotAllowed)
	if got := rec.Header().Get("Allow"); got != "POST" {
		t.Errorf("Allow: got %q, want POST", got)
	}
}

func TestHookAccepted(t *testing.T) {
	t.Parallel()
	aborted := update("yuantong", "YT1234567890123")
	aborted.Stopped, aborted.Resubscribe = "3天查询无记录", true
	parse := parseCall(pushBody)
	tests := []struct {
		name      string
		updates   []trail.TrackUpdate
		wantCalls []string // after the account lookup and the parse
		wantNew   int
		wantLog   string
	}{
		{
			name: "two parcels in one call",
			updates: []trail.TrackUpdate{
				update("yuantong", "YT1234567890123", "已揽收", "到达杭州"),
				update("shunfeng", "SF1040245060669", "派送中"),
			},
			wantCalls: []string{
				"apply 1 yuantong YT1234567890123 [已揽收,到达杭州]; shunfeng SF1040245060669 [派送中]",
				"reply ",
			},
			wantNew: 3,
		},
		{
			name:      "aborted without record: the re-subscription is logged",
			updates:   []trail.TrackUpdate{aborted},
			wantCalls: []string{"apply 1 yuantong YT1234567890123 []", "reply "},
			wantLog:   "parcel will be subscribed again",
		},
		{
			name: "unknown parcel skipped, the push still acknowledged",
			updates: []trail.TrackUpdate{
				update("yuantong", "LOST0000000001", "已揽收"),
				update("shunfeng", "SF1040245060669", "派送中"),
			},
			wantCalls: []string{
				"apply 1 yuantong LOST0000000001 [已揽收]; shunfeng SF1040245060669 [派送中]",
				"reply ",
			},
			wantNew: 1,
			wantLog: "push for an unknown parcel",
		},
		{
			name:      "no updates",
			wantCalls: []string{"reply "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, h := hookSetup(t, func() ([]trail.TrackUpdate, error) { return tt.updates, nil }, nil)
			rec := push(t, b, hookPathA, pushBody)
			mustReply(t, rec, "")
			want := append([]string{"account 1 kuaidi100", parse}, tt.wantCalls...)
			if !slices.Equal(h.calls, want) {
				t.Errorf("calls:\ngot  %q\nwant %q", h.calls, want)
			}
			if h.replyAccts[0].CallbackToken != hookTokenA {
				t.Errorf("Reply account: got %+v, want the brand's account", h.replyAccts[0])
			}
			mustPushMetric(t, b, "accepted", 1)
			if tt.wantNew > 0 {
				if line := fmt.Sprintf(`bottletrail_tracking_events_total{result="new"} %d`, tt.wantNew); !strings.Contains(b.metricsText(t), line) {
					t.Errorf("metrics lack %s", line)
				}
			}
			if tt.wantLog != "" && !strings.Contains(b.logs.String(), tt.wantLog) {
				t.Errorf("logs lack %q: %s", tt.wantLog, b.logs)
			}
		})
	}
}

// TestHookPassesEvents checks that Apply gets the updates as the provider
// parsed them, and ParsePush the body as sent.
func TestHookPassesEvents(t *testing.T) {
	t.Parallel()
	updates := []trail.TrackUpdate{
		update("yuantong", "YT1234567890123", "已揽收", "到达杭州"),
		update("shunfeng", "SF1040245060669", "派送中"),
	}
	b, _ := hookSetup(t, func() ([]trail.TrackUpdate, error) { return updates, nil }, nil)
	var gotBody []byte
	b.provider.ParsePushFunc = func(_ *trail.CarrierAccount, _ string, body []byte) ([]trail.TrackUpdate, error) {
		gotBody = body
		return updates, nil
	}
	var got []trail.TrackUpdate
	b.shipments.ApplyFunc = func(_ context.Context, _ int64, us []trail.TrackUpdate) ([]trail.Applied, error) {
		got = us
		return make([]trail.Applied, len(us)), nil
	}
	body := `{"Body":{"WaybillRoute":[{"id":"1","mailno":"SF1040245060669"}]}}`
	rec := b.do(t, "POST", hookPathA, "", body) // JSON, as SF pushes
	mustReply(t, rec, "")
	if string(gotBody) != body {
		t.Errorf("ParsePush body: got %s, want %s", gotBody, body)
	}
	if len(got) != len(updates) {
		t.Fatalf("Apply: got %d updates, want %d", len(got), len(updates))
	}
	for i, u := range updates {
		if g := got[i]; g.Carrier != u.Carrier || g.TrackingNo != u.TrackingNo || !slices.Equal(g.Events, u.Events) {
			t.Errorf("Apply update %d: got %+v, want %+v", i, g, u)
		}
	}
}

// TestHookFailures: a failure to store asks the provider to retry (the
// provider's failure reply, 5xx for our errors); a refusal (such as a
// parcel past trail.MaxEventsPerParcel) gets the failure reply of bad
// input and is logged.
func TestHookFailures(t *testing.T) {
	t.Parallel()
	two := []trail.TrackUpdate{
		update("yuantong", "YT1234567890123", "已揽收"),
		update("shunfeng", "SF1040245060669", "派送中"),
	}
	tests := []struct {
		name       string
		errs       map[string]error
		wantCode   string
		wantReason string
		wantLog    string
	}{
		{
			name:     "apply fails",
			errs:     map[string]error{"SF1040245060669": errors.New("disk I/O error")},
			wantCode: trail.EINTERNAL, wantReason: "error", wantLog: "carrier push failed",
		},
		{
			name: "apply refuses a parcel",
			errs: map[string]error{"SF1040245060669": trail.Invalid("events",
				"parcel shunfeng SF1040245060669 holds 2000 events; 1 more would pass the maximum of 2000 per parcel")},
			wantCode: trail.EINVALID, wantReason: "refused", wantLog: "maximum of 2000 per parcel",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, h := hookSetup(t, func() ([]trail.TrackUpdate, error) { return two, nil }, tt.errs)
			rec := push(t, b, hookPathA, pushBody)
			mustReply(t, rec, tt.wantCode)
			want := []string{"account 1 kuaidi100", parseCall(pushBody),
				"apply 1 yuantong YT1234567890123 [已揽收]; shunfeng SF1040245060669 [派送中]", "reply " + tt.wantCode}
			if !slices.Equal(h.calls, want) {
				t.Errorf("calls:\ngot  %q\nwant %q", h.calls, want)
			}
			mustPushMetric(t, b, tt.wantReason, 1)
			if strings.Contains(rec.Body.String(), "disk") {
				t.Errorf("the reply leaks the error: %s", rec.Body)
			}
			if !strings.Contains(b.logs.String(), tt.wantLog) {
				t.Errorf("logs lack %q: %s", tt.wantLog, b.logs)
			}
		})
	}
}

// TestHookBodyLimit: a body of exactly MaxBodyBytes is read; one byte more
// is refused before the account is looked up.
func TestHookBodyLimit(t *testing.T) {
	t.Parallel()
	b, h := hookSetup(t, func() ([]trail.TrackUpdate, error) { return nil, nil }, nil)
	full := "param=" + strings.Repeat("x", httpapi.MaxBodyBytes-len("param="))
	mustReply(t, push(t, b, hookPathA, full), "")
	mustReply(t, push(t, b, hookPathA, full+"x"), trail.ETOOLARGE)
	want := []string{
		"account 1 kuaidi100", parseCall(full), "reply ",
		"reply too_large",
	}
	if !slices.Equal(h.calls, want) {
		t.Errorf("calls:\ngot  %q\nwant %q", h.calls, want)
	}
}

// TestHookMetrics counts pushes of one server by result.
func TestHookMetrics(t *testing.T) {
	t.Parallel()
	var fail error
	b, _ := hookSetup(t, func() ([]trail.TrackUpdate, error) { return nil, fail }, nil)
	for range 3 {
		mustReply(t, push(t, b, hookPathA, pushBody), "")
	}
	fail = trail.Errorf(trail.EUNAUTHORIZED, "bad sign")
	mustReply(t, push(t, b, hookPathA, pushBody), trail.EUNAUTHORIZED)
	fail = trail.Errorf(trail.EMALFORMED, "not a form")
	mustReply(t, push(t, b, hookPathA, pushBody), trail.EMALFORMED)
	mustReply(t, push(t, b, hookPathA, pushBody), trail.EMALFORMED)
	mustReply(t, push(t, b, "/hooks/kuaidi100/plum-house?token=nope", pushBody), trail.EUNAUTHORIZED)
	mustReply(t, push(t, b, "/hooks/kuaidi100/nobody?token="+hookTokenA, pushBody), trail.EUNAUTHORIZED)

	for result, want := range map[string]int{
		"accepted": 3, "bad_signature": 1, "malformed": 2, "bad_token": 1, "unknown_brand": 1,
	} {
		mustPushMetric(t, b, result, want)
	}
	if line := `bottletrail_http_requests_total{method="POST",route="/hooks/{provider}/{brand}",status="200"} 3`; !strings.Contains(b.metricsText(t), line) {
		t.Errorf("metrics lack %s", line)
	}
}
