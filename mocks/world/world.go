// Package world builds linkgate's sandbox world: the stateful fakes of
// Twilio, the DNS hosts (Cloudflare, Route 53, DigitalOcean, Google Cloud DNS), DNS and the mail outbox, and the real adapters
// pointed at them in-process. Sandbox mode (cmd/linkgate) and the tests
// build it with this one constructor, so what a developer clicks through
// locally is what the tests drive.
//
// Rule: like mocks, it is imported only by cmd/linkgate's sandbox wiring
// and by tests.
package world

import (
	"errors"
	"net/http"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/cloudflare"
	"github.com/linkgate/linkgate/providers/digitalocean"
	"github.com/linkgate/linkgate/providers/google"
	"github.com/linkgate/linkgate/providers/route53"
	"github.com/linkgate/linkgate/providers/twilio"
)

// CloudflareBaseURL is the fake Cloudflare's API address as the adapter
// sees it (requests never leave the process).
const CloudflareBaseURL = "http://cloudflare.sandbox/client/v4/"

// Route53BaseURL is the fake Route 53's endpoint as the adapter sees it.
const Route53BaseURL = "http://route53.sandbox"

// DigitalOceanBaseURL is the fake DigitalOcean's API root as the adapter
// sees it.
const DigitalOceanBaseURL = "http://digitalocean.sandbox/"

// GoogleBaseURL is the fake Cloud DNS's root as the adapter sees it, and
// GoogleTokenURL its token endpoint (written in the keys it hands out).
const (
	GoogleBaseURL  = "http://google.sandbox/"
	GoogleTokenURL = "http://google.sandbox/token"
)

// Config says how to build the world.
type Config struct {
	// Twilio configures the fake Twilio: AccountSID and AuthToken are
	// required (the adapter uses the same pair); its DNS is always the
	// fake DNS and its Persister this Config's Persister.
	Twilio mocks.TwilioConfig
	// Cloudflare configures the fake Cloudflare's latency and rate limit
	// (its Persister is this Config's). With a rate limit, the adapter is
	// told the same limit, as it would be configured for the live one.
	Cloudflare mocks.CloudflareConfig
	// Persister, optional, keeps every fake's state across restarts
	// (sandbox mode keeps it in the database); nil keeps it in memory.
	Persister mocks.Persister
	// ProviderTimeout bounds one adapter call to a fake, as it bounds a
	// call to the live service (0: the adapters' DefaultTimeout).
	ProviderTimeout time.Duration
}

// World is the fakes and the adapters that reach them.
type World struct {
	Cloudflare *mocks.Cloudflare
	Route53    *mocks.Route53
	// DigitalOcean and Google are the fake DigitalOcean and Google Cloud
	// DNS.
	DigitalOcean *mocks.DigitalOcean
	Google       *mocks.Google
	// DNSHosts are the fake DNS hosts (Cloudflare's and Route 53's), as
	// the sandbox serves them and the sandbox DNS answers from them.
	DNSHosts []mocks.SandboxDNSHost
	DNS      *mocks.DNS
	Twilio   *mocks.Twilio
	Outbox   *mocks.Outbox
	// Reputation is the fake reputation source (POST /_sandbox/reputation
	// flags a host); it implements providers.Reputation.
	Reputation *mocks.Reputation

	// LinkShortening is the Twilio adapter on the fake Twilio.
	LinkShortening providers.LinkShortening
	// Messaging is the same adapter as Twilio's Messages API, on the fake
	// Twilio's (status callbacks, click events and inbound messages are
	// posted by the fake: see mocks.TwilioConfig.DeliveryInterval,
	// CallbackClient and InboundURL).
	Messaging providers.Messaging
	// DNSFactories lists each DNS host with its real adapter pointed at
	// its fake (workflows.Config.DNS), in the order of DNSHosts.
	DNSFactories providers.DNSHosts
	// Mailer is the outbox; Resolver answers from the fake DNS, which
	// serves the fake Cloudflare's records.
	Mailer   providers.Mailer
	Resolver providers.Resolver

	account, token string
}

