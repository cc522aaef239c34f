package workflows

import (
	"math/rand/v2"
	"sync"
	"time"
)

// inflight caps the attempts running at once per endpoint in this process,
// so that one slow or hanging receiver cannot take every delivery worker
// and hold up the other endpoints' deliveries. A delivery over the cap is
// snoozed briefly (no attempt is made or counted).
type inflight struct {
	mu    sync.Mutex
	limit int
	n     map[string]int
}

func newInflight(limit int) *inflight {
	return &inflight{limit: max(limit, 1), n: map[string]int{}}
}

// acquire takes a slot for the endpoint; false when it has none free.
func (f *inflight) acquire(endpointID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[endpointID] >= f.limit {
		return false
	}
	f.n[endpointID]++
	return true
}

func (f *inflight) release(endpointID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[endpointID]--; f.n[endpointID] <= 0 {
		delete(f.n, endpointID)
	}
}

// busyDelay is how long a delivery over the cap waits: 0.5 to 1 s.
func busyDelay() time.Duration {
	return 500*time.Millisecond + rand.N(500*time.Millisecond)
}
