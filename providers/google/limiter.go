package google

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"
)

// limiter paces one key's requests: n per window, with a burst of n.
type limiter struct {
	n      int
	window time.Duration
	lim    *rate.Limiter
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, lim: rate.NewLimiter(rate.Limit(float64(n)/window.Seconds()), n)}
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

// wait blocks until the next request may go, or until ctx is done. When
// ctx's deadline comes before the slot, it gives up at once with a
// *rateLimitError instead of sleeping in vain.
func (l *limiter) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
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