// New builds the fakes (with their saved state, if a Persister is given)
// and points the real adapters at them.
func New(cfg Config) (*World, error) {
	tw := cfg.Twilio
	if tw.AccountSID == "" || tw.AuthToken == "" {
		return nil, errors.New("world: Twilio.AccountSID and Twilio.AuthToken are required")
	}
	w := &World{account: tw.AccountSID, token: tw.AuthToken}
	var err error
	cfc := cfg.Cloudflare
	cfc.Persister = cfg.Persister
	if w.Cloudflare, err = mocks.NewCloudflare(cfc); err != nil {
		return nil, err
	}
	if w.Route53, err = mocks.NewRoute53(mocks.Route53Config{Persister: cfg.Persister}); err != nil {
		return nil, err
	}
	// linkgate's own AWS identity in the fake, which the roles that the
	// sandbox hands out trust (LINKGATE_AWS_* live).
	r53Account, r53Key, r53Secret, err := w.Route53.PlatformAccount()
	if err != nil {
		return nil, err
	}
	if w.DigitalOcean, err = mocks.NewDigitalOcean(mocks.DigitalOceanConfig{Persister: cfg.Persister}); err != nil {
		return nil, err
	}
	// A change is pending when created and done when read again, so the
	// adapter's wait runs.
	if w.Google, err = mocks.NewGoogle(mocks.GoogleConfig{Persister: cfg.Persister, TokenURI: GoogleTokenURL, PendingPolls: 1}); err != nil {
		return nil, err
	}
	// The live adapters' timeout: a stalled fake must fail the call as a
	// stalled host would, not hold the step until River's JobTimeout.
	timeout := cfg.ProviderTimeout
	if timeout == 0 {
		timeout = cloudflare.DefaultTimeout
	}
	client := func(h http.Handler) *http.Client {
		return &http.Client{Transport: mocks.HandlerTransport{Handler: h}, Timeout: timeout}
	}
	// One entry per DNS host: its fake, and its real adapter on the fake.
	for _, e := range []struct {
		fake mocks.SandboxDNSHost
		host providers.DNSHost
	}{
		{mocks.CloudflareSandboxHost(w.Cloudflare),
			cloudflare.Host(cloudflare.Config{BaseURL: CloudflareBaseURL, HTTPClient: client(w.Cloudflare),
				RateLimit: cfc.RateLimit.N, RateWindow: cfc.RateLimit.Window})},
		{mocks.Route53SandboxHost(w.Route53),
			route53.Host(route53.Config{BaseEndpoint: Route53BaseURL, HTTPClient: client(w.Route53), PollInterval: 100 * time.Millisecond,
				AssumeRole: &route53.AssumeRoleConfig{AccessKeyID: r53Key, SecretAccessKey: r53Secret, AccountID: r53Account,
					STSEndpoint: Route53BaseURL + mocks.STSPath}})},
		{mocks.DigitalOceanSandboxHost(w.DigitalOcean),
			digitalocean.Host(digitalocean.Config{BaseURL: DigitalOceanBaseURL, HTTPClient: client(w.DigitalOcean)})},
		{mocks.GoogleSandboxHost(w.Google),
			google.Host(google.Config{BaseURL: GoogleBaseURL, TokenURL: GoogleTokenURL, HTTPClient: client(w.Google), PollInterval: 100 * time.Millisecond})},
	} {
		w.DNSHosts = append(w.DNSHosts, e.fake)
		w.DNSFactories = append(w.DNSFactories, e.host)
	}
	var sources []mocks.RecordSource
	for _, h := range w.DNSHosts {
		sources = append(sources, h.Records)
	}
	if w.DNS, err = mocks.NewDNS(mocks.DNSConfig{Persister: cfg.Persister, Sources: sources}); err != nil {
		return nil, err
	}
	tw.DNS, tw.Persister = w.DNS, cfg.Persister
	if w.Twilio, err = mocks.NewTwilio(tw); err != nil {
		return nil, err
	}
	if w.Outbox, err = mocks.NewOutbox(mocks.OutboxConfig{Persister: cfg.Persister}); err != nil {
		return nil, err
	}
	tp, err := twilio.New(twilio.Config{AccountSID: tw.AccountSID, AuthToken: tw.AuthToken,
		Transport: mocks.HandlerTransport{Handler: w.Twilio}, Timeout: cfg.ProviderTimeout, MaxConcurrent: tw.ConcurrencyLimit})
	if err != nil {
		return nil, err
	}
	w.LinkShortening, w.Messaging = tp, tp
	if w.Reputation, err = mocks.NewReputation(mocks.ReputationConfig{Persister: cfg.Persister,
		RegistrableDomain: publicsuffix.EffectiveTLDPlusOne}); err != nil {
		return nil, err
	}
	w.Mailer, w.Resolver = w.Outbox, w.DNS
	return w, nil
}

// Sandbox returns the fakes' control endpoints (/_sandbox) on this world.
func (w *World) Sandbox() *mocks.Sandbox {
	return &mocks.Sandbox{DNSHosts: w.DNSHosts, Cloudflare: w.Cloudflare, Twilio: w.Twilio, DNS: w.DNS, Outbox: w.Outbox, Reputation: w.Reputation,
		TwilioAccountSID: w.account, TwilioAuthToken: w.token}
}
