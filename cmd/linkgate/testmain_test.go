package main

import (
	"os"
	"testing"
)

// TestMain stops the Chromium the browser tests share once every test of
// the package has run.
func TestMain(m *testing.M) {
	code := m.Run()
	stopChromium()
	os.Exit(code)
}
