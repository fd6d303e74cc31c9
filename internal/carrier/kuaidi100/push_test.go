package kuaidi100

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

const formType = "application/x-www-form-urlencoded"

// pushFixtures are the push params under testdata/push.
func pushFixtures(t testing.TB) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "push", "*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no push fixtures: %v", err)
	}
	for i, n := range names {
		names[i] = strings.TrimSuffix(filepath.Base(n), ".json")
	}
	return names
}

// TestParsePushGolden signs each push fixture as Kuaidi100 would and
// compares the parsed updates with testdata/push/<name>.golden.
func TestParsePushGolden(t *testing.T) {
	t.Parallel()
	c := &Client{}
	for _, name := range pushFixtures(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			param := MustReadParam(t, "push/"+name+".json")
			got, err := c.ParsePush(testAccount(""), formType, signedPush(param, testSalt))
			if err != nil {
				t.Fatal(err)
			}
			if err := checkUpdates(got, trail.SourcePush); err != nil {
				t.Error(err)
			}
			MustMatchGolden(t, "push/"+name+".golden", got)
		})
	}
}

// The quirks of the status, abort and autoCheck fields, spelled out beside
// the golden files.
func TestParsePushQuirks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture          string
		carrier          string
		correctedCarrier string
		stopped          string
		resubscribe      bool
		events           int
	}{
		{"polling", "yuantong", "", "", false, 4},
		{"updateall", "shunfeng", "", "", false, 7},
		{"shutdown", "zhongtong", "", "shutdown", false, 4},
		{"abort_no_record", "yunda", "", "3天查询无记录", true, 0},
		{"abort_no_change", "jtexpress", "", "60天无变化", false, 2},
		{"autocheck", "yunda", "zhongtong", "", false, 2},
		{"abort_comnew", "yunda", "zhongtong", "3天查询无记录", false, 0},
		{"empty_data", "ems", "", "", false, 0},
	}
	c := &Client{}
	for _, tt := range tests {
		param := MustReadParam(t, "push/"+tt.fixture+".json")
		got, err := c.ParsePush(testAccount(""), formType, signedPush(param, testSalt))
		if err != nil {
			t.Errorf("%s: %v", tt.fixture, err)
			continue
		}
		u := got[0]
		if len(got) != 1 || u.Carrier != tt.carrier || u.CorrectedCarrier != tt.correctedCarrier ||
			u.Stopped != tt.stopped || u.Resubscribe != tt.resubscribe || len(u.Events) != tt.events {
			t.Errorf("%s: got %d updates, carrier %q corrected %q stopped %q resubscribe %v with %d events; want carrier %q corrected %q stopped %q resubscribe %v with %d events",
				tt.fixture, len(got), u.Carrier, u.CorrectedCarrier, u.Stopped, u.Resubscribe, len(u.Events),
				tt.carrier, tt.correctedCarrier, tt.stopped, tt.resubscribe, tt.events)
		}
	}
}

func TestParsePushSign(t *testing.T) {
	t.Parallel()
	c := &Client{}
	param := MustReadParam(t, "push/polling.json")
	good := PushSign(param, testSalt)
	tests := []struct {
		name string
		body []byte
		code string // "" for accepted
	}{
		{"upper case", signedPush(param, testSalt), ""},
		{"lower case", []byte(url.Values{"param": {param}, "sign": {strings.ToLower(good)}}.Encode()), ""},
		{"wrong sign fixture", MustReadFile(t, "push/wrong_sign.form"), trail.EUNAUTHORIZED},
		{"missing sign", []byte(url.Values{"param": {param}}.Encode()), trail.EUNAUTHORIZED},
		{"empty sign", []byte(url.Values{"param": {param}, "sign": {""}}.Encode()), trail.EUNAUTHORIZED},
		{"another salt", signedPush(param, "other"), trail.EUNAUTHORIZED},
		{"no salt", signedPush(param, ""), trail.EUNAUTHORIZED},
		{"param changed", []byte(url.Values{"param": {param + " "}, "sign": {good}}.Encode()), trail.EUNAUTHORIZED},
		{"truncated sign", []byte(url.Values{"param": {param}, "sign": {good[:31]}}.Encode()), trail.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.ParsePush(testAccount(""), formType, tt.body)
			if tt.code == "" {
				if err != nil || len(got) != 1 {
					t.Fatalf("got %d updates, %v; want one", len(got), err)
				}
				return
			}
			MustHaveCode(t, err, tt.code)
			if got != nil {
				t.Errorf("got %v with the error, want nothing", got)
			}
		})
	}
}

