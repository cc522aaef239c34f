package handlertest

// An Env whose HTTP layer has a running onboarding engine (a real
// workflows.Engine on River) with the real Cloudflare and Twilio
// adapters pointed in-process at the stateful fakes, as sandbox mode
// wires them.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/webhooks"
	"github.com/linkgate/linkgate/workflows"
	"github.com/linkgate/linkgate/workflows/workflowtest"
)

// WaitFor bounds the waits for the workflows to move a domain on. It is a
// safety net against hanging, not a performance assertion: with
// SandboxIntervals a step takes well under a second.
const WaitFor = 20 * time.Second

// WFEnv is an Env whose Handler has a running onboarding engine on the
// fakes.
type WFEnv struct {
	*Env
	CF      *mocks.Cloudflare
	R53     *mocks.Route53
	DO      *mocks.DigitalOcean
	Google  *mocks.Google
	DNS     *mocks.DNS
	TW      *mocks.Twilio
	Engine  *workflows.Engine
	Keys    *models.KeyRing
	WFLogs  *SyncBuffer
	Outbox  *mocks.Outbox
	started bool
}

// WFOptions change NewWorkflowAPI.
type WFOptions struct {
	NoStart bool // leave the engine stopped until start is called
	// Config changes the HTTP layer's Config (after the engine's
	// settings are in).
	Config func(*Config)
}

// NewWorkflowAPI builds the fakes (in memory: no Persister), the real
// adapters pointed at them in-process, an Engine with SandboxIntervals and
// a fresh key ring, migrates River, starts the engine (unless
// opts.NoStart) and serves a Handler that uses it.
func NewWorkflowAPI(t *testing.T, db *models.DB, opts ...WFOptions) *WFEnv {
	t.Helper()
	var o WFOptions
	for _, x := range opts {
		o = x
	}
	w := workflowtest.NewWorld(t, mocks.TwilioConfig{AccountSID: "AC" + RandHex(t, 16), AuthToken: RandHex(t, 16)})
	cf, dns, tw := w.Cloudflare, w.DNS, w.Twilio
	keys, err := models.ParseKeyRing(models.NewKeyRingValue("test1"))
	if err != nil {
		t.Fatalf("key ring: %v", err)
	}
	if err := workflows.MigrateRiver(context.Background(), db); err != nil {
		t.Fatalf("river migrations: %v", err)
	}
	wfLogs := &SyncBuffer{}
	outbox, err := mocks.NewOutbox(mocks.OutboxConfig{})
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	engine, err := workflows.New(workflows.Config{
		Mailer:         outbox,
		Store:          models.NewStore(db, nil),
		Logger:         SlogTo(wfLogs),
		DNS:            w.DNSFactories,
		LinkShortening: w.LinkShortening,
		Messaging:      w.Messaging,
		Resolver:       dns,
		Keys:           keys,
		PublicURL:      "https://linkgate.test",
		Intervals:      workflows.SandboxIntervals(),
		Workers:        4,
		RetryBackoff:   func(int) time.Duration { return 100 * time.Millisecond },
		// Receivers in tests listen on loopback: allowed explicitly.
		WebhookClient:   webhooks.ClientConfig{AllowPrivate: true, AllowHTTP: true, Timeout: 2 * time.Second},
		WebhookSchedule: []time.Duration{100 * time.Millisecond, 100 * time.Millisecond},
	})
	if err != nil {
		t.Fatalf("workflows.New: %v", err)
	}
	e := &WFEnv{CF: cf, R53: w.Route53, DO: w.DigitalOcean, Google: w.Google, DNS: dns, TW: tw, Engine: engine, Keys: keys, WFLogs: wfLogs, Outbox: outbox}
	// Registered before NewAPI's server cleanup, so it runs after it: the
	// server stops taking requests, then the engine stops, then the
	// database closes.
	t.Cleanup(func() {
		if e.started {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := engine.Stop(ctx); err != nil {
				t.Errorf("engine stop: %v", err)
			}
		}
		if t.Failed() {
			t.Logf("workflow engine log:\n%s", wfLogs.String())
		}
	})
	e.Env = NewAPI(t, db, func(c *Config) {
		c.Workflows, c.Keys = engine, keys
		c.Webhooks = webhooks.ClientConfig{AllowPrivate: true, AllowHTTP: true}
		if o.Config != nil {
			o.Config(c)
		}
	})
	if !o.NoStart {
		e.Start(t)
	}
	return e
}

