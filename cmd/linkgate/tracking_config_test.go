package main

import (
	"io"
	"strings"
	"testing"
)

// LINKGATE_TRACKING_CNAME_TARGET and LINKGATE_TRACKING_DOMAIN: sandbox
// defaults, nothing outside sandbox mode, host names validated and
// normalised, errors naming the variable.
func TestTrackingSettings(t *testing.T) {
	t.Parallel()
	load := func(env map[string]string) (Config, error) {
		m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
		c, _, err := m.loadConfig("serve", nil)
		return c, err
	}
	production := func(more map[string]string) map[string]string {
		env := map[string]string{"DATABASE_URL": "postgres://db/linkgate", "TWILIO_ACCOUNT_SID": "AC0123", "TWILIO_AUTH_TOKEN": "t"}
		for k, v := range more {
			env[k] = v
		}
		return env
	}

	c, err := load(map[string]string{})
	if err != nil || c.TrackingCNAMETarget != sandboxTrackingCNAMETarget || c.TrackingDomain != sandboxTrackingDomain {
		t.Errorf("sandbox defaults: %q %q, %v", c.TrackingCNAMETarget, c.TrackingDomain, err)
	}
	c, err = load(production(nil))
	if err != nil || c.TrackingCNAMETarget != "" || c.TrackingDomain != "" {
		t.Errorf("production without the settings: %q %q, %v; want both unset", c.TrackingCNAMETarget, c.TrackingDomain, err)
	}
	c, err = load(production(map[string]string{"LINKGATE_TRACKING_CNAME_TARGET": "Track.Example.NET", "LINKGATE_TRACKING_DOMAIN": "dyn.co."}))
	if err != nil || c.TrackingCNAMETarget != "track.example.net." || c.TrackingDomain != "dyn.co" {
		t.Errorf("set: %q %q, %v; want track.example.net. and dyn.co", c.TrackingCNAMETarget, c.TrackingDomain, err)
	}
	for _, bad := range []string{"https://dyn.co", "dyn.co:443", "dyn.co/x", "localhost", "-dyn.co", "dyn..co", "dyn_co.com", "10.0.0.1", "dyn co.com"} {
		for _, name := range []string{"LINKGATE_TRACKING_DOMAIN", "LINKGATE_TRACKING_CNAME_TARGET"} {
			if _, err := load(production(map[string]string{name: bad})); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%q: want an error naming it, got %v", name, bad, err)
			}
		}
	}
}

// LINKGATE_INGEST_PROC: on unless "off" (or 0, false); anything else is
// refused, naming the variable.
func TestIngestProcSetting(t *testing.T) {
	t.Parallel()
	load := func(v string) (Config, error) {
		m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string {
			if k == "LINKGATE_INGEST_PROC" {
				return v
			}
			return ""
		}}
		c, _, err := m.loadConfig("serve", nil)
		return c, err
	}
	for v, want := range map[string]bool{"": true, "on": true, "1": true, "TRUE": true, "off": false, "0": false, " Off ": false, "false": false} {
		if c, err := load(v); err != nil || c.IngestProc != want {
			t.Errorf("LINKGATE_INGEST_PROC=%q: %v, %v; want %v", v, c.IngestProc, err, want)
		}
	}
	if _, err := load("2"); err == nil || !strings.Contains(err.Error(), "LINKGATE_INGEST_PROC") {
		t.Errorf("LINKGATE_INGEST_PROC=2: %v; want an error naming the variable", err)
	}
}
