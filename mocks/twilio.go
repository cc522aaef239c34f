package mocks

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/linkgate/linkgate/providers"
)

// CNAMELookup answers what the fake Twilio sees in DNS: the CNAME target
// of host, ok=false when host has no CNAME. The sandbox DNS fake
// implements it.
type CNAMELookup interface {
	LookupCNAME(host string) (target string, ok bool)
}

// Fake Twilio defaults and names.
const (
	// DefaultTwilioCNAMETarget is where a Link Shortening domain's CNAME
	// must point for ValidateDns to pass and a certificate to be issued.
	DefaultTwilioCNAMETarget = "lsct.ashburn.us1.twilio.com."
	// DefaultTwilioCertAfterPolls is how many v2 certificate fetches after
	// RequestManagedCert the fake takes to issue the certificate.
	DefaultTwilioCertAfterPolls = 3
	// TwilioStateName is the name the fake Twilio saves its state under.
	TwilioStateName = "twilio"

	twilioBaseURL      = "https://messaging.twilio.com"
	twilioCertLifetime = 90 * 24 * time.Hour
	twilioDateLayout   = "2006-01-02T15:04:05Z"
)

// Operations of the fake Twilio, as counted by (*Twilio).Calls.
const (
	TwilioOpCertificate            = "Certificate"            // GET /v2/LinkShortening/Domains/{DN}/Certificate
	TwilioOpCertificateV1          = "CertificateV1"          // GET /v1/LinkShortening/Domains/{DN}/Certificate
	TwilioOpRequestManagedCert     = "RequestManagedCert"     // POST /v1/LinkShortening/Domains/{DN}/RequestManagedCert
	TwilioOpValidateDNS            = "ValidateDns"            // GET /v1/LinkShortening/Domains/{DN}/ValidateDns
	TwilioOpFetchConfig            = "FetchConfig"            // GET /v1/LinkShortening/Domains/{DN}/Config
	TwilioOpUpdateConfig           = "UpdateConfig"           // POST /v1/LinkShortening/Domains/{DN}/Config
	TwilioOpAttachMessagingService = "AttachMessagingService" // POST /v1/LinkShortening/Domains/{DN}/MessagingServices/{MG}
	TwilioOpDetachMessagingService = "DetachMessagingService" // DELETE /v1/LinkShortening/Domains/{DN}/MessagingServices/{MG}
	TwilioOpMessagingServiceDomain = "MessagingServiceDomain" // GET /v1/LinkShortening/MessagingServices/{MG}/Domain
)

// Twilio error codes the fake answers with.
const (
	twilioCodeInvalidParameter = 20001
	twilioCodeAuthenticate     = 20003
	twilioCodeMethodNotAllowed = 20004
	twilioCodeNotFound         = 20404
	twilioCodeInvalidURL       = 11100
	twilioCodeInUse            = 30130
)

