// Package ratelimit counts failed attempts per key in a sliding window, in
// the memory of one process.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter allows at most Max failures per key within Window. It implements
// trail.AttemptLimiter and is safe for concurrent use. Its memory is
// bounded by the keys that failed within the last window.
type Limiter struct {
	Max    int
	Window time.Duration

	mu       sync.Mutex
	failures map[string][]time.Time // oldest first, all within the window
	ops      int
}

// New returns a limiter of max failures per window.
func New(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, failures: map[string][]time.Time{}}
}

// Allow reports whether every key is under its limit at now, and if not,
// how long until the first of the blocking keys frees a slot.
func (l *Limiter) Allow(now time.Time, keys ...string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		f := l.recent(k, now)
		if len(f) >= l.Max {
			wait = max(wait, f[len(f)-l.Max].Add(l.Window).Sub(now))
		}
	}
	return wait == 0, wait
}

// Fail records a failure under each key.
func (l *Limiter) Fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		l.failures[k] = append(l.recent(k, now), now)
	}
	if l.ops++; l.ops%1024 == 0 {
		for k := range l.failures {
			l.recent(k, now)
		}
	}
}

// recent drops a key's failures older than the window and returns the rest.
func (l *Limiter) recent(key string, now time.Time) []time.Time {
	f := l.failures[key]
	i := 0
	for i < len(f) && !f[i].After(now.Add(-l.Window)) {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.failures, key)
		return nil
	}
	l.failures[key] = f
	return f
}

// Len returns how many keys the limiter holds failures for.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.failures)
}
