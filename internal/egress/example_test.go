package egress_test

import (
	"context"
	"fmt"

	"github.com/bottletrail/bottletrail/internal/egress"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// A webhook URL is checked when it is registered; the same policy's
// Client dials only public addresses.
func ExamplePolicy_CheckURL() {
	p := egress.New(false, nil)
	for _, u := range []string{"http://203.0.114.7/hooks", "https://2130706433/hooks", "https://[::ffff:a00:1]/hooks", "https://203.0.114.7/hooks"} {
		err := p.CheckURL(context.Background(), "url", u)
		fmt.Printf("%s: %s\n", u, trail.ErrorMessage(err))
	}
	// Output:
	// http://203.0.114.7/hooks: 地址必须以 https:// 开头 / url must be an https URL
	// https://2130706433/hooks: 不能使用本机回环地址（2130706433），请填写公网可访问的 https 地址 / url must reach a public address: 2130706433 is a loopback address
	// https://[::ffff:a00:1]/hooks: 不能使用内网地址（::ffff:a00:1），请填写公网可访问的 https 地址 / url must reach a public address: ::ffff:a00:1 is a private address
	// https://203.0.114.7/hooks:
}
