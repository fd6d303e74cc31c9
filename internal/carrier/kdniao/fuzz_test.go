package kdniao

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// FuzzParsePush feeds push bodies to ParsePush twice: as received, and
// re-signed with the test key so that mutations reach the JSON parser past
// the signature check. It must never panic; an accepted push must give
// events trail accepts; Reply must answer any outcome.
func FuzzParsePush(f *testing.F) {
	for _, file := range pushFixtures(f) {
		f.Add(MustReadFile(f, file))
	}
	c := testClient()
	acct := testAccount("")
	f.Fuzz(func(t *testing.T, body []byte) {
		bodies := [][]byte{body}
		if form, err := url.ParseQuery(string(body)); err == nil {
			if data := form.Get("RequestData"); data != "" {
				text := data
				if s, err := url.QueryUnescape(data); err == nil && len(data) >= 3 && (data[:3] == "%7B" || data[:3] == "%7b") {
					text = s
				}
				form.Set("DataSign", Sign(text, testKey))
				bodies = append(bodies, []byte(form.Encode()))
			}
		}
		for _, b := range bodies {
			updates, err := c.ParsePush(acct, "application/x-www-form-urlencoded", b)
			if err != nil && updates != nil {
				t.Fatalf("updates alongside error %v", err)
			}
			if err == nil {
				checkEvents(t, updates, trail.SourcePush)
			}
			status, _, reply := c.Reply(acct, err)
			if (err == nil) != (status == http.StatusOK) || len(reply) == 0 {
				t.Fatalf("reply %d %s to error %v", status, reply, err)
			}
		}
	})
}
