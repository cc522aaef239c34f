package handlers

import (
	"testing"
	"time"
)

func TestLimiterSet(t *testing.T) {
	s := NewLimiterSet(RateLimit{Events: 3, Per: 3 * time.Second})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if ok, _ := s.Allow("a", now); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := s.Allow("a", now)
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("over the burst: ok=%v wait=%s, want refused with a wait of at most 1s", ok, wait)
	}
	if got := RetryAfterSeconds(wait); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
	// A refused request takes nothing: one second later one more passes.
	if ok, _ := s.Allow("a", now.Add(time.Second)); !ok {
		t.Fatal("refill after 1s refused")
	}
	if ok, _ := s.Allow("b", now); !ok {
		t.Fatal("another key shares the bucket")
	}
	// Idle buckets are forgotten on the next sweep.
	later := now.Add(time.Hour)
	s.Allow("c", later)
	if _, ok := s.m["a"]; ok {
		t.Error("an idle bucket was kept")
	}
	if len(s.m) != 1 {
		t.Errorf("%d buckets kept, want 1", len(s.m))
	}
}

func TestParseRateLimit(t *testing.T) {
	r, err := ParseRateLimit("120/1m")
	if err != nil || r.Events != 120 || r.Per != time.Minute || r.String() != "120/1m0s" {
		t.Fatalf("120/1m: %+v %v", r, err)
	}
	for _, bad := range []string{"", "120", "0/1m", "-1/1m", "x/1m", "10/", "10/0s", "10/-1s", "10/fortnight"} {
		if _, err := ParseRateLimit(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	p := PageLimits{PerToken: RateLimit{Events: 5, Per: time.Second}}.withDefaults()
	if p.PerIP != DefaultPageLimits.PerIP || p.PerToken.Events != 5 || p.SignInPerToken != DefaultPageLimits.SignInPerToken {
		t.Errorf("withDefaults: %+v", p)
	}
}

func TestIPKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"::ffff:192.0.2.7":     "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"not an address":       "not an address",
	} {
		if got := ipKey(in); got != want {
			t.Errorf("ipKey(%q) = %q, want %q", in, got, want)
		}
	}
}
