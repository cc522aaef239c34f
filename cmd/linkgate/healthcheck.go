package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"time"
)

// healthcheck asks a running linkgate for /healthz and fails unless it
// answers 200: the container's HEALTHCHECK (the distroless image has no
// shell or curl to do it).
func (m *Main) healthcheck(ctx context.Context, args []string) error {
	addr := m.Getenv("LINKGATE_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	url := fs.String("url", "", "URL to probe (default: /healthz on LINKGATE_ADDR, on this machine)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		*url = urlOfAddr(addr) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", *url, resp.Status)
	}
	fmt.Fprintln(m.Stdout, "ok")
	return nil
}
