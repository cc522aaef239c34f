// Package digitalocean implements providers.DNS on DigitalOcean's API v2
// with github.com/digitalocean/godo (its Account and Domains services).
//
// An adapter is a Config, a validated constructor (New) and a small client:
// it finds the domain that holds a host by longest match, looks before it
// writes, creates CNAMEs with a fully qualified target, and classifies
// every failure as a *providers.Error prefixed "digitalocean". godo's own
// retries are off (the workflows retry transient errors themselves,
// honouring RetryAfter). Requests are paced by a per-token limiter
// (DigitalOcean allows 250 requests a minute and 5,000 an hour per token),
// and when an answer says the hour's budget is spent (RateLimit-Remaining
// 0), the next requests wait for its RateLimit-Reset, or fail at once as
// transient with that wait when the caller's deadline comes first.
//
// DigitalOcean keeps no comment with a record: the records linkgate
// creates are not marked.
package digitalocean

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/digitalocean/godo"

	"github.com/linkgate/linkgate/providers"
)

// Defaults.
const (
	DefaultBaseURL    = "https://api.digitalocean.com/"
	DefaultRateLimit  = 250
	DefaultRateWindow = time.Minute
	DefaultTimeout    = 30 * time.Second
	// DefaultTTL is the TTL of a created record when the caller gives
	// none (DigitalOcean's own default).
	DefaultTTL = 1800

	// maxTokenLength bounds what we put in an Authorization header.
	maxTokenLength = 1024

	providerName = "digitalocean"
)

// Config configures a Provider.
type Config struct {
	// APIToken is a DigitalOcean personal access token with read and
	// write access to domains (the domain:read, domain:create and
	// domain:delete scopes, plus account:read). Required.
	APIToken string
	// BaseURL is the API root, DefaultBaseURL if empty. Tests and sandbox
	// mode point it at a fake ("http://127.0.0.1:port/_sandbox/digitalocean/").
	BaseURL string
	// HTTPClient sends the requests (its Transport is used, wrapped); if
	// nil, a client whose requests time out after Timeout (DefaultTimeout
	// if zero).
	HTTPClient *http.Client
	Timeout    time.Duration
	// RateLimit requests per RateWindow per token (DefaultRateLimit,
	// DefaultRateWindow if zero).
	RateLimit  int
	RateWindow time.Duration
}

// withDefaults returns c with defaults applied, or an error saying what is
// wrong with it. The token never appears in the error.
func (c Config) withDefaults() (Config, error) {
	if err := checkToken(c.APIToken); err != nil {
		return c, err
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, errors.New("digitalocean: BaseURL must be an absolute http(s) URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return c, errors.New("digitalocean: BaseURL must not carry credentials, a query or a fragment")
	}
	if !strings.HasSuffix(c.BaseURL, "/") {
		c.BaseURL += "/"
	}
	if c.Timeout < 0 {
		return c, errors.New("digitalocean: Timeout must not be negative")
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: cmp.Or(c.Timeout, DefaultTimeout)}
	}
	switch {
	case c.RateLimit < 0:
		return c, errors.New("digitalocean: RateLimit must not be negative")
	case c.RateLimit == 0:
		c.RateLimit = DefaultRateLimit
	}
	switch {
	case c.RateWindow < 0:
		return c, errors.New("digitalocean: RateWindow must not be negative")
	case c.RateWindow == 0:
		c.RateWindow = DefaultRateWindow
	}
	return c, nil
}

func checkToken(tok string) error {
	if tok == "" {
		return errors.New("digitalocean: APIToken is required")
	}
	if len(tok) > maxTokenLength {
		return errors.New("digitalocean: APIToken is too long")
	}
	for _, r := range tok {
		if r <= ' ' || r >= 0x7f {
			return errors.New("digitalocean: APIToken must be printable ASCII without spaces")
		}
	}
	return nil
}

// Provider is a DigitalOcean account reached with one personal access
// token. It implements providers.DNS and is safe for concurrent use.
type Provider struct {
	token   string
	limiter *limiter
	client  *godo.Client
}

