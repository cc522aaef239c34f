// Package app is linkgate's whole HTTP application: the web kit
// (handlers) with every audience mounted on it — the JSON API, the
// registration pages and the console — each given its own part of one
// Config. cmd/linkgate serves it and the HTTP tests drive the same
// assembly, so there is one place where the parts meet.
//
// Rule: it only assembles; nothing here handles a request.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/api"
	"github.com/linkgate/linkgate/handlers/console"
	"github.com/linkgate/linkgate/handlers/register"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/webhooks"
	"github.com/linkgate/linkgate/workflows"
)

// Config is every setting of the whole HTTP layer; New hands each part
// its own. Store and Logger are required.
type Config struct {
	// The kit.
	Store          *models.Store
	Logger         *slog.Logger
	Ready          func(ctx context.Context) error
	Registry       *prometheus.Registry
	Version        string
	PublicURL      string
	SessionTTL     time.Duration
	PageLimits     handlers.PageLimits
	TrustedProxies []string

	// The audiences.
	Workflows      *workflows.Engine
	Keys           *models.KeyRing
	DNS            models.DNSDefaults
	Webhooks       webhooks.ClientConfig
	PlatformName   string
	Sandbox        bool
	SandboxConsole console.SandboxConsole
	DNSDoctor      func(ctx context.Context, host, apex, target string) (handlers.DNSDiagnosis, error)
}

// New assembles the JSON API, the registration pages and the console on
// the web kit.
func New(cfg Config) (*handlers.Server, error) {
	a, err := api.New(api.Config{Store: cfg.Store, Workflows: cfg.Workflows, Keys: cfg.Keys, DNS: cfg.DNS, Webhooks: cfg.Webhooks})
	if err != nil {
		return nil, err
	}
	r, err := register.New(register.Config{Store: cfg.Store, Workflows: cfg.Workflows, PlatformName: cfg.PlatformName})
	if err != nil {
		return nil, err
	}
	c, err := console.New(console.Config{Store: cfg.Store, Workflows: cfg.Workflows, Keys: cfg.Keys, DNS: cfg.DNS,
		Webhooks: cfg.Webhooks, PlatformName: cfg.PlatformName, Sandbox: cfg.Sandbox, SandboxConsole: cfg.SandboxConsole,
		DNSDoctor: cfg.DNSDoctor})
	if err != nil {
		return nil, err
	}
	return handlers.New(handlers.Config{Store: cfg.Store, Logger: cfg.Logger, Ready: cfg.Ready, Registry: cfg.Registry,
		Version: cfg.Version, PublicURL: cfg.PublicURL, SessionTTL: cfg.SessionTTL, PageLimits: cfg.PageLimits,
		TrustedProxies: cfg.TrustedProxies}, a, r, c)
}
