package mocks

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/linkgate/linkgate/providers"
)

// CloudflarePersistName is the name the fake Cloudflare saves its state
// under in a Persister.
const CloudflarePersistName = "cloudflare"

// Cloudflare error codes the fake answers with: the ones Cloudflare is
// known to send for these cases. Codes marked (assumed) are used where no
// public reference was found; linkgate acts on the HTTP status for them.
const (
	cfCodeInvalidHeaders      = 6003  // "Invalid request headers"
	cfCodeBadAuthHeader       = 6111  // "Invalid format for Authorization header"
	cfCodeMissingAuth         = 9106  // "Missing X-Auth-Key, X-Auth-Email or Authorization headers"
	cfCodeInvalidToken        = 9109  // "Invalid access token"
	cfCodeAuthError           = 10000 // "Authentication error"
	cfCodeInvalidAPIToken     = 1000  // "Invalid API Token" (token verify)
	cfCodeNoRoute             = 7000  // "No route for that URI"
	cfCodeMethodNotAllowed    = 7001  // "Method not allowed" (assumed)
	cfCodeCouldNotRoute       = 7003  // "Could not route to ..., perhaps your object identifier is invalid?"
	cfCodeValidation          = 1004  // "DNS Validation Error", with an error_chain
	cfCodeInvalidName         = 9000  // "DNS name is invalid."
	cfCodeInvalidIPv4         = 9005  // "Content for A record must be a valid IPv4 address."
	cfCodeInvalidIPv6         = 9006  // "Content for AAAA record must be a valid IPv6 address." (assumed)
	cfCodeInvalidCNAME        = 9007  // "Content for CNAME record is invalid." (assumed)
	cfCodeInvalidContent      = 9008  // "Content for TXT record is invalid." (assumed)
	cfCodeInvalidType         = 9020  // "Invalid DNS record type" (assumed)
	cfCodeInvalidTTL          = 9021  // "TTL must be between 60 and 86400 seconds, or 1 for Automatic."
	cfCodeTTLNotNumber        = 9022  // "TTL must be a number, not a string."
	cfCodeCNAMESelf           = 9039  // "CNAME content cannot reference itself."
	cfCodeNotProxiable        = 9041  // "Invalid proxied mode. Record cannot be proxied"
	cfCodeInvalidBody         = 9207  // "Request body is invalid." (assumed)
	cfCodeRecordNotFound      = 81044 // "Record does not exist."
	cfCodeAddressOrCNAMEExist = 81053 // "An A, AAAA, or CNAME record with that host already exists."
	cfCodeCNAMEExists         = 81054 // "A CNAME record with that host already exists."
	cfCodeNSExist             = 81056 // "NS records with that host already exist."
	cfCodeIdenticalExists     = 81058 // "An identical record already exists."
	cfCodeRateLimited         = 10000 // "More than 1200 requests per 300 seconds reached. Please wait and consider throttling your request speed" (code assumed)
	cfCodeInternal            = 10002 // "An unknown error has occurred" (assumed)
)

var (
	cfZoneNamePattern = regexp.MustCompile(`^([a-z0-9][-a-z0-9]*\.)+[-a-z0-9]{2,20}$`)
	cfLabelPattern    = regexp.MustCompile(`^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$`)
)

// cfTypes are the record types of the API's schema; cfWritable are those
// the fake lets clients create (the others need a structured "data").
var (
	cfTypes    = []string{"A", "AAAA", "CAA", "CERT", "CNAME", "DNSKEY", "DS", "HTTPS", "LOC", "MX", "NAPTR", "NS", "PTR", "SMIMEA", "SRV", "SSHFP", "SVCB", "TLSA", "TXT", "URI"}
	cfWritable = []string{"A", "AAAA", "CNAME", "NS", "PTR", "TXT"}
)

// CloudflareConfig configures the fake Cloudflare.
type CloudflareConfig struct {
	// Persister keeps the zones, tokens and records between runs (sandbox
	// mode); nil keeps them in memory only.
	Persister Persister
	// Now is the clock for created_on/modified_on; time.Now if nil.
	Now func() time.Time
	// Latency delays every answer (zero: none).
	Latency Latency
	// RateLimit, when N > 0, enforces Cloudflare's global API rate limit
	// per token (DefaultCloudflareRateLimit is the documented one): 429
	// with Cloudflare's error body and Retry-After, counted by
	// RateLimited.
	RateLimit CloudflareRateLimit
}

// Cloudflare is a stateful fake of the Cloudflare API v4 for what linkgate
// uses: token verification, zones (list with name/status filters and
// paging, details) and DNS records (list with name, name.exact, type,
// content filters and paging; create, patch, overwrite, delete). It answers
// like the real API: the {"success","errors","messages","result"}
// envelope, Bearer-token authentication scoped to zones, Cloudflare's error
// codes for bad tokens, unknown zones and records, invalid records and
// records that collide (81053, 81054, 81056, 81058), and an empty page past
// the last one.
//
// It is an http.Handler serving paths that end in /client/v4/...; it can be
// mounted under any prefix (sandbox mode serves it under
// /_sandbox/cloudflare/client/v4/). It is safe for concurrent use.
type Cloudflare struct {
	// Faults answers the next requests with injected failures.
	Faults *Faults
	// Holds delays the answers of the next requests after serving them.
	Holds *Holds

	hostFake[cfState]
	now     func() time.Time
	latency Latency
	limiter *windowLimiter // nil: no rate limit
}

