package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
)

// LINKGATE_SANDBOX_LATENCY: a duration, or fixed+jitter, each up to 10s;
// anything else is an error naming the variable; outside sandbox mode it
// is refused.
func TestSandboxLatencySetting(t *testing.T) {
	t.Parallel()
	load := func(env map[string]string) (Config, error) {
		m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
		c, _, err := m.loadConfig("serve", nil)
		return c, err
	}
	for v, want := range map[string]mocks.Latency{
		"":          {},
		"20ms":      {Fixed: 20 * time.Millisecond},
		"15ms+10ms": {Fixed: 15 * time.Millisecond, Jitter: 10 * time.Millisecond},
		" 0s + 1s ": {Jitter: time.Second},
	} {
		c, err := load(map[string]string{"LINKGATE_SANDBOX_LATENCY": v})
		if err != nil || c.SandboxLatency != want {
			t.Errorf("%q: %+v, %v; want %+v", v, c.SandboxLatency, err, want)
		}
	}
	for _, bad := range []string{"fast", "20", "11s", "-1ms", "10ms+", "10ms+x", "10ms+20s"} {
		if _, err := load(map[string]string{"LINKGATE_SANDBOX_LATENCY": bad}); err == nil || !strings.Contains(err.Error(), "LINKGATE_SANDBOX_LATENCY") {
			t.Errorf("%q: want an error naming LINKGATE_SANDBOX_LATENCY, got %v", bad, err)
		}
	}
	c, err := load(map[string]string{"LINKGATE_SANDBOX_LATENCY": "20ms",
		"TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef", "TWILIO_AUTH_TOKEN": "token0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.checkServeMode(); err == nil || !strings.Contains(err.Error(), "LINKGATE_SANDBOX_LATENCY") {
		t.Errorf("outside sandbox mode: %v, want an error naming LINKGATE_SANDBOX_LATENCY", err)
	}
}
