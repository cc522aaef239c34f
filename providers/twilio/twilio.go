// Package twilio implements providers.LinkShortening with Twilio's
// Messaging API (Link Shortening, v1 and v2) and providers.Messaging with
// the Programmable Messaging API (2010-04-01 Messages), through twilio-go
// v1.31.0.
//
// Only the SDK's client and rest/messaging/v1, rest/messaging/v2 and
// rest/api/v2010 packages are used: the root package pulls in every
// Twilio product.
//
// twilio-go's base URLs are fixed (https://messaging.twilio.com,
// https://api.twilio.com), its calls
// take no context, it never retries and it drops the headers of error
// responses. So every call runs on an http.Client of the adapter's own whose
// RoundTripper binds the call's context to the request, records the status
// and Retry-After of the answer (they end up in providers.Error) and hands
// the request to Config.Transport: the network in production, a fake in
// tests and sandbox mode.
package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/twilio/twilio-go/client"
	messagingv1 "github.com/twilio/twilio-go/rest/messaging/v1"
	messagingv2 "github.com/twilio/twilio-go/rest/messaging/v2"

	"github.com/linkgate/linkgate/providers"
)

// DefaultTimeout bounds one HTTP exchange with Twilio when Config.Timeout
// and Config.HTTPClient leave it open.
const DefaultTimeout = 30 * time.Second

const providerName = "twilio"

var (
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	// twilio-go refuses (locally, error 21224) any password that is not
	// alphanumeric, so New refuses it first.
	authTokenPattern = regexp.MustCompile(`^[a-zA-Z0-9]+$`)
)

// Config configures a Provider.
type Config struct {
	AccountSID string // AC + 32 hex digits
	AuthToken  string // the account's auth token (alphanumeric); never logged or put in errors

	// HTTPClient, optional, supplies the transport, cookie jar and timeout
	// to start from. It is copied, never modified. Redirects are never
	// followed, as in twilio-go.
	HTTPClient *http.Client
	// Transport, optional, carries the requests instead of
	// HTTPClient.Transport (or http.DefaultTransport). Tests and sandbox
	// mode route the SDK to a fake with it: whatever the request's host,
	// the transport answers.
	Transport http.RoundTripper
	// Timeout bounds one HTTP exchange with Twilio, reading the answer
	// included (a call's context may end it sooner). 0: HTTPClient.Timeout
	// if set, otherwise DefaultTimeout.
	Timeout time.Duration
	// MaxConcurrent bounds the requests in flight at once (Twilio limits
	// an account's concurrent REST requests and answers those beyond the
	// limit with 429, error 20429). 0: DefaultMaxConcurrent. Set it to the
	// account's share when several processes use one account.
	MaxConcurrent int
}

// DefaultMaxConcurrent is Config.MaxConcurrent's default: Twilio's usual
// per-account concurrency limit.
const DefaultMaxConcurrent = 100

// Provider is Twilio Link Shortening for one account. It is safe for
// concurrent use.
type Provider struct {
	accountSID string
	authToken  string
	transport  http.RoundTripper
	jar        http.CookieJar
	timeout    time.Duration
	slots      chan struct{} // one per request in flight
}

var _ providers.LinkShortening = (*Provider)(nil)

// New validates cfg and returns a Provider. It sends nothing.
func New(cfg Config) (*Provider, error) {
	if cfg.AccountSID == "" {
		return nil, errors.New("twilio: account SID is required")
	}
	if !accountSIDPattern.MatchString(cfg.AccountSID) {
		return nil, errors.New("twilio: account SID must be AC followed by 32 hexadecimal digits")
	}
	if cfg.AuthToken == "" {
		return nil, errors.New("twilio: auth token is required")
	}
	if !authTokenPattern.MatchString(cfg.AuthToken) {
		return nil, errors.New("twilio: auth token must contain only letters and digits")
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("twilio: timeout must not be negative")
	}
	if cfg.MaxConcurrent < 0 {
		return nil, errors.New("twilio: MaxConcurrent must not be negative")
	}
	if cfg.MaxConcurrent == 0 {
		cfg.MaxConcurrent = DefaultMaxConcurrent
	}
	p := &Provider{
		accountSID: cfg.AccountSID,
		authToken:  cfg.AuthToken,
		transport:  cfg.Transport,
		timeout:    cfg.Timeout,
		slots:      make(chan struct{}, cfg.MaxConcurrent),
	}
	if hc := cfg.HTTPClient; hc != nil {
		if p.transport == nil {
			p.transport = hc.Transport
		}
		p.jar = hc.Jar
		if p.timeout == 0 {
			p.timeout = hc.Timeout
		}
	}
	if p.transport == nil {
		p.transport = http.DefaultTransport
	}
	if p.timeout == 0 {
		p.timeout = DefaultTimeout
	}
	return p, nil
}

