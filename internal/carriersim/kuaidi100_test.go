package carriersim

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/carrier/kuaidi100"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// k100QueryForm returns a signed query form.
func k100QueryForm(param, key string) url.Values {
	return url.Values{"customer": {testCustomer}, "param": {param}, "sign": {kuaidi100.QuerySign(param, key, testCustomer)}}
}

func TestKuaidi100QuerySign(t *testing.T) {
	b := setup(t)
	b.clock.Advance(-48 * time.Hour) // first contact two days ago: every step has happened
	param := `{"com":"zhongtong","num":"78123456789001","resultv2":"4"}`
	b.Post("/kuaidi100/poll/query.do", k100QueryForm(param, testKey))
	b.clock.Advance(48 * time.Hour)
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"good sign", k100QueryForm(param, testKey), `"message":"ok"`},
		{"wrong key", k100QueryForm(param, "OTHERKEY"), `{"result":false,"returnCode":"503","message":"验证签名失败"}`},
		{"lower-case sign", url.Values{"customer": {testCustomer}, "param": {param}, "sign": {strings.ToLower(kuaidi100.QuerySign(param, testKey, testCustomer))}}, `"returnCode":"503"`},
		{"unknown customer", url.Values{"customer": {"NOBODY"}, "param": {param}, "sign": {kuaidi100.QuerySign(param, testKey, "NOBODY")}}, `"returnCode":"400"`},
		{"missing sign", url.Values{"customer": {testCustomer}, "param": {param}}, `"returnCode":"400"`},
		{"unknown company", k100QueryForm(`{"com":"nosuch","num":"78123456789001"}`, testKey), `"returnCode":"400","message":"找不到对应公司"`},
		{"sf without phone", k100QueryForm(`{"com":"shunfeng","num":"SF1234567890101"}`, testKey), `"returnCode":"408"`},
		{"no scan yet", k100QueryForm(`{"com":"zhongtong","num":"78123456789101"}`, testKey), `{"result":false,"returnCode":"500","message":"查询无结果，请隔段时间再查"}`},
		{"unknown number", k100QueryForm(`{"com":"zhongtong","num":"78123456789108"}`, testKey), `"returnCode":"500"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := b.Post("/kuaidi100/poll/query.do", tt.form)
			if status != 200 || !strings.Contains(body, tt.want) {
				t.Errorf("got %d %s, want 200 with %s", status, body, tt.want)
			}
		})
	}
}

func TestKuaidi100QueryFormat(t *testing.T) {
	b := setup(t)
	param := `{"com":"zhongtong","num":"78123456789001","resultv2":"4"}`
	b.Post("/kuaidi100/poll/query.do", k100QueryForm(param, testKey)) // first contact
	b.clock.Advance(22*time.Hour + time.Minute)
	_, body := b.Post("/kuaidi100/poll/query.do", k100QueryForm(param, testKey))
	want := `{"message":"ok","state":"5","status":"200","condition":"F00","ischeck":"0","com":"zhongtong","nu":"78123456789001","data":[` +
		`{"time":"2026-06-02 07:00:00","ftime":"2026-06-02 07:00:00","context":"【上海市】【上海浦东张江营业点】的王师傅正在派件，电话：138****0000","location":"上海市","status":"派件","statusCode":"5"},` +
		`{"time":"2026-06-01 23:00:00","ftime":"2026-06-01 23:00:00","context":"【上海市】快件已到达【上海转运中心】","location":"上海市","status":"到达派件城市","statusCode":"1001"},` +
		`{"time":"2026-06-01 15:00:00","ftime":"2026-06-01 15:00:00","context":"【绍兴市】快件已从【绍兴转运中心】发出，准备发往【上海转运中心】","location":"绍兴市","status":"干线","statusCode":"1002"},` +
		`{"time":"2026-06-01 11:00:00","ftime":"2026-06-01 11:00:00","context":"【绍兴市】快件已由【绍兴越城营业部】揽收，揽收员：陈师傅","location":"绍兴市","status":"揽收","statusCode":"1"}]}`
	if body != want {
		t.Errorf("got\n%s\nwant\n%s", body, want)
	}

	// Without resultv2: no codes, the base state; asc order.
	_, body = b.Post("/kuaidi100/poll/query.do", k100QueryForm(`{"com":"zhongtong","num":"78123456789001","order":"asc"}`, testKey))
	var res k100Result
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	if res.State != "5" || res.Data[0].StatusCode != "" || res.Data[0].Time != "2026-06-01 11:00:00" {
		t.Errorf("got %s", body)
	}

	// The provider package reads the same answer.
	b.k100.Now = func() time.Time { return time.Time{} }
	u, err := b.Query("kuaidi100", "zhongtong", "78123456789001")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(u.Events), []string{"out_for_delivery", "in_transit/destination_city", "in_transit", "picked_up"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestKuaidi100Subscribe(t *testing.T) {
	b := setup(t)
	sub := func(param string) string {
		t.Helper()
		_, body := b.Post("/kuaidi100/poll", url.Values{"schema": {"json"}, "param": {param}})
		return body
	}
	good := `{"company":"zhongtong","number":"78123456789001","key":"TESTKEY","parameters":{"callbackurl":"http://127.0.0.1:1/hook","salt":"x","resultv2":"4"}}`
	tests := []struct {
		name, param, want string
	}{
		{"ok", good, `{"result":true,"returnCode":"200","message":"提交成功"}`},
		{"duplicate while polling", good, `{"result":false,"returnCode":"501","message":"重复订阅"}`},
		{"unknown key", strings.Replace(good, "TESTKEY", "NOPE", 1), `"returnCode":"600"`},
		{"bad callback", strings.Replace(good, "http://127.0.0.1:1/hook", "ftp://x", 1), `"returnCode":"700"`},
		{"unknown company", strings.Replace(good, "zhongtong", "nosuch", 1), `"returnCode":"700"`},
		{"short number", strings.Replace(good, "78123456789001", "123", 1), `"returnCode":"700"`},
		{"autoCom", `{"company":"","number":"YT1234567890101","key":"TESTKEY","parameters":{"callbackurl":"http://127.0.0.1:1/hook","autoCom":"1"}}`, `"returnCode":"200"`},
		{"autoCom ambiguous", `{"company":"","number":"4312345678901","key":"TESTKEY","parameters":{"callbackurl":"http://127.0.0.1:1/hook","autoCom":"1"}}`, `"returnCode":"702"`},
		{"bad JSON", `{"company":`, `"returnCode":"500"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sub(tt.param); !strings.Contains(got, tt.want) {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	if p := b.MustParcel("kuaidi100", "YT1234567890101"); p.Carrier != "yuantong" {
		t.Errorf("autoCom: got carrier %q, want yuantong", p.Carrier)
	}
}

func TestKuaidi100PushFlow(t *testing.T) {
	b := setup(t)
	b.MustSubscribe("kuaidi100", "zhongtong", "78123456789001")
	if n := b.Run(30*time.Hour, time.Hour); n != 5 {
		t.Errorf("got %d push attempts, want one per step (5)", n)
	}
	ups := b.recv.Updates()
	if len(ups) != 5 {
		t.Fatalf("got %d updates, want 5", len(ups))
	}
	for i, u := range ups {
		if u.Carrier != "zhongtong" || u.TrackingNo != "78123456789001" || len(u.Events) != i+1 {
			t.Errorf("update %d: got %s %s with %d events, want the full history so far", i, u.Carrier, u.TrackingNo, len(u.Events))
		}
	}
	last := ups[4]
	if last.Stopped != "shutdown" {
		t.Errorf("last push: got Stopped %q, want shutdown", last.Stopped)
	}
	if got, want := statuses(last.Events), []string{"delivered", "out_for_delivery", "in_transit/destination_city", "in_transit", "picked_up"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v (newest first)", got, want)
	}
	p := b.MustParcel("kuaidi100", "78123456789001")
	if p.State != "shutdown" || p.PendingPushes != 0 || len(p.Events) != 5 {
		t.Errorf("got state %s, %d pending, %d events", p.State, p.PendingPushes, len(p.Events))
	}
	for _, a := range p.Pushes {
		if !a.Accepted || a.Attempt != 1 || a.Reply != `{"result":true,"returnCode":"200","message":"成功"}` {
			t.Errorf("push %d: got %+v", a.Push, a)
		}
	}
	// Once shut down, the number may be subscribed again.
	b.MustSubscribe("kuaidi100", "zhongtong", "78123456789001")
}

func TestKuaidi100RetryCadence(t *testing.T) {
	b := setup(t)
	b.recv.failFirst = 2
	b.MustSubscribe("kuaidi100", "zhongtong", "78123456789001")
	b.clock.Advance(2 * time.Hour) // the first step is due
	if n := b.sim.Tick(); n != 1 {
		t.Fatalf("got %d attempts, want 1", n)
	}
	b.clock.Advance(35*time.Minute - time.Second)
	if n := b.sim.Tick(); n != 0 {
		t.Fatalf("retried after %s: got %d attempts", 35*time.Minute-time.Second, n)
	}
	b.clock.Advance(time.Second)
	if n := b.sim.Tick(); n != 1 {
		t.Fatalf("at 35 min: got %d attempts, want 1", n)
	}
	b.clock.Advance(35 * time.Minute)
	if n := b.sim.Tick(); n != 1 {
		t.Fatalf("at 70 min: got %d attempts, want 1", n)
	}
	p := b.MustParcel("kuaidi100", "78123456789001")
	var got []string
	for _, a := range p.Pushes {
		got = append(got, a.At.Sub(epoch).String()+" "+map[bool]string{true: "accepted", false: "refused"}[a.Accepted])
	}
	want := []string{"2h0m0s refused", "2h35m0s refused", "3h10m0s accepted"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if p.Pushes[0].Status != 500 || p.Pushes[0].Error == "" {
		t.Errorf("got %+v", p.Pushes[0])
	}
}

func TestKuaidi100RetryGivesUp(t *testing.T) {
	b := setup(t, func(c *Config) { c.Speed = 60 })
	b.recv.failFirst = 4
	b.MustSubscribe("kuaidi100", "zhongtong", "78123456789001")
	b.Run(30*time.Minute, time.Second)
	p := b.MustParcel("kuaidi100", "78123456789001")
	// The first push is tried 4 times (35 min apart, 35 s at speed 60) and
	// given up; the later pushes go through.
	if len(p.Pushes) != 4+4 {
		t.Fatalf("got %d attempts, want 8", len(p.Pushes))
	}
	for i, a := range p.Pushes[:4] {
		if a.Push != 1 || a.Attempt != i+1 || a.Accepted || a.GaveUp != (i == 3) {
			t.Errorf("attempt %d: got %+v", i, a)
		}
		if i > 0 && a.At.Sub(p.Pushes[i-1].At) != 35*time.Second {
			t.Errorf("attempt %d: %s after the previous, want 35s", i, a.At.Sub(p.Pushes[i-1].At))
		}
	}
	if !p.Pushes[4].Accepted || p.Pushes[4].Push != 2 {
		t.Errorf("got %+v", p.Pushes[4])
	}
}

func TestKuaidi100Reply(t *testing.T) {
	tests := []struct {
		reply string
		ok    bool
	}{
		{`{"result":true,"returnCode":"200","message":"成功"}`, true},
		{`{"result":true,"returnCode":"200","message":"提交成功"}`, true},
		{`{"result":true,"returnCode":200,"message":"成功"}`, false},
		{`{"result":"true","returnCode":"200"}`, false},
		{`{"result":false,"returnCode":"200"}`, false},
		{`{"result":true,"returnCode":"500"}`, false},
		{`OK`, false},
	}
	for _, tt := range tests {
		if got, _ := acknowledged("kuaidi100", 200, []byte(tt.reply)); got != tt.ok {
			t.Errorf("%s: got %v, want %v", tt.reply, got, tt.ok)
		}
	}
	if ok, why := acknowledged("kuaidi100", 500, []byte(tests[0].reply)); ok || why != "http status 500" {
		t.Errorf("HTTP 500: got %v %q", ok, why)
	}
}

// TestKuaidi100AutoCheck plays wrong_carrier_code subscribed as yunda: an
// abort naming comNew, then pushes with autoCheck 1, comOld and comNew.
func TestKuaidi100AutoCheck(t *testing.T) {
	b := setup(t)
	const no = "75312345678910"
	b.MustSubscribe("kuaidi100", "yunda", no)
	b.Run(2*24*time.Hour, time.Hour)
	ups := b.recv.Updates()
	if len(ups) != 6 {
		t.Fatalf("got %d updates, want an abort and 5 steps", len(ups))
	}
	abort := ups[0]
	if abort.Carrier != "yunda" || abort.CorrectedCarrier != "zhongtong" || abort.Stopped != "3天查询无记录" || abort.Resubscribe || len(abort.Events) != 0 {
		t.Errorf("abort: got %+v", abort)
	}
	for _, u := range ups[1:] {
		if u.Carrier != "yunda" || u.CorrectedCarrier != "zhongtong" || u.Stopped == "3天查询无记录" {
			t.Errorf("got %+v, want carrier yunda corrected to zhongtong", u)
		}
	}
	if ups[5].Stopped != "shutdown" || len(ups[5].Events) != 5 {
		t.Errorf("last: got %+v", ups[5])
	}
	var param k100Push
	form, _ := url.ParseQuery(b.recv.bodies[1])
	if err := json.Unmarshal([]byte(form.Get("param")), &param); err != nil {
		t.Fatal(err)
	}
	if param.AutoCheck != "1" || param.ComOld != "yunda" || param.ComNew != "zhongtong" || param.LastResult.Com != "zhongtong" {
		t.Errorf("got %+v", param)
	}
	p := b.MustParcel("kuaidi100", no)
	if p.State != "shutdown" || p.CorrectedCarrier != "zhongtong" {
		t.Errorf("got state %s corrected %q", p.State, p.CorrectedCarrier)
	}
	// Queries find the parcel under the right code only.
	if _, err := b.Query("kuaidi100", "yunda", no); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Errorf("query as yunda: got %v, want not_found", err)
	}
	if u, err := b.Query("kuaidi100", "zhongtong", no); err != nil || len(u.Events) != 5 {
		t.Errorf("query as zhongtong: got %v, %v", u, err)
	}
}

func TestKuaidi100Lost(t *testing.T) {
	b := setup(t)
	const no = "78123456789008"
	b.MustSubscribe("kuaidi100", "zhongtong", no)
	if n := b.Run(72*time.Hour-time.Minute, time.Hour); n != 0 {
		t.Fatalf("got %d pushes before three days", n)
	}
	b.Run(time.Minute, time.Minute)
	ups := b.recv.Updates()
	if len(ups) != 1 || ups[0].Stopped != "3天查询无记录" || !ups[0].Resubscribe || len(ups[0].Events) != 0 {
		t.Fatalf("got %+v, want one abort asking to resubscribe", ups)
	}
	if _, err := b.Query("kuaidi100", "zhongtong", no); trail.ErrorCode(err) != trail.ENOTFOUND {
		t.Errorf("query: got %v, want not_found", err)
	}
	// After the abort the number may be subscribed again.
	b.MustSubscribe("kuaidi100", "zhongtong", no)
}

func TestKuaidi100StallAbort(t *testing.T) {
	b := setup(t, func(c *Config) { c.Speed = 3600 })
	b.MustSubscribe("kuaidi100", "zhongtong", "78123456789003")
	b.Run(2*time.Hour, time.Second) // 7200 h of scenario time
	ups := b.recv.Updates()
	if len(ups) != 5 {
		t.Fatalf("got %d updates, want 4 steps and an abort", len(ups))
	}
	last := ups[4]
	if last.Stopped != "60天无变化" || last.Resubscribe || len(last.Events) != 4 || last.Events[0].SubStatus != "stalled" {
		t.Errorf("got %+v", last)
	}
}

func TestKuaidi100Outage(t *testing.T) {
	b := setup(t)
	b.k100.HTTP.Timeout = 300 * time.Millisecond
	req := func() error {
		return b.k100.Subscribe(t.Context(), b.k100Acct, trail.TrackRequest{Carrier: "zhongtong", TrackingNo: "78123456789011", CallbackURL: b.recv.srv.URL + "/kuaidi100"})
	}
	for i, want := range []string{"500", "502", "timeout", "timeout"} {
		err := req()
		if !errors.Is(err, trail.ErrProviderUnavailable) {
			t.Fatalf("request %d: got %v, want a provider outage (%s)", i, err, want)
		}
	}
	if err := req(); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	p := b.MustParcel("kuaidi100", "78123456789011")
	var got []string
	for _, r := range p.Requests {
		got = append(got, r.Result)
	}
	if want := []string{"500", "502", "timeout", "timeout", "ok"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	b.Run(2*24*time.Hour, time.Hour)
	if n := len(b.recv.Updates()); n != 4 {
		t.Errorf("got %d pushes, want 4", n)
	}
}
