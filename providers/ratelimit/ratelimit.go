// Package ratelimit paces an adapter's requests to a provider's
// published rate limit, on the client side, so the provider never has to
// refuse them: a sliding window (Window) per credential, and a Registry
// that gives every adapter made for the same credential the same window.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"
)

// Window paces one credential's requests so that no window of the given
// length ever holds more than n of them: providers such as Cloudflare
// count requests in a sliding window (and Cloudflare blocks a token that
// goes over for the next five minutes), so a token bucket (which lets n
// through at once and then refills) would overshoot by up to n in the
// first window. A quiet credential may still spend its whole budget at
// once.
//
// It keeps the times of the last n slots it gave out; the next slot is
// the oldest of them plus the window and a margin for the time between
// taking a slot here and the request reaching the provider's counter (1 %
// of the window, at least 50 ms and at most a second). Safe for
// concurrent use.
type Window struct {
	n      int
	window time.Duration
	margin time.Duration

	mu    sync.Mutex
	slots []time.Time // the last n slots given, oldest at slots[head] once full
	head  int
}

// New returns a window of n requests per window (both must be positive).
func New(n int, window time.Duration) *Window {
	return &Window{n: n, window: window, margin: min(max(window/100, 50*time.Millisecond), time.Second), slots: make([]time.Time, 0, n)}
}

// N and Period are the limit: N requests per Period.
func (l *Window) N() int                { return l.n }
func (l *Window) Period() time.Duration { return l.window }

// Error says that waiting for the window would outlast the caller's
// deadline. Adapters classify it as transient with RetryAfter = Wait.
type Error struct {
	Wait   time.Duration
	N      int
	Window time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("rate limit of %d requests per %s reached; the next slot is in %s", e.N, e.Window, e.Wait.Round(time.Millisecond))
}

// Reserve takes the next slot, unless it comes after deadline (zero: no
// deadline); it returns the slot's time, or the wait with ok=false.
func (l *Window) Reserve(now, deadline time.Time) (slot time.Time, wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	slot = now
	if len(l.slots) == l.n {
		if free := l.slots[l.head].Add(l.window + l.margin); free.After(now) {
			slot = free
		}
	}
	if !deadline.IsZero() && deadline.Before(slot) {
		return time.Time{}, slot.Sub(now), false
	}
	if len(l.slots) < l.n {
		l.slots = append(l.slots, slot)
	} else {
		l.slots[l.head] = slot
		l.head = (l.head + 1) % l.n
	}
	return slot, slot.Sub(now), true
}

// Wait blocks until the next request may go, or until ctx is done. When
// ctx's deadline comes before the slot, it gives up at once with an
// *Error instead of sleeping in vain. A slot taken by a caller that then
// gives up stays spent (the budget errs on the safe side).
func (l *Window) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	_, d, ok := l.Reserve(time.Now(), deadline)
	if !ok {
		return &Error{Wait: d, N: l.n, Window: l.window}
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Registry hands out one Window per credential, keyed by the credential's
// SHA-256 so that the credential itself is not kept. Safe for concurrent
// use; the zero value is ready.
type Registry struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]*Window
}

// Get returns key's window, made with n and window the first time.
func (r *Registry) Get(key string, n int, window time.Duration) *Window {
	h := sha256.Sum256([]byte(key))
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[[sha256.Size]byte]*Window{}
	}
	l, ok := r.m[h]
	if !ok {
		l = New(n, window)
		r.m[h] = l
	}
	return l
}
