package cloudflare

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// limiter paces one token's requests so that no window of the given
// length ever holds more than n of them: Cloudflare counts requests per
// token in a sliding five-minute window and blocks a token that goes over
// for the next five minutes, so a token bucket (which lets n through at
// once and then refills) would overshoot by up to n in the first window.
// A quiet token may still spend its whole budget at once.
//
// It keeps the times of the last n slots it gave out; the next slot is
// the oldest of them plus the window and a margin for the time between
// taking a slot here and the request reaching Cloudflare's counter (1 %
// of the window, at least 50 ms and at most a second).
type limiter struct {
	n      int
	window time.Duration
	margin time.Duration

	mu    sync.Mutex
	slots []time.Time // the last n slots given, oldest at slots[head] once full
	head  int
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, margin: min(max(window/100, 50*time.Millisecond), time.Second), slots: make([]time.Time, 0, n)}
}

// rateLimitError says that waiting for the limiter would outlast the
// caller's deadline. It is classified as transient with RetryAfter = Wait.
type rateLimitError struct {
	Wait   time.Duration
	N      int
	Window time.Duration
}

func (e *rateLimitError) Error() string {
	return fmt.Sprintf("rate limit of %d requests per %s reached; the next slot is in %s", e.N, e.Window, e.Wait.Round(time.Millisecond))
}

// reserve takes the next slot, unless it comes after deadline (zero: no
// deadline); it returns the slot's time, or the wait with ok=false.
func (l *limiter) reserve(now, deadline time.Time) (slot time.Time, wait time.Duration, ok bool) {
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

// wait blocks until the next request may go, or until ctx is done. When
// ctx's deadline comes before the slot, it gives up at once with a
// *rateLimitError instead of sleeping in vain. A slot taken by a caller
// that then gives up stays spent (the budget errs on the safe side).
func (l *limiter) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	_, d, ok := l.reserve(time.Now(), deadline)
	if !ok {
		return &rateLimitError{Wait: d, N: l.n, Window: l.window}
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