var (
	twilioAccountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	twilioHostPattern       = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// TwilioConfig configures the fake Twilio.
type TwilioConfig struct {
	// AccountSID and AuthToken: the only HTTP Basic credentials accepted.
	AccountSID string
	AuthToken  string
	// Persister, optional, keeps the state (domains, certificates,
	// configs, Messaging Service associations) across restarts: loaded by
	// NewTwilio, saved after every change.
	Persister Persister
	// DNS, optional, answers ValidateDns and gates certificate issuance.
	// nil: every domain's DNS is valid.
	DNS CNAMELookup
	// ExpectedCNAMETarget: default DefaultTwilioCNAMETarget. Compared
	// ignoring case and a trailing dot.
	ExpectedCNAMETarget string
	// CertAfterPolls: the v2 certificate fetch that issues a requested
	// certificate (counting from the request; default 3: the first two
	// fetches show the request in progress, the third the certificate).
	// Issuance also needs valid DNS.
	CertAfterPolls int
	// Now, optional, is the fake's clock.
	Now func() time.Time
	// Latency delays every answer (zero: none); a request counts as in
	// flight for ConcurrencyLimit while it waits.
	Latency Latency
	// ConcurrencyLimit > 0 enforces Twilio's account concurrency limit
	// (error 20429): a request beyond that many in flight is answered 429
	// with code 20429 and not processed, counted by RateLimited. Twilio
	// sends no Retry-After for it ("safe to retry after backing off").
	ConcurrencyLimit int

	// Messages API (twilio_messages.go).

	// CallbackClient, optional, posts status callbacks, click events and
	// inbound messages. Default: a client with a 10 s timeout that
	// follows no redirects.
	CallbackClient *http.Client
	// InboundURL, optional, is where Inbound posts incoming messages
	// (linkgate's /twilio/inbound); SetInboundURL changes it.
	InboundURL string
	// DeliveryInterval > 0 moves every message on by itself (accepted →
	// queued → sent → delivered), one step per interval, posting its
	// status callbacks: sandbox mode. 0: messages move only when
	// AdvanceMessages or FlushMessages is called (tests).
	DeliveryInterval time.Duration
}

// TwilioDomain is a Link Shortening domain of the fake Organization.
type TwilioDomain struct {
	SID               string
	Name              string // the host: "ls.acme.com"
	Certificate       providers.CertificateState
	Configured        bool     // a domain config was created
	MessagingServices []string // attached Messaging Service SIDs, sorted
}

// Twilio is a stateful fake of Twilio's Messaging Link Shortening API
// (the v1 and v2 endpoints linkgate uses) as an http.Handler. It answers
// any path whose tail from /v1/ or /v2/ is one of Twilio's, so it can be
// mounted under a prefix (/_sandbox/twilio/) or reached through
// HandlerTransport whatever the host.
//
// Like Twilio it checks HTTP Basic credentials (401, code 20003), answers
// unknown resources with 404 (code 20404), issues a managed certificate a
// few polls after RequestManagedCert, answers ValidateDns from DNS, keeps
// domain configs, and refuses a second domain for a Messaging Service
// with code 30130. Error bodies have Twilio's shape, status included.
// Domains are added with RegisterDomain, which stands for creating and
// verifying the domain in the Twilio Console. It also serves the
// 2010-04-01 Messages API, with status callbacks, click events and
// inbound messages (twilio_messages.go). Safe for concurrent use.
type Twilio struct {
	// Faults, answered before anything else. Never nil after NewTwilio.
	Faults *Faults
	// Holds delays the answers of the next requests after serving them.
	// Never nil after NewTwilio.
	Holds *Holds

	cfg  TwilioConfig
	conc *concurrencyLimiter // nil: no concurrency limit

	mu    sync.Mutex
	state twilioState
	calls map[string]int
	msgs  twilioMsgState // the Messages API's state, saved as TwilioMessagesStateName
	inURL string         // InboundURL
}

type twilioState struct {
	Domains           map[string]*twilioDomain `json:"domains"`            // by SID
	MessagingServices map[string]string        `json:"messaging_services"` // MG → DN
	// CertRequests counts, per Domain SID, the RequestManagedCert calls
	// that started an issuance (not the repeats answered with the request
	// in progress): the side effect linkgate must cause once per domain.
	CertRequests map[string]int `json:"cert_requests,omitempty"`
}

type twilioDomain struct {
	SID     string              `json:"sid"`
	Name    string              `json:"name"`
	Created time.Time           `json:"created"`
	Cert    *twilioCert         `json:"cert,omitempty"`
	Config  *twilioDomainConfig `json:"config,omitempty"`
}

type twilioCert struct {
	SID        string     `json:"sid"`
	Managed    bool       `json:"managed"`
	Requesting bool       `json:"requesting"`
	Polls      int        `json:"polls"`
	Requested  time.Time  `json:"requested"`
	Updated    time.Time  `json:"updated"`
	Expires    *time.Time `json:"expires,omitempty"`
}

type twilioDomainConfig struct {
	SID               string    `json:"sid"`
	CallbackURL       string    `json:"callback_url,omitempty"`
	FallbackURL       string    `json:"fallback_url,omitempty"`
	ContinueOnFailure bool      `json:"continue_on_failure"`
	DisableHTTPS      bool      `json:"disable_https"`
	Created           time.Time `json:"created"`
	Updated           time.Time `json:"updated"`
}

// NewTwilio returns the fake, with the state cfg.Persister saved, if any.
func NewTwilio(cfg TwilioConfig) (*Twilio, error) {
	if !twilioAccountSIDPattern.MatchString(cfg.AccountSID) {
		return nil, errors.New("mocks: twilio: account SID must be AC followed by 32 hexadecimal digits")
	}
	if cfg.AuthToken == "" {
		return nil, errors.New("mocks: twilio: auth token is required")
	}
	if cfg.ExpectedCNAMETarget == "" {
		cfg.ExpectedCNAMETarget = DefaultTwilioCNAMETarget
	}
	if cfg.CertAfterPolls <= 0 {
		cfg.CertAfterPolls = DefaultTwilioCertAfterPolls
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t := &Twilio{
		Faults: &Faults{},
		Holds:  &Holds{},
		cfg:    cfg,
		state:  twilioState{Domains: map[string]*twilioDomain{}, MessagingServices: map[string]string{}, CertRequests: map[string]int{}},
		calls:  map[string]int{},
	}
	if cfg.ConcurrencyLimit > 0 {
		t.conc = &concurrencyLimiter{n: int64(cfg.ConcurrencyLimit)}
	}
	if err := loadState(cfg.Persister, TwilioStateName, &t.state); err != nil {
		return nil, err
	}
	if t.state.Domains == nil {
		t.state.Domains = map[string]*twilioDomain{}
	}
	if t.state.MessagingServices == nil {
		t.state.MessagingServices = map[string]string{}
	}
	if t.state.CertRequests == nil {
		t.state.CertRequests = map[string]int{}
	}
	if err := t.initMessages(); err != nil {
		return nil, err
	}
	return t, nil
}

// RegisterDomain adds a verified Link Shortening domain for host (what
// creating and verifying it in the Twilio Console does) and returns its
// Domain SID. The same host again returns the same SID. It returns "" if
// host is not a valid host name or the state cannot be saved; see
// RegisterDomainContext.
func (t *Twilio) RegisterDomain(name string) (domainSID string) {
	sid, err := t.RegisterDomainContext(context.Background(), name)
	if err != nil {
		return ""
	}
	return sid
}

// RegisterDomainContext is RegisterDomain with a context and an error.
func (t *Twilio) RegisterDomainContext(ctx context.Context, name string) (string, error) {
	host := providers.NormalizeHost(name)
	if len(host) > 253 || !twilioHostPattern.MatchString(host) {
		return "", fmt.Errorf("mocks: twilio: %q is not a valid domain name", name)
	}
	var sid string
	err := t.mutate(ctx, func(s *twilioState) bool {
		for _, d := range s.Domains {
			if d.Name == host {
				sid = d.SID
				return false
			}
		}
		sid = twilioNewSID("DN")
		s.Domains[sid] = &twilioDomain{SID: sid, Name: host, Created: t.now()}
		return true
	})
	if err != nil {
		return "", err
	}
	return sid, nil
}

// DropCertificate removes a domain's certificate, as when a certificate
// lapses or is removed behind linkgate's back (tests and drills of the
// reconciler). It reports whether the domain had one.
func (t *Twilio) DropCertificate(domainSID string) bool {
	dropped := false
	_ = t.mutate(context.Background(), func(s *twilioState) bool {
		if d := s.Domains[domainSID]; d != nil && d.Cert != nil {
			d.Cert, dropped = nil, true
		}
		return dropped
	})
	return dropped
}

// Domains lists the fake Organization's domains by name.
func (t *Twilio) Domains() []TwilioDomain {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]TwilioDomain, 0, len(t.state.Domains))
	for _, d := range t.state.Domains {
		td := TwilioDomain{SID: d.SID, Name: d.Name, Certificate: providers.CertNone, Configured: d.Config != nil}
		switch {
		case d.Cert == nil:
		case d.Cert.Requesting:
			td.Certificate = providers.CertValidating
		case d.Cert.Expires != nil:
			td.Certificate = providers.CertIssued
		}
		for mg, dn := range t.state.MessagingServices {
			if dn == d.SID {
				td.MessagingServices = append(td.MessagingServices, mg)
			}
		}
		sort.Strings(td.MessagingServices)
		out = append(out, td)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Calls returns how many requests for op (a TwilioOp* constant) the fake
// answered after authentication and faults, for sid (the Domain SID, or
// the Messaging Service SID for TwilioOpMessagingServiceDomain); sid ""
// counts them all.
func (t *Twilio) Calls(op, sid string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.calls[op+"\x00"+sid]
}

// CertRequests returns, per Domain SID, how many RequestManagedCert calls
// started an issuance (a repeat while one is in progress, or once a
// managed certificate is issued, starts none). The counts are part of the
// persisted state, so they survive a sandbox restart.
func (t *Twilio) CertRequests() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]int, len(t.state.CertRequests))
	for k, v := range t.state.CertRequests {
		out[k] = v
	}
	return out
}

