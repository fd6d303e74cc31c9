package carriersim

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/carrier/sf"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// sfForm returns a signed gateway request.
func sfForm(service, requestID, msgData, checkWord string) url.Values {
	ts := strconv.FormatInt(epoch.UnixMilli(), 10)
	return url.Values{"partnerID": {testPartner}, "requestID": {requestID}, "serviceCode": {service},
		"timestamp": {ts}, "msgData": {msgData}, "msgDigest": {sf.Digest(msgData, ts, checkWord)}}
}

// sfDecode decodes a gateway answer and its apiResultData string.
func sfDecode(t *testing.T, body string) (sfAnswer, map[string]any) {
	t.Helper()
	var a sfAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if a.APIResultData == nil {
		return a, nil
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(*a.APIResultData), &res); err != nil {
		t.Fatalf("apiResultData is not a JSON string of an object: %v", err)
	}
	return a, res
}

func TestSFGateway(t *testing.T) {
	b := setup(t)
	msg := `{"language":"0","trackingType":"1","trackingNumber":["SF1234567890101"],"methodType":"1","checkPhoneNo":"0000"}`
	// Java URL encoding matters: the digest of text holding * and ~ differs
	// from Go's QueryEscape.
	tricky := `{"trackingType":"1","trackingNumber":["SF1234567890101"],"remark":"a*b~c d"}`
	tests := []struct {
		name string
		form url.Values
		code string
	}{
		{"good digest", sfForm(sf.ServiceSearchRoutes, "req-1", msg, testCheckWord), "A1000"},
		{"duplicate requestID", sfForm(sf.ServiceSearchRoutes, "req-1", msg, testCheckWord), "A1007"},
		{"Java URL encoding", sfForm(sf.ServiceSearchRoutes, "req-2", tricky, testCheckWord), "A1000"},
		{"wrong check word", sfForm(sf.ServiceSearchRoutes, "req-3", msg, "OTHER"), "A1006"},
		{"unknown partner", func() url.Values {
			f := sfForm(sf.ServiceSearchRoutes, "req-4", msg, testCheckWord)
			f.Set("partnerID", "NOBODY")
			return f
		}(), "A1006"},
		{"missing field", func() url.Values {
			f := sfForm(sf.ServiceSearchRoutes, "req-5", msg, testCheckWord)
			f.Del("timestamp")
			return f
		}(), "A1001"},
		{"unknown service", sfForm("EXP_RECE_CREATE_ORDER", "req-6", msg, testCheckWord), "A1004"},
		{"bad digest does not burn the requestID", sfForm(sf.ServiceSearchRoutes, "req-3", msg, testCheckWord), "A1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := b.Post("/sf/std/service", tt.form)
			a, _ := sfDecode(t, body)
			if status != 200 || a.APIResultCode != tt.code {
				t.Errorf("got %d %s, want apiResultCode %s", status, body, tt.code)
			}
			if tt.code != "A1000" && a.APIResultData != nil {
				t.Errorf("a refused request got apiResultData %s", *a.APIResultData)
			}
		})
	}
}

// TestSFDigestVectors checks msgDigest against the reference's worked
// example (§3.2) and refuses a digest made with Go's QueryEscape, which
// differs from Java's URLEncoder on * and ~.
func TestSFDigestVectors(t *testing.T) {
	b := setup(t)
	msg := `{"language":"0","trackingType":"1","trackingNumber":["SF1234567890123"],"methodType":"1","checkPhoneNo":"5678"}`
	form := url.Values{"partnerID": {testPartner}, "requestID": {"v1"}, "serviceCode": {sf.ServiceSearchRoutes},
		"timestamp": {"1700000000000"}, "msgData": {msg}, "msgDigest": {"gsFZxzbvFL7RXr1hPEjVCA=="}}
	if _, body := b.Post("/sf/std/service", form); !strings.Contains(body, `"apiResultCode":"A1000"`) {
		t.Errorf("reference vector: got %s", body)
	}
	tricky := `{"trackingNumber":["SF1234567890123"],"remark":"a*b~c"}`
	sum := md5.Sum([]byte(url.QueryEscape(tricky + "1700000000000" + testCheckWord)))
	form = url.Values{"partnerID": {testPartner}, "requestID": {"v2"}, "serviceCode": {sf.ServiceSearchRoutes},
		"timestamp": {"1700000000000"}, "msgData": {tricky}, "msgDigest": {base64.StdEncoding.EncodeToString(sum[:])}}
	if _, body := b.Post("/sf/std/service", form); !strings.Contains(body, `"apiResultCode":"A1006"`) {
		t.Errorf("QueryEscape digest: got %s, want A1006", body)
	}
}

