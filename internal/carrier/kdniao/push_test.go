package kdniao

import (
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

// pushFixtures lists the push bodies under testdata/push.
func pushFixtures(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "push", "*.form"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no push fixtures: %v", err)
	}
	return files
}

// pushOutcomes is what each fixture must give, beyond its golden file: the
// error code ("" for success) and the number of updates.
var pushOutcomes = map[string]struct {
	code    string
	updates int
}{
	"101_parcels":       {"", 5},
	"102_actions":       {"", 2},
	"double_encoded":    {"", 1},
	"cod_107":           {"", 0},
	"wrong_sign":        {trail.EUNAUTHORIZED, 0},
	"missing_sign":      {trail.EUNAUTHORIZED, 0},
	"wrong_ebusinessid": {trail.EUNAUTHORIZED, 0},
	"malformed_json":    {trail.EMALFORMED, 0},
	"malformed_time":    {trail.EMALFORMED, 0},
	"malformed_form":    {trail.EMALFORMED, 0},
	"request_type_103":  {trail.EINVALID, 0},
}

func TestParsePushGolden(t *testing.T) {
	t.Parallel()
	for _, file := range pushFixtures(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".form")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, ok := pushOutcomes[name]
			if !ok {
				t.Fatalf("fixture %s has no entry in pushOutcomes", name)
			}
			c := testClient()
			acct := testAccount("")
			updates, err := c.ParsePush(acct, "application/x-www-form-urlencoded", MustReadFile(t, file))
			checkCode(t, err, want.code)
			if len(updates) != want.updates {
				t.Errorf("updates: got %d, want %d", len(updates), want.updates)
			}
			checkEvents(t, updates, trail.SourcePush)
			status, contentType, body := c.Reply(acct, err)
			if contentType != "application/json" {
				t.Errorf("content type: got %s", contentType)
			}
			checkGolden(t, strings.TrimSuffix(file, ".form")+".golden.json", struct {
				Updates     []trail.TrackUpdate `json:"updates"`
				Error       *errorJSON          `json:"error,omitempty"`
				ReplyStatus int                 `json:"reply_status"`
				ReplyBody   string              `json:"reply_body"`
			}{updates, errorOf(err), status, string(body)})
		})
	}
}

// checkEvents fails the test unless every event would pass trail's
// validation and has a status from the closed list or a raw code.
func checkEvents(t testing.TB, updates []trail.TrackUpdate, source string) {
	t.Helper()
	for i, u := range updates {
		if u.Carrier == "" || u.TrackingNo == "" {
			t.Errorf("update %d lacks carrier or tracking number: %+v", i, u)
		}
		for j, e := range u.Events {
			if e.Source != source {
				t.Errorf("update %d event %d: source %q, want %q", i, j, e.Source, source)
			}
			if e.Status != trail.StatusUnknown && !e.Status.Valid() {
				t.Errorf("update %d event %d: invalid status %q", i, j, e.Status)
			}
			e.Normalize()
			if err := e.Validate(fmt.Sprintf("updates[%d].events[%d]", i, j)); err != nil {
				t.Errorf("update %d event %d: %v", i, j, err)
			}
		}
	}
}

// signedPush returns a push body carrying data, signed with the test key.
func signedPush(requestType, data string) []byte {
	return []byte(url.Values{
		"RequestData": {data},
		"RequestType": {requestType},
		"DataSign":    {Sign(data, testKey)},
	}.Encode())
}

// pushOf returns the RequestData of a push with one parcel.
func pushOf(state, stateEx string, traces ...string) string {
	return fmt.Sprintf(`{"EBusinessID":"1234567","Count":"1","Data":[{"EBusinessID":"1234567","ShipperCode":"ZTO","LogisticCode":"78901234567890","Success":true,"State":%q,"StateEx":%q,"Traces":[%s]}]}`,
		state, stateEx, strings.Join(traces, ","))
}