// RateLimited returns how many requests the concurrency limit refused
// (429, code 20429).
func (t *Twilio) RateLimited() int64 {
	if t.conc == nil {
		return 0
	}
	return t.conc.rejected.Load()
}

// ServeHTTP implements http.Handler.
func (t *Twilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if t.conc != nil {
		if !t.conc.enter() {
			twilioWriteJSON(w, http.StatusTooManyRequests, json.RawMessage(twilioErrorBody(http.StatusTooManyRequests)))
			return
		}
		defer t.conc.leave()
	}
	if !t.cfg.Latency.wait(r) {
		return
	}
	var h http.Handler = http.HandlerFunc(t.serve)
	if t.Holds != nil {
		h = t.Holds.Wrap(h)
	}
	if t.Faults != nil {
		h = t.Faults.Wrap(h, twilioErrorBody)
	}
	h.ServeHTTP(w, r)
}

func (t *Twilio) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Twilio-Request-Id", twilioNewSID("RQ"))
	if !t.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		twilioWriteJSON(w, http.StatusUnauthorized, map[string]any{
			"code":      twilioCodeAuthenticate,
			"detail":    "Your AccountSid or AuthToken was incorrect.",
			"message":   "Authenticate",
			"more_info": twilioMoreInfo(twilioCodeAuthenticate),
			"status":    http.StatusUnauthorized,
		})
		return
	}
	if i := strings.Index(r.URL.Path, twilioAPIPrefix); i >= 0 {
		t.serveMessages(w, r, r.URL.Path[i:])
		return
	}
	path, parts := twilioRoute(r.URL.Path)
	allow := func(methods ...string) bool { return twilioAllow(w, r, methods...) }
	switch {
	case len(parts) == 5 && parts[0] == "v2" && parts[1] == "LinkShortening" && parts[2] == "Domains" && parts[4] == "Certificate":
		if allow(http.MethodGet) {
			t.certificate(w, r, path, parts[3])
		}
	case len(parts) == 5 && parts[0] == "v1" && parts[1] == "LinkShortening" && parts[2] == "Domains" && parts[4] == "Certificate":
		if allow(http.MethodGet) {
			t.certificateV1(w, r, path, parts[3])
		}
	case len(parts) == 5 && parts[0] == "v1" && parts[1] == "LinkShortening" && parts[2] == "Domains" && parts[4] == "RequestManagedCert":
		if allow(http.MethodPost) {
			t.requestManagedCert(w, r, path, parts[3])
		}
	case len(parts) == 5 && parts[0] == "v1" && parts[1] == "LinkShortening" && parts[2] == "Domains" && parts[4] == "ValidateDns":
		if allow(http.MethodGet) {
			t.validateDNS(w, r, path, parts[3])
		}
	case len(parts) == 5 && parts[0] == "v1" && parts[1] == "LinkShortening" && parts[2] == "Domains" && parts[4] == "Config":
		if allow(http.MethodGet, http.MethodPost) {
			if r.Method == http.MethodGet {
				t.fetchConfig(w, r, path, parts[3])
			} else {
				t.updateConfig(w, r, path, parts[3])
			}
		}
	case len(parts) == 6 && parts[0] == "v1" && parts[1] == "LinkShortening" && parts[2] == "Domains" && parts[4] == "MessagingServices":
		if allow(http.MethodPost, http.MethodDelete) {
			if r.Method == http.MethodPost {
				t.attach(w, r, path, parts[3], parts[5])
			} else {
				t.detach(w, r, path, parts[3], parts[5])
			}
		}
	case len(parts) == 5 && parts[0] == "v1" && parts[1] == "LinkShortening" && parts[2] == "MessagingServices" && parts[4] == "Domain":
		if allow(http.MethodGet) {
			t.messagingServiceDomain(w, path, parts[3])
		}
	default:
		twilioWriteNotFound(w, path)
	}
}

