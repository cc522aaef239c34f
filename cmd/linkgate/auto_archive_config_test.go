package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

// LINKGATE_AUTO_ARCHIVE_AFTER: a duration in range, "off", or an error
// naming it.
func TestAutoArchiveAfterSetting(t *testing.T) {
	load := func(v string) (Config, error) {
		m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string {
			return map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), "LINKGATE_AUTO_ARCHIVE_AFTER": v}[k]
		}}
		c, _, err := m.loadConfig("serve", nil)
		return c, err
	}
	for v, want := range map[string]time.Duration{"": 2160 * time.Hour, "720h": 720 * time.Hour, "192h": 192 * time.Hour,
		"87600h": 87600 * time.Hour, "off": -1, "OFF": -1} {
		c, err := load(v)
		if err != nil || c.AutoArchiveAfter != want {
			t.Errorf("%q: %v, %v; want %v", v, c.AutoArchiveAfter, err, want)
		}
	}
	for _, v := range []string{"soon", "90d", "0", "0s", "-1h", "191h", "87601h", "1h"} {
		if _, err := load(v); err == nil || !strings.Contains(err.Error(), "LINKGATE_AUTO_ARCHIVE_AFTER") {
			t.Errorf("%q: want an error naming LINKGATE_AUTO_ARCHIVE_AFTER, got %v", v, err)
		}
	}
}
