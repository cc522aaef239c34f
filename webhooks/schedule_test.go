package webhooks

import (
	"net/http"
	"testing"
	"time"
)

func TestNextDelaySchedule(t *testing.T) {
	want := []time.Duration{
		5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
		5 * time.Hour, 10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour,
	}
	mid := func() float64 { return 0.5 }
	lo := func() float64 { return 0 }
	hi := func() float64 { return 0.999999999 }
	for i, w := range want {
		attempt := i + 1
		d, ok := NextDelay(attempt, mid)
		if !ok || d != w {
			t.Errorf("NextDelay(%d, 0.5) = %v, %v; want %v, true", attempt, d, ok, w)
		}
		d, _ = NextDelay(attempt, lo)
		if want := time.Duration(float64(w) * 0.9); d != want {
			t.Errorf("NextDelay(%d, 0) = %v, want %v (-10%%)", attempt, d, want)
		}
		d, _ = NextDelay(attempt, hi)
		if d > time.Duration(float64(w)*1.1) || d < time.Duration(float64(w)*1.0999) {
			t.Errorf("NextDelay(%d, ~1) = %v, want just under %v (+10%%)", attempt, d, time.Duration(float64(w)*1.1))
		}
	}
	if d, ok := NextDelay(len(want)+1, mid); ok {
		t.Errorf("NextDelay(%d) = %v, true; want exhausted", len(want)+1, d)
	}
	if _, ok := NextDelay(100, nil); ok {
		t.Error("NextDelay(100) not exhausted")
	}
	if d, ok := NextDelay(0, mid); !ok || d != 5*time.Second {
		t.Errorf("NextDelay(0) = %v, %v; want 5s, true", d, ok)
	}
}

func TestNextDelayJitterBounds(t *testing.T) {
	// With the real random source every delay stays within ±10% and the
	// delays are not all equal.
	for attempt := 1; attempt <= len(Schedule); attempt++ {
		base := Schedule[attempt-1]
		lo, hi := time.Duration(float64(base)*0.9), time.Duration(float64(base)*1.1)
		seen := map[time.Duration]bool{}
		for range 200 {
			d, ok := NextDelay(attempt, nil)
			if !ok {
				t.Fatalf("NextDelay(%d) exhausted", attempt)
			}
			if d < lo || d > hi {
				t.Fatalf("NextDelay(%d) = %v outside [%v, %v]", attempt, d, lo, hi)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("NextDelay(%d): no jitter, always %v", attempt, base)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"120", 120 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"0", 0, true},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"Sun, 22 Nov 2026 10:05:00 GMT", 5 * time.Minute, true},
		{"Sunday, 22-Nov-26 10:00:30 GMT", 30 * time.Second, true}, // RFC 850
		{"Sun Nov 22 10:01:00 2026", time.Minute, true},            // ANSI C
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		got, ok := RetryAfter(h, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := map[int]Outcome{
		200: OutcomeSuccess,
		201: OutcomeSuccess,
		204: OutcomeSuccess,
		299: OutcomeSuccess,
		199: OutcomeRetry,
		301: OutcomeRetry,
		302: OutcomeRetry,
		304: OutcomeRetry,
		307: OutcomeRetry,
		400: OutcomeRetry,
		401: OutcomeRetry,
		404: OutcomeRetry,
		410: OutcomeDisable,
		429: OutcomeRetryAfter,
		500: OutcomeRetry,
		502: OutcomeRetry,
		503: OutcomeRetryAfter,
		504: OutcomeRetry,
	}
	for status, want := range tests {
		if got := Classify(status); got != want {
			t.Errorf("Classify(%d) = %v, want %v", status, got, want)
		}
	}
}
