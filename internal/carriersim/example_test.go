package carriersim_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/bottletrail/bottletrail/internal/carrier/sf"
	"github.com/bottletrail/bottletrail/internal/carriersim"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// Example subscribes an SF parcel through the sf package, moves the
// simulator's clock and reads its push log.
func Example() {
	// Bottletrail's push endpoint, here one that acknowledges everything.
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, `{"return_code":"0000","return_msg":"成功"}`)
	}))
	defer hook.Close()

	now := time.Date(2026, 6, 1, 9, 0, 0, 0, trail.ChinaTime)
	creds := map[string]string{"partner_id": "SIMPARTNER", "check_word": "SIMCHECKWORD"}
	sim, err := carriersim.New(carriersim.Config{
		Accounts: []carriersim.Account{{Provider: "sf", Credentials: creds, CallbackURL: hook.URL + "/hooks/sf/demo?token=t"}},
		Speed:    3600,
		Now:      func() time.Time { return now },
		Manual:   true,
	})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	defer sim.Close()

	acct := &trail.CarrierAccount{Provider: "sf", BaseURL: srv.URL + "/sf", Credentials: creds}
	client := &sf.Client{Now: func() time.Time { return now }}
	if err := client.Subscribe(context.Background(), acct, trail.TrackRequest{Carrier: "shunfeng", TrackingNo: "SF1234567890101"}); err != nil {
		panic(err)
	}
	now = now.Add(30 * time.Second) // 30 h of scenario time at speed 3600
	sim.Tick()
	for _, a := range sim.Parcels()[0].Pushes {
		fmt.Println(a.Push, a.Kind, a.Accepted)
	}
	// Output:
	// 1 routes true
	// 2 routes true
	// 3 routes true
	// 4 routes true
	// 5 routes true
}