var _ providers.DNS = (*Provider)(nil)

// New validates cfg and returns a Provider with its own rate limiter.
func New(cfg Config) (*Provider, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return newProvider(cfg, newLimiter(cfg.RateLimit, cfg.RateWindow))
}

// newProvider builds a Provider from a validated Config.
func newProvider(cfg Config, lim *limiter) (*Provider, error) {
	p := &Provider{token: cfg.APIToken, limiter: lim}
	base := cfg.HTTPClient.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc := *cfg.HTTPClient
	hc.Transport = &transport{base: base, token: cfg.APIToken, limiter: lim}
	client, err := godo.New(&hc, godo.SetBaseURL(cfg.BaseURL), godo.SetUserAgent("linkgate"))
	if err != nil {
		return nil, errors.New("digitalocean: " + err.Error())
	}
	p.client = client
	return p, nil
}

// Factory returns a providers.DNSFactory that connects with a client's
// credentials ({"api_token": "..."}) on top of base (whose APIToken is
// ignored). Providers made by one Factory for the same token share one rate
// limiter, so a client's budget holds however many workflows use it.
func Factory(base Config) providers.DNSFactory {
	limiters := &limiterRegistry{m: map[[sha256.Size]byte]*limiter{}}
	return func(credentials map[string]string) (providers.DNS, error) {
		tok := strings.TrimSpace(credentials["api_token"])
		if tok == "" {
			return nil, &providers.Error{Provider: providerName, Op: "connect", Err: providers.ErrInvalidCredentials,
				Message: "the api_token credential is missing"}
		}
		if err := checkToken(tok); err != nil {
			return nil, &providers.Error{Provider: providerName, Op: "connect", Err: providers.ErrInvalidCredentials,
				Message: strings.TrimPrefix(err.Error(), "digitalocean: ")}
		}
		cfg := base
		cfg.APIToken = tok
		cfg, err := cfg.withDefaults()
		if err != nil {
			return nil, err
		}
		return newProvider(cfg, limiters.get(tok, cfg.RateLimit, cfg.RateWindow))
	}
}

// limiterRegistry hands out one limiter per token, keyed by the token's
// SHA-256 so that the token itself is not kept as a map key.
type limiterRegistry struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]*limiter
}

func (r *limiterRegistry) get(token string, n int, window time.Duration) *limiter {
	key := sha256.Sum256([]byte(token))
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.m[key]
	if !ok {
		l = newLimiter(n, window)
		r.m[key] = l
	}
	return l
}

// errorIDHeader carries, on an error answer, the "id" of DigitalOcean's
// JSON error body ("not_found", "unprocessable_entity"...), which godo
// does not keep. The transport sets it; an error answer without it did
// not come from the API proper (a proxy's HTML page).
const errorIDHeader = "Linkgate-Digitalocean-Error-Id"

// transport authenticates each request, paces it, and reads the rate-limit
// headers and the error id of each answer.
type transport struct {
	base    http.RoundTripper
	token   string
	limiter *limiter
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.limiter.wait(req.Context()); err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+t.token)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	t.limiter.observe(resp.Header, time.Now())
	if resp.StatusCode >= 400 {
		markErrorID(resp)
	}
	return resp, nil
}

// ctxErr reports whether err is the caller's context ending.
func ctxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Host describes DigitalOcean for the list of DNS hosts
// (providers.DNSHosts): one credential, a personal access token, connected
// through Factory(base).
func Host(base Config) providers.DNSHost {
	return providers.DNSHost{Name: providerName, Label: "DigitalOcean", Factory: Factory(base),
		Fields: []providers.CredentialField{{Name: "api_token", Label: "DigitalOcean personal access token", Secret: true,
			Help:    "Generate one under API → Tokens with read and write access to domains (custom scopes: domain read, create and delete, and account read).",
			HelpURL: "https://cloud.digitalocean.com/account/api/tokens"}}}
}