// twilioRoute returns the path from /v1/ or /v2/ on and its segments.
func twilioRoute(p string) (string, []string) {
	i := -1
	for _, v := range []string{"/v1/", "/v2/"} {
		if j := strings.Index(p, v); j >= 0 && (i < 0 || j < i) {
			i = j
		}
	}
	if i < 0 {
		return p, nil
	}
	p = p[i:]
	return p, strings.Split(strings.Trim(p, "/"), "/")
}

func (t *Twilio) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	u := subtle.ConstantTimeCompare([]byte(user), []byte(t.cfg.AccountSID))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(t.cfg.AuthToken))
	return u&p == 1
}

// certificate: GET /v2/LinkShortening/Domains/{DN}/Certificate. Each fetch
// while a managed request is in progress is a poll; the CertAfterPolls-th
// issues the certificate if the domain's DNS is valid.
func (t *Twilio) certificate(w http.ResponseWriter, r *http.Request, path, dn string) {
	t.withDomain(w, r, path, TwilioOpCertificate, dn, func(_ *twilioState, d *twilioDomain) (any, bool, bool) {
		changed := false
		if c := d.Cert; c != nil && c.Requesting {
			c.Polls++
			changed = true
			if c.Polls >= t.cfg.CertAfterPolls {
				if valid, _ := t.dnsValid(d.Name); valid {
					now := t.now()
					exp := now.Add(twilioCertLifetime)
					c.Requesting, c.Expires, c.Updated = false, &exp, now
				}
			}
		}
		return t.certV2Body(d), false, changed
	})
}