// session is one call's connection to Twilio: the SDK's services on an
// http.Client whose transport carries the call's context (bounded by the
// timeout) and records what Twilio answered.
type session struct {
	v1  *messagingv1.ApiService
	v2  *messagingv2.ApiService
	rec *recordingTransport
}

// session returns a session for one call and the function that ends it.
func (p *Provider) session(ctx context.Context) (*session, context.CancelFunc) {
	c, rec, cancel := p.sdkClient(ctx)
	return &session{
		v1:  messagingv1.NewApiServiceWithClient(c),
		v2:  messagingv2.NewApiServiceWithClient(c),
		rec: rec,
	}, cancel
}

// sdkClient is one call's twilio-go client: the account's credentials on
// an http.Client whose recording transport carries the call's context
// (bounded by the adapter's timeout) and follows no redirect.
func (p *Provider) sdkClient(ctx context.Context) (*client.Client, *recordingTransport, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	rec := &recordingTransport{ctx: ctx, base: p.transport, slots: p.slots}
	hc := &http.Client{
		Transport: rec,
		Jar:       p.jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	c := &client.Client{
		Credentials:         client.NewCredentials(p.accountSID, p.authToken),
		HTTPClient:          hc,
		UserAgentExtensions: []string{"linkgate"},
	}
	c.SetAccountSid(p.accountSID)
	return c, rec, cancel
}

// recordingTransport gives the SDK's requests (built with
// context.Background) the call's context and keeps the status and
// Retry-After of the last answer, which twilio-go does not pass on.
type recordingTransport struct {
	ctx   context.Context
	base  http.RoundTripper
	slots chan struct{} // the Provider's concurrency limit

	mu         sync.Mutex
	status     int
	retryAfter time.Duration
}

// RoundTrip implements http.RoundTripper. An answer that comes after the
// call's context is done is dropped, as net/http does.
// A request waits for a slot under the Provider's MaxConcurrent first.
func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case t.slots <- struct{}{}:
	case <-t.ctx.Done():
		return nil, t.ctx.Err()
	}
	resp, err := t.base.RoundTrip(req.WithContext(t.ctx))
	<-t.slots
	if err != nil {
		return nil, err
	}
	if cerr := t.ctx.Err(); cerr != nil {
		_ = resp.Body.Close()
		return nil, cerr
	}
	t.mu.Lock()
	t.status = resp.StatusCode
	t.retryAfter = 0
	if resp.StatusCode >= 400 {
		t.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	t.mu.Unlock()
	return resp, nil
}

// answer returns the status and Retry-After of the last response, 0 if
// none came.
func (t *recordingTransport) answer() (status int, retryAfter time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status, t.retryAfter
}

// checkDomainSID refuses a malformed Domain SID before anything is sent.
func checkDomainSID(op, sid string) error {
	if providers.ValidDomainSID(sid) {
		return nil
	}
	return &providers.Error{
		Provider: providerName,
		Op:       op,
		Message:  fmt.Sprintf("malformed domain SID %s: want DN followed by 32 hexadecimal digits", quoteSID(sid)),
	}
}

// checkMessagingServiceSID refuses a malformed Messaging Service SID before
// anything is sent.
func checkMessagingServiceSID(op, sid string) error {
	if providers.ValidMessagingServiceSID(sid) {
		return nil
	}
	return &providers.Error{
		Provider: providerName,
		Op:       op,
		Message:  fmt.Sprintf("malformed messaging service SID %s: want MG followed by 32 hexadecimal digits", quoteSID(sid)),
	}
}

// quoteSID quotes a caller's SID for a message, clipped.
func quoteSID(s string) string {
	const limit = 40
	if len(s) > limit {
		return fmt.Sprintf("%q…", s[:limit])
	}
	return fmt.Sprintf("%q", s)
}
