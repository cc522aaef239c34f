// Package cloudflare implements providers.DNS on Cloudflare's API v4 with
// cloudflare-go/v7, through its dns, zones and option packages only (the
// root package pulls in every Cloudflare service).
//
// An adapter is a Config, a validated constructor (New) and a small client:
// it finds the zone that holds a host by longest match, looks before it
// writes, creates unproxied CNAMEs marked with a comment, and classifies
// every failure as a *providers.Error prefixed "cloudflare". The SDK's own
// retries are off (option.WithMaxRetries(0)): the workflows retry transient
// errors themselves, honouring Retry-After. Requests are paced by a
// per-token rate limiter (Cloudflare allows 1,200 requests per 5 minutes
// per user).
package cloudflare

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/zones"

	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/ratelimit"
)

// Defaults.
const (
	DefaultBaseURL    = "https://api.cloudflare.com/client/v4/"
	DefaultRateLimit  = 1200
	DefaultRateWindow = 5 * time.Minute
	DefaultComment    = "managed by linkgate"
	DefaultTimeout    = 30 * time.Second

	// maxCommentLength is the comment limit of Cloudflare's free plan
	// (paid plans allow 500).
	maxCommentLength = 100
	// maxTokenLength bounds what we put in an Authorization header.
	maxTokenLength = 1024

	providerName = "cloudflare"
)

// Config configures a Provider.
type Config struct {
	// APIToken is a Cloudflare API token with Zone:Read and DNS:Edit on
	// the client's zones. Required.
	APIToken string
	// BaseURL is the API root, DefaultBaseURL if empty. Tests and sandbox
	// mode point it at a fake ("http://127.0.0.1:port/client/v4").
	BaseURL string
	// HTTPClient sends the requests; if nil, a client whose requests
	// time out after Timeout (DefaultTimeout if zero).
	HTTPClient *http.Client
	Timeout    time.Duration
	// RateLimit requests per RateWindow per token (DefaultRateLimit,
	// DefaultRateWindow if zero).
	RateLimit  int
	RateWindow time.Duration
	// Comment marks the records linkgate creates when the caller gives
	// none (DefaultComment if empty).
	Comment string
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
		return c, errors.New("cloudflare: BaseURL must be an absolute http(s) URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return c, errors.New("cloudflare: BaseURL must not carry credentials, a query or a fragment")
	}
	if c.Timeout < 0 {
		return c, errors.New("cloudflare: Timeout must not be negative")
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: cmp.Or(c.Timeout, DefaultTimeout)}
	}
	switch {
	case c.RateLimit < 0:
		return c, errors.New("cloudflare: RateLimit must not be negative")
	case c.RateLimit == 0:
		c.RateLimit = DefaultRateLimit
	}
	switch {
	case c.RateWindow < 0:
		return c, errors.New("cloudflare: RateWindow must not be negative")
	case c.RateWindow == 0:
		c.RateWindow = DefaultRateWindow
	}
	if c.Comment == "" {
		c.Comment = DefaultComment
	}
	if err := checkComment(c.Comment); err != nil {
		return c, err
	}
	return c, nil
}

func checkToken(tok string) error {
	if tok == "" {
		return errors.New("cloudflare: APIToken is required")
	}
	if len(tok) > maxTokenLength {
		return errors.New("cloudflare: APIToken is too long")
	}
	for _, r := range tok {
		if r <= ' ' || r >= 0x7f {
			return errors.New("cloudflare: APIToken must be printable ASCII without spaces")
		}
	}
	return nil
}

func checkComment(c string) error {
	if len(c) > maxCommentLength {
		return fmt.Errorf("cloudflare: Comment must be at most %d characters", maxCommentLength)
	}
	if strings.ContainsAny(c, "\r\n") {
		return errors.New("cloudflare: Comment must be one line")
	}
	return nil
}

// Provider is a Cloudflare account reached with one API token. It
// implements providers.DNS and is safe for concurrent use.
type Provider struct {
	token   string
	comment string
	limiter *ratelimit.Window
	records *dns.RecordService
	zones   *zones.ZoneService
}

var _ providers.DNS = (*Provider)(nil)

// New validates cfg and returns a Provider with its own rate limiter.
func New(cfg Config) (*Provider, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return newProvider(cfg, ratelimit.New(cfg.RateLimit, cfg.RateWindow)), nil
}

// newProvider builds a Provider from a validated Config.
func newProvider(cfg Config, lim *ratelimit.Window) *Provider {
	p := &Provider{token: cfg.APIToken, comment: cfg.Comment, limiter: lim}
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.BaseURL),
		option.WithAPIToken(cfg.APIToken),
		option.WithHTTPClient(cfg.HTTPClient),
		option.WithMaxRetries(0),
		option.WithMiddleware(p.throttle),
	}
	p.records = dns.NewRecordService(opts...)
	p.zones = zones.NewZoneService(opts...)
	return p
}

// throttle waits for the token's rate limiter before each HTTP request.
func (p *Provider) throttle(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	if err := p.limiter.Wait(req.Context()); err != nil {
		return nil, err
	}
	return next(req)
}

// Factory returns a providers.DNSFactory that connects with a client's
// credentials ({"api_token": "..."}) on top of base (whose APIToken is
// ignored). Providers made by one Factory for the same token share one rate
// limiter, so a client's budget holds however many workflows use it.
func Factory(base Config) providers.DNSFactory {
	limiters := &ratelimit.Registry{}
	return func(credentials map[string]string) (providers.DNS, error) {
		tok := strings.TrimSpace(credentials["api_token"])
		if tok == "" {
			return nil, &providers.Error{Provider: providerName, Op: "connect", Err: providers.ErrInvalidCredentials,
				Message: "the api_token credential is missing"}
		}
		if err := checkToken(tok); err != nil {
			return nil, &providers.Error{Provider: providerName, Op: "connect", Err: providers.ErrInvalidCredentials,
				Message: strings.TrimPrefix(err.Error(), "cloudflare: ")}
		}
		cfg := base
		cfg.APIToken = tok
		cfg, err := cfg.withDefaults()
		if err != nil {
			return nil, err
		}
		return newProvider(cfg, limiters.Get(tok, cfg.RateLimit, cfg.RateWindow)), nil
	}
}

// Host describes Cloudflare for the list of DNS hosts (providers.DNSHosts):
// one credential, an API token, connected through Factory(base).
func Host(base Config) providers.DNSHost {
	return providers.DNSHost{Name: providerName, Label: "Cloudflare", Factory: Factory(base),
		Fields: []providers.CredentialField{{Name: "api_token", Label: "Cloudflare API token", Secret: true,
			Help:    "Create one under My Profile → API Tokens with the “Edit zone DNS” template, for the zone that holds your domain.",
			HelpURL: "https://dash.cloudflare.com/profile/api-tokens"}}}
}