// A push whose content type is missing or wrong is still read as the form
// it is.
func TestParsePushRawBody(t *testing.T) {
	t.Parallel()
	c := &Client{}
	body := signedPush(MustReadParam(t, "push/shutdown.json"), testSalt)
	for _, ct := range []string{"", "text/plain", "application/octet-stream", formType + "; charset=UTF-8"} {
		if got, err := c.ParsePush(testAccount(""), ct, body); err != nil || len(got) != 1 || len(got[0].Events) != 4 {
			t.Errorf("content type %q: got %v, %v; want one update of 4 events", ct, got, err)
		}
	}
}

func TestParsePushMalformed(t *testing.T) {
	t.Parallel()
	c := &Client{}
	signed := func(param string) []byte { return signedPush(param, testSalt) }
	tests := []struct {
		name  string
		body  []byte
		field string
	}{
		{"not a form", []byte("param=%zz&sign=00"), ""},
		{"no param", []byte("sign=0123"), "param"},
		{"empty body", nil, "param"},
		{"json body", []byte(`{"param":"x"}`), "param"},
		{"bad json", signed(`{"status":"polling",`), "param"},
		{"json array", signed(`[]`), "param"},
		{"state as object", signed(`{"lastResult":{"com":"ems","nu":"EA123456785CN","state":{}}}`), "param"},
		{"no lastResult", signed(`{"status":"polling"}`), "lastResult"},
		{"no number", signed(`{"lastResult":{"com":"ems","nu":" ","data":[]}}`), "lastResult.nu"},
		{"no carrier", signed(`{"lastResult":{"com":"","nu":"EA123456785CN","data":[]}}`), "lastResult.com"},
		{"bad time", signed(`{"lastResult":{"com":"ems","nu":"EA123456785CN","data":[{"time":"2024/05/01 10:00","statusCode":"0"}]}}`), "lastResult.data[0].time"},
		{"no time", signed(`{"lastResult":{"com":"ems","nu":"EA123456785CN","data":[{"context":"x","statusCode":"0"}]}}`), "lastResult.data[0].time"},
		{"no state for code-less event", signed(`{"lastResult":{"com":"ems","nu":"EA123456785CN","data":[{"time":"2024-05-01 10:00:00","context":"x"}]}}`), "lastResult.state"},
		{"code too long", signed(`{"lastResult":{"com":"ems","nu":"EA123456785CN","data":[{"time":"2024-05-01 10:00:00","statusCode":"` + strings.Repeat("9", 41) + `"}]}}`), "lastResult.data[0].statusCode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.ParsePush(testAccount(""), formType, tt.body)
			if e := MustHaveCode(t, err, trail.EMALFORMED); e.Field != tt.field {
				t.Errorf("field: got %q, want %q", e.Field, tt.field)
			}
			if got != nil {
				t.Errorf("got %v with the error, want nothing", got)
			}
		})
	}
}

// An account without a salt cannot verify pushes: that is our fault, not
// the push's, so the error is internal and Kuaidi100 retries.
func TestParsePushNoSalt(t *testing.T) {
	t.Parallel()
	acct := testAccount("")
	delete(acct.Credentials, CredSalt)
	_, err := (&Client{}).ParsePush(acct, formType, signedPush(MustReadParam(t, "push/polling.json"), ""))
	if code := trail.ErrorCode(err); code != trail.EINTERNAL {
		t.Fatalf("got %v (%s), want an internal error", err, code)
	}
}

