package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// track posts a consumer look-up of the demo brand.
func (sb *storeBundle) track(t *testing.T, client string, q trail.TrackQuery) *http.Response {
	t.Helper()
	body, _ := json.Marshal(q)
	return sb.call(t, client, "POST", "/api/v1/public/demo/track", "", string(body)).Result()
}

func TestPublicTrack(t *testing.T) {
	t.Parallel()
	sb := storeSetup(t)
	g := sb.order(t, "DEMO-0021") // a birthday gift with its own recipient
	o := g.Order
	tests := []struct {
		name string
		q    trail.TrackQuery
		gift bool
	}{
		{"buyer by order number", trail.TrackQuery{OrderNo: o.OrderNo, PhoneLast4: trail.Last4(o.Customer.Phone)}, false},
		{"recipient by order number", trail.TrackQuery{OrderNo: o.OrderNo, PhoneLast4: trail.Last4(o.Recipient.Phone)}, true},
		{"buyer by tracking number", trail.TrackQuery{TrackingNo: strings.ToLower(g.Shipments[0].TrackingNo), PhoneLast4: trail.Last4(o.Customer.Phone)}, false},
		{"order number in lower case, padded", trail.TrackQuery{OrderNo: " " + strings.ToLower(o.OrderNo) + " ", PhoneLast4: trail.Last4(o.Customer.Phone)}, false},
		{"order number in full-width characters", trail.TrackQuery{OrderNo: "ｄｅｍｏ－００２１", PhoneLast4: trail.Last4(o.Customer.Phone)}, false},
		{"tracking number with spaces", trail.TrackQuery{TrackingNo: spaced(g.Shipments[0].TrackingNo), PhoneLast4: trail.Last4(o.Customer.Phone)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := sb.track(t, "192.0.2.1", tt.q)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status: got %d, want 200", res.StatusCode)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "private, no-store" {
				t.Errorf("Cache-Control: got %q, want private, no-store", cc)
			}
			var raw map[string]any
			var v trail.ConsumerView
			body := readAll(t, res)
			if err := json.Unmarshal(body, &raw); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(body, &v); err != nil {
				t.Fatal(err)
			}
			if v.OrderNo != o.OrderNo || v.Status != g.Status || v.StatusName == "" || v.Gift != tt.gift || len(v.Parcels) != 1 || v.Parcels[0].CarrierName != "顺丰速运" {
				t.Errorf("view: got %s %s %s gift=%v, %d parcels", v.OrderNo, v.Status, v.StatusName, v.Gift, len(v.Parcels))
			}
			_, hasBuyer := raw["buyer"]
			if hasBuyer == tt.gift || strings.Contains(string(body), `"unit_price"`) == tt.gift {
				t.Errorf("gift %v: buyer shown %v, prices shown %v", tt.gift, hasBuyer, strings.Contains(string(body), `"unit_price"`))
			}
			if v.Recipient.Phone != trail.MaskPhone(o.Recipient.Phone) || v.Occasion == nil || v.Occasion.Message.ZH == "" {
				t.Errorf("recipient %+v, occasion %+v", v.Recipient, v.Occasion)
			}
			for _, secret := range []string{o.Customer.Phone, o.Recipient.Phone, o.Recipient.Name, o.Address.Detail} {
				if strings.Contains(string(body), secret) {
					t.Errorf("the answer shows %q", secret)
				}
			}
		})
	}
}

func TestPublicTrackErrors(t *testing.T) {
	t.Parallel()
	sb := storeSetup(t)
	digits := trail.Last4(sb.order(t, "DEMO-0002").Order.Customer.Phone)
	tests := []struct {
		name, path, body string
		status           int
		code, field      string
	}{
		{"malformed", "/api/v1/public/demo/track", `{"order_no":`, 400, trail.EMALFORMED, ""},
		{"unknown field", "/api/v1/public/demo/track", `{"order_no":"DEMO-0002","phone":"` + digits + `"}`, 400, trail.EMALFORMED, "phone"},
		{"both numbers", "/api/v1/public/demo/track", `{"order_no":"DEMO-0002","tracking_no":"SF1400001000031","phone_last4":"` + digits + `"}`, 422, trail.EINVALID, "order_no"},
		{"no number", "/api/v1/public/demo/track", `{"phone_last4":"` + digits + `"}`, 422, trail.EINVALID, "order_no"},
		{"three digits", "/api/v1/public/demo/track", `{"order_no":"DEMO-0002","phone_last4":"123"}`, 422, trail.EINVALID, "phone_last4"},
		{"unknown order", "/api/v1/public/demo/track", `{"order_no":"DEMO-9999","phone_last4":"` + digits + `"}`, 404, trail.ENOTFOUND, ""},
		{"unknown brand", "/api/v1/public/nobody/track", `{"order_no":"DEMO-0002","phone_last4":"` + digits + `"}`, 404, trail.ENOTFOUND, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := sb.call(t, "192.0.2.2", "POST", tt.path, "", tt.body)
			mustStatus(t, rec, tt.status)
			if e := mustError(t, rec); e.Code != tt.code || e.Field != tt.field {
				t.Errorf("error: got %s %q, want %s %q", e.Code, e.Field, tt.code, tt.field)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "private, no-store" {
				t.Errorf("Cache-Control: got %q", cc)
			}
		})
	}
}

