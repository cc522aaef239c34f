package handlers

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit allows Events requests per Per, in bursts of up to Events (a
// token bucket that refills evenly over Per).
type RateLimit struct {
	Events int
	Per    time.Duration
}

// ParseRateLimit reads "N/DURATION", e.g. "120/1m": 120 requests a minute.
func ParseRateLimit(s string) (RateLimit, error) {
	n, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	events, err := strconv.Atoi(n)
	if !ok || err != nil || events < 1 {
		return RateLimit{}, fmt.Errorf("rate limit %q: want N/DURATION, e.g. 120/1m", s)
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 {
		return RateLimit{}, fmt.Errorf("rate limit %q: want N/DURATION, e.g. 120/1m", s)
	}
	return RateLimit{Events: events, Per: d}, nil
}

func (r RateLimit) String() string { return strconv.Itoa(r.Events) + "/" + r.Per.String() }

// PageLimits rate-limits the pages, in memory per process.
// A zero field takes its default.
type PageLimits struct {
	// PerIP bounds all rate-limited page requests (/register, the
	// console's sign-in) from one client address (IPv6 by /64). Default
	// 120/1m.
	PerIP RateLimit
	// PerToken bounds all requests for one registration link, from
	// anywhere. Default 60/1m.
	PerToken RateLimit
	// SignInPerToken bounds account and sign-in attempts for one link
	// (password guessing). Default 10/10m.
	SignInPerToken RateLimit
	// ResetPerAddress bounds the console's password reset requests from
	// one client address (IPv6 by /64), ResetPerAccount those for one
	// e-mail address, from anywhere (mail bombing). Defaults 20/1h and
	// 5/1h.
	ResetPerAddress RateLimit
	ResetPerAccount RateLimit
}

// DefaultPageLimits are the limits used for zero PageLimits fields.
var DefaultPageLimits = PageLimits{
	PerIP:           RateLimit{Events: 120, Per: time.Minute},
	PerToken:        RateLimit{Events: 60, Per: time.Minute},
	SignInPerToken:  RateLimit{Events: 10, Per: 10 * time.Minute},
	ResetPerAddress: RateLimit{Events: 20, Per: time.Hour},
	ResetPerAccount: RateLimit{Events: 5, Per: time.Hour},
}

func (p PageLimits) withDefaults() PageLimits {
	fill := func(r *RateLimit, def RateLimit) {
		if r.Events <= 0 || r.Per <= 0 {
			*r = def
		}
	}
	fill(&p.PerIP, DefaultPageLimits.PerIP)
	fill(&p.PerToken, DefaultPageLimits.PerToken)
	fill(&p.SignInPerToken, DefaultPageLimits.SignInPerToken)
	fill(&p.ResetPerAddress, DefaultPageLimits.ResetPerAddress)
	fill(&p.ResetPerAccount, DefaultPageLimits.ResetPerAccount)
	return p
}

// maxLimiterKeys bounds the memory one LimiterSet may use; past it, the
// idle entries go first, then the oldest half.
const maxLimiterKeys = 100_000

// LimiterSet keeps a token bucket per key (a client address, a token
// hash). Buckets that have refilled completely are forgotten: a fresh one
// behaves the same.
type LimiterSet struct {
	limit rate.Limit
	burst int
	idle  time.Duration // time to refill from empty

	mu        sync.Mutex
	m         map[string]*limiterEntry
	lastSweep time.Time
}

type limiterEntry struct {
	l    *rate.Limiter
	seen time.Time
}

// NewLimiterSet makes the buckets of a rate limit.
func NewLimiterSet(r RateLimit) *LimiterSet {
	return &LimiterSet{
		limit: rate.Limit(float64(r.Events) / r.Per.Seconds()),
		burst: r.Events,
		idle:  r.Per,
		m:     map[string]*limiterEntry{},
	}
}

// Allow takes one event for key at now; when the bucket is empty it takes
// nothing and says how long until one is available.
func (s *LimiterSet) Allow(key string, now time.Time) (bool, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	e := s.m[key]
	if e == nil {
		e = &limiterEntry{l: rate.NewLimiter(s.limit, s.burst)}
		s.m[key] = e
	}
	e.seen = now
	r := e.l.ReserveN(now, 1)
	if !r.OK() {
		return false, s.idle
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

func (s *LimiterSet) sweep(now time.Time) {
	if len(s.m) < maxLimiterKeys && now.Sub(s.lastSweep) < time.Minute {
		return
	}
	s.lastSweep = now
	for k, e := range s.m {
		if now.Sub(e.seen) > s.idle {
			delete(s.m, k)
		}
	}
	if len(s.m) < maxLimiterKeys {
		return
	}
	cut := now
	for _, e := range s.m {
		if e.seen.Before(cut) {
			cut = e.seen
		}
	}
	mid := cut.Add(now.Sub(cut) / 2)
	for k, e := range s.m {
		if e.seen.Before(mid) {
			delete(s.m, k)
		}
	}
}

// RetryAfterSeconds rounds a wait up to whole seconds, at least 1.
func RetryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(d.Seconds()))))
}

// ipKey is the rate-limit key of a client address: the address itself,
// or its /64 for IPv6 (one subscriber usually holds a whole /64).
func ipKey(remote string) string {
	a, err := netip.ParseAddr(remote)
	if err != nil {
		return remote
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
