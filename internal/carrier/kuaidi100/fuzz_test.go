package kuaidi100

import (
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// FuzzParsePush feeds ParsePush raw bodies and, signed with the account's
// salt, params: it must never panic, must refuse with a malformed or
// unauthorized trail.Error, and whatever it accepts must be fit for the
// ingestion core. The seeds are every push fixture, so they also run as an
// ordinary test.
func FuzzParsePush(f *testing.F) {
	for _, name := range pushFixtures(f) {
		f.Add(MustReadParam(f, "push/"+name+".json"), formType)
	}
	f.Add(string(MustReadFile(f, "push/wrong_sign.form")), "")
	c := &Client{}
	acct := testAccount("")
	f.Fuzz(func(t *testing.T, data, contentType string) {
		for _, body := range [][]byte{[]byte(data), signedPush(data, testSalt)} {
			updates, err := c.ParsePush(acct, contentType, body)
			if err != nil {
				if code := trail.ErrorCode(err); code != trail.EMALFORMED && code != trail.EUNAUTHORIZED {
					t.Fatalf("got %v (%s), want malformed or unauthorized", err, code)
				}
				if updates != nil {
					t.Fatalf("got updates %v with error %v", updates, err)
				}
				continue
			}
			if len(updates) != 1 {
				t.Fatalf("got %d updates, want 1", len(updates))
			}
			if err := checkUpdates(updates, trail.SourcePush); err != nil {
				t.Fatal(err)
			}
		}
	})
}
