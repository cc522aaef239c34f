package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/workflows"
)

// migrate applies migrations and reports them.
func (m *Main) migrate(ctx context.Context, args []string) error {
	cfg, _, err := m.loadConfig("migrate", args)
	if err != nil {
		return err
	}
	log := newLogger(m.Stderr, cfg.LogLevel)
	db, _, err := m.openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := workflows.MigrateRiver(ctx, db); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	fmt.Fprintln(m.Stdout, "linkgate: database is up to date")
	return nil
}

// admin runs "admin create-key" and "admin create-user".
func (m *Main) admin(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: linkgate admin create-key|create-user [flags]")
	}
	sub, args := args[0], args[1:]
	var cfg Config
	var err error
	switch sub {
	case "create-key":
		cfg, _, err = m.loadConfig("admin create-key", args)
	case "create-user":
		cfg, err = m.createUserConfig(args)
	default:
		err = fmt.Errorf("unknown admin command %q", sub)
	}
	if err != nil {
		return err
	}
	log := newLogger(m.Stderr, cfg.LogLevel)
	db, store, err := m.openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "create-key":
		key, _, err := store.CreateAPIKey(ctx, models.RoleAdmin, "", "admin create-key")
		if err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, key)
	case "create-user":
		u, err := store.CreateUser(ctx, models.UserInput{Email: cfg.AdminEmail, Password: cfg.AdminPassword, Role: models.RoleAdmin})
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "linkgate: admin user %s created (%s)\n", u.Email, u.ID)
	}
	return nil
}

// createUserConfig reads -email and -password (or LINKGATE_PASSWORD).
func (m *Main) createUserConfig(args []string) (Config, error) {
	var email, password string
	cfg, fs, err := m.loadConfig("admin create-user", nil)
	if err != nil {
		return cfg, err
	}
	fs.StringVar(&email, "email", "", "the user's e-mail address")
	fs.StringVar(&password, "password", m.Getenv("LINKGATE_PASSWORD"), "the password (or LINKGATE_PASSWORD)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if email == "" || password == "" {
		return cfg, errors.New("admin create-user needs -email and -password (or LINKGATE_PASSWORD)")
	}
	cfg.AdminEmail, cfg.AdminPassword = email, password
	return cfg, nil
}
