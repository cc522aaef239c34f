// Command linkgate runs the linkgate service and its admin tasks; `linkgate
// help` lists the subcommands.
//
// Configuration comes from the environment (see the README); flags given
// after the subcommand override it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/linkgate/linkgate/models"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	err := m.Run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "linkgate:", cliMessage(err))
		os.Exit(1)
	}
}

// Main is the program: its streams and environment are fields so tests can
// run it in-process.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Ready, when set, is called with the listening address once serve
	// accepts connections (tests use it).
	Ready func(addr string)
	// MetricsReady, when set, is called with the metrics listener's
	// address once it accepts connections (before Ready).
	MetricsReady func(addr string)
	// DebugReady, when set, is called with the pprof listener's address
	// once it accepts connections (before Ready).
	DebugReady func(addr string)
	// Now is the store's clock (nil: time.Now); tests move it on rather
	// than wait.
	Now func() time.Time
}

// Run dispatches a subcommand.
func (m *Main) Run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 && (isHelp(args[0]) || (args[0] != "" && args[0][0] != '-')) {
		cmd, args = args[0], args[1:]
	}
	if isHelp(cmd) {
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	var err error
	switch cmd {
	case "serve":
		err = m.serve(ctx, args)
	case "migrate":
		err = m.migrate(ctx, args)
	case "admin":
		err = m.admin(ctx, args)
	case "healthcheck":
		err = m.healthcheck(ctx, args)
	case "reconcile":
		err = m.reconcile(ctx, args)
	case "version":
		fmt.Fprintln(m.Stdout, "linkgate", version())
	default:
		return fmt.Errorf("unknown command %q; run \"linkgate help\" for the list", cmd)
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil // the flag set printed its flags
	}
	return err
}

func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

// usage lists every subcommand with one line each.
const usage = `linkgate onboards clients' branded link domains for Twilio Link Shortening.

Usage: linkgate [command] [flags]

Commands:
  serve                run the HTTP API, console and workers (the default)
  migrate              apply the database migrations and exit
  admin create-key     print a new admin API key
  admin create-user    add a console admin (-email, and -password or LINKGATE_PASSWORD)
  reconcile            compare live domains with Twilio and DNS and repair drift once
                       (-dry-run reports only; -domain ID checks one domain)
  healthcheck          exit 0 if the linkgate on this machine answers /healthz (-url)
  version              print the module version and VCS revision
  help                 print this list

Configuration comes from the environment (see the README); flags given after
the command override it. "linkgate COMMAND -h" lists a command's flags.
`

// cliMessage says err once: a models.Error by its detail and the fields
// whose messages add to it (its Error() also carries the code, and a field
// that repeats the detail would say it twice).
func cliMessage(err error) string {
	var e *models.Error
	if !errors.As(err, &e) || e.Kind == models.KindInternal || e.Detail == "" {
		return err.Error()
	}
	parts := []string{e.Detail}
	for _, f := range e.Fields {
		if f.Message != e.Detail {
			parts = append(parts, f.Field+": "+f.Message)
		}
	}
	return strings.Join(parts, "; ")
}
