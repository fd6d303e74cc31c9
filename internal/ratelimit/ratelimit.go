// Package ratelimit counts failed attempts per key in a sliding window, in
// the memory of one process.
package ratelimit

import (
	"sync"
	"time"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// Limiter counts failures per key, each key within the window of its own
// limit. It implements trail.AttemptLimiter and is safe for concurrent
// use. Its memory is bounded by the keys that failed within their last
// window.
type Limiter struct {
	mu   sync.Mutex
	keys map[string]*count
	ops  int
}

// count is one key's failures, oldest first, all within window.
type count struct {
	window   time.Duration
	failures []time.Time
}

// New returns an empty limiter.
func New() *Limiter {
	return &Limiter{keys: map[string]*count{}}
}

// Allow reports whether every key is under its limit at now, and if not,
// how long until the last of the blocking keys frees a slot.
func (l *Limiter) Allow(now time.Time, keys ...trail.AttemptKey) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		f := l.recent(k.Key, k.Window, now)
		if len(f) >= k.Max {
			wait = max(wait, f[len(f)-k.Max].Add(k.Window).Sub(now))
		}
	}
	return wait == 0, wait
}

// Fail records a failure under each key.
func (l *Limiter) Fail(now time.Time, keys ...trail.AttemptKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		f := l.recent(k.Key, k.Window, now)
		l.keys[k.Key] = &count{window: k.Window, failures: append(f, now)}
	}
	if l.ops++; l.ops%1024 == 0 {
		for k, c := range l.keys {
			l.recent(k, c.window, now)
		}
	}
}

// recent drops a key's failures older than window and returns the rest.
func (l *Limiter) recent(key string, window time.Duration, now time.Time) []time.Time {
	c := l.keys[key]
	if c == nil {
		return nil
	}
	i := 0
	for i < len(c.failures) && !c.failures[i].After(now.Add(-window)) {
		i++
	}
	if i == len(c.failures) {
		delete(l.keys, key)
		return nil
	}
	c.failures = c.failures[i:]
	return c.failures
}

// Len returns how many keys the limiter holds failures for.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}