// spaced groups a number in fours, as a person copies it from a label.
func spaced(no string) string {
	var b strings.Builder
	for i, r := range no {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestPublicTrackLimitPerNumber fails from one client on one order number
// spelled in several cases: the limit counts them as the one number they
// are, for that client; the owner elsewhere still gets through.
func TestPublicTrackLimitPerNumber(t *testing.T) {
	t.Parallel()
	sb := storeSetup(t)
	o := sb.order(t, "DEMO-0002").Order
	for i := range trail.MaxFailedLookups {
		no := []string{"demo-0002", "DEMO-0002", "Demo-0002", " dEmO-0002", "ｄｅｍｏ－０００２"}[i]
		if res := sb.track(t, "192.0.2.10", trail.TrackQuery{OrderNo: no, PhoneLast4: "0000"}); res.StatusCode != http.StatusNotFound {
			t.Fatalf("failure %d: got %d, want 404", i+1, res.StatusCode)
		}
	}
	right := trail.TrackQuery{OrderNo: o.OrderNo, PhoneLast4: trail.Last4(o.Customer.Phone)}
	if res := sb.track(t, "192.0.2.10", right); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the same client after five failures on the number in other cases: got %d, want 429", res.StatusCode)
	}
	if res := sb.track(t, "192.0.2.99", right); res.StatusCode != http.StatusOK {
		t.Fatalf("the owner from another client: got %d, want 200", res.StatusCode)
	}
}

// TestPublicTrackLimit: a client's wrong answers hold back that client on
// that number (and, past more, on every number), not the owner asking from
// elsewhere; only a flood of failures from many clients holds a number
// back for everyone.
func TestPublicTrackLimit(t *testing.T) {
	t.Parallel()
	sb := storeSetup(t)
	o := sb.order(t, "DEMO-0002").Order
	right := trail.TrackQuery{OrderNo: o.OrderNo, PhoneLast4: trail.Last4(o.Customer.Phone)}
	wrong := trail.TrackQuery{OrderNo: o.OrderNo, PhoneLast4: "0000"}
	if right.PhoneLast4 == wrong.PhoneLast4 {
		t.Fatal("the demo order's digits are the wrong ones")
	}
	unknown := readAll(t, sb.track(t, "192.0.2.9", trail.TrackQuery{OrderNo: "DEMO-9999", PhoneLast4: "0000"}))
	for i := range trail.MaxFailedLookups {
		res := sb.track(t, "192.0.2.3", wrong)
		if body := readAll(t, res); res.StatusCode != http.StatusNotFound || string(body) != string(unknown) {
			t.Fatalf("failure %d: got %d %s, want the uniform 404 %s", i+1, res.StatusCode, body, unknown)
		}
	}
	sb.now = sb.now.Add(10 * time.Second)
	res := sb.track(t, "192.0.2.3", right)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "890" {
		t.Fatalf("sixth attempt: got %d, Retry-After %q; want 429, 890", res.StatusCode, res.Header.Get("Retry-After"))
	}
	var e struct{ Error apiError }
	if err := json.Unmarshal(readAll(t, res), &e); err != nil || e.Error.Code != trail.ERATELIMITED {
		t.Errorf("error: got %+v (%v)", e.Error, err)
	}
	// The owner, elsewhere, is not held back by the stranger's guesses.
	if res := sb.track(t, "192.0.2.4", right); res.StatusCode != http.StatusOK {
		t.Fatalf("the right answer from another client: got %d, want 200", res.StatusCode)
	}
	// The stranger is still held back on that number, not on others.
	if res := sb.track(t, "192.0.2.3", right); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the limited client again: got %d, want 429", res.StatusCode)
	}
	if res := sb.track(t, "192.0.2.3", trail.TrackQuery{OrderNo: "DEMO-0003", PhoneLast4: "0000"}); res.StatusCode != http.StatusNotFound {
		t.Errorf("the limited client on another number: got %d, want 404", res.StatusCode)
	}
	sb.now = sb.now.Add(trail.LookupWindow)
	if res := sb.track(t, "192.0.2.3", right); res.StatusCode != http.StatusOK {
		t.Errorf("after the window: got %d, want 200", res.StatusCode)
	}

	// Per client: failures spread over many numbers.
	for i := range trail.MaxFailedLookupsPerClient {
		mustStatus(t, sb.call(t, "192.0.2.5", "POST", "/api/v1/public/demo/track", "", fmt.Sprintf(`{"order_no": "DEMO-9%03d", "phone_last4": "0000"}`, i)), http.StatusNotFound)
	}
	if res := sb.track(t, "192.0.2.5", right); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a client past its own limit: got %d, want 429", res.StatusCode)
	}

	// The ceiling per number: failures from many clients (with the
	// stranger's five above) hold everyone back until the first leaves the
	// number's hour.
	for i := range trail.MaxFailedLookupsPerNumber - trail.MaxFailedLookups {
		mustStatus(t, sb.call(t, fmt.Sprintf("198.51.100.%d", i/trail.MaxFailedLookups), "POST", "/api/v1/public/demo/track", "",
			`{"order_no": "DEMO-0002", "phone_last4": "0000"}`), http.StatusNotFound)
	}
	res = sb.track(t, "192.0.2.6", right)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "2690" {
		t.Errorf("past the number's ceiling: got %d, Retry-After %q; want 429, 2690", res.StatusCode, res.Header.Get("Retry-After"))
	}
}

func readAll(t *testing.T, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
