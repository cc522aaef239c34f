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
		l, ok := c.lookup(link(i).Ref)
		if ok != want || (ok && l.url != link(i).URL) {
			t.Errorf("link %d: %+v %v, want cached=%v", i, l, ok, want)
		}
	}
	c.since = time.Now().Add(-90 * time.Minute) // the current generation began 1.5 ages ago
	if _, ok := c.lookup(link(4).Ref); ok {
		t.Error("a link of the old generation, possibly twice the age, is served")
	}
	if _, ok := c.lookup(link(6).Ref); !ok {
		t.Error("a link of the current generation, younger than twice the age, is not served")
	}
	c.since = time.Now().Add(-3 * time.Hour)
	if _, ok := c.lookup(link(6).Ref); ok {
		t.Error("a link possibly older than twice the age is served")
	}
	c.forget()
	if _, ok := c.lookup(link(6).Ref); ok {
		t.Error("forget kept a link")
	}
	off := newLinkCache(0, time.Hour)
	off.remember([]TrackedLink{link(1)})
	if _, ok := off.lookup(link(1).Ref); ok {
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
	a, ok := c.lookup("aaaaaa")
	if !ok || a.host != "go.acme.com" || a.url != "https://acme.com/a" || a.client != "cli_1" ||
		a.campaign == nil || *a.campaign != camp || a.recipient == nil || *a.recipient != rcp {
		t.Errorf("a: %+v %v", a, ok)
	}
	b, ok := c.lookup("bbbbbb")
	if !ok || b.url != "https://acme.com/b" || b.client != "cli_2" || b.campaign != nil || b.recipient != nil {
		t.Errorf("b: %+v %v", b, ok)
	}
	if h, u, ok := c.lookupURL("cccccc"); !ok || h != "dyn.test" || u != "https://acme.com/c" {
		t.Errorf("c: %q %q %v", h, u, ok)
	}
	for _, ref := range []string{"0123456789abcdefX", "0123456789abcdef", "aaaaa", ""} {
		if _, ok := c.lookup(ref); ok {
			t.Errorf("%q is cached", ref)
		}
	}
}
