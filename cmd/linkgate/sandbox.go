package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/world"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers/twilio"
)

// storePersister keeps the fakes' state in the database.
type storePersister struct{ store *models.Store }

func (p storePersister) Load(ctx context.Context, name string) ([]byte, bool, error) {
	return p.store.LoadSandboxState(ctx, name)
}

func (p storePersister) Save(ctx context.Context, name string, data []byte) error {
	return p.store.SaveSandboxState(ctx, name, data)
}

// sandboxCredentials are the fake Twilio account's credentials, made on the
// first sandbox start and kept in the database.
type sandboxCredentials struct {
	AccountSID string `json:"account_sid"`
	AuthToken  string `json:"auth_token"`
}

const sandboxCredentialsState = "sandbox-credentials"

func loadSandboxCredentials(ctx context.Context, store *models.Store) (sandboxCredentials, error) {
	var c sandboxCredentials
	data, found, err := store.LoadSandboxState(ctx, sandboxCredentialsState)
	if err != nil {
		return c, err
	}
	if found {
		err := json.Unmarshal(data, &c)
		return c, err
	}
	c = sandboxCredentials{AccountSID: "AC" + randomHex(16), AuthToken: randomHex(16)}
	data, _ = json.Marshal(c)
	return c, store.SaveSandboxState(ctx, sandboxCredentialsState, data)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sandboxWorld is the set of fakes sandbox mode runs on, the real
// adapters pointed at them (mocks/world, as the tests build it) and their
// /_sandbox controls.
type sandboxWorld struct {
	*world.World
	sandbox *mocks.Sandbox
	// twilioToken is the fake account's auth token: it signs the fake's
	// callbacks.
	twilioToken string
}

// newSandboxWorld builds the sandbox world with its state from the
// database.
func newSandboxWorld(ctx context.Context, cfg Config, store *models.Store, log *slog.Logger) (*sandboxWorld, error) {
	creds, err := loadSandboxCredentials(ctx, store)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	w, err := world.New(world.Config{Persister: storePersister{store: store}, ProviderTimeout: cfg.ProviderTimeout,
		Twilio: mocks.TwilioConfig{AccountSID: creds.AccountSID, AuthToken: creds.AuthToken, ExpectedCNAMETarget: cfg.CNAMETarget,
			// Sandbox messages move a status a second, and replies reach
			// linkgate's inbound callback.
			DeliveryInterval: time.Second, InboundURL: strings.TrimRight(cfg.PublicURL, "/") + "/twilio/inbound",
			Latency: cfg.SandboxLatency},
		Cloudflare: mocks.CloudflareConfig{Latency: cfg.SandboxLatency}})
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	if cfg.SandboxPeer != "" {
		// The peer's fake Twilio, over HTTP (same account: same database).
		tp, err := twilio.New(twilio.Config{AccountSID: creds.AccountSID, AuthToken: creds.AuthToken,
			Transport: peerTransport{base: cfg.SandboxPeer + "/_sandbox/twilio"}, Timeout: cfg.ProviderTimeout})
		if err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		w.LinkShortening, w.Messaging = tp, tp
		log.Info("sandbox: Twilio is the peer's fake", slog.String("peer", cfg.SandboxPeer))
	}
	log.Info("sandbox fakes ready", slog.String("twilio_account_sid", creds.AccountSID),
		slog.String("control", strings.TrimRight(cfg.PublicURL, "/")+"/_sandbox"))
	return &sandboxWorld{World: w, sandbox: w.Sandbox(), twilioToken: creds.AuthToken}, nil
}

// withSandbox serves /_sandbox from the fakes and everything else from
// kit. The fake vendor APIs (/_sandbox/twilio/v1/, /v2/ and
// /_sandbox/cloudflare/client/v4/) authenticate as the vendors do; every
// other /_sandbox path (the controls: credentials, zones, domains,
// outbox, DNS, faults, stats) needs an admin credential (kit.AdminOnly).
func withSandbox(sb *mocks.Sandbox, kit *handlers.Server) http.Handler {
	fakes := sb.Handler()
	controls := kit.AdminOnly(fakes)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case isVendorAPI(p):
			kit.SecurityHeaders(w.Header())
			fakes.ServeHTTP(w, r)
		case p == "/_sandbox" || strings.HasPrefix(p, "/_sandbox/"):
			controls.ServeHTTP(w, r)
		default:
			kit.ServeHTTP(w, r)
		}
	})
}

// isVendorAPI reports whether path is one of the fake vendor APIs.
func isVendorAPI(path string) bool {
	for _, prefix := range []string{"/_sandbox/twilio/v1/", "/_sandbox/twilio/v2/", "/_sandbox/twilio/2010-04-01/", "/_sandbox/cloudflare/client/v4/",
		"/_sandbox/route53/2013-04-01/"} {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	// The fake STS that Route 53's assume-role goes through (SigV4, as
	// Route 53's API: no admin credential can ride along).
	return path == "/_sandbox/route53"+mocks.STSPath
}

// peerTransport sends Twilio API requests to a peer replica's fake Twilio
// (LINKGATE_SANDBOX_PEER): base + the request's path, whatever its host.
type peerTransport struct{ base string }

func (p peerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	u, err := url.Parse(p.base + req.URL.Path)
	if err != nil {
		return nil, err
	}
	u.RawQuery = req.URL.RawQuery
	out := req.Clone(req.Context())
	out.URL, out.Host = u, u.Host
	return http.DefaultTransport.RoundTrip(out)
}
