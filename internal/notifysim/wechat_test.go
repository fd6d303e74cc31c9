package notifysim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

type wxAnswer struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	MsgID       int64  `json:"msgid"`
}

func wxGet(t *testing.T, srv *httptest.Server, path string) wxAnswer {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a wxAnswer
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: status %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

func wxPost(t *testing.T, srv *httptest.Server, path, body string) wxAnswer {
	t.Helper()
	resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a wxAnswer
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s: status %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

const tokenPath = "/wechat/cgi-bin/token?grant_type=client_credential&appid=wxsimapp&secret=sim-app-secret"

const shippedData = `{"character_string1":{"value":"WX20261201001"},"thing2":{"value":"您的订单已发货"},"phrase3":{"value":"配送中"},"time4":{"value":"2026年12月1日 12:00"}}`

func subscribe(touser, data string) string {
	return `{"touser":"` + touser + `","template_id":"TPL_SHIPPED","page":"pages/order/detail?id=7","miniprogram_state":"formal","lang":"zh_CN","data":` + data + `}`
}

func TestWeChatTokens(t *testing.T) {
	t.Parallel()
	_, srv, c := newSim(t, Config{TokenTTL: time.Hour})
	for _, tt := range []struct {
		path string
		code int
	}{
		{"/wechat/cgi-bin/token?grant_type=client_credential&appid=wxsimapp&secret=wrong", 40001},
		{"/wechat/cgi-bin/token?grant_type=client_credential&appid=wxnobody&secret=sim-app-secret", 40013},
		{"/wechat/cgi-bin/token?grant_type=password&appid=wxsimapp&secret=sim-app-secret", 40002},
	} {
		if a := wxGet(t, srv, tt.path); a.ErrCode != tt.code || a.AccessToken != "" {
			t.Errorf("%s: got %+v, want errcode %d", tt.path, a, tt.code)
		}
	}
	send := func(tok string) int {
		return wxPost(t, srv, "/wechat/cgi-bin/message/subscribe/send?access_token="+url.QueryEscape(tok), subscribe("oUSER1", shippedData)).ErrCode
	}
	first := wxGet(t, srv, tokenPath)
	if first.AccessToken == "" || first.ExpiresIn != 3600 {
		t.Fatalf("token: %+v", first)
	}
	if code := send(first.AccessToken); code != 0 {
		t.Fatalf("send with a fresh token: errcode %d", code)
	}
	second := wxGet(t, srv, tokenPath)
	if code := send(first.AccessToken); code != 40001 {
		t.Errorf("send with a revoked token: errcode %d, want 40001", code)
	}
	if code := send(""); code != 41001 {
		t.Errorf("send without a token: errcode %d, want 41001", code)
	}
	c.Add(time.Hour)
	if code := send(second.AccessToken); code != 42001 {
		t.Errorf("send with an expired token: errcode %d, want 42001", code)
	}

	// Stable tokens: the same token while it lasts, a new one near expiry
	// or when forced.
	stable := func(force bool) wxAnswer {
		b, _ := json.Marshal(map[string]any{"grant_type": "client_credential", "appid": "wxsimapp", "secret": "sim-app-secret", "force_refresh": force})
		return wxPost(t, srv, "/wechat/cgi-bin/stable_token", string(b))
	}
	s1 := stable(false)
	c.Add(10 * time.Minute)
	s2 := stable(false)
	if s1.AccessToken == "" || s2.AccessToken != s1.AccessToken || s2.ExpiresIn != 3000 {
		t.Errorf("normal mode: got %+v then %+v, want the same token with 3000 s left", s1, s2)
	}
	c.Add(46 * time.Minute) // 4 minutes left
	s3 := stable(false)
	if s3.AccessToken == s1.AccessToken || s3.ExpiresIn != 3600 {
		t.Errorf("near expiry: got %+v, want a new token", s3)
	}
	if code := send(s1.AccessToken); code != 0 {
		t.Errorf("the previous stable token stays valid until it expires: errcode %d", code)
	}
	s4 := stable(true)
	if s4.AccessToken == s3.AccessToken {
		t.Error("force_refresh returned the same token")
	}
	if code := send(s3.AccessToken); code != 40001 {
		t.Errorf("a force-refreshed token: errcode %d, want 40001", code)
	}
	if a := wxPost(t, srv, "/wechat/cgi-bin/stable_token", `{"grant_type":"client_credential","appid":"wxsimapp","secret":"nope"}`); a.ErrCode != 40001 {
		t.Errorf("stable token with a wrong secret: %+v", a)
	}
}

func TestWeChatSend(t *testing.T) {
	t.Parallel()
	templates := map[string][]string{"TPL_SHIPPED": {"character_string1", "thing2", "phrase3", "time4"}}
	tests := []struct {
		name string
		body string
		code int
		msg  string
	}{
		{"accepted", subscribe("oUSER1", shippedData), 0, "ok"},
		{"not JSON", `touser=x`, 47001, "data format error"},
		{"no openid", subscribe("", shippedData), 40003, "invalid openid"},
		{"no template", `{"touser":"oUSER1","data":` + shippedData + `}`, 40037, "invalid template_id"},
		{"unknown template", `{"touser":"oUSER1","template_id":"TPL_X","data":` + shippedData + `}`, 40037, "invalid template_id"},
		{"missing keyword", subscribe("oUSER1", `{"character_string1":{"value":"WX1"},"thing2":{"value":"已发货"},"phrase3":{"value":"配送中"}}`),
			47003, "data.time4.value is empty"},
		{"thing over 20 characters", subscribe("oUSER1", strings.Replace(shippedData, "您的订单已发货", strings.Repeat("酒", 21), 1)),
			47003, "data.thing2.value invalid"},
		{"phrase with a digit", subscribe("oUSER1", strings.Replace(shippedData, "配送中", "配送1", 1)), 47003, "data.phrase3.value invalid"},
		{"Chinese in character_string", subscribe("oUSER1", strings.Replace(shippedData, "WX20261201001", "订单1", 1)),
			47003, "data.character_string1.value invalid"},
		{"bad miniprogram_state", strings.Replace(subscribe("oUSER1", shippedData), "formal", "prod", 1), 47003, "miniprogram_state"},
		{"refused user", subscribe("oREFUSED", shippedData), 43101, "user refuse to accept the msg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, srv, _ := newSim(t, Config{WeChatTemplates: templates})
			s.Refuse("oREFUSED")
			tok := wxGet(t, srv, tokenPath).AccessToken
			a := wxPost(t, srv, "/wechat/cgi-bin/message/subscribe/send?access_token="+url.QueryEscape(tok), tt.body)
			if a.ErrCode != tt.code || !strings.Contains(a.ErrMsg, tt.msg) {
				t.Fatalf("got %+v, want %d %q", a, tt.code, tt.msg)
			}
			msgs := s.Messages(trail.ChannelWeChat)
			if tt.code != 0 {
				if len(msgs) != 0 {
					t.Errorf("recorded %v", msgs)
				}
				return
			}
			if len(msgs) != 1 || a.MsgID == 0 {
				t.Fatalf("got msgid %d and %d messages", a.MsgID, len(msgs))
			}
			m := msgs[0]
			want := "character_string1: WX20261201001\nthing2: 您的订单已发货\nphrase3: 配送中\ntime4: 2026年12月1日 12:00"
			if m.To != "oUSER1" || m.Template != "TPL_SHIPPED" || m.Page != "pages/order/detail?id=7" || m.Account != "wxsimapp" || m.Text != want {
				t.Errorf("recorded %+v", m)
			}
		})
	}
}

func TestCheckKeyword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, value string
		ok         bool
	}{
		{"thing1", strings.Repeat("酒", 20), true},
		{"thing1", strings.Repeat("酒", 21), false},
		{"number2", "12.5", true},
		{"number2", "12a", false},
		{"letter3", "abc", true},
		{"letter3", "ab1", false},
		{"symbol4", "%", true},
		{"symbol4", "a", false},
		{"character_string5", "SF1234567890", true},
		{"character_string5", strings.Repeat("a", 33), false},
		{"time6", "15:01", true},
		{"time6", "2019年10月1日 15:01", true},
		{"time6", "2019年10月1日 15:01 ~ 2019年10月1日 18:00", true},
		{"time6", "明天下午", false},
		{"date7", "2019年10月1日", true},
		{"date7", "2019-10-01 15:01", true},
		{"date7", "下周", false},
		{"amount8", "¥128.00", true},
		{"amount8", "128元", true},
		{"amount8", "一百元", false},
		{"phone_number9", "+86-0766-66888866", true},
		{"phone_number9", "138 0013 8000 ext 1", false},
		{"car_number10", "粤A8Z888挂", true},
		{"name11", "欧阳娜娜", true},
		{"name11", "Nana Ouyang", true},
		{"name11", strings.Repeat("名", 11), false},
		{"phrase12", "配送中", true},
		{"phrase12", "已签收了吗啊", false},
		{"enum13", "任意", true},
		{"thing14", "", false},
		{"unknown15", "x", false},
		{"thing", "no number", false},
	}
	for _, tt := range tests {
		if got := checkKeyword(tt.key, tt.value) == ""; got != tt.ok {
			t.Errorf("%s=%q: got ok %v, want %v (%s)", tt.key, tt.value, got, tt.ok, checkKeyword(tt.key, tt.value))
		}
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	s, srv, c := newSim(t, Config{MaxHold: 5 * time.Second})
	if err := s.InjectFault(Fault{Channel: "fax", Mode: FaultError}); err == nil {
		t.Error("a fault on an unknown channel was accepted")
	}
	resp, err := http.Post(srv.URL+"/sim/faults", "application/json", strings.NewReader(`{"channel":"sms","times":2,"mode":"error"}`))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /sim/faults: %v %v", resp, err)
	}
	if err := s.InjectFault(Fault{Channel: trail.ChannelSMS, Mode: FaultLostReply}); err != nil {
		t.Fatal(err)
	}
	if err := s.InjectFault(Fault{Channel: trail.ChannelSMS, Mode: FaultTimeout}); err != nil {
		t.Fatal(err)
	}
	send := func(outID string, timeout time.Duration) (int, map[string]any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		p := signed("POST", simKey, simSecret, c.Now(), sendSms("13800138000", "SMS_X", `{"a":"1"}`, outID))
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/aliyun/", strings.NewReader(p.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body, nil
	}
	for i := range 2 {
		status, body, err := send("ntf-err", time.Second)
		if err != nil || status != 500 || body["Code"] != "isp.SYSTEM_ERROR" {
			t.Errorf("fault %d: got %d %v %v, want 500 isp.SYSTEM_ERROR", i, status, body, err)
		}
	}
	if _, _, err := send("ntf-lost", 200*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("lost reply: got %v, want the client's deadline", err)
	}
	if _, _, err := send("ntf-timeout", 200*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: got %v, want the client's deadline", err)
	}
	if status, body, err := send("ntf-ok", time.Second); err != nil || status != 200 || body["Code"] != "OK" {
		t.Errorf("after the faults: got %d %v %v", status, body, err)
	}
	// Only the lost reply and the last send were recorded, newest first.
	resp, err = http.Get(srv.URL + "/sim/messages?channel=sms")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Messages []Message }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range list.Messages {
		got = append(got, m.OutID)
	}
	if strings.Join(got, ",") != "ntf-ok,ntf-lost" {
		t.Errorf("messages: got %v, want ntf-ok,ntf-lost", got)
	}

	// WeChat: an error fault answers -1 and records nothing.
	if err := s.InjectFault(Fault{Channel: trail.ChannelWeChat, Times: 1, Mode: FaultError}); err != nil {
		t.Fatal(err)
	}
	tok := wxGet(t, srv, tokenPath).AccessToken
	path := "/wechat/cgi-bin/message/subscribe/send?access_token=" + url.QueryEscape(tok)
	if a := wxPost(t, srv, path, subscribe("oUSER1", shippedData)); a.ErrCode != -1 {
		t.Errorf("wechat fault: got %+v, want -1", a)
	}
	if a := wxPost(t, srv, path, subscribe("oUSER1", shippedData)); a.ErrCode != 0 {
		t.Errorf("after the fault: got %+v", a)
	}
	if n := len(s.Messages(trail.ChannelWeChat)); n != 1 {
		t.Errorf("wechat messages: got %d, want 1", n)
	}
}

func TestCloseReleasesHeldRequests(t *testing.T) {
	t.Parallel()
	s, srv, c := newSim(t, Config{})
	if err := s.InjectFault(Fault{Channel: trail.ChannelSMS, Mode: FaultTimeout}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		p := signed("POST", simKey, simSecret, c.Now(), sendSms("13800138000", "SMS_X", "", "k1"))
		resp, err := http.Post(srv.URL+"/aliyun/", "application/x-www-form-urlencoded", bytes.NewReader([]byte(p.Encode())))
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	s.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not release the held request")
	}
}
