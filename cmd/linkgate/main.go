// Command linkgate runs the linkgate service and its admin tasks.
//
//	linkgate [serve]             run the HTTP API (the default)
//	linkgate migrate             apply database migrations and exit
//	linkgate admin create-key    print a new admin API key
//	linkgate admin create-user   add a console user (-email, -password or LINKGATE_PASSWORD)
//	linkgate version             print the version
//
// Configuration comes from the environment (see the README); flags given
// after the subcommand override it.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	err := m.Run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "linkgate:", err)
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
}

// Run dispatches a subcommand.
func (m *Main) Run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return m.serve(ctx, args)
	case "migrate":
		return m.migrate(ctx, args)
	case "admin":
		return m.admin(ctx, args)
	case "version":
		fmt.Fprintln(m.Stdout, "linkgate", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(m.Stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage: linkgate [serve|migrate|admin create-key|admin create-user|version] [flags]`
