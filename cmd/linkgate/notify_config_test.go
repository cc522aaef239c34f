package main

import (
	"io"
	"slices"
	"strings"
	"testing"
)

// LINKGATE_NOTIFY_ADMINS: addresses, comma-separated, trimmed and
// lower-cased; a bad one is an error naming the variable and the value.
func TestNotifyAdminsSetting(t *testing.T) {
	t.Parallel()
	load := func(v string) (Config, error) {
		env := map[string]string{"LINKGATE_NOTIFY_ADMINS": v}
		m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
		c, _, err := m.loadConfig("serve", nil)
		return c, err
	}
	if c, err := load(""); err != nil || c.NotifyAdmins != nil {
		t.Errorf("unset: %v, %v", c.NotifyAdmins, err)
	}
	c, err := load(" Ops@Example.com, ,noc@example.net ")
	if err != nil || !slices.Equal(c.NotifyAdmins, []string{"ops@example.com", "noc@example.net"}) {
		t.Errorf("two addresses: %v, %v", c.NotifyAdmins, err)
	}
	for _, bad := range []string{"ops", "ops@example.com;noc@example.net", "Ops <ops@example.com>", "ops@localhost"} {
		if _, err := load(bad); err == nil || !strings.Contains(err.Error(), "LINKGATE_NOTIFY_ADMINS") {
			t.Errorf("%q: want an error naming LINKGATE_NOTIFY_ADMINS, got %v", bad, err)
		}
	}
}