// traceAt returns a code-less trace at 2024-05-01 hh:00.
func traceAt(hour int) string {
	return fmt.Sprintf(`{"AcceptTime":"2024-05-01 %02d:00:00","AcceptStation":"scan at %d"}`, hour, hour)
}

// status is an event's status and sub-status, "status/sub".
func status(e trail.CarrierEvent) string { return string(e.Status) + "/" + e.SubStatus }

func TestCodeLessTraces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		state, stateEx string
		traces         []string
		want           []string // status/sub of each trace, in list order
	}{
		{"delivered: older traces in transit", "3", "", []string{traceAt(8), traceAt(9), traceAt(10)},
			[]string{"in_transit/", "in_transit/", "delivered/"}},
		{"picked up: older traces picked up", "1", "", []string{traceAt(8), traceAt(9)},
			[]string{"picked_up/", "picked_up/"}},
		{"awaiting pickup: older traces created", "10", "", []string{traceAt(8), traceAt(9)},
			[]string{"created/", "created/awaiting_pickup"}},
		{"exception: older traces in transit", "4", "", []string{traceAt(8), traceAt(9)},
			[]string{"in_transit/", "exception/"}},
		{"StateEx before State", "4", "412", []string{traceAt(8), traceAt(9)},
			[]string{"in_transit/", "at_pickup_point/locker_overdue"}},
		{"unknown StateEx falls back to State", "3", "399", []string{traceAt(8), traceAt(9)},
			[]string{"in_transit/", "delivered/"}},
		{"unknown state", "9", "", []string{traceAt(8), traceAt(9)},
			[]string{"in_transit/", "in_transit/unknown_code"}},
		{"newest first", "3", "", []string{traceAt(10), traceAt(9), traceAt(8)},
			[]string{"delivered/", "in_transit/", "in_transit/"}},
		{"newest found by time", "3", "", []string{traceAt(8), traceAt(11), traceAt(9)},
			[]string{"in_transit/", "delivered/", "in_transit/"}},
		{"tie goes to the last listed", "3", "", []string{traceAt(8), traceAt(10), traceAt(10)},
			[]string{"in_transit/", "in_transit/", "delivered/"}},
		{"tie goes to the first listed when newest first", "3", "", []string{traceAt(10), traceAt(10), traceAt(8)},
			[]string{"delivered/", "in_transit/", "in_transit/"}},
		{"action wins, code-less older traces still follow the parcel", "3", "301",
			[]string{traceAt(8), `{"AcceptTime":"2024-05-01 09:00:00","AcceptStation":"signed","Action":"304"}`},
			[]string{"in_transit/", "delivered/signed_by_proxy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			updates, err := testClient().ParsePush(testAccount(""), "", signedPush("101", pushOf(tt.state, tt.stateEx, tt.traces...)))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range updates[0].Events {
				got = append(got, status(e))
				if e.RawCode != "" && strings.HasPrefix(e.Description, "scan at") {
					t.Errorf("code-less trace %q got raw code %q", e.Description, e.RawCode)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestFingerprintStable checks that a trace keeps its fingerprint when a
// later push makes it an older trace.
func TestFingerprintStable(t *testing.T) {
	t.Parallel()
	c := testClient()
	first, err := c.ParsePush(testAccount(""), "", signedPush("101", pushOf("2", "", traceAt(8))))
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.ParsePush(testAccount(""), "", signedPush("101", pushOf("3", "", traceAt(8), traceAt(9))))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := first[0].Events[0].Fingerprint(), second[0].Events[0].Fingerprint(); a != b {
		t.Errorf("fingerprint changed: %s, then %s", a, b)
	}
}

func TestTraceTimes(t *testing.T) {
	t.Parallel()
	want := time.Date(2024, 5, 1, 9, 5, 7, 0, trail.ChinaTime)
	for _, s := range []string{"2024-05-01 09:05:07", "2024/05/01 09:05:07", "2024/5/1 9:05:07", " 2024-05-01 09:05:07 "} {
		got, ok := parseTime(s)
		if !ok || !got.Equal(want) {
			t.Errorf("parseTime(%q): got %v %v, want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "yesterday", "2024-13-01 09:00:00", "1970-01-01 08:00:00", "2024-05-01T09:05:07Z"} {
		if got, ok := parseTime(s); ok {
			t.Errorf("parseTime(%q): got %v, want failure", s, got)
		}
	}
}

func TestDescription(t *testing.T) {
	t.Parallel()
	tests := []struct{ station, remark, want string }{
		{"已签收", "", "已签收"},
		{"", "备注", "备注"},
		{" 已放入快递柜 ", " 取件码 1234 ", "已放入快递柜（取件码 1234）"},
	}
	for _, tt := range tests {
		if got := describe(tt.station, tt.remark); got != tt.want {
			t.Errorf("describe(%q, %q): got %q, want %q", tt.station, tt.remark, got, tt.want)
		}
	}
	long := strings.Repeat("快", 1000) // 3,000 bytes
	if got := clip(long, maxDescription); len(got) != 1998 || !strings.HasPrefix(long, got) {
		t.Errorf("clip: got %d bytes", len(got))
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	data := `{"EBusinessID":"1234567","Data":[]}`
	encoded := url.QueryEscape(data)
	sign := Sign(data, testKey)
	tests := []struct {
		name  string
		sign  string
		texts []string
		want  bool
	}{
		{"plain", sign, []string{data}, true},
		{"sign encoded twice", url.QueryEscape(sign), []string{data}, true},
		{"sign over the encoded text", Sign(encoded, testKey), []string{data, encoded}, true},
		{"missing", "", []string{data}, false},
		{"other key", Sign(data, "other"), []string{data}, false},
		{"other data", sign, []string{data + " "}, false},
		{"bad escape", "%zz", []string{data}, false},
	}
	for _, tt := range tests {
		if got := verify(tt.sign, testKey, tt.texts...); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParsePushRejects(t *testing.T) {
	t.Parallel()
	ok := pushOf("2", "", traceAt(8))
	tests := []struct {
		name  string
		acct  *trail.CarrierAccount
		body  []byte
		code  string
		field string
	}{
		{"no credentials", &trail.CarrierAccount{}, signedPush("101", ok), trail.EINTERNAL, ""},
		{"nil account", nil, signedPush("101", ok), trail.EINTERNAL, ""},
		{"no RequestData", testAccount(""), []byte("RequestType=101&DataSign=x"), trail.EMALFORMED, "RequestData"},
		{"bad second escape", testAccount(""), signedPush("101", "%7B%zz"), trail.EMALFORMED, "RequestData"},
		{"parcel of another account", testAccount(""), signedPush("101", strings.Replace(ok, `"Data":[{"EBusinessID":"1234567"`, `"Data":[{"EBusinessID":"7654321"`, 1)),
			trail.EUNAUTHORIZED, "Data[0].EBusinessID"},
		{"no EBusinessID", testAccount(""), signedPush("101", `{"Data":[]}`), trail.EUNAUTHORIZED, "EBusinessID"},
		{"no LogisticCode", testAccount(""), signedPush("101", strings.Replace(ok, "78901234567890", "", 1)), trail.EMALFORMED, "Data[0]"},
		{"Data not a list", testAccount(""), signedPush("102", `{"EBusinessID":"1234567","Data":{}}`), trail.EMALFORMED, "RequestData.Data"},
		{"Action too long", testAccount(""), signedPush("102", pushOf("2", "", `{"AcceptTime":"2024-05-01 08:00:00","Action":"`+strings.Repeat("9", 41)+`"}`)),
			trail.EMALFORMED, "Data[0].Traces[0].Action"},
		{"too many traces", testAccount(""), signedPush("102", pushOf("2", "", strings.Repeat(traceAt(8)+",", trail.MaxEventsPerPush)+traceAt(9))),
			trail.ETOOLARGE, "Data[0].Traces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			updates, err := testClient().ParsePush(tt.acct, "", tt.body)
			checkCode(t, err, tt.code)
			if updates != nil {
				t.Errorf("updates alongside an error: %v", updates)
			}
			var e *trail.Error
			if errors.As(err, &e) && e.Field != tt.field {
				t.Errorf("field: got %q, want %q", e.Field, tt.field)
			}
		})
	}
}

func TestParsePushLenient(t *testing.T) {
	t.Parallel()
	// Numbers where Kuaidiniao documents strings, "location" in lower case,
	// a content type other than a form's, and an empty Data.
	data := `{"EBusinessID":1234567,"Data":[{"EBusinessID":1234567,"ShipperCode":"sf","LogisticCode":"SF1","State":2,"StateEx":202,` +
		`"Traces":[{"AcceptTime":"2024-05-01 08:00:00","AcceptStation":"派件中","location":"杭州市"}]}]}`
	updates, err := testClient().ParsePush(testAccount(""), "text/plain", signedPush("102", data))
	if err != nil {
		t.Fatal(err)
	}
	e := updates[0].Events[0]
	if updates[0].Carrier != "shunfeng" || e.Status != trail.StatusOutForDelivery || e.Location != "杭州市" {
		t.Errorf("got %+v", updates[0])
	}
	updates, err = testClient().ParsePush(testAccount(""), "", signedPush("101", `{"EBusinessID":"1234567","Count":"0","Data":[]}`))
	if err != nil || len(updates) != 0 {
		t.Errorf("empty push: got %v, %v", updates, err)
	}
}

func TestReply(t *testing.T) {
	t.Parallel()
	const ok = `{"EBusinessID":"1234567","UpdateTime":"2024-05-06 15:08:09","Success":true,"Reason":""}`
	tests := []struct {
		name   string
		acct   *trail.CarrierAccount
		err    error
		status int
		body   string
	}{
		{"success", testAccount(""), nil, http.StatusOK, ok},
		{"unauthorized", testAccount(""), &trail.Error{Code: trail.EUNAUTHORIZED, Message: "DataSign is missing or wrong"}, http.StatusBadRequest,
			`{"EBusinessID":"1234567","UpdateTime":"2024-05-06 15:08:09","Success":false,"Reason":"unauthorized: DataSign is missing or wrong"}`},
		{"unknown parcel", testAccount(""), fmt.Errorf("ingest: %w", trail.Errorf(trail.ENOTFOUND, "No parcel zhongtong 1.")), http.StatusBadRequest,
			`{"EBusinessID":"1234567","UpdateTime":"2024-05-06 15:08:09","Success":false,"Reason":"not_found: No parcel zhongtong 1."}`},
		{"internal", testAccount(""), errors.New("database is locked"), http.StatusInternalServerError,
			`{"EBusinessID":"1234567","UpdateTime":"2024-05-06 15:08:09","Success":false,"Reason":"internal error"}`},
		{"store unavailable", testAccount(""), fmt.Errorf("ingest: %w", trail.ErrProviderUnavailable), http.StatusInternalServerError,
			`{"EBusinessID":"1234567","UpdateTime":"2024-05-06 15:08:09","Success":false,"Reason":"internal error"}`},
		{"no account", nil, errors.New("no account"), http.StatusInternalServerError,
			`{"EBusinessID":"","UpdateTime":"2024-05-06 15:08:09","Success":false,"Reason":"internal error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, contentType, body := testClient().Reply(tt.acct, tt.err)
			if status != tt.status || contentType != "application/json" || string(body) != tt.body {
				t.Errorf("got %d %s %s\nwant %d application/json %s", status, contentType, body, tt.status, tt.body)
			}
		})
	}
}
