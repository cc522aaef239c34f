package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/cloudflare"
	"github.com/linkgate/linkgate/providers/digitalocean"
	"github.com/linkgate/linkgate/providers/dnsbl"
	"github.com/linkgate/linkgate/providers/dnscheck"
	"github.com/linkgate/linkgate/providers/google"
	"github.com/linkgate/linkgate/providers/route53"
	"github.com/linkgate/linkgate/providers/smtp"
	"github.com/linkgate/linkgate/providers/twilio"
	"github.com/linkgate/linkgate/webhooks"
	"github.com/linkgate/linkgate/workflows"
)

// loadKeyRing reads LINKGATE_SECRET_KEYS; in sandbox mode without it, a
// key kept in the data directory (made on first use).
func (m *Main) loadKeyRing(cfg Config, log *slog.Logger) (*models.KeyRing, error) {
	if v := m.Getenv("LINKGATE_SECRET_KEYS"); v != "" {
		return models.ParseKeyRing(v)
	}
	if !cfg.SandboxMode() {
		return nil, errors.New("LINKGATE_SECRET_KEYS is required outside sandbox mode (a comma-separated list of id:base64 32-byte keys; the first encrypts)")
	}
	if err := models.PrivateDir(cfg.DataDir); err != nil {
		return nil, err
	}
	path := filepath.Join(cfg.DataDir, "secret-keys")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		var made bool
		if data, made, err = createOnce(path, []byte(models.NewKeyRingValue("sandbox1"))); err != nil {
			return nil, fmt.Errorf("keep the sandbox secret key: %w", err)
		}
		if made {
			log.Warn("sandbox mode: generated a secret key for credentials at rest", slog.String("file", path))
		}
	} else if err != nil {
		return nil, err
	}
	return models.ParseKeyRing(strings.TrimSpace(string(data)))
}

