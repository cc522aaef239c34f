package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// TestMain stops what the package's tests share — the Chromium of the
// browser tests and the built binary of the crash drills — once every test
// has run.
func TestMain(m *testing.M) {
	code := m.Run()
	stopChromium()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// built is the linkgate binary the crash drills run as a subprocess,
// built once per package run.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
	out  []byte
}

// linkgateBinary builds linkgate on first use and returns its path.
func linkgateBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "linkgate-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "linkgate")
		built.out, built.err = exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.bin
}
