package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/linkgate/linkgate/workflows"
)

// reconcile runs the reconciler once (workflows/reconcile.go) and prints
// what it found: one line per drift, then a summary. It exits non-zero
// when a domain could not be checked.
func (m *Main) reconcile(ctx context.Context, args []string) error {
	cfg, fs, err := m.loadConfig("reconcile", nil)
	if err != nil {
		return err
	}
	var opts workflows.ReconcileOptions
	fs.BoolVar(&opts.DryRun, "dry-run", false, "report drift without repairing anything")
	fs.StringVar(&opts.DomainID, "domain", "", "check only this domain (its id)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(m.Stderr, cfg.LogLevel)
	db, store, err := m.openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	var world *sandboxWorld
	if cfg.SandboxMode() {
		if world, err = newSandboxWorld(ctx, cfg, store, log); err != nil {
			return err
		}
	}
	keys, err := m.loadKeyRing(cfg, log)
	if err != nil {
		return err
	}
	engine, err := m.buildWorkflows(ctx, cfg, store, world, keys, nil, log)
	if err != nil {
		return err
	}
	rep, err := engine.Reconcile(ctx, opts)
	if err != nil {
		return err
	}
	repaired, open := 0, 0
	for _, d := range rep.Drifts {
		fmt.Fprintln(m.Stdout, d.String())
		if d.Repaired {
			repaired++
		} else {
			open++
		}
	}
	for _, e := range rep.Errors {
		fmt.Fprintln(m.Stdout, "not checked:", e)
	}
	verb := "repaired"
	if opts.DryRun {
		verb = "repairable (dry run: nothing changed)"
		repaired = 0
		for _, d := range rep.Drifts {
			if d.Repair != "" {
				repaired++
			}
		}
		open = len(rep.Drifts) - repaired
	}
	fmt.Fprintf(m.Stdout, "linkgate: checked %d domains: %d drifts, %d %s, %d need a person\n",
		rep.Checked, len(rep.Drifts), repaired, verb, open)
	if len(rep.Errors) > 0 {
		return errors.New("some domains could not be checked; run again later")
	}
	return nil
}