// cfState is what the fake keeps (and persists as JSON).
type cfState struct {
	AccountID string              `json:"account_id"`
	Zones     []*cfZone           `json:"zones"`
	Records   []*cfRecord         `json:"records"`
	Tokens    map[string]*cfToken `json:"tokens"` // by hex SHA-256 of the token
	// RecordsCreated counts, per record name, the records created through
	// the API (successful POST .../dns_records): the side effect linkgate
	// must cause once per domain, whatever its retries and crashes.
	RecordsCreated map[string]int `json:"records_created,omitempty"`
}

func (s cfState) createdCounts() map[string]int { return s.RecordsCreated }

type cfZone struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Status      string    `json:"status"`
	NameServers []string  `json:"name_servers"`
	CreatedOn   time.Time `json:"created_on"`
}

type cfToken struct {
	ID    string   `json:"id"`
	Zones []string `json:"zones"`
}

type cfRecord struct {
	ID                string    `json:"id"`
	ZoneID            string    `json:"zone_id"`
	Type              string    `json:"type"`
	Name              string    `json:"name"`
	Content           string    `json:"content"`
	TTL               int       `json:"ttl"`
	Proxied           bool      `json:"proxied"`
	Comment           string    `json:"comment,omitempty"`
	Tags              []string  `json:"tags,omitempty"`
	CreatedOn         time.Time `json:"created_on"`
	ModifiedOn        time.Time `json:"modified_on"`
	CommentModifiedOn time.Time `json:"comment_modified_on"`
}

// NewCloudflare returns a fake Cloudflare with the state saved in
// cfg.Persister, if any.
func NewCloudflare(cfg CloudflareConfig) (*Cloudflare, error) {
	c := &Cloudflare{Faults: &Faults{}, Holds: &Holds{}, now: cfg.Now, latency: cfg.Latency}
	if cfg.RateLimit.N > 0 {
		if cfg.RateLimit.Window <= 0 {
			return nil, fmt.Errorf("mocks: cloudflare: rate limit window must be positive")
		}
		c.limiter = newWindowLimiter(cfg.RateLimit)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if err := c.load(cfg.Persister, CloudflarePersistName); err != nil {
		return nil, err
	}
	if c.st.AccountID == "" {
		c.st.AccountID = cfNewID()
	}
	if c.st.Tokens == nil {
		c.st.Tokens = map[string]*cfToken{}
	}
	if c.st.RecordsCreated == nil {
		c.st.RecordsCreated = map[string]int{}
	}
	return c, nil
}

// ---- control methods (tests and sandbox mode) ----

// CreateZone adds an active zone called name (or finds the one that
// exists) and returns its id and a new API token that may read it and edit
// its DNS records, and nothing else.
func (c *Cloudflare) CreateZone(ctx context.Context, name string) (zoneID, apiToken string, err error) {
	name = providers.NormalizeHost(name)
	if len(name) > 253 || !cfZoneNamePattern.MatchString(name) {
		return "", "", fmt.Errorf("mocks: %q is not a valid zone name", name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	err = c.changeLocked(ctx, func() {
		z := c.zoneByNameLocked(name)
		if z == nil {
			z = &cfZone{ID: cfNewID(), Name: name, Status: "active", CreatedOn: c.now().UTC(),
				NameServers: []string{"ada.ns.cloudflare.com", "bob.ns.cloudflare.com"}}
			c.st.Zones = append(c.st.Zones, z)
		}
		zoneID = z.ID
		apiToken = c.addTokenLocked([]string{z.ID})
	})
	return zoneID, apiToken, err
}

// AddZone is CreateZone for tests: it panics on an invalid name or a
// Persister failure.
func (c *Cloudflare) AddZone(name string) (zoneID, apiToken string) {
	zoneID, apiToken, err := c.CreateZone(context.Background(), name)
	if err != nil {
		panic(err)
	}
	return zoneID, apiToken
}

// AddToken returns a new API token that may read and edit these zones
// (none: a valid token that sees nothing). It panics on a Persister
// failure.
func (c *Cloudflare) AddToken(zoneIDs ...string) string {
	var tok string
	c.mustMutate(func() error {
		tok = c.addTokenLocked(zoneIDs)
		return nil
	})
	return tok
}

// RevokeToken makes tok invalid, as rolling or deleting it does.
func (c *Cloudflare) RevokeToken(tok string) {
	c.mustMutate(func() error {
		delete(c.st.Tokens, cfTokenKey(tok))
		return nil
	})
}

// AddRecord puts r in the zone directly, with none of the API's checks (to
// seed what a client made by hand, conflicts included), and returns its id.
// r.Name is fully qualified; r.TTL 0 means 1 (automatic). It panics on an
// unknown zone or a Persister failure.
func (c *Cloudflare) AddRecord(zoneID string, r providers.Record) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var id string
	c.mustMutateLocked(func() error {
		if c.zoneLocked(zoneID) == nil {
			return fmt.Errorf("mocks: no zone %q", zoneID)
		}
		now := c.now().UTC()
		rec := &cfRecord{ID: cfNewID(), ZoneID: zoneID, Type: strings.ToUpper(r.Type),
			Name: providers.NormalizeHost(r.Name), Content: r.Content, TTL: r.TTL,
			Proxied: r.Proxied, Comment: r.Comment, CreatedOn: now, ModifiedOn: now}
		if rec.TTL == 0 {
			rec.TTL = 1
		}
		if rec.Comment != "" {
			rec.CommentModifiedOn = now
		}
		c.st.Records = append(c.st.Records, rec)
		id = rec.ID
		return nil
	})
	return id
}

// RemoveRecord deletes a record, as a person at the dashboard would (tests
// of drift). It reports whether the record existed.
func (c *Cloudflare) RemoveRecord(zoneID, id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	removed := false
	c.mustMutateLocked(func() error {
		for i, r := range c.st.Records {
			if r.ZoneID == zoneID && r.ID == id {
				c.st.Records = append(c.st.Records[:i], c.st.Records[i+1:]...)
				removed = true
				break
			}
		}
		return nil
	})
	return removed
}

// Records returns the records of a zone, in the API's order.
func (c *Cloudflare) Records(zoneID string) []providers.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []providers.Record
	for _, r := range c.sortedRecordsLocked() {
		if r.ZoneID == zoneID {
			out = append(out, r.record())
		}
	}
	return out
}

// RecordsAt returns every record, in any zone, whose name is name
// (compared with providers.SameHost): what an authoritative server for
// those zones would answer. The sandbox resolver uses it.
func (c *Cloudflare) RecordsAt(name string) []providers.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []providers.Record
	for _, r := range c.sortedRecordsLocked() {
		if providers.SameHost(r.Name, name) {
			out = append(out, r.record())
		}
	}
	return out
}