// createOnce writes data to path unless the file exists, atomically: the
// file appears whole or not at all, and when several processes race (replicas
// starting together on one data directory) one wins and all use its
// content. It returns the content in the file and whether it wrote it.
func createOnce(path string, data []byte) ([]byte, bool, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret-keys-*")
	if err != nil {
		return nil, false, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if err := tmp.Close(); err != nil {
		return nil, false, err
	}
	// link(2) fails if path exists: the create-if-absent is atomic.
	if err := os.Link(tmp.Name(), path); err != nil {
		if !errors.Is(err, os.ErrExist) {
			return nil, false, err
		}
		existing, err := os.ReadFile(path)
		return existing, false, err
	}
	return data, true, nil
}

// sandboxRetryBackoff reads LINKGATE_RETRY_BACKOFF_MS (sandbox mode only):
// a constant delay before a step that met a transient provider error runs
// again, instead of River's attempt^4 seconds, so that fault drills finish
// in seconds. Unset: 1 second.
func (m *Main) sandboxRetryBackoff() (func(int) time.Duration, error) {
	v := m.Getenv("LINKGATE_RETRY_BACKOFF_MS")
	if v == "" {
		return func(int) time.Duration { return time.Second }, nil
	}
	ms, err := strconv.Atoi(v)
	if err != nil || ms < 0 || ms > 3_600_000 {
		return nil, errors.New("LINKGATE_RETRY_BACKOFF_MS: must be a number of milliseconds between 0 and 3600000")
	}
	d := time.Duration(ms) * time.Millisecond
	return func(int) time.Duration { return d }, nil
}

// mailer is SMTP when SMTP_URL is set, and otherwise the sandbox outbox
// (kept in the database, listed at /_sandbox/outbox in sandbox mode).
func (m *Main) mailer(ctx context.Context, cfg Config, store *models.Store, world *sandboxWorld) (providers.Mailer, error) {
	if cfg.SMTPURL != "" {
		return smtp.New(smtp.Config{URL: cfg.SMTPURL, From: cfg.MailFrom})
	}
	if world != nil {
		return world.Mailer, nil
	}
	return mocks.NewOutbox(mocks.OutboxConfig{Persister: storePersister{store: store}})
}

// liveProviders builds the adapters that talk to the real services.
func liveProviders(cfg Config) (providers.DNSHosts, providers.LinkShortening, providers.Resolver, error) {
	ls, err := twilio.New(twilio.Config{AccountSID: cfg.TwilioSID, AuthToken: cfg.TwilioToken, Timeout: cfg.ProviderTimeout})
	if err != nil {
		return nil, nil, nil, err
	}
	res, err := dnscheck.New(dnscheck.Config{})
	if err != nil {
		return nil, nil, nil, err
	}
	return liveDNSHosts(cfg), ls, res, nil
}

// liveDNSHosts are the DNS hosts a self setup may use, on the live
// services: one entry per host (its sandbox twin is in mocks/world).
func liveDNSHosts(cfg Config) providers.DNSHosts {
	return providers.DNSHosts{
		cloudflare.Host(cloudflare.Config{Timeout: cfg.ProviderTimeout}),
		route53.Host(route53.Config{Timeout: cfg.ProviderTimeout, AssumeRole: cfg.AWSAssumeRole}),
		digitalocean.Host(digitalocean.Config{Timeout: cfg.ProviderTimeout}),
		google.Host(google.Config{Timeout: cfg.ProviderTimeout}),
	}
}

// reputation builds the DNS blocklist checker LINKGATE_REPUTATION names
// (nil when it names none).
func reputation(cfg Config) (providers.Reputation, error) {
	if len(cfg.Reputation) == 0 {
		return nil, nil
	}
	var zones []dnsbl.Zone
	for _, name := range cfg.Reputation {
		switch name {
		case "spamhaus-dbl":
			zones = append(zones, dnsbl.SpamhausDBL())
		case "surbl":
			zones = append(zones, dnsbl.SURBLMulti())
		}
	}
	c, err := dnsbl.New(dnsbl.Config{Zones: zones, Resolvers: cfg.ReputationResolvers})
	if err != nil {
		return nil, fmt.Errorf("LINKGATE_REPUTATION: %w", err)
	}
	return c, nil
}

// webhookPolicy is where webhooks may be delivered: in production https
// only and never to private, loopback or link-local addresses; in sandbox
// mode also http and local receivers, so that a newcomer can point an
// endpoint at a receiver on their machine (with a warning).
func webhookPolicy(cfg Config, log *slog.Logger) webhooks.ClientConfig {
	if !cfg.SandboxMode() {
		return webhooks.ClientConfig{}
	}
	log.Warn("sandbox mode: webhook endpoints may use http and private or loopback addresses; production refuses them")
	return webhooks.ClientConfig{AllowPrivate: true, AllowHTTP: true}
}

// startWorkflows builds and starts the onboarding engine.
// keys is the key ring for secrets at rest (loadKeyRing), shared with the
// HTTP layer.
func (m *Main) startWorkflows(ctx context.Context, cfg Config, store *models.Store, world *sandboxWorld, keys *models.KeyRing, reg *prometheus.Registry, log *slog.Logger) (*workflows.Engine, error) {
	engine, err := m.buildWorkflows(ctx, cfg, store, world, keys, reg, log)
	if err != nil {
		return nil, err
	}
	if err := engine.Start(ctx); err != nil {
		return nil, err
	}
	return engine, nil
}

// buildWorkflows migrates River's tables and builds the engine without
// starting its workers (`linkgate reconcile` uses it as it is).
func (m *Main) buildWorkflows(ctx context.Context, cfg Config, store *models.Store, world *sandboxWorld, keys *models.KeyRing, reg *prometheus.Registry, log *slog.Logger) (*workflows.Engine, error) {
	if err := workflows.MigrateRiver(ctx, store.DB()); err != nil {
		return nil, fmt.Errorf("river migrations: %w", err)
	}
	var err error
	wc := workflows.Config{Store: store, Logger: log, Keys: keys, PublicURL: cfg.PublicURL, Intervals: workflows.DefaultIntervals(),
		RegistrationTTL: cfg.RegistrationTTL, Reminders: cfg.Reminders, PlatformName: cfg.PlatformName,
		ReconcileInterval: cfg.ReconcileInterval, AutoArchiveAfter: cfg.AutoArchiveAfter, SendRate: cfg.SendRate,
		LinkRetention: cfg.LinkRetention, NotifyAdmins: cfg.NotifyAdmins}
	if reg != nil { // a nil *Registry is not a nil Registerer
		wc.Metrics = reg
	}
	if wc.Mailer, err = m.mailer(ctx, cfg, store, world); err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	wc.WebhookClient = webhookPolicy(cfg, log)
	if world != nil {
		wc.Reputation = world.Reputation
		wc.DNS = world.DNSFactories
		wc.LinkShortening, wc.Resolver = world.LinkShortening, world.Resolver
		wc.Intervals = workflows.SandboxIntervals()
		wc.CampaignSweepInterval = 5 * time.Second
		// Expired links and the notifications they cause show up within
		// seconds (issue 17).
		wc.SweepInterval, wc.NotifyInterval = 2*time.Second, time.Second
		if wc.RetryBackoff, err = m.sandboxRetryBackoff(); err != nil {
			return nil, err
		}
	} else {
		if m.Getenv("LINKGATE_RETRY_BACKOFF_MS") != "" {
			log.Warn("LINKGATE_RETRY_BACKOFF_MS is ignored outside sandbox mode")
		}
		wc.DNS, wc.LinkShortening, wc.Resolver, err = liveProviders(cfg)
		if err != nil {
			return nil, err
		}
		if wc.Reputation, err = reputation(cfg); err != nil {
			return nil, err
		}
	}
	// The Twilio adapter is also Twilio's Messages API.
	if m, ok := wc.LinkShortening.(providers.Messaging); ok {
		wc.Messaging = m
	}
	return workflows.New(wc)
}
