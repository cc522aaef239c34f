package models

import (
	"fmt"
	"testing"
	"time"
)

// The cache of fresh links keeps between one and two generations: the
// links of the last generation survive a rotation, older ones go; a
// generation past its age is not served; forget drops everything; size 0
// keeps nothing.
func TestLinkCacheGenerations(t *testing.T) {
	t.Parallel()
	link := func(i int) TrackedLink {
		return TrackedLink{Ref: fmt.Sprintf("r%05d", i), Host: "dyn.test", URL: fmt.Sprintf("https://acme.com/%d", i)}
	}
	c := newLinkCache(3, time.Hour)
	for i := range 7 {
		c.remember([]TrackedLink{link(i)})
	}
	// Generations: [0 1 2] → old, [3 4 5] → old, [6] current.
	for i, want := range []bool{false, false, false, true, true, true, true} {
		l, ok := c.lookup(link(i).Ref, LinkSlot{})
		if ok != want || (ok && l.url != link(i).URL) {
			t.Errorf("link %d: %+v %v, want cached=%v", i, l, ok, want)
		}
	}
	c.since = time.Now().Add(-90 * time.Minute) // the current generation began 1.5 ages ago
	if _, ok := c.lookup(link(4).Ref, LinkSlot{}); ok {
		t.Error("a link of the old generation, possibly twice the age, is served")
	}
	if _, ok := c.lookup(link(6).Ref, LinkSlot{}); !ok {
		t.Error("a link of the current generation, younger than twice the age, is not served")
	}
	c.since = time.Now().Add(-3 * time.Hour)
	if _, ok := c.lookup(link(6).Ref, LinkSlot{}); ok {
		t.Error("a link possibly older than twice the age is served")
	}
	c.forget()
	if _, ok := c.lookup(link(6).Ref, LinkSlot{}); ok {
		t.Error("forget kept a link")
	}
	off := newLinkCache(0, time.Hour)
	off.remember([]TrackedLink{link(1)})
	if _, ok := off.lookup(link(1).Ref, LinkSlot{}); ok {
		t.Error("a cache of size 0 kept a link")
	}
}

// The cache gives back every field it keeps, nil where the link has none,
// across generations; a ref it cannot key is not cached.
func TestLinkCacheFields(t *testing.T) {
	t.Parallel()
	camp, rcp := "cmp_1", "rcp_1"
	c := newLinkCache(2, time.Hour)
	c.remember([]TrackedLink{
		{Ref: "aaaaaa", Host: "go.acme.com", URL: "https://acme.com/a", ClientID: "cli_1", CampaignID: &camp, RecipientID: &rcp},
		{Ref: "bbbbbb", Host: "dyn.test", URL: "https://acme.com/b", ClientID: "cli_2"},
		{Ref: "cccccc", Host: "dyn.test", URL: "https://acme.com/c", ClientID: "cli_2"},
		{Ref: "0123456789abcdefX", Host: "dyn.test", URL: "https://acme.com/long", ClientID: "cli_2"},
	})
	a, ok := c.lookup("aaaaaa", LinkSlot{})
	if !ok || a.host != "go.acme.com" || a.url != "https://acme.com/a" || a.client != "cli_1" ||
		a.campaign == nil || *a.campaign != camp || a.recipient == nil || *a.recipient != rcp {
		t.Errorf("a: %+v %v", a, ok)
	}
	b, ok := c.lookup("bbbbbb", LinkSlot{})
	if !ok || b.url != "https://acme.com/b" || b.client != "cli_2" || b.campaign != nil || b.recipient != nil {
		t.Errorf("b: %+v %v", b, ok)
	}
	if h, u, _, ok := c.lookupURL("cccccc"); !ok || h != "dyn.test" || u != "https://acme.com/c" {
		t.Errorf("c: %q %q %v", h, u, ok)
	}
	for _, ref := range []string{"0123456789abcdefX", "0123456789abcdef", "aaaaa", ""} {
		if _, ok := c.lookup(ref, LinkSlot{}); ok {
			t.Errorf("%q is cached", ref)
		}
	}
}

// A slot from lookupURL reads its link without a search (even asked with
// another ref, which only a search would use) while its generation is
// live; a slot of a dropped or aged generation, of another cache, or the
// zero slot falls back to searching by ref.
func TestLinkCacheSlots(t *testing.T) {
	t.Parallel()
	link := func(i int) TrackedLink {
		return TrackedLink{Ref: fmt.Sprintf("r%05d", i), Host: "dyn.test", URL: fmt.Sprintf("https://acme.com/%d", i), ClientID: "cli_1"}
	}
	c := newLinkCache(2, time.Hour)
	c.remember([]TrackedLink{link(0), link(1)})
	_, u1, slot1, ok := c.lookupURL(link(1).Ref)
	if !ok || u1 != link(1).URL || slot1.Generation == 0 {
		t.Fatalf("lookupURL = %q %+v %v", u1, slot1, ok)
	}
	if l, ok := c.lookup(link(0).Ref, slot1); !ok || l.url != link(1).URL {
		t.Errorf("from the slot of link 1: %+v %v, want link 1", l, ok)
	}
	if l, ok := c.lookup(link(0).Ref, LinkSlot{}); !ok || l.url != link(0).URL {
		t.Errorf("the zero slot: %+v %v, want link 0", l, ok)
	}
	if l, ok := c.lookup(link(0).Ref, LinkSlot{Generation: slot1.Generation, Index: 7}); !ok || l.url != link(0).URL {
		t.Errorf("a slot past the generation's end: %+v %v, want link 0 by its ref", l, ok)
	}
	other := newLinkCache(2, time.Hour)
	other.remember([]TrackedLink{link(5), link(6)})
	if l, ok := other.lookup(link(6).Ref, slot1); !ok || l.url != link(6).URL {
		t.Errorf("another cache's slot: %+v %v, want link 6 by its ref", l, ok)
	}
	// Two rotations drop link 1's generation.
	c.remember([]TrackedLink{link(2), link(3), link(4)})
	if l, ok := c.lookup(link(4).Ref, slot1); !ok || l.url != link(4).URL {
		t.Errorf("a dropped generation's slot: %+v %v, want link 4 by its ref", l, ok)
	}
	_, _, slot4, _ := c.lookupURL(link(4).Ref)
	_, _, slot2, _ := c.lookupURL(link(2).Ref)
	c.since = time.Now().Add(-90 * time.Minute) // old (link 2's) is past its age
	if _, ok := c.lookup(link(9).Ref, slot2); ok {
		t.Error("a slot of a generation past its age is served")
	}
	if l, ok := c.lookup(link(9).Ref, slot4); !ok || l.url != link(4).URL {
		t.Errorf("the current generation's slot: %+v %v, want link 4", l, ok)
	}
}