func (e *WFEnv) Start(t *testing.T) {
	t.Helper()
	if err := e.Engine.Start(context.Background()); err != nil {
		t.Fatalf("engine start: %v", err)
	}
	e.started = true
}

// RandHex is n random bytes in hex.
func RandHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// NewMG is a random Messaging Service SID.
func NewMG(t testing.TB) string { return "MG" + RandHex(t, 16) }

// ---- shortcuts ----

func (e *WFEnv) GetDomain(t *testing.T, key, id string) models.DomainView {
	t.Helper()
	return Decode[models.DomainView](t, e.Do(t, "GET", "/api/v1/domains/"+id, key, nil).Want(t, http.StatusOK))
}

func (e *WFEnv) Events(t *testing.T, key, id string) []models.DomainEventView {
	t.Helper()
	return Decode[struct {
		Data []models.DomainEventView `json:"data"`
	}](t, e.Do(t, "GET", "/api/v1/domains/"+id+"/events", key, nil).Want(t, http.StatusOK)).Data
}

// waitStatus polls the domain until it has status want. Reaching failed
// when something else is wanted ends the test at once, with the reason.
func (e *WFEnv) WaitStatus(t *testing.T, key, id string, want models.Status) models.DomainView {
	t.Helper()
	deadline := time.Now().Add(WaitFor)
	for {
		d := e.GetDomain(t, key, id)
		if d.Status == want {
			return d
		}
		if d.Status == models.StatusFailed {
			t.Fatalf("domain %s failed while waiting for %s: %s", d.Host, want, Deref(d.StatusReason))
		}
		if time.Now().After(deadline) {
			t.Fatalf("domain %s is still %s (%s) after %v, want %s", d.Host, d.Status, Deref(d.StatusReason), WaitFor, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitReason polls the domain until its status_reason contains sub.
func (e *WFEnv) WaitReason(t *testing.T, key, id, sub string) models.DomainView {
	t.Helper()
	deadline := time.Now().Add(WaitFor)
	for {
		d := e.GetDomain(t, key, id)
		if strings.Contains(Deref(d.StatusReason), sub) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("domain %s: status_reason %q after %v, want it to mention %q", d.Host, Deref(d.StatusReason), WaitFor, sub)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Deref is *p, or the zero value when p is nil.
func Deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// configureSelf adds the apex's zone to the fake Cloudflare and starts a
// self setup with a token for it.
func (e *WFEnv) ConfigureSelf(t *testing.T, key string, d models.DomainView) (zoneID string) {
	t.Helper()
	zoneID, tok := e.CF.AddZone(d.Apex)
	r := e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/configure", key, map[string]any{
		"mode": "self", "provider": "cloudflare", "credentials": map[string]string{"api_token": tok},
	}).Want(t, http.StatusAccepted)
	if strings.Contains(string(r.Body), tok) {
		t.Errorf("the configure response reveals the token: %s", r.Body)
	}
	return zoneID
}

// configuredDomain takes a new domain through a self setup to configured.
func (e *WFEnv) ConfiguredDomain(t *testing.T, key, clientID, apex string) models.DomainView {
	t.Helper()
	d := e.CreateDomain(t, key, clientID, map[string]any{"domain": apex})
	e.ConfigureSelf(t, key, d)
	e.WaitStatus(t, key, d.ID, models.StatusAwaitingDomainSID)
	sid := e.TW.RegisterDomain(d.Host)
	e.Do(t, "POST", "/api/v1/domains/"+d.ID+"/domain-sid", key, map[string]any{"domain_sid": sid}).Want(t, http.StatusAccepted)
	return e.WaitStatus(t, key, d.ID, models.StatusConfigured)
}

// SlogTo is a debug-level text logger writing to w.
func SlogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
