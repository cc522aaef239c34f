package handlers

import (
	"testing"
	"time"
)

func TestSignInGuard(t *testing.T) {
	g := NewSignInGuard()
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	const acct, attacker, owner = "h(owner@acme.com)", "203.0.113.9", "198.51.100.7"

	for i := range FreeFailures {
		if w := g.Wait(acct, attacker, now); w != 0 {
			t.Fatalf("failure %d: wait %s within the free failures", i+1, w)
		}
		g.Failed(acct, attacker, now)
	}
	if w := g.Wait(acct, attacker, now); w != 0 {
		t.Fatalf("after %d failures: wait %s, want none yet", FreeFailures, w)
	}
	// Each further failure doubles the attacker's wait, up to 15 minutes.
	var last time.Duration
	for range 20 {
		g.Failed(acct, attacker, now)
		w := g.Wait(acct, attacker, now)
		if w < last || w > MaxAddressDelay {
			t.Fatalf("attacker's wait %s after %s", w, last)
		}
		last = w
	}
	if last != MaxAddressDelay {
		t.Fatalf("attacker's wait grew to %s, want %s", last, MaxAddressDelay)
	}
	// The owner, from another address, waits at most MaxAccountDelay.
	if w := g.Wait(acct, owner, now); w <= 0 || w > MaxAccountDelay {
		t.Fatalf("owner's wait %s, want (0, %s]", w, MaxAccountDelay)
	}
	later := now.Add(MaxAccountDelay)
	if w := g.Wait(acct, owner, later); w != 0 {
		t.Fatalf("owner still waits %s after %s", w, MaxAccountDelay)
	}
	if w := g.Wait(acct, attacker, later); w == 0 {
		t.Fatal("the attacker's address was let in with the owner")
	}
	// Success clears the account.
	g.Succeeded(acct, owner)
	if w := g.Wait(acct, owner, later); w != 0 {
		t.Fatalf("after a success: wait %s", w)
	}
	// Another account is untouched throughout.
	if w := g.Wait("h(other@acme.com)", attacker, now); w != 0 {
		t.Fatalf("another account waits %s", w)
	}
	// Entries are forgotten an hour after their last failure.
	g.Failed("h(x)", attacker, now)
	g.prune(now.Add(2 * time.Hour))
	if _, ok := g.m["a:h(x)"]; ok {
		t.Error("an old entry was not pruned")
	}
}