func (r *cfRecord) record() providers.Record {
	return providers.Record{ID: r.ID, Type: r.Type, Name: r.Name, Content: r.Content, TTL: r.TTL, Proxied: r.Proxied, Comment: r.Comment}
}

// ---- state helpers (c.mu held) ----

func (c *Cloudflare) addTokenLocked(zoneIDs []string) string {
	tok := cfNewToken()
	c.st.Tokens[cfTokenKey(tok)] = &cfToken{ID: cfNewID(), Zones: slices.Clone(zoneIDs)}
	return tok
}

func (c *Cloudflare) zoneLocked(id string) *cfZone {
	for _, z := range c.st.Zones {
		if z.ID == id {
			return z
		}
	}
	return nil
}

func (c *Cloudflare) zoneByNameLocked(name string) *cfZone {
	for _, z := range c.st.Zones {
		if z.Name == name {
			return z
		}
	}
	return nil
}

func (c *Cloudflare) recordLocked(zoneID, id string) *cfRecord {
	for _, r := range c.st.Records {
		if r.ID == id && r.ZoneID == zoneID {
			return r
		}
	}
	return nil
}

func (c *Cloudflare) sortedRecordsLocked() []*cfRecord {
	out := slices.Clone(c.st.Records)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].CreatedOn.Before(out[j].CreatedOn)
	})
	return out
}

