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
