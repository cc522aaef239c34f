// Package app is linkgate's whole HTTP application: the web kit
// (handlers) with every audience mounted on it — the JSON API, Twilio's
// callbacks, the registration pages and the console — each given its own
// part of one Config. cmd/linkgate serves it and the HTTP tests drive the same
// assembly, so there is one place where the parts meet.
//
// Rule: it only assembles; nothing here handles a request.
package app

import (
	"context"
	"time"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/api"
	"github.com/linkgate/linkgate/handlers/callbacks"
	"github.com/linkgate/linkgate/handlers/console"
	"github.com/linkgate/linkgate/handlers/redirect"
	"github.com/linkgate/linkgate/handlers/register"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/webhooks"
	"github.com/linkgate/linkgate/workflows"
)

// Config is every setting of the whole HTTP layer; New hands each part
// its own. The kit's settings are handlers.Config, embedded; its Store and
// Logger are required.
type Config struct {
	handlers.Config

	// The audiences.
	Workflows      *workflows.Engine
	Keys           *models.KeyRing
	DNS            models.DNSDefaults
	Webhooks       webhooks.ClientConfig
	PlatformName   string
	Sandbox        bool
	SandboxConsole console.SandboxConsole
	DNSDoctor      func(ctx context.Context, host, apex, target string) (handlers.DNSDiagnosis, error)
	// TwilioAuthToken checks the signatures of Twilio's callbacks (in
	// sandbox mode the fake account's token); without it they are all
	// refused.
	TwilioAuthToken string
	// ClickScanWindow is the callbacks' (callbacks.Config).
	ClickScanWindow time.Duration
}

// New assembles the JSON API, Twilio's callbacks, the on-demand TLS check,
// the registration pages and the console on the web kit. (The redirector
// is not in it: it goes in front of the whole, chosen by Host; see
// handlers/redirect.)
func New(cfg Config) (*handlers.Server, error) {
	a, err := api.New(api.Config{Store: cfg.Store, Workflows: cfg.Workflows, Keys: cfg.Keys, DNS: cfg.DNS, Webhooks: cfg.Webhooks})
	if err != nil {
		return nil, err
	}
	cbc := callbacks.Config{Store: cfg.Store, AuthToken: cfg.TwilioAuthToken, PublicURL: cfg.PublicURL,
		ClickScanWindow: cfg.ClickScanWindow}
	if cfg.Workflows != nil {
		cbc.Prices = cfg.Workflows.EnqueueMessagePriceTx
	}
	cb, err := callbacks.New(cbc)
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
	return handlers.New(cfg.Config, a, cb, redirect.TLSAsk{Store: cfg.Store}, r, c)
}
