package sf_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/bottletrail/bottletrail/internal/carrier/sf"
	"github.com/bottletrail/bottletrail/internal/trail"
)

// FuzzParsePush feeds ParsePush arbitrary bodies, seeded with every push
// fixture: it must never panic, must refuse with EMALFORMED,
// EUNAUTHORIZED or ETOOLARGE only, and whatever it accepts must be valid
// input for the ingestion core.
func FuzzParsePush(f *testing.F) {
	for _, path := range MustGlob(f, "testdata/push/*") {
		f.Add(pushContentType(filepath.Base(path)), MustReadFile(f, path))
	}
	c := &sf.Client{}
	acct := testAccount("")
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		updates, err := c.ParsePush(acct, contentType, body)
		if err != nil {
			switch trail.ErrorCode(err) {
			case trail.EMALFORMED, trail.EUNAUTHORIZED, trail.ETOOLARGE:
			default:
				t.Fatalf("ParsePush: got %v, want EMALFORMED, EUNAUTHORIZED or ETOOLARGE", err)
			}
			if updates != nil {
				t.Fatalf("ParsePush: got updates %v with error %v, want none", updates, err)
			}
			if status, _, _ := c.Reply(acct, err); status != 400 {
				t.Fatalf("Reply(%v): got status %d, want 400", err, status)
			}
			return
		}
		if err := validUpdates(updates); err != nil {
			t.Fatal(err)
		}
	})
}

// validUpdates checks parsed updates as the ingestion core would: at least
// one parcel, each a normalised SF waybill with events that pass
// trail's validation unchanged by normalisation.
func validUpdates(updates []trail.TrackUpdate) error {
	if len(updates) == 0 {
		return errors.New("accepted a push with no parcels")
	}
	seen := map[string]bool{}
	n := 0
	for i, u := range updates {
		switch {
		case u.Carrier != "shunfeng":
			return fmt.Errorf("update %d: got carrier %q, want shunfeng", i, u.Carrier)
		case u.TrackingNo == "" || u.TrackingNo != trail.NormalizeTrackingNo(u.TrackingNo) || len(u.TrackingNo) > 40:
			return fmt.Errorf("update %d: got tracking number %q, want a normalised one", i, u.TrackingNo)
		case seen[u.TrackingNo]:
			return fmt.Errorf("update %d: parcel %s twice, want one update per parcel", i, u.TrackingNo)
		case len(u.Events) == 0:
			return fmt.Errorf("update %d: no events", i)
		}
		seen[u.TrackingNo] = true
		ids := map[string]bool{}
		for j, e := range u.Events {
			n++
			norm := e
			norm.Normalize()
			if norm != e {
				return fmt.Errorf("update %d event %d: got %+v, want it normalised", i, j, e)
			}
			if err := e.Validate("event"); err != nil {
				return fmt.Errorf("update %d event %d: %w", i, j, err)
			}
			if e.Source != trail.SourcePush {
				return fmt.Errorf("update %d event %d: got source %q, want push", i, j, e.Source)
			}
			if e.ExternalID != "" && ids[e.ExternalID] {
				return fmt.Errorf("update %d: route id %s twice", i, e.ExternalID)
			}
			ids[e.ExternalID] = true
		}
	}
	if n > trail.MaxEventsPerPush {
		return fmt.Errorf("accepted %d events, more than %d", n, trail.MaxEventsPerPush)
	}
	return nil
}
