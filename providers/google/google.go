// Package google implements providers.DNS on Google Cloud DNS (API v1)
// with google.golang.org/api/dns/v1, signing in with a service-account
// JSON key through golang.org/x/oauth2/google.
//
// An adapter is a Config, a validated constructor (New) and a small client:
// it finds the public managed zone that holds a host by longest match
// (private zones are skipped), looks before it writes, adds the CNAME
// through a change and waits for the change to be "done", and classifies
// every failure as a *providers.Error prefixed "google". The SDK does not
// retry these calls; the workflows retry transient errors themselves.
// Requests are paced by a per-key limiter.
//
// Cloud DNS keeps record sets, keyed by name and type, with no id and no
// comment: the adapter names a record "<name>/<type>" ("ls.acme.com/CNAME")
// and the records linkgate creates are not marked.
package google

import (
	"cmp"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/oauth2"
	googleoauth "golang.org/x/oauth2/google"
	dns "google.golang.org/api/dns/v1"
	"google.golang.org/api/option"

	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/ratelimit"
)

// Defaults.
const (
	DefaultBaseURL = "https://dns.googleapis.com/"
	// DefaultRateLimit per DefaultRateWindow stays well inside Cloud DNS's
	// default quota of queries per project.
	DefaultRateLimit  = 300
	DefaultRateWindow = time.Minute
	DefaultTimeout    = 30 * time.Second
	// DefaultPollInterval is the wait between two reads of a pending
	// change; DefaultChangeTimeout bounds the wait for "done".
	DefaultPollInterval  = time.Second
	DefaultChangeTimeout = 2 * time.Minute
	// DefaultTTL is the TTL of a created record when the caller gives none.
	DefaultTTL = 300

	// maxKeyLength bounds a service-account key.
	maxKeyLength = 16 << 10

	providerName = "google"
)

// projectID is a Google Cloud project id (or a legacy domain-scoped one,
// "example.com:proj").
var projectID = regexp.MustCompile(`^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$`)

// Config configures a Provider.
type Config struct {
	// ServiceAccountJSON is a service-account key, as downloaded from the
	// Google Cloud console, for an account with the DNS Administrator role
	// on the project. Required.
	ServiceAccountJSON []byte
	// ProjectID is the project whose zones are managed; the key's
	// project_id if empty.
	ProjectID string
	// BaseURL is the API root, DefaultBaseURL if empty. Tests and sandbox
	// mode point it at a fake ("http://127.0.0.1:port/_sandbox/google/").
	BaseURL string
	// TokenURL replaces the key's token_uri, where the key signs in
	// (sandbox mode points it at the fake). Empty: the key's own.
	TokenURL string
	// HTTPClient sends the requests, to the API and to the token endpoint
	// (its Transport is used, wrapped); if nil, a client whose requests
	// time out after Timeout (DefaultTimeout if zero).
	HTTPClient *http.Client
	Timeout    time.Duration
	// RateLimit requests per RateWindow per key (DefaultRateLimit,
	// DefaultRateWindow if zero).
	RateLimit  int
	RateWindow time.Duration
	// PollInterval is the wait between reads of a pending change
	// (DefaultPollInterval if zero); ChangeTimeout bounds the whole wait
	// (DefaultChangeTimeout if zero). A change still pending then is a
	// transient error.
	PollInterval  time.Duration
	ChangeTimeout time.Duration
}

