package sf_test

import (
	"fmt"

	"github.com/bottletrail/bottletrail/internal/carrier/sf"
	"github.com/bottletrail/bottletrail/internal/trail"
)

func ExampleJavaURLEncode() {
	fmt.Println(sf.JavaURLEncode("a*b~c d"))
	// Output: a*b%7Ec+d
}

func ExampleDigest() {
	fmt.Println(sf.Digest(`{"a":1}`, "1700000000000", "cw"))
	// Output: MTi764CWVlVMKjj8p0kGeQ==
}

func ExampleClient_ParsePush() {
	c := &sf.Client{}
	acct := &trail.CarrierAccount{Provider: trail.ProviderSF, CallbackToken: "checked by the HTTP layer"}
	body := []byte(`{"Body":{"WaybillRoute":[{"id":"1","mailno":"SF1234567890123","acceptTime":"2026-06-03 11:47:02","acceptAddress":"杭州市","remark":"快件已签收","opCode":"80"}]}}`)
	updates, err := c.ParsePush(acct, "application/json", body)
	if err != nil {
		status, _, reply := c.Reply(acct, err)
		fmt.Println(status, string(reply))
		return
	}
	for _, u := range updates {
		for _, e := range u.Events {
			fmt.Println(u.Carrier, u.TrackingNo, e.Time.In(trail.ChinaTime).Format("2006-01-02 15:04"), e.Status, e.Description)
		}
	}
	// ... store the events, then acknowledge:
	status, contentType, reply := c.Reply(acct, nil)
	fmt.Println(status, contentType, string(reply))
	// Output:
	// shunfeng SF1234567890123 2026-06-03 11:47 delivered 快件已签收
	// 200 application/json {"return_code":"0000","return_msg":"成功"}
}
