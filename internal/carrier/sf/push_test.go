package sf_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/carrier/sf"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// pushGolden is a push fixture's golden output: the updates or the error,
// and the reply that answers it.
type pushGolden struct {
	Updates []trail.TrackUpdate `json:"updates,omitempty"`
	Error   *errorView          `json:"error,omitempty"`
	Reply   struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	} `json:"reply"`
}

func TestParsePushGolden(t *testing.T) {
	t.Parallel()
	// What each fixture must give besides its golden file: the error code,
	// or the number of events per parcel.
	want := map[string]struct {
		code   string
		events map[string]int
	}{
		"json_routes.json":               {events: map[string]int{"SF1234567890123": 7}},
		"json_multi_parcel.json":         {events: map[string]int{"SF2000000000001": 2, "SF3000000000002": 1, "SF4000000000003": 1, "SF5000000000004": 1, "SF6000000000005": 2}},
		"json_duplicate_ids.json":        {events: map[string]int{"SF1234567890123": 2, "SF2000000000001": 1}},
		"json_unknown_opcode.json":       {events: map[string]int{"SF1234567890123": 2}},
		"json_8000_after_80.json":        {events: map[string]int{"SF1234567890123": 2}},
		"json_single_route_object.json":  {events: map[string]int{"SF1234567890123": 1}},
		"envelope_valid.form":            {events: map[string]int{"SF1234567890123": 2}},
		"envelope_bare.form":             {events: map[string]int{"SF2000000000001": 1}},
		"envelope_wrong_digest.form":     {code: trail.EUNAUTHORIZED},
		"envelope_wrong_partner.form":    {code: trail.EUNAUTHORIZED},
		"envelope_unsigned.form":         {code: trail.EUNAUTHORIZED},
		"envelope_msgdata_not_json.form": {code: trail.EMALFORMED},
		"envelope_no_routes.form":        {code: trail.EMALFORMED},
		"malformed_truncated.json":       {code: trail.EMALFORMED},
		"malformed_no_routes.json":       {code: trail.EMALFORMED},
		"malformed_bad_time.json":        {code: trail.EMALFORMED},
		"malformed_no_mailno.json":       {code: trail.EMALFORMED},
		"malformed_no_opcode.json":       {code: trail.EMALFORMED},
		"malformed_form.form":            {code: trail.EMALFORMED},
	}
	files := MustGlob(t, "testdata/push/*")
	if len(files) != len(want) {
		t.Errorf("testdata/push: got %d fixtures, want %d", len(files), len(want))
	}
	c := &sf.Client{}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w, ok := want[name]
			if !ok {
				t.Fatalf("fixture %s has no expectation", name)
			}
			updates, err := c.ParsePush(testAccount(""), pushContentType(name), MustReadFile(t, path))
			if got := trail.ErrorCode(err); got != w.code {
				t.Fatalf("ParsePush: got error %v, want code %q", err, w.code)
			}
			got := map[string]int{}
			for _, u := range updates {
				if u.Carrier != "shunfeng" {
					t.Errorf("update %s: got carrier %q, want shunfeng", u.TrackingNo, u.Carrier)
				}
				got[u.TrackingNo] += len(u.Events)
			}
			if fmt.Sprint(got) != fmt.Sprint(w.events) && w.code == "" {
				t.Errorf("events per parcel: got %v, want %v", got, w.events)
			}
			var g pushGolden
			g.Updates, g.Error = updates, viewError(err)
			var body []byte
			g.Reply.Status, _, body = c.Reply(testAccount(""), err)
			g.Reply.Body = string(body)
			CompareGolden(t, "push/"+strings.TrimSuffix(name, filepath.Ext(name))+".golden", g)
		})
	}
}

