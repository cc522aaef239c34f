package models

import (
	"testing"
	"time"
)

// Click ids are valid prefixed ULIDs of their click's millisecond,
// distinct, and sort by millisecond: the retention job's cut (idBefore)
// keeps every click from the cutoff on and none before.
func TestNewLinkClickID(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for i := range 100_000 {
		id := NewLinkClickID(at)
		if !validID(PrefixLinkClick, id) {
			t.Fatalf("%q is not a click id", id)
		}
		if seen[id] {
			t.Fatalf("id %q made twice (after %d)", id, i)
		}
		seen[id] = true
		if id < idBefore(PrefixLinkClick, at) || id >= idBefore(PrefixLinkClick, at.Add(time.Millisecond)) {
			t.Fatalf("id %q is outside its millisecond", id)
		}
	}
	if a, b := NewLinkClickID(at), NewLinkClickID(at.Add(time.Millisecond)); a >= b {
		t.Errorf("%q (a millisecond earlier) sorts after %q", a, b)
	}
}

func BenchmarkNewLinkClickID(b *testing.B) {
	now := time.Now()
	b.Run("redirector", func(b *testing.B) {
		for b.Loop() {
			_ = NewLinkClickID(now)
		}
	})
	b.Run("newIDAt", func(b *testing.B) {
		for b.Loop() {
			_ = newIDAt(PrefixLinkClick, now)
		}
	})
}
