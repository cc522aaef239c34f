package models

import (
	"strings"
	"sync"
	"time"
)

// Defaults of the link cache (Store.SetLinkCache).
const (
	// DefaultLinkCacheSize is how many links one generation holds: the
	// cache keeps between one and two generations (about 170 bytes a link).
	DefaultLinkCacheSize = 250_000
	// DefaultLinkCacheAge is how long a generation is kept at most.
	DefaultLinkCacheAge = 6 * time.Hour
)

// linkCache remembers the links this process created lately (host, URL,
// client, campaign and message: what never changes in a link), so that
// the redirector answers a fresh link (most taps come within hours of the
// message) without asking the database, and stores its click without
// reading the link again. It holds two generations: new links go into the
// current one, which becomes the old one when it is full or its age is
// up, and the old one is dropped then. A link not in it is looked up in
// the database (the redirector's batched lookup); what may change about a
// campaign message (its delivery time) is read when its click is stored.
type linkCache struct {
	mu       sync.RWMutex
	size     int // links per generation; 0: the cache is off
	age      time.Duration
	cur, old map[string]cachedLink
	since    time.Time // when cur began
}

type cachedLink struct {
	host, url, client   string
	campaign, recipient *string
}

func newLinkCache(size int, age time.Duration) *linkCache {
	return &linkCache{size: size, age: age, cur: map[string]cachedLink{}, since: time.Now()}
}

// remember adds the links (after their transaction committed).
func (c *linkCache) remember(links []TrackedLink) {
	if len(links) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size <= 0 {
		return
	}
	for _, l := range links {
		if len(c.cur) >= c.size || time.Since(c.since) > c.age {
			c.old, c.cur, c.since = c.cur, make(map[string]cachedLink, len(c.cur)), time.Now()
		}
		c.cur[l.Ref] = cachedLink{host: l.Host, url: l.URL, client: l.ClientID, campaign: l.CampaignID, recipient: l.RecipientID}
	}
}

// lookup returns ref's host and URL if the cache holds it.
func (c *linkCache) lookup(ref string) (cachedLink, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	// No link is served more than twice the age after it was made: cur's
	// were made since c.since, old's at most an age before it.
	since := time.Since(c.since)
	if since > 2*c.age {
		return cachedLink{}, false
	}
	if l, ok := c.cur[ref]; ok {
		return l, true
	}
	if since > c.age {
		return cachedLink{}, false
	}
	l, ok := c.old[ref]
	return l, ok
}

// forget drops every cached link (links were deleted).
func (c *linkCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur, c.old, c.since = map[string]cachedLink{}, nil, time.Now()
}

// SetLinkCache sizes the cache of fresh links (size links per
// generation, each generation kept at most age; size 0 turns it off).
// Call it before serving.
func (s *Store) SetLinkCache(size int, age time.Duration) {
	if age <= 0 {
		age = DefaultLinkCacheAge
	}
	s.links = newLinkCache(size, age)
}

// CachedLink returns the URL of ref on host when this process created
// the link lately (ok=false: ask LinkTargets). A ref answers only on the
// host it was made for.
func (s *Store) CachedLink(ref, host string) (url string, ok bool) {
	l, ok := s.links.lookup(ref)
	if !ok || !strings.EqualFold(l.host, host) {
		return "", false
	}
	return l.url, true
}

// cachedTarget returns what the cache knows of ref's link: all of a
// LinkTarget but the message's phone, domain and delivery time.
func (s *Store) cachedTarget(ref string) (LinkTarget, bool) {
	l, ok := s.links.lookup(ref)
	if !ok {
		return LinkTarget{}, false
	}
	return LinkTarget{Ref: ref, ClientID: l.client, Host: l.host, URL: l.url, CampaignID: l.campaign, RecipientID: l.recipient}, true
}
