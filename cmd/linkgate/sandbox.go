package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/cloudflare"
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

// sandboxWorld is the set of fakes sandbox mode runs on, and the real
// adapters pointed at them.
type sandboxWorld struct {
	sandbox        *mocks.Sandbox
	dnsFactory     providers.DNSFactory
	linkShortening providers.LinkShortening
	mailer         providers.Mailer
	resolver       providers.Resolver
}

// newSandboxWorld builds the fakes with their state from the database and
// points the real adapters at them in-process.
func newSandboxWorld(ctx context.Context, cfg Config, store *models.Store, log *slog.Logger) (*sandboxWorld, error) {
	creds, err := loadSandboxCredentials(ctx, store)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	persist := storePersister{store: store}
	cf, err := mocks.NewCloudflare(mocks.CloudflareConfig{Persister: persist})
	if err != nil {
		return nil, fmt.Errorf("sandbox cloudflare: %w", err)
	}
	dns, err := mocks.NewDNS(mocks.DNSConfig{Persister: persist, Sources: []mocks.RecordSource{cf}})
	if err != nil {
		return nil, fmt.Errorf("sandbox dns: %w", err)
	}
	tw, err := mocks.NewTwilio(mocks.TwilioConfig{AccountSID: creds.AccountSID, AuthToken: creds.AuthToken,
		Persister: persist, DNS: dns, ExpectedCNAMETarget: cfg.CNAMETarget})
	if err != nil {
		return nil, fmt.Errorf("sandbox twilio: %w", err)
	}
	outbox, err := mocks.NewOutbox(mocks.OutboxConfig{Persister: persist})
	if err != nil {
		return nil, fmt.Errorf("sandbox outbox: %w", err)
	}
	ls, err := twilio.New(twilio.Config{AccountSID: creds.AccountSID, AuthToken: creds.AuthToken,
		Transport: mocks.HandlerTransport{Handler: tw}})
	if err != nil {
		return nil, err
	}
	// The live adapter's timeout: a stalled fake must fail the call as a
	// stalled Cloudflare would, not hold the step until River's JobTimeout.
	cfClient := &http.Client{Transport: mocks.HandlerTransport{Handler: cf}, Timeout: cloudflare.DefaultTimeout}
	w := &sandboxWorld{
		sandbox: &mocks.Sandbox{Cloudflare: cf, Twilio: tw, DNS: dns, Outbox: outbox,
			TwilioAccountSID: creds.AccountSID, TwilioAuthToken: creds.AuthToken},
		dnsFactory:     cloudflare.Factory(cloudflare.Config{BaseURL: "http://cloudflare.sandbox/client/v4/", HTTPClient: cfClient}),
		linkShortening: ls,
		mailer:         outbox,
		resolver:       dns,
	}
	log.Info("sandbox fakes ready", slog.String("twilio_account_sid", creds.AccountSID),
		slog.String("control", strings.TrimRight(cfg.PublicURL, "/")+"/_sandbox"))
	return w, nil
}

// withSandbox serves /_sandbox from the fakes and everything else from next.
func withSandbox(sb *mocks.Sandbox, next http.Handler) http.Handler {
	control := sb.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_sandbox" || strings.HasPrefix(r.URL.Path, "/_sandbox/") {
			control.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
