package ratelimit_test

import (
	"testing"
	"time"

	"github.com/bottletrail/bottletrail/internal/ratelimit"
)

func TestLimiter(t *testing.T) {
	l := ratelimit.New(5, 15*time.Minute)
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for i := range 5 {
		if ok, _ := l.Allow(t0, "client:a", "number:x"); !ok {
			t.Fatalf("attempt %d refused, want allowed", i+1)
		}
		l.Fail(t0.Add(time.Duration(i)*time.Minute), "client:a", "number:x")
	}
	ok, wait := l.Allow(t0.Add(5*time.Minute), "client:a", "number:y")
	if ok || wait != 10*time.Minute {
		t.Fatalf("sixth attempt from the client: got ok=%v wait=%v, want refused for 10m", ok, wait)
	}
	if ok, _ := l.Allow(t0.Add(5*time.Minute), "client:b", "number:x"); ok {
		t.Fatal("another client on the same number: got allowed, want refused (per-number limit)")
	}
	if ok, _ := l.Allow(t0.Add(5*time.Minute), "client:b", "number:z"); !ok {
		t.Fatal("an unrelated client and number: got refused")
	}
	if ok, _ := l.Allow(t0.Add(15*time.Minute+time.Second), "client:a"); !ok {
		t.Fatal("after the first failure left the window: got refused, want allowed")
	}
}

func TestLimiterForgetsOldKeys(t *testing.T) {
	l := ratelimit.New(5, time.Minute)
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for i := range 5000 {
		l.Fail(t0.Add(time.Duration(i)*time.Second), "client:"+string(rune('a'+i%26))+time.Duration(i).String())
	}
	// One key a second: only the last minute's keys (and those since the
	// last sweep, every 1,024 failures) may still be held.
	if n := l.Len(); n > 60+1024 {
		t.Fatalf("keys held: got %d, want at most %d", n, 60+1024)
	}
}