// certificateV1: GET /v1/LinkShortening/Domains/{DN}/Certificate, the v1
// view of the same certificate (no managed/requesting flags, as in
// Twilio's messaging.v1.domain_cert_v4). It only reads: a v1 fetch is not
// a poll of a managed request.
func (t *Twilio) certificateV1(w http.ResponseWriter, r *http.Request, path, dn string) {
	t.withDomain(w, r, path, TwilioOpCertificateV1, dn, func(_ *twilioState, d *twilioDomain) (any, bool, bool) {
		b := t.certV2Body(d)
		delete(b, "managed")
		delete(b, "requesting")
		b["url"] = twilioBaseURL + "/v1/LinkShortening/Domains/" + d.SID + "/Certificate"
		return b, false, false
	})
}

// withDomain runs fn on domain dn under the state lock, counting op, and
// answers: 404 when there is no such domain, the save error when saving
// fails, 201 when fn created the resource, else 200, with fn's body. fn
// reports whether it changed the state (which is then saved).
func (t *Twilio) withDomain(w http.ResponseWriter, r *http.Request, path, op, dn string,
	fn func(s *twilioState, d *twilioDomain) (body any, created, changed bool)) {
	var body any
	found, created := false, false
	err := t.mutate(r.Context(), func(s *twilioState) bool {
		t.count(op, dn)
		d, ok := s.Domains[dn]
		if !ok {
			return false
		}
		found = true
		var changed bool
		body, created, changed = fn(s, d)
		return changed
	})
	switch {
	case err != nil:
		twilioWriteSaveError(w)
	case !found:
		twilioWriteNotFound(w, path)
	case created:
		twilioWriteJSON(w, http.StatusCreated, body)
	default:
		twilioWriteJSON(w, http.StatusOK, body)
	}
}

func (t *Twilio) certV2Body(d *twilioDomain) map[string]any {
	b := map[string]any{
		"certificate_sid":    nil,
		"domain_name":        "https://" + d.Name,
		"domain_sid":         d.SID,
		"date_expires":       nil,
		"date_created":       nil,
		"date_updated":       nil,
		"url":                twilioBaseURL + "/v2/LinkShortening/Domains/" + d.SID + "/Certificate",
		"cert_in_validation": nil,
		"managed":            false,
		"requesting":         false,
	}
	if c := d.Cert; c != nil {
		b["certificate_sid"] = c.SID
		b["date_created"] = twilioDate(c.Requested)
		b["date_updated"] = twilioDate(c.Updated)
		b["managed"] = c.Managed
		b["requesting"] = c.Requesting
		if c.Expires != nil {
			b["date_expires"] = twilioDate(*c.Expires)
		}
		if c.Requesting {
			b["cert_in_validation"] = map[string]any{
				"status":       "pending",
				"date_expires": twilioDate(c.Requested.Add(twilioCertLifetime)),
			}
		}
	}
	return b
}