// serviceAccountKey is the part of a key file the adapter checks.
type serviceAccountKey struct {
	Type         string `json:"type"`
	ProjectID    string `json:"project_id"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
	TokenURI     string `json:"token_uri"`
}

// checkKey reads a key file and checks its shape: a service-account key
// with an email and an RSA private key in PEM. Messages never quote it.
func checkKey(data []byte) (serviceAccountKey, error) {
	var k serviceAccountKey
	if len(data) == 0 {
		return k, errors.New("google: ServiceAccountJSON is required")
	}
	if len(data) > maxKeyLength {
		return k, errors.New("google: ServiceAccountJSON is too long for a service-account key")
	}
	if err := json.Unmarshal(data, &k); err != nil {
		return k, errors.New("google: ServiceAccountJSON is not JSON")
	}
	if k.Type != "service_account" {
		return k, errors.New(`google: ServiceAccountJSON is not a service-account key ("type" must be "service_account")`)
	}
	if k.ClientEmail == "" || !strings.Contains(k.ClientEmail, "@") {
		return k, errors.New("google: ServiceAccountJSON has no client_email")
	}
	block, _ := pem.Decode([]byte(k.PrivateKey))
	if block == nil {
		return k, errors.New("google: ServiceAccountJSON has no private_key in PEM")
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return k, errors.New("google: ServiceAccountJSON's private_key cannot be read")
		}
	}
	if k.TokenURI != "" {
		if u, err := url.Parse(k.TokenURI); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return k, errors.New("google: ServiceAccountJSON's token_uri is not an http(s) URL")
		}
	}
	return k, nil
}

func checkURL(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("google: " + name + " must be an absolute http(s) URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("google: " + name + " must not carry credentials, a query or a fragment")
	}
	return nil
}

// withDefaults returns c with defaults applied and the key read, or an
// error saying what is wrong. The key never appears in the error.
func (c Config) withDefaults() (Config, serviceAccountKey, error) {
	key, err := checkKey(c.ServiceAccountJSON)
	if err != nil {
		return c, key, err
	}
	c.ProjectID = strings.TrimSpace(cmp.Or(c.ProjectID, key.ProjectID))
	if c.ProjectID == "" {
		return c, key, errors.New("google: ProjectID is required (the key names no project_id)")
	}
	if !projectID.MatchString(c.ProjectID) {
		return c, key, errors.New("google: ProjectID is not a Google Cloud project id")
	}
	c.BaseURL = cmp.Or(c.BaseURL, DefaultBaseURL)
	if err := checkURL("BaseURL", c.BaseURL); err != nil {
		return c, key, err
	}
	if !strings.HasSuffix(c.BaseURL, "/") {
		c.BaseURL += "/"
	}
	if c.TokenURL != "" {
		if err := checkURL("TokenURL", c.TokenURL); err != nil {
			return c, key, err
		}
	}
	if c.Timeout < 0 || c.PollInterval < 0 || c.ChangeTimeout < 0 {
		return c, key, errors.New("google: Timeout, PollInterval and ChangeTimeout must not be negative")
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: cmp.Or(c.Timeout, DefaultTimeout)}
	}
	if c.RateLimit < 0 || c.RateWindow < 0 {
		return c, key, errors.New("google: RateLimit and RateWindow must not be negative")
	}
	c.RateLimit = cmp.Or(c.RateLimit, DefaultRateLimit)
	c.RateWindow = cmp.Or(c.RateWindow, DefaultRateWindow)
	c.PollInterval = cmp.Or(c.PollInterval, DefaultPollInterval)
	c.ChangeTimeout = cmp.Or(c.ChangeTimeout, DefaultChangeTimeout)
	return c, key, nil
}

// Provider is a Google Cloud project reached with one service-account key.
// It implements providers.DNS and is safe for concurrent use.
type Provider struct {
	project       string
	email         string
	pollInterval  time.Duration
	changeTimeout time.Duration
	// sleep waits between polls of a change; tests may replace it.
	sleep func(ctx context.Context, d time.Duration) error
	svc   *dns.Service
}

var _ providers.DNS = (*Provider)(nil)

// New validates cfg and returns a Provider with its own rate limiter.
func New(cfg Config) (*Provider, error) {
	cfg, key, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return newProvider(cfg, key, ratelimit.New(cfg.RateLimit, cfg.RateWindow))
}

func newProvider(cfg Config, key serviceAccountKey, lim *ratelimit.Window) (*Provider, error) {
	jwtCfg, err := googleoauth.JWTConfigFromJSON(cfg.ServiceAccountJSON, dns.NdevClouddnsReadwriteScope)
	if err != nil {
		return nil, errors.New("google: the service-account key cannot be used")
	}
	if cfg.TokenURL != "" {
		jwtCfg.TokenURL = cfg.TokenURL
	}
	base := cfg.HTTPClient.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	paced := &pacedTransport{base: base, limiter: lim}
	// The token requests go through the same client (and pacing).
	tokenClient := *cfg.HTTPClient
	tokenClient.Transport = paced
	ts := jwtCfg.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient, &tokenClient))
	hc := *cfg.HTTPClient
	hc.Transport = &oauth2.Transport{Source: ts, Base: paced}
	svc, err := dns.NewService(context.Background(), option.WithHTTPClient(&hc), option.WithEndpoint(cfg.BaseURL))
	if err != nil {
		return nil, errors.New("google: " + err.Error())
	}
	return &Provider{project: cfg.ProjectID, email: key.ClientEmail, pollInterval: cfg.PollInterval,
		changeTimeout: cfg.ChangeTimeout, sleep: sleepCtx, svc: svc}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Factory returns a providers.DNSFactory that connects with a client's
// credentials ({"service_account_json": "<the key file>", "project_id":
// "<optional; the key's project_id if empty>"}) on top of base (whose
// ServiceAccountJSON and ProjectID are ignored). Providers made by one
// Factory for the same key share one rate limiter.
func Factory(base Config) providers.DNSFactory {
	limiters := &ratelimit.Registry{}
	return func(credentials map[string]string) (providers.DNS, error) {
		keyJSON := strings.TrimSpace(credentials["service_account_json"])
		if keyJSON == "" {
			return nil, &providers.Error{Provider: providerName, Op: "connect", Err: providers.ErrInvalidCredentials,
				Message: "the service_account_json credential is missing"}
		}
		cfg := base
		cfg.ServiceAccountJSON = []byte(keyJSON)
		cfg.ProjectID = strings.TrimSpace(credentials["project_id"])
		cfg, key, err := cfg.withDefaults()
		if err != nil {
			if _, keyErr := checkKey(cfg.ServiceAccountJSON); keyErr != nil {
				return nil, &providers.Error{Provider: providerName, Op: "connect", Err: providers.ErrInvalidCredentials,
					Message: strings.TrimPrefix(err.Error(), "google: ")}
			}
			if rest, ok := strings.CutPrefix(err.Error(), "google: ProjectID "); ok {
				// Named by its field ("project_id: ..."), for the caller.
				return nil, &providers.Error{Provider: providerName, Op: "connect", Err: providers.ErrInvalidCredentials,
					Message: "project_id: " + rest}
			}
			return nil, err
		}
		return newProvider(cfg, key, limiters.Get(keyJSON, cfg.RateLimit, cfg.RateWindow))
	}
}

// pacedTransport waits for the limiter before each request.
type pacedTransport struct {
	base    http.RoundTripper
	limiter *ratelimit.Window
}

func (t *pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.limiter.Wait(req.Context()); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	return t.base.RoundTrip(req)
}

// Host describes Google Cloud DNS for the list of DNS hosts
// (providers.DNSHosts): a service-account key and, optionally, the project
// that holds the zone, connected through Factory(base).
func Host(base Config) providers.DNSHost {
	const accounts = "https://console.cloud.google.com/iam-admin/serviceaccounts"
	return providers.DNSHost{Name: providerName, Label: "Google Cloud DNS", Factory: Factory(base),
		Fields: []providers.CredentialField{
			{Name: "service_account_json", Label: "Service-account key (JSON)", Secret: true,
				Help:    "IAM & Admin → Service accounts: create an account with the DNS Administrator role on the project that holds the zone, then Keys → Add key → Create new key → JSON, and paste the whole file.",
				HelpURL: accounts},
			{Name: "project_id", Label: "Project ID", Optional: true,
				Help:    "Only if the zone is in another project than the key's own (the key's project_id).",
				HelpURL: "https://console.cloud.google.com/cloud-resource-manager"},
		}}
}
