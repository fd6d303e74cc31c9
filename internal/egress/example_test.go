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

// An e-mail account's SMTP server is checked the same way: a server on a
// private network is refused; the account keeps its own TLS setting.
func ExamplePolicy_CheckHost() {
	p := egress.New(false, nil)
	for _, host := range []string{"10.0.0.25", "0177.0.0.1", "203.0.114.25"} {
		err := p.CheckHost(context.Background(), "credentials.host", host)
		fmt.Printf("%s: %s\n", host, trail.ErrorMessage(err))
	}
	// Output:
	// 10.0.0.25: 不能使用内网地址（10.0.0.25），请填写公网可访问的服务器地址 / credentials.host must reach a public address: 10.0.0.25 is a private address
	// 0177.0.0.1: 不能使用本机回环地址（0177.0.0.1），请填写公网可访问的服务器地址 / credentials.host must reach a public address: 0177.0.0.1 is a loopback address
	// 203.0.114.25:
}