func TestParsePushEvents(t *testing.T) {
	t.Parallel()
	c := &sf.Client{}
	parse := func(t *testing.T, name string) []trail.TrackUpdate {
		t.Helper()
		updates, err := c.ParsePush(testAccount(""), pushContentType(name), MustReadFile(t, "testdata/push/"+name))
		if err != nil {
			t.Fatal(err)
		}
		return updates
	}

	t.Run("fields", func(t *testing.T) {
		t.Parallel()
		e := parse(t, "json_routes.json")[0].Events[0]
		want := trail.CarrierEvent{
			Time:   MustParseTime(t, "2026-06-01T18:02:11+08:00").UTC(),
			Status: trail.StatusPickedUp, RawCode: "50", Description: "顺丰速运 已收取快件",
			Location: "深圳市", ExternalID: "21000000001", Source: trail.SourcePush,
		}
		if e != want {
			t.Errorf("event: got %+v, want %+v", e, want)
		}
	})
	t.Run("reasonName appended once", func(t *testing.T) {
		t.Parallel()
		updates := parse(t, "json_multi_parcel.json")
		got := map[string]string{}
		for _, u := range updates {
			for _, e := range u.Events {
				got[e.RawCode] = e.Description
			}
		}
		for code, want := range map[string]string{
			"70":  "由于收方客户原因，派件不成功（收方客户不在）",
			"33":  "派件异常，原因：地址不详", // the reason is already in the remark
			"631": "收方拒收",         // no remark
		} {
			if got[code] != want {
				t.Errorf("opCode %s description: got %q, want %q", code, got[code], want)
			}
		}
	})
	t.Run("duplicate ids keep the first", func(t *testing.T) {
		t.Parallel()
		for _, u := range parse(t, "json_duplicate_ids.json") {
			for _, e := range u.Events {
				if strings.Contains(e.Description, "重复推送") {
					t.Errorf("%s: got the repeated route %q, want the first", u.TrackingNo, e.Description)
				}
			}
		}
	})
	t.Run("unknown opCode", func(t *testing.T) {
		t.Parallel()
		e := parse(t, "json_unknown_opcode.json")[0].Events
		if e[0].RawCode != "31" || e[0].ExternalID != "24000000001" || e[0].Status != trail.StatusInTransit {
			t.Errorf("numeric opCode and id: got %+v, want raw code 31, id 24000000001, in_transit", e[0])
		}
		if e[1].Status != trail.StatusUnknown || e[1].RawCode != "9999" {
			t.Errorf("opCode 9999: got status %q raw %q, want unknown with raw 9999", e[1].Status, e[1].RawCode)
		}
	})
	t.Run("8000 after 80 keeps the delivery time", func(t *testing.T) {
		t.Parallel()
		events := parse(t, "json_8000_after_80.json")[0].Events
		stored := make([]trail.TrackingEvent, len(events))
		for i, e := range events {
			stored[i] = trail.TrackingEvent{CarrierEvent: e, ID: int64(i + 1)}
		}
		st := trail.DeriveShipmentState(stored)
		if st.Status != trail.StatusDelivered || !st.DeliveredAt.Equal(events[0].Time) {
			t.Errorf("state: got %s delivered at %v, want delivered at %v", st.Status, st.DeliveredAt, events[0].Time)
		}
	})
}

// envelope returns a form push signed with checkWord.
func envelope(partnerKey, partnerID, msgData, checkWord string) []byte {
	ts := "1780300000000"
	return []byte(url.Values{
		partnerKey: {partnerID}, "requestID": {"r1"}, "serviceCode": {"RoutePushService"},
		"timestamp": {ts}, "msgData": {msgData}, "msgDigest": {sf.Digest(msgData, ts, checkWord)},
	}.Encode())
}

func TestParsePushAccount(t *testing.T) {
	t.Parallel()
	c := &sf.Client{}
	const msg = `{"WaybillRoute":[{"id":"1","mailno":"SF1234567890123","acceptTime":"2026-06-01 18:02:11","opCode":"50"}]}`
	noCheckWord := testAccount("")
	delete(noCheckWord.Credentials, "check_word")
	tests := []struct {
		name        string
		acct        *trail.CarrierAccount
		contentType string
		body        []byte
		code        string
	}{
		{"signed", testAccount(""), "application/x-www-form-urlencoded", envelope("partnerID", testPartnerID, msg, testCheckWord), ""},
		{"PartnerID capitalised", testAccount(""), "application/x-www-form-urlencoded", envelope("PartnerID", testPartnerID, msg, testCheckWord), ""},
		{"signed, sent as JSON content type", testAccount(""), "application/json", envelope("partnerID", testPartnerID, msg, testCheckWord), ""},
		{"JSON sent as form content type", testAccount(""), "application/x-www-form-urlencoded", []byte(msg), ""},
		{"JSON with BOM and white space", testAccount(""), "", []byte("\xef\xbb\xbf\n " + msg + "\n"), ""},
		{"JSON without account", nil, "application/json", []byte(msg), ""},
		{"signed without account", nil, "application/x-www-form-urlencoded", envelope("partnerID", testPartnerID, msg, testCheckWord), trail.EUNAUTHORIZED},
		{"signed, account lacks check_word", noCheckWord, "application/x-www-form-urlencoded", envelope("partnerID", testPartnerID, msg, testCheckWord), trail.EUNAUTHORIZED},
		{"signed with another check word", testAccount(""), "application/x-www-form-urlencoded", envelope("partnerID", testPartnerID, msg, "OTHER"), trail.EUNAUTHORIZED},
		{"no partnerID", testAccount(""), "application/x-www-form-urlencoded", envelope("partner", testPartnerID, msg, testCheckWord), trail.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			updates, err := c.ParsePush(tt.acct, tt.contentType, tt.body)
			if got := trail.ErrorCode(err); got != tt.code {
				t.Fatalf("ParsePush: got %v, want code %q", err, tt.code)
			}
			if err == nil && (len(updates) != 1 || len(updates[0].Events) != 1) {
				t.Errorf("ParsePush: got %+v, want one parcel with one event", updates)
			}
		})
	}
}

