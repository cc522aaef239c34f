package digitalocean

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter paces one token's requests: n per window with a burst of n, and
// no request at all while the API says the token's budget is spent
// (RateLimit-Remaining 0) until its RateLimit-Reset.
type limiter struct {
	n      int
	window time.Duration
	lim    *rate.Limiter

	mu         sync.Mutex
	blockedTil time.Time
	now        func() time.Time
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, lim: rate.NewLimiter(rate.Limit(float64(n)/window.Seconds()), n), now: time.Now}
}

// rateLimitError says that the next request may not go before Wait has
// passed: the caller's deadline comes first, or DigitalOcean said the
// budget is spent. It is classified as transient with RetryAfter = Wait.
type rateLimitError struct {
	Wait   time.Duration
	Server bool // DigitalOcean's budget, not linkgate's own pacing
	N      int
	Window time.Duration
}

func (e *rateLimitError) Error() string {
	if e.Server {
		return fmt.Sprintf("DigitalOcean's rate limit for this token is spent; it resets in %s", e.Wait.Round(time.Second))
	}
	return fmt.Sprintf("rate limit of %d requests per %s reached; the next slot is in %s", e.N, e.Window, e.Wait.Round(time.Millisecond))
}

// observe reads an answer's rate-limit headers: with nothing remaining,
// requests stop until the reset.
func (l *limiter) observe(h http.Header, now time.Time) {
	remaining, err1 := strconv.Atoi(h.Get("RateLimit-Remaining"))
	reset, err2 := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64)
	if err1 != nil || err2 != nil || remaining > 0 {
		return
	}
	until := time.Unix(reset, 0)
	if !until.After(now) {
		return
	}
	l.mu.Lock()
	if until.After(l.blockedTil) {
		l.blockedTil = until
	}
	l.mu.Unlock()
}

// wait blocks until the next request may go, or until ctx is done. When
// the server's reset or ctx's deadline comes after the slot, it gives up
// at once with a *rateLimitError instead of sleeping in vain.
func (l *limiter) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	blocked := l.blockedTil.Sub(l.now())
	l.mu.Unlock()
	if blocked > 0 {
		return &rateLimitError{Wait: blocked, Server: true}
	}
	r := l.lim.Reserve()
	d := r.Delay()
	if d == 0 {
		return nil
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		r.Cancel()
		return &rateLimitError{Wait: d, N: l.n, Window: l.window}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}
