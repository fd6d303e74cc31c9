package ratelimit_test

import (
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/ratelimit"
	"github.com/bottletrail/bottletrail/internal/trail"
)

func TestLimiter(t *testing.T) {
	l := ratelimit.New()
	fast := trail.Limit{Max: 5, Window: 15 * time.Minute}
	slow := trail.Limit{Max: 8, Window: time.Hour}
	key := func(k string, lim trail.Limit) trail.AttemptKey { return trail.AttemptKey{Key: k, Limit: lim} }
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for i := range 5 {
		if ok, _ := l.Allow(t0, key("client:a", fast), key("number:x", slow)); !ok {
			t.Fatalf("attempt %d refused, want allowed", i+1)
		}
		l.Fail(t0.Add(time.Duration(i)*time.Minute), key("client:a", fast), key("number:x", slow))
	}
	ok, wait := l.Allow(t0.Add(5*time.Minute), key("client:a", fast), key("number:y", slow))
	if ok || wait != 10*time.Minute {
		t.Fatalf("sixth attempt from the client: got ok=%v wait=%v, want refused for 10m", ok, wait)
	}
	if ok, _ := l.Allow(t0.Add(5*time.Minute), key("client:b", fast), key("number:x", slow)); !ok {
		t.Fatal("another client on the number: got refused, want allowed (5 of its 8)")
	}
	for range 3 {
		l.Fail(t0.Add(5*time.Minute), key("client:b", fast), key("number:x", slow))
	}
	ok, wait = l.Allow(t0.Add(5*time.Minute), key("client:c", fast), key("number:x", slow))
	if ok || wait != 55*time.Minute {
		t.Fatalf("past the number's own limit: got ok=%v wait=%v, want refused for 55m (its window)", ok, wait)
	}
	if ok, _ := l.Allow(t0.Add(15*time.Minute+time.Second), key("client:a", fast)); !ok {
		t.Fatal("after the first failure left the window: got refused, want allowed")
	}
	if ok, _ := l.Allow(t0.Add(15*time.Minute+time.Second), key("number:x", slow)); ok {
		t.Fatal("the slow key forgot its failures with the fast window")
	}
}

func TestLimiterForgetsOldKeys(t *testing.T) {
	l := ratelimit.New()
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for i := range 5000 {
		l.Fail(t0.Add(time.Duration(i)*time.Second), trail.AttemptKey{Key: "client:" + time.Duration(i).String(), Limit: trail.Limit{Max: 5, Window: time.Minute}})
	}
	// One key a second: only the last minute's keys (and those since the
	// last sweep, every 1,024 failures) may still be held.
	if n := l.Len(); n > 60+1024 {
		t.Fatalf("keys held: got %d, want at most %d", n, 60+1024)
	}
}