// Events without a statusCode take the parcel-level state as
// result.events documents.
func TestCodelessEvents(t *testing.T) {
	t.Parallel()
	type ev struct {
		status trail.ShipmentStatus
		sub    string
		raw    string
	}
	// Three code-less events, newest first.
	tests := []struct {
		state string
		want  [3]ev
	}{
		{"3", [3]ev{{trail.StatusDelivered, "", ""}, {trail.StatusInTransit, "", ""}, {trail.StatusInTransit, "", ""}}},
		{"304", [3]ev{{trail.StatusDelivered, "collected_from_locker", ""}, {trail.StatusInTransit, "", ""}, {trail.StatusInTransit, "", ""}}},
		{"5", [3]ev{{trail.StatusOutForDelivery, "", ""}, {trail.StatusInTransit, "", ""}, {trail.StatusInTransit, "", ""}}},
		{"0", [3]ev{{trail.StatusInTransit, "", ""}, {trail.StatusInTransit, "", ""}, {trail.StatusInTransit, "", ""}}},
		{"1003", [3]ev{{trail.StatusInTransit, "forwarded", ""}, {trail.StatusInTransit, "", ""}, {trail.StatusInTransit, "", ""}}},
		{"209", [3]ev{{trail.StatusException, "damaged", ""}, {trail.StatusInTransit, "", ""}, {trail.StatusInTransit, "", ""}}},
		{"14", [3]ev{{trail.StatusRefused, "", ""}, {trail.StatusInTransit, "", ""}, {trail.StatusInTransit, "", ""}}},
		{"1", [3]ev{{trail.StatusPickedUp, "", ""}, {trail.StatusPickedUp, "", ""}, {trail.StatusPickedUp, "", ""}}},
		{"102", [3]ev{{trail.StatusCreated, "awaiting_pickup", ""}, {trail.StatusCreated, "", ""}, {trail.StatusCreated, "", ""}}},
		{"211", [3]ev{{trail.StatusException, "", ""}, {trail.StatusInTransit, "", ""}, {trail.StatusInTransit, "", ""}}}, // fallback
		{"77", [3]ev{{"", "unknown_code", "77"}, {"", "unknown_code", "77"}, {"", "unknown_code", "77"}}},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			t.Parallel()
			r := &result{State: flexString(tt.state), Data: []trace{
				{Time: "2024-05-03 10:00:00", Context: "c"},
				{Time: "2024-05-02 10:00:00", Context: "b"},
				{Time: "2024-05-01 10:00:00", Context: "a"},
			}}
			evs, err := r.events(trail.SourcePush)
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range evs {
				if got := (ev{e.Status, e.SubStatus, e.RawCode}); got != tt.want[i] {
					t.Errorf("event %d: got %+v, want %+v", i, got, tt.want[i])
				}
			}
		})
	}
}

// The newest code-less event is found by time, not by place, and events
// with their own codes keep them.
func TestCodelessNewestByTime(t *testing.T) {
	t.Parallel()
	r := &result{State: "5", Data: []trace{
		{Time: "2024-05-01 08:00:00", Context: "oldest"},
		{Time: "2024-05-03 09:00:00", Context: "coded", StatusCode: "304"},
		{Time: "2024-05-02 09:00:00", Context: "newest code-less"},
		{Time: "2024-05-02 09:00:00", Context: "tie, listed later"},
		{FTime: "2024-05-01 09:00:00", Context: "ftime only"},
	}}
	evs, err := r.events(trail.SourcePoll)
	if err != nil {
		t.Fatal(err)
	}
	want := []trail.ShipmentStatus{trail.StatusInTransit, trail.StatusDelivered, trail.StatusOutForDelivery, trail.StatusInTransit, trail.StatusInTransit}
	for i, e := range evs {
		if e.Status != want[i] {
			t.Errorf("event %d (%s): got %s, want %s", i, e.Description, e.Status, want[i])
		}
	}
	if evs[1].RawCode != "304" || evs[2].RawCode != "" {
		t.Errorf("raw codes: got %q and %q, want 304 and none", evs[1].RawCode, evs[2].RawCode)
	}
	if got, want := evs[4].Time, time.Date(2024, 5, 1, 1, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("ftime: got %v, want %v", got, want)
	}
}

// The same scan keeps one fingerprint while it goes from newest to older
// in later pushes, so the store keeps it once.
func TestCodelessFingerprintStable(t *testing.T) {
	t.Parallel()
	scan := trace{Time: "2024-05-01 10:00:00", Context: "快件已揽收"}
	first, err := (&result{State: "1", Data: []trace{scan}}).events(trail.SourcePush)
	if err != nil {
		t.Fatal(err)
	}
	later, err := (&result{State: "3", Data: []trace{{Time: "2024-05-02 10:00:00", Context: "已签收"}, scan}}).events(trail.SourcePush)
	if err != nil {
		t.Fatal(err)
	}
	if first[0].Fingerprint() != later[1].Fingerprint() {
		t.Error("the scan changed its fingerprint between pushes")
	}
}