func cfTokenKey(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// cfNewID returns a Cloudflare identifier: 32 lowercase hex digits.
func cfNewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// cfNewToken returns a 40-character token like Cloudflare's.
func cfNewToken() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	var b [40]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// ---- HTTP ----

// cfMessage is an entry of an envelope's errors or messages.
type cfMessage struct {
	Code       int         `json:"code"`
	Message    string      `json:"message"`
	ErrorChain []cfMessage `json:"error_chain,omitempty"`
}

// cfAPIError is a failure answer: an HTTP status and the errors.
type cfAPIError struct {
	status int
	errors []cfMessage
}

func (e *cfAPIError) Error() string { return fmt.Sprintf("%d %v", e.status, e.errors) }

func cfFail(status, code int, message string) *cfAPIError {
	return &cfAPIError{status: status, errors: []cfMessage{{Code: code, Message: message}}}
}

// cfInvalid is a 400 "DNS Validation Error" with its cause in the chain.
func cfInvalid(code int, message string) *cfAPIError {
	return &cfAPIError{status: http.StatusBadRequest, errors: []cfMessage{{
		Code: cfCodeValidation, Message: "DNS Validation Error", ErrorChain: []cfMessage{{Code: code, Message: message}},
	}}}
}

func cfNoRoute(path string) *cfAPIError {
	return &cfAPIError{status: http.StatusBadRequest, errors: []cfMessage{
		{Code: cfCodeCouldNotRoute, Message: "Could not route to " + path + ", perhaps your object identifier is invalid?"},
		{Code: cfCodeNoRoute, Message: "No route for that URI"},
	}}
}

type cfEnvelope struct {
	Success    bool          `json:"success"`
	Errors     []cfMessage   `json:"errors"`
	Messages   []cfMessage   `json:"messages"`
	Result     any           `json:"result"`
	ResultInfo *cfResultInfo `json:"result_info,omitempty"`
}

type cfResultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

func cfWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func cfWriteError(w http.ResponseWriter, e *cfAPIError) {
	cfWriteJSON(w, e.status, cfEnvelope{Errors: e.errors, Messages: []cfMessage{}})
}

func cfWriteResult(w http.ResponseWriter, result any, info *cfResultInfo) {
	cfWriteJSON(w, http.StatusOK, cfEnvelope{Success: true, Errors: []cfMessage{}, Messages: []cfMessage{}, Result: result, ResultInfo: info})
}

// cfFaultBody is the JSON body of an injected fault.
func cfFaultBody(status int) []byte {
	code, msg := cfCodeInternal, "An unknown error has occurred"
	switch {
	case status == http.StatusTooManyRequests:
		code, msg = cfCodeRateLimited, "More than 1200 requests per 300 seconds reached. Please wait and consider throttling your request speed"
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		code, msg = cfCodeAuthError, "Authentication error"
	case status < 500:
		msg = http.StatusText(status)
	}
	b, _ := json.Marshal(cfEnvelope{Errors: []cfMessage{{Code: code, Message: msg}}, Messages: []cfMessage{}})
	return b
}

// apiPath returns the path after /client/v4 ("/zones/..."), or the path as
// is when the prefix was stripped before.
func cfAPIPath(p string) string {
	if i := strings.LastIndex(p, "/client/v4/"); i >= 0 {
		return p[i+len("/client/v4"):]
	}
	if strings.HasSuffix(p, "/client/v4") {
		return "/"
	}
	if !strings.HasPrefix(p, "/") {
		return "/" + p
	}
	return p
}

// RateLimited returns how many requests the rate limit refused (429).
func (c *Cloudflare) RateLimited() int64 {
	if c.limiter == nil {
		return 0
	}
	return c.limiter.rejected.Load()
}

// ServeHTTP implements http.Handler.
func (c *Cloudflare) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !c.latency.wait(r) {
		return
	}
	if c.limiter != nil {
		if ok, after := c.limiter.allow(r.Header.Get("Authorization"), c.now()); !ok {
			w.Header().Set("Retry-After", retryAfterSeconds(after))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write(cfFaultBody(http.StatusTooManyRequests))
			return
		}
	}
	path := cfAPIPath(r.URL.Path)
	c.countCall(r.Method, path)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.serve(w, r, path) })
	guarded(h, c.Holds, c.Faults, cfFaultBody).ServeHTTP(w, r)
}

func (c *Cloudflare) serve(w http.ResponseWriter, r *http.Request, path string) {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	var (
		result any
		info   *cfResultInfo
		err    *cfAPIError
	)
	c.mu.Lock()
	switch {
	case len(seg) == 3 && seg[0] == "user" && seg[1] == "tokens" && seg[2] == "verify":
		result, err = c.verifyTokenLocked(r)
	case len(seg) >= 1 && seg[0] == "zones":
		result, info, err = c.zonesLocked(r, path, seg[1:])
	default:
		err = cfNoRoute(path)
	}
	c.mu.Unlock()
	if err != nil {
		cfWriteError(w, err)
		return
	}
	cfWriteResult(w, result, info)
}

// authLocked checks the Bearer token.
func (c *Cloudflare) authLocked(r *http.Request) (*cfToken, *cfAPIError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if r.Header.Get("X-Auth-Key") != "" || r.Header.Get("X-Auth-Email") != "" {
			return nil, &cfAPIError{status: http.StatusBadRequest, errors: []cfMessage{{Code: cfCodeInvalidHeaders,
				Message: "Invalid request headers", ErrorChain: []cfMessage{{Code: 6103, Message: "Invalid format for X-Auth-Key header"}}}}}
		}
		return nil, cfFail(http.StatusBadRequest, cfCodeMissingAuth, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" || strings.ContainsAny(tok, " \t") {
		return nil, &cfAPIError{status: http.StatusBadRequest, errors: []cfMessage{{Code: cfCodeInvalidHeaders,
			Message: "Invalid request headers", ErrorChain: []cfMessage{{Code: cfCodeBadAuthHeader, Message: "Invalid format for Authorization header"}}}}}
	}
	t := c.st.Tokens[cfTokenKey(tok)]
	if t == nil {
		return nil, cfFail(http.StatusForbidden, cfCodeInvalidToken, "Invalid access token")
	}
	return t, nil
}

func (c *Cloudflare) verifyTokenLocked(r *http.Request) (any, *cfAPIError) {
	if r.Method != http.MethodGet {
		return nil, cfFail(http.StatusMethodNotAllowed, cfCodeMethodNotAllowed, "Method not allowed")
	}
	h := r.Header.Get("Authorization")
	tok, _ := strings.CutPrefix(h, "Bearer ")
	t := c.st.Tokens[cfTokenKey(tok)]
	if h == "" || t == nil {
		return nil, cfFail(http.StatusUnauthorized, cfCodeInvalidAPIToken, "Invalid API Token")
	}
	return map[string]string{"id": t.ID, "status": "active"}, nil
}

