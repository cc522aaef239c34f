package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

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
		for _, cmd := range []string{"serve", "migrate", "admin create-key", "admin create-user", "version", "help"} {
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