func TestSFQueryFormat(t *testing.T) {
	b := setup(t)
	msg := `{"language":"0","trackingType":"1","trackingNumber":["SF1234567890101","SF1234567890110"],"methodType":"1"}`
	b.Post("/sf/std/service", sfForm(sf.ServiceSearchRoutes, "q1", msg, testCheckWord))
	b.clock.Advance(7 * time.Hour)
	_, body := b.Post("/sf/std/service", sfForm(sf.ServiceSearchRoutes, "q2", msg, testCheckWord))
	a, res := sfDecode(t, body)
	want := `{"success":true,"errorCode":"S0000","errorMsg":null,"msgData":{"routeResps":[` +
		`{"mailNo":"SF1234567890101","routes":[` +
		`{"acceptAddress":"绍兴市","acceptTime":"2026-06-01 11:00:00","opCode":"50","remark":"【绍兴市】快件已由【绍兴越城营业部】揽收，揽收员：陈师傅"},` +
		`{"acceptAddress":"绍兴市","acceptTime":"2026-06-01 15:00:00","opCode":"30","remark":"【绍兴市】快件已从【绍兴转运中心】发出，准备发往【上海转运中心】"}]},` +
		`{"mailNo":"SF1234567890110","routes":[]}]}}`
	if a.APIResultCode != "A1000" || *a.APIResultData != want || res["success"] != true {
		t.Errorf("got\n%s\nwant apiResultData\n%s", body, want)
	}
	u, err := b.Query("sf", "shunfeng", "SF1234567890101")
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(u.Events); !reflect.DeepEqual(got, []string{"picked_up", "in_transit"}) {
		t.Errorf("got %v", got)
	}
	// wrong_carrier_code travels with ZTO: SF knows nothing of it.
	if _, err := b.Query("sf", "shunfeng", "SF1234567890110"); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Errorf("got %v, want not_found", err)
	}
}

func TestSFBusinessFailure(t *testing.T) {
	b := setup(t)
	_, body := b.Post("/sf/std/service", sfForm(sf.ServiceSearchRoutes, "q1", `{"trackingNumber":"SF1"}`, testCheckWord))
	a, res := sfDecode(t, body)
	if a.APIResultCode != "A1000" || res["success"] != false || res["errorCode"] != "8016" {
		t.Errorf("got %s", body)
	}
}

func TestSFPushFlow(t *testing.T) {
	b := setup(t)
	b.MustSubscribe("sf", "shunfeng", "SF1234567890106")
	b.Run(5*24*time.Hour, time.Hour)
	ups := b.recv.Updates()
	if len(ups) != 7 {
		t.Fatalf("got %d pushes, want one per step (7)", len(ups))
	}
	var got []string
	ids := map[string]bool{}
	for _, u := range ups {
		if len(u.Events) != 1 || u.Carrier != "shunfeng" {
			t.Fatalf("got %+v, want one new route per push", u)
		}
		got = append(got, u.Events[0].RawCode+" "+string(u.Events[0].Status))
		ids[u.Events[0].ExternalID] = true
	}
	want := []string{"50 picked_up", "30 in_transit", "44 out_for_delivery", "80 delivered", "631 returning", "631 returning", "631 returning"}
	if !reflect.DeepEqual(got, want) || len(ids) != 7 {
		t.Errorf("got %v with %d route ids, want %v with 7", got, len(ids), want)
	}
	if !strings.HasPrefix(b.recv.bodies[0], `{"Body":{"WaybillRoute":[{"id":"3`) {
		t.Errorf("got %s", b.recv.bodies[0])
	}
}

func TestSFRetryCadence(t *testing.T) {
	b := setup(t)
	b.recv.failFirst = 3
	b.MustSubscribe("sf", "shunfeng", "SF1234567890101")
	b.Run(3*time.Hour, time.Minute)
	p := b.MustParcel("sf", "SF1234567890101")
	var got []time.Duration
	for _, a := range p.Pushes[:4] {
		got = append(got, a.At.Sub(epoch))
	}
	want := []time.Duration{2 * time.Hour, 2*time.Hour + time.Minute, 2*time.Hour + 6*time.Minute, 2*time.Hour + 21*time.Minute}
	if !reflect.DeepEqual(got, want) || !p.Pushes[3].Accepted {
		t.Errorf("got attempts at %v, want %v with the last accepted", got, want)
	}
}

func TestSFReply(t *testing.T) {
	for reply, want := range map[string]bool{
		`{"return_code":"0000","return_msg":"成功"}`:   true,
		`{"return_code":"1000","return_msg":"系统错误"}`: false,
		`{"return_code":0}`: false,
		`{}`:                false,
	} {
		if got, _ := acknowledged("sf", 200, []byte(reply)); got != want {
			t.Errorf("%s: got %v, want %v", reply, got, want)
		}
	}
	if got, _ := acknowledged("kdniao", 200, []byte(`{"EBusinessID":"1","Success":true}`)); !got {
		t.Error("kdniao Success true refused")
	}
	if got, _ := acknowledged("kdniao", 200, []byte(`{"Success":"true"}`)); got {
		t.Error(`kdniao Success "true" accepted`)
	}
}
