package trail_test

import (
	"errors"
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// base is the instant the test timelines count from: 2026-12-01 09:00 China time.
var base = time.Date(2026, 12, 1, 9, 0, 0, 0, trail.ChinaTime)

// at returns the instant min minutes after base.
func at(min int) time.Time { return base.Add(time.Duration(min) * time.Minute) }

// ptrAt returns a pointer to at(min).
func ptrAt(min int) *time.Time { t := at(min); return &t }

// MustParseTime parses an RFC 3339 time or fails the test.
func MustParseTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse time %q: %v", s, err)
	}
	return v
}

// errField returns the field an application error names: "" for nil and
// "<not *trail.Error>" for any other error, so tables can state the field
// they expect (or "" for success) and compare in one step.
func errField(err error) string {
	if err == nil {
		return ""
	}
	var e *trail.Error
	if !errors.As(err, &e) {
		return "<not *trail.Error>"
	}
	return e.Field
}

// checkInvalid reports whether err names field as EINVALID ("" wants nil).
func checkInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if got := errField(err); got != field {
		t.Fatalf("error field: got %q (%v), want %q", got, err, field)
	}
	if field != "" {
		if got := trail.ErrorCode(err); got != trail.EINVALID {
			t.Errorf("error code: got %q, want %q", got, trail.EINVALID)
		}
	}
}

// fmtTime formats an optional instant for failure messages.
func fmtTime(p *time.Time) string {
	if p == nil {
		return "nil"
	}
	return p.UTC().Format(time.RFC3339Nano)
}

// sameTime reports whether two optional instants are both nil or equal.
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