// requestManagedCert: POST /v1/LinkShortening/Domains/{DN}/RequestManagedCert.
// The first request starts one (201); a request in progress or a managed
// certificate already issued gets the same resource back (200) and
// nothing new starts.
func (t *Twilio) requestManagedCert(w http.ResponseWriter, r *http.Request, path, dn string) {
	t.withDomain(w, r, path, TwilioOpRequestManagedCert, dn, func(s *twilioState, d *twilioDomain) (any, bool, bool) {
		created := false
		if d.Cert == nil || !d.Cert.Managed {
			now := t.now()
			d.Cert = &twilioCert{SID: twilioNewSID("CW"), Managed: true, Requesting: true, Requested: now, Updated: now}
			created = true
			if s.CertRequests == nil {
				s.CertRequests = map[string]int{}
			}
			s.CertRequests[dn]++
		}
		c := d.Cert
		b := map[string]any{
			"certificate_sid": c.SID,
			"domain_name":     "https://" + d.Name,
			"domain_sid":      d.SID,
			"date_created":    twilioDate(c.Requested),
			"date_updated":    twilioDate(c.Updated),
			"date_expires":    nil,
			"url":             twilioBaseURL + "/v1/LinkShortening/Domains/" + d.SID + "/RequestManagedCert",
			"managed":         c.Managed,
			"requesting":      c.Requesting,
		}
		if c.Expires != nil {
			b["date_expires"] = twilioDate(*c.Expires)
		}
		return b, created, created
	})
}

// validateDNS: GET /v1/LinkShortening/Domains/{DN}/ValidateDns.
func (t *Twilio) validateDNS(w http.ResponseWriter, r *http.Request, path, dn string) {
	t.mu.Lock()
	t.count(TwilioOpValidateDNS, dn)
	d, ok := t.state.Domains[dn]
	var name string
	if ok {
		name = d.Name
	}
	t.mu.Unlock()
	if !ok {
		twilioWriteNotFound(w, path)
		return
	}
	valid, reason := t.dnsValid(name)
	twilioWriteJSON(w, http.StatusOK, map[string]any{
		"domain_sid": dn,
		"is_valid":   valid,
		"reason":     reason,
		"url":        twilioBaseURL + "/v1/LinkShortening/Domains/" + dn + "/ValidateDns",
	})
}

// dnsValid reports whether host has a CNAME to the expected target, and
// why not.
func (t *Twilio) dnsValid(host string) (bool, string) {
	if t.cfg.DNS == nil {
		return true, ""
	}
	target, ok := t.cfg.DNS.LookupCNAME(host)
	want := strings.TrimSuffix(t.cfg.ExpectedCNAMETarget, ".")
	switch {
	case !ok || target == "":
		return false, fmt.Sprintf("No CNAME record found for %s. Add a CNAME record pointing to %s.", host, want)
	case !providers.SameHost(target, want):
		return false, fmt.Sprintf("The CNAME record for %s points to %s instead of %s.", host, strings.TrimSuffix(target, "."), want)
	}
	return true, ""
}

// fetchConfig: GET /v1/LinkShortening/Domains/{DN}/Config. A domain that
// was never configured has no config resource: 404.
func (t *Twilio) fetchConfig(w http.ResponseWriter, r *http.Request, path, dn string) {
	t.mu.Lock()
	t.count(TwilioOpFetchConfig, dn)
	var body any
	d, ok := t.state.Domains[dn]
	if ok && d.Config != nil {
		body = twilioConfigBody(d)
	}
	t.mu.Unlock()
	if body == nil {
		twilioWriteNotFound(w, path)
		return
	}
	twilioWriteJSON(w, http.StatusOK, body)
}