func TestAreaCode(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"CN610111000000": "610111",
		"cn330106000000": "330106",
		"610111":         "610111",
		" CN110000 ":     "110000",
		"CN61011":        "",
		"CN000000000000": "",
		"US123456":       "",
		"CN61011A000000": "",
		"CN610111ABC":    "",
		"":               "",
	}
	for in, want := range tests {
		if got := areaCode(in); got != want {
			t.Errorf("areaCode(%q): got %q, want %q", in, got, want)
		}
	}
}

// Text a carrier sends too long for the ingestion core is cut, never
// refused, or every retry of the push would fail again.
func TestLongText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("快", 1000) // 3000 bytes
	evs, err := (&result{Data: []trace{{Time: "2024-05-01 10:00:00", Context: long, Location: long + "\x00", StatusCode: "0"}}}).events(trail.SourcePush)
	if err != nil {
		t.Fatal(err)
	}
	e := evs[0]
	if len(e.Description) > maxDescription || len(e.Location) > maxLocation || !strings.HasPrefix(long, e.Description) || !strings.HasPrefix(long, e.Location) {
		t.Errorf("got %d and %d bytes, want cut prefixes of at most %d and %d", len(e.Description), len(e.Location), maxDescription, maxLocation)
	}
	e.Normalize()
	if err := e.Validate("events[0]"); err != nil {
		t.Error(err)
	}
}

// returnCode, state and statusCode read the same as strings or numbers.
func TestFlexString(t *testing.T) {
	t.Parallel()
	var v struct {
		A, B, C, D flexString
	}
	if err := json.Unmarshal([]byte(`{"A":"200","B":200,"C":null,"D":" 3 "}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != "200" || v.B != "200" || v.C != "" || v.D != "3" {
		t.Errorf("got %+v", v)
	}
	for _, bad := range []string{`{"A":true}`, `{"A":{}}`, `{"A":[]}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s: got no error", bad)
		}
	}
}

func TestReply(t *testing.T) {
	t.Parallel()
	c := &Client{}
	tests := []struct {
		name       string
		err        error
		status     int
		result     bool
		returnCode string
		message    string // a prefix
	}{
		{"ok", nil, http.StatusOK, true, "200", "成功"},
		{"malformed", trail.Errorf(trail.EMALFORMED, "The push has no param."), http.StatusBadRequest, false, "400", "数据格式错误: The push has no param."},
		{"invalid", trail.Invalid("events[0].time", "event time is required"), http.StatusBadRequest, false, "400", "数据不合法"},
		{"unauthorized", trail.Errorf(trail.EUNAUTHORIZED, "The push's sign is missing or wrong."), http.StatusBadRequest, false, "503", "签名验证失败"},
		{"not found", fmt.Errorf("ingest: %w", trail.Errorf(trail.ENOTFOUND, "No parcel yunda 4312345678901.")), http.StatusBadRequest, false, "500", "单号不存在: No parcel"},
		{"internal", errors.New("database is locked"), http.StatusInternalServerError, false, "500", "服务器错误"},
		{"conflict", trail.Errorf(trail.ECONFLICT, "busy"), http.StatusInternalServerError, false, "500", "服务器错误"},
		{"unavailable", fmt.Errorf("x: %w", trail.ErrProviderUnavailable), http.StatusInternalServerError, false, "500", "服务器错误"},
	}
	for _, tt := range tests {
		status, ct, body := c.Reply(testAccount(""), tt.err)
		var got struct {
			Result     bool   `json:"result"`
			ReturnCode string `json:"returnCode"`
			Message    string `json:"message"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Errorf("%s: body %s: %v", tt.name, body, err)
			continue
		}
		if status != tt.status || ct != "application/json" || got.Result != tt.result || got.ReturnCode != tt.returnCode || !strings.HasPrefix(got.Message, tt.message) {
			t.Errorf("%s: got %d %s %s, want %d application/json result %v returnCode %s message %s…", tt.name, status, ct, body, tt.status, tt.result, tt.returnCode, tt.message)
		}
		if tt.status == http.StatusInternalServerError && strings.Contains(string(body), "database") {
			t.Errorf("%s: the reply leaks the internal error: %s", tt.name, body)
		}
	}
	// The success body is exactly the one the SDK sends.
	if _, _, body := c.Reply(nil, nil); string(body) != `{"result":true,"returnCode":"200","message":"成功"}` {
		t.Errorf("success body: got %s", body)
	}
}
