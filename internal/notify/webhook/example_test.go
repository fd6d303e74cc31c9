package webhook_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/bottletrail/bottletrail/internal/notify/webhook"
)

// A brand's receiver verifies a delivery with its endpoint's secret, over
// the raw body, before it parses anything.
func ExampleVerify() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"test": 2432232314}`)
	header := http.Header{}
	header.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	header.Set("webhook-timestamp", "1614265330")
	header.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")

	fmt.Println(webhook.Verify(secret, header, body, time.Unix(1614265330, 0), 0))
	fmt.Println(webhook.Verify(secret, header, []byte(`{"test": 1}`), time.Unix(1614265330, 0), 0))
	fmt.Println(webhook.Verify(secret, header, body, time.Unix(1614265330, 0).Add(time.Hour), 0))
	// Output:
	// <nil>
	// no matching v1 signature
	// webhook timestamp outside the tolerance: too old
}

func ExampleSign() {
	sig, err := webhook.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	fmt.Println(sig, err)
	// Output: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= <nil>
}