func TestParsePushTooLarge(t *testing.T) {
	t.Parallel()
	routes := make([]string, trail.MaxEventsPerPush+1)
	for i := range routes {
		routes[i] = fmt.Sprintf(`{"id":"%d","mailno":"SF1234567890123","acceptTime":"2026-06-01 18:02:11","opCode":"30"}`, i)
	}
	body := `{"Body":{"WaybillRoute":[` + strings.Join(routes, ",") + `]}}`
	_, err := (&sf.Client{}).ParsePush(testAccount(""), "application/json", []byte(body))
	if got := trail.ErrorCode(err); got != trail.ETOOLARGE {
		t.Errorf("ParsePush of %d routes: got %v, want code %s", len(routes), err, trail.ETOOLARGE)
	}
}

func TestReply(t *testing.T) {
	t.Parallel()
	c := &sf.Client{}
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{nil, http.StatusOK, "0000"},
		{trail.Errorf(trail.EMALFORMED, "bad"), http.StatusBadRequest, "1000"},
		{trail.Errorf(trail.EUNAUTHORIZED, "bad"), http.StatusBadRequest, "1000"},
		{trail.Errorf(trail.ENOTFOUND, "no parcel"), http.StatusBadRequest, "1000"},
		{trail.Invalid("events[0].time", "bad"), http.StatusBadRequest, "1000"},
		{trail.Errorf(trail.ETOOLARGE, "big"), http.StatusBadRequest, "1000"},
		{fmt.Errorf("ingest: %w", errors.New("database is locked")), http.StatusInternalServerError, "1000"},
		{trail.Errorf(trail.EINTERNAL, "x"), http.StatusInternalServerError, "1000"},
	}
	for _, tt := range tests {
		status, ct, body := c.Reply(testAccount(""), tt.err)
		var r struct {
			ReturnCode string `json:"return_code"`
			ReturnMsg  string `json:"return_msg"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		if status != tt.status || ct != "application/json" || r.ReturnCode != tt.code || r.ReturnMsg == "" {
			t.Errorf("Reply(%v): got %d %s %s, want %d application/json return_code %s", tt.err, status, ct, body, tt.status, tt.code)
		}
		if strings.Contains(string(body), "database") {
			t.Errorf("Reply(%v): got %s, leaks an internal error", tt.err, body)
		}
	}
	if _, _, body := c.Reply(nil, nil); string(body) != `{"return_code":"0000","return_msg":"成功"}` {
		t.Errorf("Reply(nil): got %s, want SF's exact success body", body)
	}
}

func TestParsePushLimits(t *testing.T) {
	t.Parallel()
	push := func(route string) []byte { return []byte(`{"Body":{"WaybillRoute":[` + route + `]}}`) }
	tests := []struct {
		name, route, field string
	}{
		{"remark too long", `{"mailno":"SF1234567890123","acceptTime":"2026-06-01 18:02:11","opCode":"50","remark":"` + strings.Repeat("快", 700) + `"}`, "WaybillRoute[0]"},
		{"mailno too long", `{"mailno":"SF` + strings.Repeat("1", 40) + `","acceptTime":"2026-06-01 18:02:11","opCode":"50"}`, "WaybillRoute[0].mailno"},
		{"opCode an object", `{"mailno":"SF1234567890123","acceptTime":"2026-06-01 18:02:11","opCode":{"code":50}}`, ""},
		{"route a string", `"SF1234567890123"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := (&sf.Client{}).ParsePush(testAccount(""), "application/json", push(tt.route))
			var te *trail.Error
			if !errors.As(err, &te) || te.Code != trail.EMALFORMED || te.Field != tt.field {
				t.Errorf("ParsePush: got %v, want EMALFORMED on %q", err, tt.field)
			}
		})
	}
}
