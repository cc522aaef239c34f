package models

import (
	"math/rand/v2"
	"strings"
	"sync"
	"time"
	"unsafe"

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
	id    uint64            // random, never 0: names it in a LinkSlot
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
	return &linkGeneration{id: rand.Uint64() | 1, index: make(map[refKey]uint32, size), links: make([]packedLink, 0, size),
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

// str is the text at sp, without a copy: bytes put into the arena are
// never written again (put appends past them; a grown arena leaves the
// old array to the strings that point into it).
func (g *linkGeneration) str(sp span) string {
	if sp.n == 0 {
		return ""
	}
	return unsafe.String(&g.text[sp.off], int(sp.n))
}

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

// live returns the generations links may be served from now (nil when
// none); with c.mu held for reading. No link is served more than twice
// the age after it was made or looked up: cur's were since c.since,
// old's at most an age before it.
func (c *linkCache) live() (cur, old *linkGeneration) {
	since := time.Since(c.since)
	switch {
	case since > 2*c.age:
		return nil, nil
	case since > c.age:
		return c.cur, nil
	}
	return c.cur, c.old
}

// find returns the generation and position of ref's link; with c.mu
// held for reading.
func (c *linkCache) find(ref string) (*linkGeneration, uint32, bool) {
	k, ok := keyOf(ref)
	if !ok {
		return nil, 0, false
	}
	cur, old := c.live()
	if cur == nil {
		return nil, 0, false
	}
	if i, ok := cur.index[k]; ok {
		return cur, i, true
	}
	if old == nil {
		return nil, 0, false
	}
	i, ok := old.index[k]
	return old, i, ok
}

// LinkSlot is where the cache of fresh links held a link when
// CachedLinkSlot found it. A click carries it (LinkVisit.Slot) so that
// storing the click reads the link from there rather than searching the
// cache again, as long as that generation is held; else, or for the zero
// LinkSlot, the cache is searched. Generation is random per generation
// and process (64 bits): a slot from another process, read back from the
// redirector's journal after a restart, names no generation here.
type LinkSlot struct {
	Generation uint64
	Index      uint32
}

// at returns the generation and position slot names, if that generation
// is live; with c.mu held for reading.
func (c *linkCache) at(slot LinkSlot) (*linkGeneration, uint32, bool) {
	if slot.Generation == 0 {
		return nil, 0, false
	}
	cur, old := c.live()
	for _, g := range []*linkGeneration{cur, old} {
		if g != nil && g.id == slot.Generation && int(slot.Index) < len(g.links) {
			return g, slot.Index, true
		}
	}
	return nil, 0, false
}

// lookupURL returns ref's host and URL and where they are if the cache
// holds it (the redirector's answer: nothing else is read).
func (c *linkCache) lookupURL(ref string) (host, url string, slot LinkSlot, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	g, i, ok := c.find(ref)
	if !ok {
		return "", "", LinkSlot{}, false
	}
	p := g.links[i]
	return g.names[p.host], g.str(p.url), LinkSlot{Generation: g.id, Index: i}, true
}

// lookup returns all the cache holds of ref's link, read from slot when
// that is live, else searched for.
func (c *linkCache) lookup(ref string, slot LinkSlot) (cachedLink, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	g, i, ok := c.at(slot)
	if !ok {
		g, i, ok = c.find(ref)
	}
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
	url, _, ok = s.CachedLinkSlot(ref, host)
	return url, ok
}

// CachedLinkSlot is CachedLink, also saying where the cache holds the
// link (for the click's LinkVisit.Slot).
func (s *Store) CachedLinkSlot(ref, host string) (url string, slot LinkSlot, ok bool) {
	h, url, slot, ok := s.links.lookupURL(ref)
	if !ok || !strings.EqualFold(h, host) {
		return "", LinkSlot{}, false
	}
	return url, slot, true
}

// cachedTarget returns what the cache knows of ref's link (at slot, if
// that is still held): all of a LinkTarget but the message's phone,
// domain and delivery time.
func (s *Store) cachedTarget(ref string, slot LinkSlot) (LinkTarget, bool) {
	l, ok := s.links.lookup(ref, slot)
	if !ok {
		return LinkTarget{}, false
	}
	return LinkTarget{Ref: ref, ClientID: l.client, Host: l.host, URL: l.url, CampaignID: l.campaign, RecipientID: l.recipient}, true
}
