package mocks

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Latency is the time a fake takes to answer, as a provider behind a
// network does: Fixed plus a uniform random part in [0, Jitter). It is
// spent before the request is served (and counted against a rate limit).
// The zero value adds nothing.
type Latency struct {
	Fixed  time.Duration `json:"fixed"`
	Jitter time.Duration `json:"jitter,omitempty"`
}

// delay returns one request's latency.
func (l Latency) delay() time.Duration {
	d := l.Fixed
	if l.Jitter > 0 {
		d += rand.N(l.Jitter)
	}
	return d
}

// wait spends one request's latency, or less if r's context ends first
// (it reports false then: the caller gave up).
func (l Latency) wait(r *http.Request) bool {
	d := l.delay()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// CloudflareRateLimit is Cloudflare's global API rate limit as its
// documentation states it (developers.cloudflare.com/fundamentals/api/reference/limits):
// N requests per Window per user or token (1,200 per 5 minutes), and a
// client that goes over it is blocked — every call answered 429 — for the
// next Window. A zero N means no limit.
type CloudflareRateLimit struct {
	N      int
	Window time.Duration
}

// DefaultCloudflareRateLimit is the documented limit.
var DefaultCloudflareRateLimit = CloudflareRateLimit{N: 1200, Window: 5 * time.Minute}

// windowLimiter enforces a CloudflareRateLimit per key: the times of the
// last N accepted requests (a sliding window), and when a key is blocked
// until.
type windowLimiter struct {
	lim      CloudflareRateLimit
	mu       sync.Mutex
	keys     map[string]*windowKey
	rejected atomic.Int64
}

type windowKey struct {
	seen    []time.Time // accepted requests in order, at most lim.N
	blocked time.Time   // 429 for everything until then
}

func newWindowLimiter(lim CloudflareRateLimit) *windowLimiter {
	return &windowLimiter{lim: lim, keys: map[string]*windowKey{}}
}

// allow counts a request of key at now. When it is refused it returns how
// long until the key may call again.
func (w *windowLimiter) allow(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := w.keys[key]
	if k == nil {
		k = &windowKey{}
		w.keys[key] = k
	}
	if now.Before(k.blocked) {
		w.rejected.Add(1)
		return false, k.blocked.Sub(now)
	}
	// Drop what has left the window.
	i := 0
	for i < len(k.seen) && !k.seen[i].After(now.Add(-w.lim.Window)) {
		i++
	}
	k.seen = k.seen[i:]
	if len(k.seen) >= w.lim.N {
		k.blocked = now.Add(w.lim.Window)
		k.seen = k.seen[:0]
		w.rejected.Add(1)
		return false, w.lim.Window
	}
	k.seen = append(k.seen, now)
	return true, 0
}

// retryAfterSeconds renders d as Retry-After: whole seconds, rounded up.
func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// concurrencyLimiter enforces Twilio's account concurrency limit: at most
// n requests in flight; the others are answered 429 with error 20429
// ("Too many requests"), not processed.
type concurrencyLimiter struct {
	n        int64
	inFlight atomic.Int64
	rejected atomic.Int64
}

// enter reports whether one more request may be in flight; a true answer
// must be paired with leave.
func (c *concurrencyLimiter) enter() bool {
	if c.inFlight.Add(1) > c.n {
		c.inFlight.Add(-1)
		c.rejected.Add(1)
		return false
	}
	return true
}

func (c *concurrencyLimiter) leave() { c.inFlight.Add(-1) }