// zoneAccessLocked finds a zone the token may use.
func (c *Cloudflare) zoneAccessLocked(t *cfToken, zoneID, path string) (*cfZone, *cfAPIError) {
	z := c.zoneLocked(zoneID)
	if z == nil {
		return nil, cfNoRoute(path)
	}
	if !slices.Contains(t.Zones, zoneID) {
		return nil, cfFail(http.StatusForbidden, cfCodeAuthError, "Authentication error")
	}
	return z, nil
}

func (c *Cloudflare) zonesLocked(r *http.Request, path string, seg []string) (any, *cfResultInfo, *cfAPIError) {
	t, err := c.authLocked(r)
	if err != nil {
		return nil, nil, err
	}
	methods := func(allowed ...string) *cfAPIError {
		if slices.Contains(allowed, r.Method) {
			return nil
		}
		return cfFail(http.StatusMethodNotAllowed, cfCodeMethodNotAllowed, "Method not allowed")
	}
	switch len(seg) {
	case 0:
		if err := methods(http.MethodGet); err != nil {
			return nil, nil, err
		}
		res, info := c.listZonesLocked(t, r)
		return res, info, nil
	case 1:
		if err := methods(http.MethodGet); err != nil {
			return nil, nil, err
		}
		z, err := c.zoneAccessLocked(t, seg[0], path)
		if err != nil {
			return nil, nil, err
		}
		return c.zoneJSON(z), nil, nil
	}
	if seg[1] != "dns_records" || len(seg) > 3 {
		return nil, nil, cfNoRoute(path)
	}
	z, err := c.zoneAccessLocked(t, seg[0], path)
	if err != nil {
		return nil, nil, err
	}
	if len(seg) == 2 {
		switch r.Method {
		case http.MethodGet:
			res, info := c.listRecordsLocked(z, r)
			return res, info, nil
		case http.MethodPost:
			res, err := c.createRecordLocked(r.Context(), z, r)
			return res, nil, err
		}
		return nil, nil, methods()
	}
	rec := c.recordLocked(z.ID, seg[2])
	if rec == nil {
		if err := methods(http.MethodGet, http.MethodPatch, http.MethodPut, http.MethodDelete); err != nil {
			return nil, nil, err
		}
		return nil, nil, cfFail(http.StatusNotFound, cfCodeRecordNotFound, "Record does not exist.")
	}
	switch r.Method {
	case http.MethodGet:
		return c.recordJSON(rec), nil, nil
	case http.MethodPatch, http.MethodPut:
		res, err := c.updateRecordLocked(r.Context(), z, rec, r)
		return res, nil, err
	case http.MethodDelete:
		id := rec.ID
		if err := c.changeLocked(context.WithoutCancel(r.Context()), func() {
			c.st.Records = slices.DeleteFunc(c.st.Records, func(x *cfRecord) bool { return x.ID == id })
		}); err != nil {
			return nil, nil, cfFail(http.StatusInternalServerError, cfCodeInternal, "An unknown error has occurred")
		}
		return map[string]string{"id": id}, nil, nil
	}
	return nil, nil, methods()
}

// ---- zones ----

type cfZoneJSON struct {
	ID                  string        `json:"id"`
	Name                string        `json:"name"`
	Status              string        `json:"status"`
	Paused              bool          `json:"paused"`
	Type                string        `json:"type"`
	DevelopmentMode     int           `json:"development_mode"`
	NameServers         []string      `json:"name_servers"`
	OriginalNameServers []string      `json:"original_name_servers"`
	OriginalRegistrar   *string       `json:"original_registrar"`
	OriginalDNSHost     *string       `json:"original_dnshost"`
	CreatedOn           string        `json:"created_on"`
	ModifiedOn          string        `json:"modified_on"`
	ActivatedOn         *string       `json:"activated_on"`
	Meta                cfZoneMeta    `json:"meta"`
	Owner               cfZoneOwner   `json:"owner"`
	Account             cfZoneAccount `json:"account"`
	Permissions         []string      `json:"permissions"`
}

type cfZoneMeta struct {
	Step                   int  `json:"step"`
	CustomCertificateQuota int  `json:"custom_certificate_quota"`
	PageRuleQuota          int  `json:"page_rule_quota"`
	PhishingDetected       bool `json:"phishing_detected"`
}

type cfZoneOwner struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Name string `json:"name"`
}

type cfZoneAccount struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func cfTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func (c *Cloudflare) zoneJSON(z *cfZone) cfZoneJSON {
	created := cfTime(z.CreatedOn)
	var activated *string
	if z.Status == "active" {
		activated = &created
	}
	return cfZoneJSON{
		ID: z.ID, Name: z.Name, Status: z.Status, Type: "full", NameServers: slices.Clone(z.NameServers),
		CreatedOn: created, ModifiedOn: created, ActivatedOn: activated,
		Meta:        cfZoneMeta{Step: 2, PageRuleQuota: 3},
		Owner:       cfZoneOwner{ID: c.st.AccountID, Type: "user", Name: "linkgate sandbox"},
		Account:     cfZoneAccount{ID: c.st.AccountID, Name: "linkgate sandbox"},
		Permissions: []string{"#dns_records:edit", "#dns_records:read", "#zone:read"},
	}
}