// updateConfig: POST /v1/LinkShortening/Domains/{DN}/Config with any of
// CallbackUrl, FallbackUrl, ContinueOnFailure, DisableHttps; fields not
// sent keep their value. 201 when it creates the config, 200 after.
func (t *Twilio) updateConfig(w http.ResponseWriter, r *http.Request, path, dn string) {
	if err := r.ParseForm(); err != nil {
		twilioWriteError(w, http.StatusBadRequest, twilioCodeInvalidParameter, "Unable to parse the request body")
		return
	}
	form := r.PostForm
	var urls [2]*string
	for i, name := range []string{"CallbackUrl", "FallbackUrl"} {
		if _, sent := form[name]; !sent {
			continue
		}
		v := form.Get(name)
		if !twilioValidURL(v) {
			t.countLocked(TwilioOpUpdateConfig, dn)
			twilioWriteError(w, http.StatusBadRequest, twilioCodeInvalidURL,
				fmt.Sprintf("%s is not a valid URL: %q", name, v))
			return
		}
		urls[i] = &v
	}
	var flags [2]*bool
	for i, name := range []string{"ContinueOnFailure", "DisableHttps"} {
		if _, sent := form[name]; !sent {
			continue
		}
		b, err := strconv.ParseBool(form.Get(name))
		if err != nil {
			t.countLocked(TwilioOpUpdateConfig, dn)
			twilioWriteError(w, http.StatusBadRequest, twilioCodeInvalidParameter,
				fmt.Sprintf("Invalid parameter %s: %q is not a boolean", name, form.Get(name)))
			return
		}
		flags[i] = &b
	}
	t.withDomain(w, r, path, TwilioOpUpdateConfig, dn, func(_ *twilioState, d *twilioDomain) (any, bool, bool) {
		created := false
		now := t.now()
		if d.Config == nil {
			d.Config = &twilioDomainConfig{SID: twilioNewSID("ZK"), Created: now}
			created = true
		}
		c := d.Config
		if urls[0] != nil {
			c.CallbackURL = *urls[0]
		}
		if urls[1] != nil {
			c.FallbackURL = *urls[1]
		}
		if flags[0] != nil {
			c.ContinueOnFailure = *flags[0]
		}
		if flags[1] != nil {
			c.DisableHTTPS = *flags[1]
		}
		c.Updated = now
		return twilioConfigBody(d), created, true
	})
}

func twilioConfigBody(d *twilioDomain) map[string]any {
	c := d.Config
	b := map[string]any{
		"domain_sid":          d.SID,
		"config_sid":          c.SID,
		"fallback_url":        nil,
		"callback_url":        nil,
		"continue_on_failure": c.ContinueOnFailure,
		"date_created":        twilioDate(c.Created),
		"date_updated":        twilioDate(c.Updated),
		"url":                 twilioBaseURL + "/v1/LinkShortening/Domains/" + d.SID + "/Config",
		"disable_https":       c.DisableHTTPS,
	}
	if c.FallbackURL != "" {
		b["fallback_url"] = c.FallbackURL
	}
	if c.CallbackURL != "" {
		b["callback_url"] = c.CallbackURL
	}
	return b
}

// twilioValidURL accepts absolute http(s) URLs with a host.
func twilioValidURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// attach: POST /v1/LinkShortening/Domains/{DN}/MessagingServices/{MG}.
// The same pair again answers 201 with the same resource; a Messaging
// Service attached to another domain is refused with 30130 (HTTP 400).
func (t *Twilio) attach(w http.ResponseWriter, r *http.Request, path, dn, mg string) {
	found, inUse := false, false
	err := t.mutate(r.Context(), func(s *twilioState) bool {
		t.count(TwilioOpAttachMessagingService, dn)
		if _, ok := s.Domains[dn]; !ok || !providers.ValidMessagingServiceSID(mg) {
			return false
		}
		found = true
		switch cur, ok := s.MessagingServices[mg]; {
		case ok && cur == dn:
			return false
		case ok:
			inUse = true
			return false
		}
		s.MessagingServices[mg] = dn
		return true
	})
	switch {
	case err != nil:
		twilioWriteSaveError(w)
	case !found:
		twilioWriteNotFound(w, path)
	case inUse:
		twilioWriteError(w, http.StatusBadRequest, twilioCodeInUse,
			"Messaging Service SID already belongs in another domain configuration.")
	default:
		twilioWriteJSON(w, http.StatusCreated, map[string]any{
			"domain_sid":            dn,
			"messaging_service_sid": mg,
			"url":                   twilioBaseURL + "/v1/LinkShortening/Domains/" + dn + "/MessagingServices/" + mg,
		})
	}
}

