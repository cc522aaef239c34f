package ratelimit

import (
	"strings"
	"testing"
	"time"
)

// TestWindowSliding: a quiet token spends its whole budget at
// once, and after that no window holds more than n slots — where a token
// bucket of the same rate would let 2n through in the first window.
func TestWindowSliding(t *testing.T) {
	const n, window = 5, time.Minute
	l := New(n, window)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var slots []time.Time
	for range 4*n + 3 {
		slot, _, ok := l.Reserve(t0, time.Time{})
		if !ok {
			t.Fatal("refused without a deadline")
		}
		slots = append(slots, slot)
	}
	for i := range n {
		if !slots[i].Equal(t0) {
			t.Errorf("slot %d at %s, want at once", i, slots[i].Sub(t0))
		}
	}
	for i := n; i < len(slots); i++ {
		if gap := slots[i].Sub(slots[i-n]); gap < window {
			t.Errorf("slots %d and %d are %s apart: %d requests within one window", i-n, i, gap, n+1)
		}
		if slots[i].Before(slots[i-1]) {
			t.Errorf("slot %d before slot %d", i, i-1)
		}
	}
	// Past a deadline: refused, with the wait, and nothing taken.
	_, wait, ok := l.Reserve(t0, t0.Add(time.Second))
	if ok || wait < 4*window {
		t.Errorf("reserve before a near deadline = ok %v, wait %s", ok, wait)
	}
	if slot, _, _ := l.Reserve(t0, time.Time{}); slot.Sub(slots[len(slots)-n]) < window {
		t.Error("the refused reservation took a slot")
	}
}

// The registry gives one window per key, and keeps hashes, not keys.
func TestRegistry(t *testing.T) {
	var reg Registry
	a := reg.Get("token-a", 1, time.Second)
	if reg.Get("token-a", 9, time.Hour) != a || reg.Get("token-b", 1, time.Second) == a {
		t.Fatal("one window per key")
	}
	for k := range reg.m {
		if strings.Contains(string(k[:]), "token-a") {
			t.Fatal("the registry keys on the token")
		}
	}
}