// cfPaging reads page and per_page, clamping per_page into [lo, hi].
func cfPaging(q map[string][]string, def, lo, hi int) (page, perPage int) {
	page, perPage = 1, def
	if v, err := strconv.ParseFloat(cfFirst(q, "page"), 64); err == nil && v >= 1 {
		page = int(v)
	}
	if v, err := strconv.ParseFloat(cfFirst(q, "per_page"), 64); err == nil {
		perPage = min(max(int(v), lo), hi)
	}
	return page, perPage
}

func cfFirst(q map[string][]string, key string) string {
	if v := q[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// cfPage cuts one page out of n items.
func cfPage(n, page, perPage int) (from, to int, info *cfResultInfo) {
	from = min((page-1)*perPage, n)
	to = min(from+perPage, n)
	return from, to, &cfResultInfo{Page: page, PerPage: perPage, Count: to - from, TotalCount: n, TotalPages: (n + perPage - 1) / perPage}
}

// cfMatchName applies GET /zones' name filter: "value" or "op:value".
func cfMatchName(filter, name string) bool {
	op, value := "equal", filter
	if i := strings.Index(filter, ":"); i > 0 {
		op, value = filter[:i], filter[i+1:]
	}
	if !strings.HasSuffix(op, "_case_sensitive") {
		value, name = strings.ToLower(value), strings.ToLower(name)
	}
	switch strings.TrimSuffix(op, "_case_sensitive") {
	case "equal":
		return name == strings.TrimSuffix(value, ".")
	case "not_equal":
		return name != strings.TrimSuffix(value, ".")
	case "starts_with":
		return strings.HasPrefix(name, value)
	case "ends_with":
		return strings.HasSuffix(name, value)
	case "contains":
		return strings.Contains(name, value)
	}
	// Not an operator: a plain name that happens to hold a colon.
	return name == strings.ToLower(filter)
}

func (c *Cloudflare) listZonesLocked(t *cfToken, r *http.Request) ([]cfZoneJSON, *cfResultInfo) {
	q := r.URL.Query()
	var match []*cfZone
	for _, z := range c.st.Zones {
		if !slices.Contains(t.Zones, z.ID) {
			continue
		}
		if v := cfFirst(q, "name"); v != "" && !cfMatchName(v, z.Name) {
			continue
		}
		if v := cfFirst(q, "status"); v != "" && v != z.Status {
			continue
		}
		if v := cfFirst(q, "account.id"); v != "" && v != c.st.AccountID {
			continue
		}
		match = append(match, z)
	}
	sort.Slice(match, func(i, j int) bool { return match[i].Name < match[j].Name })
	if cfFirst(q, "direction") == "desc" {
		slices.Reverse(match)
	}
	// The API documents per_page 5..50 (default 20).
	page, perPage := cfPaging(q, 20, 5, 50)
	from, to, info := cfPage(len(match), page, perPage)
	out := make([]cfZoneJSON, 0, to-from)
	for _, z := range match[from:to] {
		out = append(out, c.zoneJSON(z))
	}
	return out, info
}

// ---- records ----

type cfRecordJSON struct {
	ID                string         `json:"id"`
	Name              string         `json:"name"`
	Type              string         `json:"type"`
	Content           string         `json:"content"`
	Proxiable         bool           `json:"proxiable"`
	Proxied           bool           `json:"proxied"`
	TTL               int            `json:"ttl"`
	Settings          map[string]any `json:"settings"`
	Meta              map[string]any `json:"meta"`
	Comment           string         `json:"comment,omitempty"`
	Tags              []string       `json:"tags"`
	CreatedOn         string         `json:"created_on"`
	ModifiedOn        string         `json:"modified_on"`
	CommentModifiedOn string         `json:"comment_modified_on,omitempty"`
}

func cfProxiable(typ string) bool { return typ == "A" || typ == "AAAA" || typ == "CNAME" }

func (c *Cloudflare) recordJSON(r *cfRecord) cfRecordJSON {
	out := cfRecordJSON{
		ID: r.ID, Name: r.Name, Type: r.Type, Content: r.Content, Proxiable: cfProxiable(r.Type), Proxied: r.Proxied,
		TTL: r.TTL, Settings: map[string]any{}, Meta: map[string]any{}, Comment: r.Comment, Tags: slices.Clone(r.Tags),
		CreatedOn: cfTime(r.CreatedOn), ModifiedOn: cfTime(r.ModifiedOn),
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if r.Type == "CNAME" {
		out.Settings["flatten_cname"] = false
	}
	if r.Comment != "" && !r.CommentModifiedOn.IsZero() {
		out.CommentModifiedOn = cfTime(r.CommentModifiedOn)
	}
	return out
}

// cfTextFilter applies a name/content/comment filter: the plain key is an
// exact match, key.exact/contains/startswith/endswith the operators
// (case-insensitive, like the API).
func cfTextFilter(q map[string][]string, key, value string) (applies, ok bool) {
	value = strings.ToLower(value)
	check := func(op string, f func(v, want string) bool) {
		if want, present := q[key+op]; present {
			applies = true
			ok = ok && f(value, providers.NormalizeHost(want[0]))
		}
	}
	ok = true
	check("", func(v, w string) bool { return v == w })
	check(".exact", func(v, w string) bool { return v == w })
	check(".contains", strings.Contains)
	check(".startswith", strings.HasPrefix)
	check(".endswith", strings.HasSuffix)
	return applies, ok
}

func (c *Cloudflare) listRecordsLocked(z *cfZone, r *http.Request) ([]cfRecordJSON, *cfResultInfo) {
	q := r.URL.Query()
	matchAny := cfFirst(q, "match") == "any"
	var match []*cfRecord
	for _, rec := range c.sortedRecordsLocked() {
		if rec.ZoneID != z.ID {
			continue
		}
		var results []bool
		if applies, ok := cfTextFilter(q, "name", rec.Name); applies {
			results = append(results, ok)
		}
		if applies, ok := cfTextFilter(q, "content", rec.Content); applies {
			results = append(results, ok)
		}
		if applies, ok := cfTextFilter(q, "comment", rec.Comment); applies {
			results = append(results, ok)
		}
		if v := cfFirst(q, "type"); v != "" {
			results = append(results, strings.EqualFold(v, rec.Type))
		}
		if v := cfFirst(q, "proxied"); v != "" {
			results = append(results, v == strconv.FormatBool(rec.Proxied))
		}
		if len(results) == 0 || (matchAny && slices.Contains(results, true)) || (!matchAny && !slices.Contains(results, false)) {
			match = append(match, rec)
		}
	}
	page, perPage := cfPaging(q, 100, 1, 5000000)
	from, to, info := cfPage(len(match), page, perPage)
	out := make([]cfRecordJSON, 0, to-from)
	for _, rec := range match[from:to] {
		out = append(out, c.recordJSON(rec))
	}
	return out, info
}

// cfInput is a record as a client sends it; nil fields were absent.
type cfInput struct {
	Type    *string          `json:"type"`
	Name    *string          `json:"name"`
	Content *string          `json:"content"`
	TTL     *json.RawMessage `json:"ttl"`
	Proxied *bool            `json:"proxied"`
	Comment *string          `json:"comment"`
	Tags    *[]string        `json:"tags"`
}

func cfReadInput(r *http.Request) (cfInput, *cfAPIError) {
	var in cfInput
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(body, &in) != nil {
		return in, cfFail(http.StatusBadRequest, cfCodeInvalidBody, "Request body is invalid.")
	}
	return in, nil
}

// apply merges in into rec (PATCH semantics) and validates the result.
func (c *Cloudflare) applyInput(z *cfZone, rec *cfRecord, in cfInput, now time.Time) *cfAPIError {
	if in.Type != nil {
		rec.Type = strings.ToUpper(*in.Type)
	}
	if !slices.Contains(cfTypes, rec.Type) {
		return cfInvalid(cfCodeInvalidType, "Invalid DNS record type")
	}
	if !slices.Contains(cfWritable, rec.Type) {
		return cfInvalid(cfCodeInvalidType, rec.Type+" records need structured data, which this fake does not support")
	}
	if in.Name != nil {
		name, ok := cfQualify(*in.Name, z.Name)
		if !ok {
			return cfInvalid(cfCodeInvalidName, "DNS name is invalid.")
		}
		rec.Name = name
	}
	if rec.Name == "" {
		return cfInvalid(cfCodeInvalidName, "DNS name is invalid.")
	}
	if in.Content != nil {
		rec.Content = strings.TrimSpace(*in.Content)
	}
	if err := cfCheckContent(rec); err != nil {
		return err
	}
	if in.TTL != nil {
		var ttl float64
		if err := json.Unmarshal(*in.TTL, &ttl); err != nil {
			return cfInvalid(cfCodeTTLNotNumber, "TTL must be a number, not a string.")
		}
		rec.TTL = int(ttl)
		if float64(rec.TTL) != ttl {
			rec.TTL = -1
		}
	}
	if rec.TTL == 0 {
		rec.TTL = 1
	}
	if rec.TTL != 1 && (rec.TTL < 60 || rec.TTL > 86400) {
		return cfInvalid(cfCodeInvalidTTL, "TTL must be between 60 and 86400 seconds, or 1 for Automatic.")
	}
	if in.Proxied != nil {
		rec.Proxied = *in.Proxied
	}
	if rec.Proxied && !cfProxiable(rec.Type) {
		return cfInvalid(cfCodeNotProxiable, "Invalid proxied mode. Record cannot be proxied")
	}
	if in.Comment != nil && *in.Comment != rec.Comment {
		rec.Comment = *in.Comment
		rec.CommentModifiedOn = now
	}
	if in.Tags != nil {
		rec.Tags = slices.Clone(*in.Tags)
	}
	rec.ModifiedOn = now
	return c.conflictLocked(rec)
}

// cfQualify makes a record name fully qualified the way Cloudflare does:
// "@" is the apex, a name outside the zone is taken as relative to it
// ("ls.acme.com" in zone "acme.com" stays; "ls" becomes "ls.acme.com";
// "ls.other.com" becomes "ls.other.com.acme.com").
func cfQualify(name, zone string) (string, bool) {
	n := providers.NormalizeHost(name)
	switch {
	case n == "" || n == "@":
		n = zone
	case n == zone || strings.HasSuffix(n, "."+zone):
	default:
		n += "." + zone
	}
	return n, cfValidHost(n)
}

// cfValidHost reports whether h (lowercase, no trailing dot) is a DNS name.
func cfValidHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, l := range strings.Split(h, ".") {
		if !cfLabelPattern.MatchString(l) {
			return false
		}
	}
	return true
}

func cfCheckContent(rec *cfRecord) *cfAPIError {
	switch rec.Type {
	case "A":
		if ip := net.ParseIP(rec.Content); ip == nil || ip.To4() == nil || strings.Contains(rec.Content, ":") {
			return cfInvalid(cfCodeInvalidIPv4, "Content for A record must be a valid IPv4 address.")
		}
	case "AAAA":
		if ip := net.ParseIP(rec.Content); ip == nil || !strings.Contains(rec.Content, ":") {
			return cfInvalid(cfCodeInvalidIPv6, "Content for AAAA record must be a valid IPv6 address.")
		}
	case "CNAME", "NS", "PTR":
		target := providers.NormalizeHost(rec.Content)
		if !cfValidHost(target) {
			return cfInvalid(cfCodeInvalidCNAME, "Content for "+rec.Type+" record is invalid.")
		}
		if rec.Type == "CNAME" && target == rec.Name {
			return cfInvalid(cfCodeCNAMESelf, "CNAME content cannot reference itself.")
		}
		// Cloudflare keeps host names without the trailing dot.
		rec.Content = strings.TrimSuffix(rec.Content, ".")
	case "TXT":
		if rec.Content == "" {
			return cfInvalid(cfCodeInvalidContent, "Content for TXT record is invalid.")
		}
	}
	return nil
}

// conflictLocked refuses what Cloudflare refuses at one name: a CNAME
// beside anything, anything beside a CNAME, NS beside other types, and
// the same record twice.
func (c *Cloudflare) conflictLocked(rec *cfRecord) *cfAPIError {
	for _, o := range c.st.Records {
		if o.ID == rec.ID || o.ZoneID != rec.ZoneID || o.Name != rec.Name {
			continue
		}
		switch {
		case rec.Type == "CNAME":
			return cfFail(http.StatusBadRequest, cfCodeAddressOrCNAMEExist, "An A, AAAA, or CNAME record with that host already exists.")
		case o.Type == "CNAME":
			return cfFail(http.StatusBadRequest, cfCodeCNAMEExists, "A CNAME record with that host already exists.")
		case (rec.Type == "NS") != (o.Type == "NS"):
			return cfFail(http.StatusBadRequest, cfCodeNSExist, "NS records with that host already exist.")
		case o.Type == rec.Type && strings.EqualFold(o.Content, rec.Content):
			return cfFail(http.StatusBadRequest, cfCodeIdenticalExists, "An identical record already exists.")
		}
	}
	return nil
}

func (c *Cloudflare) createRecordLocked(ctx context.Context, z *cfZone, r *http.Request) (any, *cfAPIError) {
	in, err := cfReadInput(r)
	if err != nil {
		return nil, err
	}
	if in.Type == nil {
		return nil, cfInvalid(cfCodeInvalidType, "Invalid DNS record type")
	}
	if in.Name == nil {
		return nil, cfInvalid(cfCodeInvalidName, "DNS name is invalid.")
	}
	now := c.now().UTC()
	rec := &cfRecord{ID: cfNewID(), ZoneID: z.ID, CreatedOn: now}
	if err := c.applyInput(z, rec, in, now); err != nil {
		return nil, err
	}
	if err := c.changeLocked(context.WithoutCancel(ctx), func() {
		c.st.Records = append(c.st.Records, rec)
		if c.st.RecordsCreated == nil {
			c.st.RecordsCreated = map[string]int{}
		}
		c.st.RecordsCreated[rec.Name]++
	}); err != nil {
		return nil, cfFail(http.StatusInternalServerError, cfCodeInternal, "An unknown error has occurred")
	}
	return c.recordJSON(rec), nil
}

func (c *Cloudflare) updateRecordLocked(ctx context.Context, z *cfZone, rec *cfRecord, r *http.Request) (any, *cfAPIError) {
	in, err := cfReadInput(r)
	if err != nil {
		return nil, err
	}
	next := *rec
	next.Tags = slices.Clone(rec.Tags)
	if r.Method == http.MethodPut {
		// Overwrite: what is not sent goes back to its default.
		if in.Type == nil {
			return nil, cfInvalid(cfCodeInvalidType, "Invalid DNS record type")
		}
		if in.Name == nil {
			return nil, cfInvalid(cfCodeInvalidName, "DNS name is invalid.")
		}
		next.Content, next.TTL, next.Proxied, next.Tags = "", 1, false, nil
		if in.Comment == nil {
			empty := ""
			in.Comment = &empty
		}
	}
	if err := c.applyInput(z, &next, in, c.now().UTC()); err != nil {
		return nil, err
	}
	if err := c.changeLocked(context.WithoutCancel(ctx), func() {
		for i, x := range c.st.Records {
			if x.ID == next.ID {
				c.st.Records[i] = &next
			}
		}
	}); err != nil {
		return nil, cfFail(http.StatusInternalServerError, cfCodeInternal, "An unknown error has occurred")
	}
	return c.recordJSON(&next), nil
}
