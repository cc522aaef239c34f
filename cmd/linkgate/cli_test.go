package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
)

// help, -h and --help list every subcommand with a line each and succeed;
// a command's -h lists its flags and succeeds too.
func TestHelpListsEveryCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"-help"}} {
		var out, errOut bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		if err := m.Run(context.Background(), args); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		for _, cmd := range []string{"serve", "migrate", "admin create-key", "admin create-user", "healthcheck", "version", "help"} {
			if !strings.Contains(out.String(), "\n  "+cmd+" ") {
				t.Errorf("%v does not list %q:\n%s", args, cmd, out.String())
			}
		}
	}
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), []string{"serve", "-h"}); err != nil {
		t.Fatalf("serve -h: %v", err)
	}
	if !strings.Contains(errOut.String(), "-addr") {
		t.Fatalf("serve -h does not list its flags:\n%s", errOut.String())
	}
	err := m.Run(context.Background(), []string{"frobnicate"})
	if err == nil || !strings.Contains(err.Error(), "linkgate help") {
		t.Fatalf("unknown command: %v, want a pointer to linkgate help", err)
	}
}

// An error is said once: a field message repeating the detail is dropped.
func TestCLIMessageSaysItOnce(t *testing.T) {
	t.Parallel()
	e := &models.Error{Kind: models.KindConflict, Code: "email_taken", Detail: "a user with this e-mail already exists",
		Fields: []models.FieldError{{Field: "email", Message: "a user with this e-mail already exists"}}}
	if got := cliMessage(e); got != "a user with this e-mail already exists" {
		t.Fatalf("cliMessage = %q", got)
	}
	e.Fields = append(e.Fields, models.FieldError{Field: "password", Message: "is too short"})
	if got := cliMessage(e); got != "a user with this e-mail already exists; password: is too short" {
		t.Fatalf("cliMessage = %q", got)
	}
}

func TestPublicURLFromListenAddress(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://localhost:8080",
		"0.0.0.0:9000":   "http://localhost:9000",
		"[::]:9000":      "http://localhost:9000",
		"127.0.0.1:8081": "http://127.0.0.1:8081",
		"[::1]:8081":     "http://[::1]:8081",
	} {
		if got := urlOfAddr(addr); got != want {
			t.Errorf("urlOfAddr(%q) = %q, want %q", addr, got, want)
		}
	}
	// Unset, the public URL follows the port actually bound: e-mailed
	// links work with -addr 127.0.0.1:0.
	r := start(t, map[string]string{"LINKGATE_DATA_DIR": t.TempDir()})
	want := `"public_url":"http://` + r.addr + `"`
	waitUntil(t, "the listening line", 10*time.Second, func() bool { return strings.Contains(r.stderr.String(), want) })
}

// healthcheck (the container's HEALTHCHECK) passes against a running
// linkgate and fails, saying why, when nothing answers.
func TestHealthcheckCommand(t *testing.T) {
	r := start(t, map[string]string{"LINKGATE_DATA_DIR": t.TempDir()})
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: io.Discard, Getenv: func(k string) string {
		return map[string]string{"LINKGATE_ADDR": r.addr}[k]
	}}
	if err := m.Run(context.Background(), []string{"healthcheck"}); err != nil || strings.TrimSpace(out.String()) != "ok" {
		t.Fatalf("healthcheck of a running server: %v %q", err, out.String())
	}
	if err := m.Run(context.Background(), []string{"healthcheck", "-url", "http://" + r.addr + "/no-such-page"}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("healthcheck of a 404: %v", err)
	}
	_ = r.stop()
	if err := m.Run(context.Background(), []string{"healthcheck", "-timeout", "1s"}); err == nil {
		t.Error("healthcheck passed with the server stopped")
	}
}
