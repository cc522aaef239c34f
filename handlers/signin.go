package handlers

import (
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// SignInGuard slows password guessing without locking the owner out. It
// counts consecutive failures per account and per (account, address):
//
//   - the first FreeFailures failures cost nothing;
//   - after that, each failure from an address makes that address wait
//     2, 4, 8 … seconds (at most MaxAddressDelay, 15 minutes) before its
//     next attempt at the account;
//   - and makes every address wait 1, 2, 4 … seconds (at most
//     MaxAccountDelay, 30 seconds) before the next attempt at the account,
//     so guessing from many addresses stays slow too.
//
// A success clears both counts. Someone who knows only an e-mail address
// can therefore delay its owner by at most MaxAccountDelay, never lock
// them out; the per-address rate limit of the pages still applies on top.
// Safe for concurrent use; forgotten entries are pruned.
type SignInGuard struct {
	mu   sync.Mutex
	m    map[string]*signInEntry
	seen time.Time // last prune
}

type signInEntry struct {
	failures int
	until    time.Time // no attempt before this
	last     time.Time
}

// The guard's schedule.
const (
	FreeFailures    = 5
	MaxAddressDelay = 15 * time.Minute
	MaxAccountDelay = 30 * time.Second
	// signInForget drops an entry this long after its last failure.
	signInForget = time.Hour
)

// NewSignInGuard makes an empty guard.
func NewSignInGuard() *SignInGuard { return &SignInGuard{m: map[string]*signInEntry{}} }

// Wait returns how long the caller at address must wait before trying
// account (a stable key such as a hash of the e-mail); 0 means now.
func (g *SignInGuard) Wait(account, address string, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	var wait time.Duration
	for _, k := range []string{"a:" + account, "p:" + account + "|" + address} {
		if e := g.m[k]; e != nil && e.until.After(now) {
			wait = max(wait, e.until.Sub(now))
		}
	}
	return wait
}

// Failed records a wrong password for account from address.
func (g *SignInGuard) Failed(account, address string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.prune(now)
	g.fail("a:"+account, now, time.Second, MaxAccountDelay)
	g.fail("p:"+account+"|"+address, now, 2*time.Second, MaxAddressDelay)
}

// Succeeded clears the account's counts.
func (g *SignInGuard) Succeeded(account, address string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.m, "a:"+account)
	delete(g.m, "p:"+account+"|"+address)
}

// Forgive clears every count of account, from every address: after the
// owner proved who they are another way (a password reset), the right
// password works at once from anywhere. The guard is per process: a
// replica that did not serve the reset still holds its own counts, at
// most MaxAccountDelay for a new address.
func (g *SignInGuard) Forgive(account string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.m, "a:"+account)
	prefix := "p:" + account + "|"
	for k := range g.m {
		if strings.HasPrefix(k, prefix) {
			delete(g.m, k)
		}
	}
}

// SignInAccount is the guard's key of the account an e-mail address
// names: the same for every spelling the sign-in form accepts.
func SignInAccount(email string) string {
	return models.HashKey(strings.ToLower(strings.TrimSpace(email)))
}

func (g *SignInGuard) fail(key string, now time.Time, base, most time.Duration) {
	e := g.m[key]
	if e == nil {
		e = &signInEntry{}
		g.m[key] = e
	}
	e.failures++
	e.last = now
	if over := e.failures - FreeFailures; over > 0 {
		d := most
		if over < 30 && base<<(over-1) < most {
			d = base << (over - 1)
		}
		e.until = now.Add(d)
	}
}

func (g *SignInGuard) prune(now time.Time) {
	if now.Sub(g.seen) < time.Minute && len(g.m) < maxLimiterKeys {
		return
	}
	g.seen = now
	for k, e := range g.m {
		if now.Sub(e.last) > signInForget && !e.until.After(now) {
			delete(g.m, k)
		}
	}
}

// ClientAddress is the address a request came from, as the kit sees it
// (the peer, or the X-Forwarded-For of a trusted proxy).
func (s *Server) ClientAddress(c *gin.Context) string { return s.clientIP(c) }

// ClientAddressKey is the rate-limit key of the request's address (the
// address, or its /64 for IPv6), as the page limits count it.
func (s *Server) ClientAddressKey(c *gin.Context) string { return ipKey(s.clientIP(c)) }
