package kuaidi100_test

import (
	"fmt"
	"net/url"
	"time"

	"github.com/bottletrail/bottletrail/internal/carrier/kuaidi100"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// A simulator signs a push the way Kuaidi100 does: upper-case hex MD5 of
// the param string and the account's salt (docs/CARRIER-PROTOCOLS.md §1.3).
func ExamplePushSign() {
	param := `{"status":"polling","billstatus":"","message":"","lastResult":{"message":"ok","state":"0","status":"200","condition":"F00","ischeck":"0","com":"yuantong","nu":"YT1234567890123","data":[]}}`
	fmt.Println(kuaidi100.PushSign(param, "abc123"))
	// Output: F79009130DBFEDEDAB7A397F4F39F34E
}

// A query is signed over param, key and customer (docs/CARRIER-PROTOCOLS.md §1.1).
func ExampleQuerySign() {
	param := `{"com":"yuantong","num":"YT1234567890123","phone":"13800000000"}`
	fmt.Println(kuaidi100.QuerySign(param, "TESTKEY", "TESTCUSTOMER0001"))
	// Output: 1FA99603F34DEE7BAEC9C4361026E6FF
}

// The push handler verifies and parses a push, stores its events, and only
// then acknowledges it with Reply.
func ExampleClient_ParsePush() {
	acct := &trail.CarrierAccount{Credentials: map[string]string{kuaidi100.CredSalt: "abc123"}}
	param := `{"status":"shutdown","message":"","lastResult":{"state":"3","com":"zhongtong","nu":"78123456789012","data":[` +
		`{"time":"2024-07-09 15:20:31","context":"快件已被 本人 签收","areaCode":"CN510107000000","areaName":"四川,成都市,武侯区","statusCode":"301"},` +
		`{"time":"2024-07-09 09:02:10","context":"李师傅正在派件","statusCode":"5"}]}}`
	body := url.Values{"param": {param}, "sign": {kuaidi100.PushSign(param, "abc123")}}.Encode()

	c := &kuaidi100.Client{}
	updates, err := c.ParsePush(acct, "application/x-www-form-urlencoded", []byte(body))
	if err != nil {
		fmt.Println(err)
		return
	}
	u := updates[0]
	fmt.Println(u.Carrier, u.TrackingNo, "stopped:", u.Stopped)
	for _, e := range u.Events {
		fmt.Println(e.Time.UTC().Format(time.DateTime), e.Status, e.RawCode, e.AreaCode, e.Description)
	}
	status, ct, reply := c.Reply(acct, nil) // after the events are committed
	fmt.Println(status, ct, string(reply))
	// Output:
	// zhongtong 78123456789012 stopped: shutdown
	// 2024-07-09 07:20:31 delivered 301 510107 快件已被 本人 签收
	// 2024-07-09 01:02:10 out_for_delivery 5  李师傅正在派件
	// 200 application/json {"result":true,"returnCode":"200","message":"成功"}
}
