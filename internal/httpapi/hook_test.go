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
// calls. Ingest answers ENOTFOUND for tracking numbers starting "LOST",
// and the errors of ingestErr, by tracking number, otherwise a result with
// one new event per event.
func hookSetup(t *testing.T, parse func() ([]trail.TrackUpdate, error), ingestErr map[string]error) (*testBundle, *hookRecorder) {
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
	b.shipments.IngestFunc = func(_ context.Context, brandID int64, carrier, trackingNo string, events []trail.CarrierEvent) (*trail.IngestResult, error) {
		var descs []string
		for _, e := range events {
			descs = append(descs, e.Description)
		}
		h.add("ingest %d %s %s [%s]", brandID, carrier, trackingNo, strings.Join(descs, ","))
		if strings.HasPrefix(trackingNo, "LOST") {
			return nil, trail.Errorf(trail.ENOTFOUND, "no parcel")
		}
		if err := ingestErr[trackingNo]; err != nil {
			return nil, err
		}
		return &trail.IngestResult{Shipment: &trail.Shipment{Carrier: carrier, TrackingNo: trackingNo}, New: len(events)}, nil
	}
	b.carriers.CorrectCarrierFunc = func(_ context.Context, brandID int64, oldCarrier, trackingNo, newCarrier, reason string) error {
		h.add("correct %d %s %s→%s", brandID, trackingNo, oldCarrier, newCarrier)
		if reason == "" {
			t.Error("CorrectCarrier without a reason")
		}
		return ingestErr["correct "+trackingNo]
	}
	b.tracking.StopTrackingFunc = func(_ context.Context, brandID int64, carrier, trackingNo, reason string) error {
		h.add("stop %d %s %s %s", brandID, carrier, trackingNo, reason)
		return ingestErr["stop "+trackingNo]
	}
	b.tracking.ResubscribeFunc = func(_ context.Context, brandID int64, carrier, trackingNo string, at time.Time) error {
		h.add("resubscribe %d %s %s at %s", brandID, carrier, trackingNo, at.UTC().Format(time.RFC3339))
		return ingestErr["resubscribe "+trackingNo]
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
			b.shipments.IngestFunc = func(context.Context, int64, string, string, []trail.CarrierEvent) (*trail.IngestResult, error) {
				t.Error("Ingest called for a refused push")
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
	stop := func(u trail.TrackUpdate, reason string, resubscribe bool) trail.TrackUpdate {
		u.Stopped, u.Resubscribe = reason, resubscribe
		return u
	}
	correct := func(u trail.TrackUpdate, to string) trail.TrackUpdate {
		u.CorrectedCarrier = to
		return u
	}
	parse := parseCall(pushBody)
	tests := []struct {
		name      string
		updates   []trail.TrackUpdate
		errs      map[string]error
		wantCalls []string // after the account lookup and the parse
		wantNew   int
	}{
		{
			name: "two parcels",
			updates: []trail.TrackUpdate{
				update("yuantong", "YT1234567890123", "已揽收", "到达杭州"),
				update("shunfeng", "SF1040245060669", "派送中"),
			},
			wantCalls: []string{
				"ingest 1 yuantong YT1234567890123 [已揽收,到达杭州]",
				"ingest 1 shunfeng SF1040245060669 [派送中]",
				"reply ",
			},
			wantNew: 3,
		},
		{
			name:    "corrected carrier",
			updates: []trail.TrackUpdate{correct(update("yunda", "73100000000001", "到达上海"), "zhongtong")},
			wantCalls: []string{
				"correct 1 73100000000001 yunda→zhongtong",
				"ingest 1 zhongtong 73100000000001 [到达上海]",
				"reply ",
			},
			wantNew: 1,
		},
		{
			name:    "carrier corrected by an earlier push",
			updates: []trail.TrackUpdate{correct(update("yunda", "73100000000001", "到达上海"), "zhongtong")},
			errs:    map[string]error{"correct 73100000000001": trail.Errorf(trail.ENOTFOUND, "no parcel")},
			wantCalls: []string{
				"correct 1 73100000000001 yunda→zhongtong",
				"ingest 1 zhongtong 73100000000001 [到达上海]",
				"reply ",
			},
			wantNew: 1,
		},
		{
			name:      "correction to the same code is none",
			updates:   []trail.TrackUpdate{correct(update("zhongtong", "73100000000001", "到达上海"), "zhongtong")},
			wantCalls: []string{"ingest 1 zhongtong 73100000000001 [到达上海]", "reply "},
			wantNew:   1,
		},
		{
			name:    "stopped when signed",
			updates: []trail.TrackUpdate{stop(update("yuantong", "YT1234567890123", "已签收"), "shutdown", false)},
			wantCalls: []string{
				"ingest 1 yuantong YT1234567890123 [已签收]",
				"stop 1 yuantong YT1234567890123 shutdown",
				"reply ",
			},
			wantNew: 1,
		},
		{
			name:    "aborted without record: subscribed again in 30 minutes",
			updates: []trail.TrackUpdate{stop(update("yuantong", "YT1234567890123"), "3天查询无记录", true)},
			wantCalls: []string{
				"stop 1 yuantong YT1234567890123 3天查询无记录",
				"resubscribe 1 yuantong YT1234567890123 at " + testNow.Add(30*time.Minute).Format(time.RFC3339),
				"reply ",
			},
		},
		{
			// Kuaidi100 re-subscribes under the corrected code itself.
			name:    "corrected and aborted: tracking goes on under the new code",
			updates: []trail.TrackUpdate{stop(correct(update("yunda", "73100000000001"), "zhongtong"), "abort", false)},
			wantCalls: []string{
				"correct 1 73100000000001 yunda→zhongtong",
				"reply ",
			},
		},
		{
			name:    "stop for an unknown parcel: no resubscription",
			updates: []trail.TrackUpdate{stop(update("yuantong", "YT1234567890123"), "3天查询无记录", true)},
			errs:    map[string]error{"stop YT1234567890123": trail.Errorf(trail.ENOTFOUND, "no parcel")},
			wantCalls: []string{
				"stop 1 yuantong YT1234567890123 3天查询无记录",
				"reply ",
			},
		},
		{
			name: "unknown parcel skipped, the push still acknowledged",
			updates: []trail.TrackUpdate{
				update("yuantong", "LOST0000000001", "已揽收"),
				update("shunfeng", "SF1040245060669", "派送中"),
			},
			wantCalls: []string{
				"ingest 1 yuantong LOST0000000001 [已揽收]",
				"ingest 1 shunfeng SF1040245060669 [派送中]",
				"reply ",
			},
			wantNew: 1,
		},
		{
			name:      "no updates",
			wantCalls: []string{"reply "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, h := hookSetup(t, func() ([]trail.TrackUpdate, error) { return tt.updates, nil }, tt.errs)
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
		})
	}
}

// TestHookPassesEvents checks that Ingest gets each update's events as the
// provider parsed them, and ParsePush the body as sent.
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
	got := map[string][]trail.CarrierEvent{}
	b.shipments.IngestFunc = func(_ context.Context, _ int64, carrier, trackingNo string, events []trail.CarrierEvent) (*trail.IngestResult, error) {
		got[carrier+" "+trackingNo] = events
		return &trail.IngestResult{Shipment: &trail.Shipment{}}, nil
	}
	body := `{"Body":{"WaybillRoute":[{"id":"1","mailno":"SF1040245060669"}]}}`
	rec := b.do(t, "POST", hookPathA, "", body) // JSON, as SF pushes
	mustReply(t, rec, "")
	if string(gotBody) != body {
		t.Errorf("ParsePush body: got %s, want %s", gotBody, body)
	}
	for _, u := range updates {
		if e := got[u.Carrier+" "+u.TrackingNo]; !slices.Equal(e, u.Events) {
			t.Errorf("Ingest %s %s: got %+v, want %+v", u.Carrier, u.TrackingNo, e, u.Events)
		}
	}
}

// TestHookFailures: a failure to store asks the provider to retry (the
// provider's failure reply, 5xx for our errors), and what follows the
// failure is not done.
func TestHookFailures(t *testing.T) {
	t.Parallel()
	stopped := update("yuantong", "YT1234567890123", "已揽收")
	stopped.Stopped, stopped.Resubscribe = "3天查询无记录", true
	corrected := update("yunda", "73100000000001", "到达上海")
	corrected.CorrectedCarrier = "zhongtong"
	tests := []struct {
		name      string
		updates   []trail.TrackUpdate
		errs      map[string]error
		wantCode  string
		wantCalls []string // after the account lookup and the parse
	}{
		{
			name: "ingest fails",
			updates: []trail.TrackUpdate{
				update("yuantong", "YT1234567890123", "已揽收"),
				update("shunfeng", "SF1040245060669", "派送中"),
			},
			errs:     map[string]error{"YT1234567890123": errors.New("disk I/O error")},
			wantCode: trail.EINTERNAL,
			wantCalls: []string{
				"ingest 1 yuantong YT1234567890123 [已揽收]",
				"reply internal",
			},
		},
		{
			name:      "ingest refuses an event",
			updates:   []trail.TrackUpdate{update("yuantong", "YT1234567890123", "已揽收")},
			errs:      map[string]error{"YT1234567890123": trail.Invalid("events[0].time", "bad time")},
			wantCode:  trail.EINVALID,
			wantCalls: []string{"ingest 1 yuantong YT1234567890123 [已揽收]", "reply invalid"},
		},
		{
			name:      "correction fails",
			updates:   []trail.TrackUpdate{corrected},
			errs:      map[string]error{"correct 73100000000001": errors.New("database is locked")},
			wantCode:  trail.EINTERNAL,
			wantCalls: []string{"correct 1 73100000000001 yunda→zhongtong", "reply internal"},
		},
		{
			name:     "stop fails",
			updates:  []trail.TrackUpdate{stopped},
			errs:     map[string]error{"stop YT1234567890123": errors.New("database is locked")},
			wantCode: trail.EINTERNAL,
			wantCalls: []string{
				"ingest 1 yuantong YT1234567890123 [已揽收]",
				"stop 1 yuantong YT1234567890123 3天查询无记录",
				"reply internal",
			},
		},
		{
			name:     "resubscription fails",
			updates:  []trail.TrackUpdate{stopped},
			errs:     map[string]error{"resubscribe YT1234567890123": errors.New("database is locked")},
			wantCode: trail.EINTERNAL,
			wantCalls: []string{
				"ingest 1 yuantong YT1234567890123 [已揽收]",
				"stop 1 yuantong YT1234567890123 3天查询无记录",
				"resubscribe 1 yuantong YT1234567890123 at 2026-12-01T04:30:00Z",
				"reply internal",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, h := hookSetup(t, func() ([]trail.TrackUpdate, error) { return tt.updates, nil }, tt.errs)
			rec := push(t, b, hookPathA, pushBody)
			mustReply(t, rec, tt.wantCode)
			want := append([]string{"account 1 kuaidi100", parseCall(pushBody)}, tt.wantCalls...)
			if !slices.Equal(h.calls, want) {
				t.Errorf("calls:\ngot  %q\nwant %q", h.calls, want)
			}
			mustPushMetric(t, b, "error", 1)
			if strings.Contains(rec.Body.String(), "database") || strings.Contains(rec.Body.String(), "disk") {
				t.Errorf("the reply leaks the error: %s", rec.Body)
			}
			if tt.wantCode == trail.EINTERNAL && !strings.Contains(b.logs.String(), "carrier push failed") {
				t.Errorf("internal failure not logged; logs: %s", b.logs)
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
