package kdniao_test

import (
	"fmt"

	"github.com/bottletrail/bottletrail/internal/carrier/kdniao"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// The DataSign of the reference's worked example.
func ExampleSign() {
	data := `{"OrderCode":"","ShipperCode":"YTO","LogisticCode":"YT1234567890123"}`
	fmt.Println(kdniao.Sign(data, "test-app-key"))
	// Output: ZDBiNzZkNWEyZDI4NWExZjM5OGRmYTc2YzdjOTY2NjA=
}

// A push handler parses the push, stores its events, and replies.
func ExampleClient_ParsePush() {
	acct := &trail.CarrierAccount{Credentials: map[string]string{"ebusiness_id": "1234567", "app_key": "test-app-key"}}
	body := []byte("RequestType=101&RequestData=%7B%7D&DataSign=wrong")
	c := &kdniao.Client{}
	_, err := c.ParsePush(acct, "application/x-www-form-urlencoded", body)
	// ... on success, ingest every update's events before replying ...
	status, _, _ := c.Reply(acct, err)
	fmt.Println(status, trail.ErrorCode(err))
	// Output: 400 unauthorized
}

func ExampleShipperCode() {
	code, _ := kdniao.ShipperCode("jtexpress")
	carrier, _ := kdniao.CanonicalCarrier("YZPY")
	fmt.Println(code, carrier)
	// Output: JTSD youzhengguonei
}
