package models

import (
	"strings"
	"sync"
	"time"

	"github.com/linkgate/linkgate/shortlink"
)

// Defaults of the link cache (Store.SetLinkCache).
const (
	// DefaultLinkCacheSize is how many links one generation holds: the
	// cache keeps between one and two generations (about 110 bytes a link
	// and its URL).
	DefaultLinkCacheSize = 250_000
	// DefaultLinkCacheAge is how long a generation is kept at most.
	DefaultLinkCacheAge = 6 * time.Hour
)

// linkCache remembers the links this process created or looked up lately
// (host, URL, client, campaign and message: what never changes in a
// link), so that the redirector answers a fresh link (most taps come
// within hours of the message) without asking the database, and stores
// its click without reading the link again. It holds two generations:
// new links go into the current one, which becomes the old one when it is
// full or its age is up, and the old one is dropped then. A link not in it is looked up in
// the database (the redirector's batched lookup); what may change about a
// campaign message (its delivery time) is read when its click is stored.
//
// A generation holds no pointers the garbage collector must follow for
// each link (fixed-size keys, offsets into one byte arena, indexes into a
// short table of the hosts, clients and campaigns it has met): half a
// million cached links would otherwise be scanned on every GC cycle, a
// seventh of the redirector's CPU under load (cmd/lgredirect's profile).
type linkCache struct {
	mu       sync.RWMutex
	size     int // links per generation; 0: the cache is off
	age      time.Duration
	cur, old *linkGeneration
	since    time.Time // when cur began
}

// refKey is a ref padded with zero bytes (a ref is base62: never zero).
type refKey [shortlink.MaxRefLength]byte

func keyOf(ref string) (refKey, bool) {
	var k refKey
	if len(ref) == 0 || len(ref) > len(k) {
		return k, false
	}
	copy(k[:], ref)
	return k, true
}

// linkGeneration is one generation of the cache.
type linkGeneration struct {
	index map[refKey]uint32 // ref → links[i]
	links []packedLink
	text  []byte   // URLs and message ids, back to back
	names []string // hosts, clients, campaigns; names[0] is "" (none)
	named map[string]uint32
}

// packedLink is a cached link: offsets into text, indexes into names.
type packedLink struct {
	url, recipient         span
	host, client, campaign uint32
}

type span struct{ off, n uint32 }

// maxGenerationText bounds a generation's arena (offsets are 32-bit).
const maxGenerationText = 1 << 31

func newLinkGeneration(size int) *linkGeneration {
	return &linkGeneration{index: make(map[refKey]uint32, size), links: make([]packedLink, 0, size),
		names: []string{""}, named: map[string]uint32{"": 0}}
}

func (g *linkGeneration) name(s string) uint32 {
	if i, ok := g.named[s]; ok {
		return i
	}
	i := uint32(len(g.names))
	g.names = append(g.names, s)
	g.named[s] = i
	return i
}

func (g *linkGeneration) put(s string) span {
	sp := span{off: uint32(len(g.text)), n: uint32(len(s))}
	g.text = append(g.text, s...)
	return sp
}

func (g *linkGeneration) str(sp span) string { return string(g.text[sp.off : sp.off+sp.n]) }

func optional(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (g *linkGeneration) add(k refKey, l TrackedLink) {
	p := packedLink{url: g.put(l.URL), recipient: g.put(optional(l.RecipientID)),
		host: g.name(l.Host), client: g.name(l.ClientID), campaign: g.name(optional(l.CampaignID))}
	g.index[k] = uint32(len(g.links))
	g.links = append(g.links, p)
}

func (g *linkGeneration) full(size int) bool {
	return len(g.links) >= size || len(g.text) >= maxGenerationText-2*maxCachedText
}

// maxCachedText: a link whose URL and message id are longer than this is
// not cached (URLs are bounded far below it; the bound keeps offsets
// within 32 bits).
const maxCachedText = 1 << 16

func newLinkCache(size int, age time.Duration) *linkCache {
	return &linkCache{size: size, age: age, cur: newLinkGeneration(0), since: time.Now()}
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
		k, ok := keyOf(l.Ref)
		if !ok || len(l.URL)+len(optional(l.RecipientID)) > maxCachedText {
			continue
		}
		if c.cur.full(c.size) || time.Since(c.since) > c.age {
			c.old, c.cur, c.since = c.cur, newLinkGeneration(min(c.size, 2*len(c.cur.links)+1024)), time.Now()
		}
		c.cur.add(k, l)
	}
}

// cachedLink is what the cache knows of one link.
type cachedLink struct {
	host, url, client   string
	campaign, recipient *string
}

// find returns the generation and position of ref's link; with c.mu
// held for reading.
func (c *linkCache) find(ref string) (*linkGeneration, uint32, bool) {
	k, ok := keyOf(ref)
	if !ok {
		return nil, 0, false
	}
	// No link is served more than twice the age after it was made or
	// looked up: cur's were since c.since, old's at most an age before it.
	since := time.Since(c.since)
	if since > 2*c.age {
		return nil, 0, false
	}
	if i, ok := c.cur.index[k]; ok {
		return c.cur, i, true
	}
	if since > c.age || c.old == nil {
		return nil, 0, false
	}
	i, ok := c.old.index[k]
	return c.old, i, ok
}

// lookupURL returns ref's host and URL if the cache holds it (the
// redirector's answer: nothing else is copied out).
func (c *linkCache) lookupURL(ref string) (host, url string, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	g, i, ok := c.find(ref)
	if !ok {
		return "", "", false
	}
	p := g.links[i]
	return g.names[p.host], g.str(p.url), true
}

// lookup returns all the cache holds of ref's link.
func (c *linkCache) lookup(ref string) (cachedLink, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	g, i, ok := c.find(ref)
	if !ok {
		return cachedLink{}, false
	}
	p := g.links[i]
	l := cachedLink{host: g.names[p.host], url: g.str(p.url), client: g.names[p.client]}
	if p.campaign != 0 {
		s := g.names[p.campaign]
		l.campaign = &s
	}
	if p.recipient.n > 0 {
		s := g.str(p.recipient)
		l.recipient = &s
	}
	return l, true
}

// forget drops every cached link (links were deleted).
func (c *linkCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur, c.old, c.since = newLinkGeneration(0), nil, time.Now()
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
	h, url, ok := s.links.lookupURL(ref)
	if !ok || !strings.EqualFold(h, host) {
		return "", false
	}
	return url, true
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
