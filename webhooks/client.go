package webhooks

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// DefaultTimeout bounds one delivery attempt when ClientConfig.Timeout is
// zero.
const DefaultTimeout = 15 * time.Second

// ErrForbiddenAddress is wrapped when an endpoint URL or a dialed address
// points at a refused destination (private, loopback, link-local and the
// other special-purpose ranges code.dny.dev/ssrf denies). Dial errors also
// wrap the ssrf package's own error (ssrf.ErrProhibitedIP, ...).
var ErrForbiddenAddress = errors.New("forbidden webhook destination")

// ErrInvalidURL is wrapped by every ValidateURL error that is not about the
// destination address.
var ErrInvalidURL = errors.New("invalid webhook URL")

// ClientConfig configures the delivery client and endpoint URL validation.
type ClientConfig struct {
	// AllowPrivate allows loopback, private, link-local and other
	// special-purpose destinations: sandbox mode and tests only.
	AllowPrivate bool
	// AllowHTTP allows plain http:// endpoints; otherwise https only.
	AllowHTTP bool
	// Timeout bounds one attempt, connection to the end of the body;
	// zero or negative means DefaultTimeout.
	Timeout time.Duration
	// Resolver, when set, resolves host names for the dialer (tests).
	Resolver *net.Resolver
}

func (c ClientConfig) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// guardian returns the SSRF guard: tcp4/tcp6 only, any port (receivers
// often listen on e.g. 8443; the protection is the destination IP), and
// ssrf's default deny lists.
func guardian() *ssrf.Guardian {
	return ssrf.New(ssrf.WithAnyPort())
}

// control wraps the guardian so that refusals also wrap ErrForbiddenAddress.
func control(g *ssrf.Guardian) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, c syscall.RawConn) error {
		if err := g.Safe(network, address, c); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrForbiddenAddress, address, err)
		}
		return nil
	}
}

// NewClient returns the HTTP client deliveries go through. Unless
// AllowPrivate, the check runs in the dialer's Control hook, i.e. on the IP
// actually being connected to after resolution, which defeats DNS rebinding
// and names that resolve to internal addresses. No proxy from the
// environment is used, redirects are not followed (the 3xx answer is
// returned as is, and counts as a failure), TLS is 1.2 or newer, and plain
// http:// requests are refused unless AllowHTTP.
func NewClient(cfg ClientConfig) *http.Client {
	dialer := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Resolver:  cfg.Resolver,
	}
	if !cfg.AllowPrivate {
		dialer.Control = control(guardian())
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		// Keep a connection for each attempt that may run at once to one
		// receiver (the engine's per-endpoint cap is half its workers):
		// with fewer, the attempts over the idle pool open and close a
		// connection each (BenchmarkWebhookDelivery's raw POST bound fell
		// from ~15,000/s to ~2,000/s with 4 per host and 50 senders).
		MaxIdleConns:           512,
		MaxIdleConnsPerHost:    64,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: &schemeGuard{allowHTTP: cfg.AllowHTTP, next: transport},
		Timeout:   cfg.timeout(),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// schemeGuard refuses plain http:// requests unless allowed (defence in
// depth: endpoint URLs are validated when stored).
type schemeGuard struct {
	allowHTTP bool
	next      http.RoundTripper
}

func (g *schemeGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	switch {
	case r.URL.Scheme == "https":
	case r.URL.Scheme == "http" && g.allowHTTP:
	default:
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, fmt.Errorf("%w: scheme %q not allowed", ErrInvalidURL, r.URL.Scheme)
	}
	return g.next.RoundTrip(r)
}

// ValidateURL checks an endpoint URL before it is stored: absolute, https
// (http only when AllowHTTP), a host, no user info, no fragment; and when
// the host is an IP literal, not a refused address unless AllowPrivate.
// Host names are checked at dial time (see NewClient). Errors wrap
// ErrInvalidURL or ErrForbiddenAddress.
func ValidateURL(raw string, cfg ClientConfig) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	if !u.IsAbs() || u.Opaque != "" {
		return fmt.Errorf("%w: not an absolute URL", ErrInvalidURL)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !cfg.AllowHTTP {
			return fmt.Errorf("%w: https is required", ErrInvalidURL)
		}
	default:
		return fmt.Errorf("%w: scheme %q not allowed (https required)", ErrInvalidURL, u.Scheme)
	}
	if u.User != nil {
		return fmt.Errorf("%w: credentials in the URL are not allowed", ErrInvalidURL)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("%w: fragment not allowed", ErrInvalidURL)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: missing host", ErrInvalidURL)
	}
	if p := u.Port(); p != "" {
		if n, err := parsePort(p); err != nil || n == 0 {
			return fmt.Errorf("%w: invalid port %q", ErrInvalidURL, p)
		}
	}
	if cfg.AllowPrivate {
		return nil
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return nil // a name: checked on the resolved IP at dial time
	}
	if addr.Zone() != "" {
		return fmt.Errorf("%w: %s: zoned address", ErrForbiddenAddress, host)
	}
	network := "tcp6" // IPv4-mapped IPv6 included: ssrf refuses it
	if addr.Is4() {
		network = "tcp4"
	}
	// The same guard as at dial time, so the two never disagree.
	if err := guardian().Safe(network, netip.AddrPortFrom(addr, 443).String(), nil); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrForbiddenAddress, host, err)
	}
	return nil
}

func parsePort(p string) (int, error) {
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, errors.New("not a number")
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return 0, errors.New("out of range")
		}
	}
	return n, nil
}
