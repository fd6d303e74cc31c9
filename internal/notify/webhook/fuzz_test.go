package webhook_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/notify/webhook"
)

// FuzzVerify feeds Verify arbitrary headers and bodies: it must never
// panic, never accept what the secret did not sign, and always accept what
// Sign produced.
func FuzzVerify(f *testing.F) {
	f.Add(vectorID, "1614265330", vectorSignature, []byte(vectorBody))
	f.Add(vectorID, "1614265330", "v1a,abc v1,"+vectorSignature[3:]+" v1,", []byte(vectorBody))
	f.Add("msg_1", "-1", "v1,", []byte{})
	f.Add("", "", "", []byte(nil))
	f.Add("a.b", "99999999999999999999", ",,, v1,=== v1", []byte("\x00\xff"))
	f.Add("msg_x", "1614265330", strings.Repeat("v1,AAAA ", 50), []byte("{}"))
	now := time.Unix(1614265330, 0)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(webhook.HeaderID, id)
		h.Set(webhook.HeaderTimestamp, ts)
		h.Set(webhook.HeaderSignature, sig)
		err := webhook.Verify(vectorSecret, h, body, now, 0)
		if err == nil {
			// Only a genuine signature of this id, timestamp and body passes.
			want, serr := webhook.Sign(vectorSecret, h.Get(webhook.HeaderID), parseTS(t, ts), body)
			if serr != nil || !strings.Contains(" "+h.Get(webhook.HeaderSignature)+" ", " "+want+" ") {
				t.Fatalf("Verify accepted id %q ts %q sig %q body %q", id, ts, sig, body)
			}
		}
		// Round trip: a signature made by Sign always verifies.
		if id := h.Get(webhook.HeaderID); id != "" && !strings.ContainsAny(id, ". ") {
			good, err := webhook.Sign(vectorSecret, id, now.Unix(), body)
			if err != nil {
				t.Fatal(err)
			}
			h.Set(webhook.HeaderTimestamp, "1614265330")
			h.Set(webhook.HeaderSignature, "v1,bm9wZQ== "+good)
			if err := webhook.Verify(vectorSecret, h, body, now, 0); err != nil {
				t.Fatalf("Verify refused a signature of Sign: %v (id %q body %q)", err, id, body)
			}
		}
	})
}

func parseTS(t *testing.T, ts string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatalf("Verify accepted timestamp %q: %v", ts, err)
	}
	return n
}