// detach: DELETE /v1/LinkShortening/Domains/{DN}/MessagingServices/{MG}.
// 204; 404 when the pair is not attached.
func (t *Twilio) detach(w http.ResponseWriter, r *http.Request, path, dn, mg string) {
	found := false
	err := t.mutate(r.Context(), func(s *twilioState) bool {
		t.count(TwilioOpDetachMessagingService, dn)
		if cur, ok := s.MessagingServices[mg]; ok && cur == dn {
			delete(s.MessagingServices, mg)
			found = true
			return true
		}
		return false
	})
	switch {
	case err != nil:
		twilioWriteSaveError(w)
	case !found:
		twilioWriteNotFound(w, path)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// messagingServiceDomain: GET /v1/LinkShortening/MessagingServices/{MG}/Domain.
func (t *Twilio) messagingServiceDomain(w http.ResponseWriter, path, mg string) {
	t.mu.Lock()
	t.count(TwilioOpMessagingServiceDomain, mg)
	dn, ok := t.state.MessagingServices[mg]
	t.mu.Unlock()
	if !ok {
		twilioWriteNotFound(w, path)
		return
	}
	twilioWriteJSON(w, http.StatusOK, map[string]any{
		"domain_sid":            dn,
		"messaging_service_sid": mg,
		"url":                   twilioBaseURL + "/v1/LinkShortening/MessagingServices/" + mg + "/Domain",
	})
}

// mutate runs fn on the state under the lock; when fn reports a change,
// the state is saved, and rolled back if saving fails.
func (t *Twilio) mutate(ctx context.Context, fn func(*twilioState) bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return changeState(ctx, t.cfg.Persister, TwilioStateName, &t.state, func() bool { return fn(&t.state) })
}

// count records a call; t.mu must be held.
func (t *Twilio) count(op, sid string) {
	t.calls[op+"\x00"+sid]++
	t.calls[op+"\x00"]++
}

func (t *Twilio) countLocked(op, sid string) {
	t.mu.Lock()
	t.count(op, sid)
	t.mu.Unlock()
}

func (t *Twilio) now() time.Time { return t.cfg.Now().UTC().Truncate(time.Second) }

func twilioDate(tm time.Time) string { return tm.UTC().Format(twilioDateLayout) }

func twilioMoreInfo(code int) string {
	return "https://www.twilio.com/docs/errors/" + strconv.Itoa(code)
}

// twilioErrorBody is Twilio's error body for an injected fault.
func twilioErrorBody(status int) []byte {
	code := 20000 + status
	msg := http.StatusText(status)
	if status == http.StatusUnauthorized {
		code, msg = twilioCodeAuthenticate, "Authenticate"
	}
	b, _ := json.Marshal(map[string]any{
		"code": code, "message": msg, "more_info": twilioMoreInfo(code), "status": status,
	})
	return b
}

// twilioAllow reports whether r's method is one of methods, and otherwise
// answers 405 with Allow, as Twilio does.
func twilioAllow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	twilioWriteError(w, http.StatusMethodNotAllowed, twilioCodeMethodNotAllowed, "Method not allowed")
	return false
}

func twilioWriteError(w http.ResponseWriter, status, code int, msg string) {
	twilioWriteJSON(w, status, map[string]any{
		"code": code, "message": msg, "more_info": twilioMoreInfo(code), "status": status,
	})
}

func twilioWriteNotFound(w http.ResponseWriter, path string) {
	twilioWriteError(w, http.StatusNotFound, twilioCodeNotFound,
		fmt.Sprintf("The requested resource %s was not found", path))
}

func twilioWriteSaveError(w http.ResponseWriter) {
	twilioWriteError(w, http.StatusInternalServerError, 20500, "Internal Server Error")
}

func twilioWriteJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// twilioNewSID returns prefix + 32 random hex digits.
func twilioNewSID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
