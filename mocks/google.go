package mocks

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/linkgate/linkgate/providers"
)

// GooglePersistName is the name the fake Google Cloud DNS saves its state
// under in a Persister.
const GooglePersistName = "google"

// GoogleTokenURI is the token endpoint written in the service-account keys
// the fake issues when GoogleConfig.TokenURI is empty: Google's own.
const GoogleTokenURI = "https://oauth2.googleapis.com/token"

// The scopes that let a token manage Cloud DNS.
var googleDNSScopes = []string{
	"https://www.googleapis.com/auth/ndev.clouddns.readwrite",
	"https://www.googleapis.com/auth/cloud-platform",
}

// GoogleConfig configures the fake Google Cloud DNS.
type GoogleConfig struct {
	// Persister keeps the projects, service accounts, zones, record sets
	// and changes between runs (sandbox mode); nil keeps them in memory.
	Persister Persister
	// Now is the clock for token expiry and change times; time.Now if nil.
	Now func() time.Time
	// TokenURI is written in the keys the fake issues (GoogleTokenURI if
	// empty). Whatever it says, the fake's own token endpoint is any path
	// ending in /token.
	TokenURI string
	// PendingPolls is how many times a change is answered "pending", the
	// answer to its creation included, before it is "done" (0: done at
	// once; 1: pending when created, done when read again).
	PendingPolls int
}

// Google is a stateful fake of Google Cloud DNS (API v1) and of the OAuth
// 2.0 token endpoint a service-account key signs in at, for what linkgate
// uses: projects.get, managedZones.list (dnsName filter, paging),
// resourceRecordSets.list (name and type filters, paging), changes.create
// and changes.get. It answers like the real service: a JWT-bearer grant
// signed with the key (RS256) is exchanged for an access token; Bearer
// tokens are checked, a service account may act on its own project only;
// record sets are keyed by name and type and changed only through
// changes, atomically, with Google's errors (409 alreadyExists for an
// addition that exists, 400 cnameResourceRecordSetConflict for a CNAME
// beside other types, 404 notFound and 412 conditionNotMet for
// deletions that do not match) in Google's error envelope; a change is
// "pending" for PendingPolls reads, then "done".
//
// It is an http.Handler serving paths that end in /dns/v1/... and /token;
// it can be mounted under any prefix (sandbox mode serves it under
// /_sandbox/google/). It is safe for concurrent use.
type Google struct {
	// Faults answers the next API requests (not token requests) with
	// injected failures.
	Faults *Faults
	// Holds delays the answers of the next API requests.
	Holds *Holds

	hostFake[gState]
	now          func() time.Time
	tokenURI     string
	pendingPolls int
}

type gState struct {
	Accounts []*gAccount          `json:"accounts"`
	Tokens   map[string]*gToken   `json:"tokens"` // by hex SHA-256 of the access token
	Zones    []*gZone             `json:"zones"`
	RRSets   []*gRRSet            `json:"rrsets"`
	Changes  []*gChange           `json:"changes"`
	Polls    map[string]int       `json:"polls,omitempty"` // change key → reads
	NextID   uint64               `json:"next_id"`
	Projects map[string]gProjectN `json:"projects"`
	// RecordsCreated counts, per record name (no trailing dot), the
	// record sets added through changes.create.
	RecordsCreated map[string]int `json:"records_created,omitempty"`
}

func (s gState) createdCounts() map[string]int { return s.RecordsCreated }

type gProjectN struct {
	Number uint64 `json:"number"`
}

// gAccount is a service account with one key (KeyID, its public half).
type gAccount struct {
	Email     string `json:"email"`
	Project   string `json:"project"`
	KeyID     string `json:"key_id"`
	PublicKey []byte `json:"public_key"` // PKIX DER
}

type gToken struct {
	Email   string    `json:"email"`
	Expires time.Time `json:"expires"`
}

type gZone struct {
	Project    string    `json:"project"`
	Name       string    `json:"name"`     // "acme-com"
	DNSName    string    `json:"dns_name"` // "acme.com."
	ID         uint64    `json:"id"`
	Visibility string    `json:"visibility"`
	Created    time.Time `json:"created"`
}

type gRRSet struct {
	Project string   `json:"project"`
	Zone    string   `json:"zone"`
	Name    string   `json:"name"` // "ls.acme.com."
	Type    string   `json:"type"`
	TTL     int      `json:"ttl"`
	RRDatas []string `json:"rrdatas"`
}

type gChange struct {
	Project   string        `json:"project"`
	Zone      string        `json:"zone"`
	ID        string        `json:"id"`
	Start     time.Time     `json:"start"`
	Additions []gRRSetInput `json:"additions"`
	Deletions []gRRSetInput `json:"deletions"`
}

// gRRSetInput is a record set as the API carries it.
type gRRSetInput struct {
	Kind    string   `json:"kind,omitempty"`
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	TTL     int      `json:"ttl"`
	RRDatas []string `json:"rrdatas"`
}

// NewGoogle returns a fake Google Cloud DNS with the state saved in
// cfg.Persister, if any.
func NewGoogle(cfg GoogleConfig) (*Google, error) {
	g := &Google{Faults: &Faults{}, Holds: &Holds{}, now: cfg.Now, tokenURI: cfg.TokenURI, pendingPolls: cfg.PendingPolls}
	if g.now == nil {
		g.now = time.Now
	}
	if g.tokenURI == "" {
		g.tokenURI = GoogleTokenURI
	}
	if err := g.load(cfg.Persister, GooglePersistName); err != nil {
		return nil, err
	}
	if g.st.Tokens == nil {
		g.st.Tokens = map[string]*gToken{}
	}
	if g.st.Polls == nil {
		g.st.Polls = map[string]int{}
	}
	if g.st.Projects == nil {
		g.st.Projects = map[string]gProjectN{}
	}
	if g.st.RecordsCreated == nil {
		g.st.RecordsCreated = map[string]int{}
	}
	if g.st.NextID == 0 {
		g.st.NextID = 4839201746351
	}
	return g, nil
}

// GoogleRecordID is the id linkgate gives a Google record set, which has
// none of its own: its name (no trailing dot) and type, "ls.acme.com/CNAME".
func GoogleRecordID(name, typ string) string {
	return providers.NormalizeHost(name) + "/" + strings.ToUpper(typ)
}

// ---- control methods (tests and sandbox mode) ----

// CreateZone adds a public zone called name in a project of its own (or
// finds the zone, and its project, if one is called so) and returns the
// zone's name (its id in the API) and the credentials of a new
// service-account key for that project, as the google adapter takes them:
// {"service_account_json", "project_id"}. Sandbox mode's POST
// /_sandbox/google/zones answers with them.
func (g *Google) CreateZone(ctx context.Context, name string) (zoneID string, credentials map[string]string, err error) {
	name = providers.NormalizeHost(name)
	if len(name) > 253 || !cfZoneNamePattern.MatchString(name) {
		return "", nil, fmt.Errorf("mocks: %q is not a valid zone name", name)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", nil, err
	}
	var keyJSON []byte
	var project string
	g.mu.Lock()
	defer g.mu.Unlock()
	err = g.mutateLocked(ctx, func() error {
		var z *gZone
		for _, x := range g.st.Zones {
			if x.DNSName == name+"." && x.Visibility == "public" {
				z = x
			}
		}
		if z == nil {
			project := "linkgate-" + strings.ReplaceAll(name, ".", "-")
			if len(project) > 30 {
				project = project[:22] + "-" + doHex(3)
			}
			project = strings.TrimRight(project, "-")
			z = g.addZoneLocked(project, gZoneName(name), name, "public")
		}
		zoneID, project = z.Name, z.Project
		keyJSON, err = g.addAccountLocked(z.Project, key)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return zoneID, map[string]string{"service_account_json": string(keyJSON), "project_id": project}, nil
}

// AddProjectZone adds a zone called dnsName to project, public or private,
// and returns its name (its id in the API). It panics on a Persister
// failure.
func (g *Google) AddProjectZone(project, dnsName string, private bool) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var id string
	g.mustMutateLocked(func() error {
		vis := "public"
		if private {
			vis = "private"
		}
		n := providers.NormalizeHost(dnsName)
		name := gZoneName(n)
		if private {
			name += "-private"
		}
		id = g.addZoneLocked(project, name, n, vis).Name
		return nil
	})
	return id
}

// AddServiceAccount returns a new service-account key (JSON) that may
// manage project's zones. It panics on a Persister failure.
func (g *Google) AddServiceAccount(project string) []byte {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []byte
	g.mustMutateLocked(func() error {
		out, err = g.addAccountLocked(project, key)
		return err
	})
	return out
}

// RevokeKey deletes the key, as deleting it in the console does: it can no
// longer sign in, and the access tokens it got stop working.
func (g *Google) RevokeKey(keyJSON []byte) {
	var k struct {
		KeyID string `json:"private_key_id"`
		Email string `json:"client_email"`
	}
	if err := json.Unmarshal(keyJSON, &k); err != nil {
		panic(err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mustMutateLocked(func() error {
		g.st.Accounts = slices.DeleteFunc(g.st.Accounts, func(a *gAccount) bool { return a.KeyID == k.KeyID })
		for key, t := range g.st.Tokens {
			if t.Email == k.Email {
				delete(g.st.Tokens, key)
			}
		}
		return nil
	})
}

// AddRecord puts r in the zone directly (a record set of one datum, or one
// more datum in the set at r's name and type), with none of the API's
// checks, and returns its id (GoogleRecordID). r.TTL 0 means 300. It
// panics on an unknown zone or a Persister failure.
func (g *Google) AddRecord(zoneID string, r providers.Record) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mustMutateLocked(func() error {
		z := g.zoneByIDLocked(zoneID)
		if z == nil {
			return fmt.Errorf("mocks: no zone %q", zoneID)
		}
		name := providers.NormalizeHost(r.Name) + "."
		typ := strings.ToUpper(r.Type)
		data := r.Content
		if typ == "CNAME" && !strings.HasSuffix(data, ".") {
			data += "."
		}
		if set := g.rrsetLocked(z, name, typ); set != nil {
			set.RRDatas = append(set.RRDatas, data)
			return nil
		}
		ttl := r.TTL
		if ttl == 0 {
			ttl = 300
		}
		g.st.RRSets = append(g.st.RRSets, &gRRSet{Project: z.Project, Zone: z.Name, Name: name, Type: typ, TTL: ttl, RRDatas: []string{data}})
		return nil
	})
	return GoogleRecordID(r.Name, r.Type)
}

// Records returns the records of a zone, one per datum, names without the
// trailing dot.
func (g *Google) Records(zoneID string) []providers.Record {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []providers.Record
	for _, s := range g.sortedRRSetsLocked() {
		if s.Zone == zoneID {
			out = append(out, s.records()...)
		}
	}
	return out
}

// RecordsAt returns every record in a public zone whose name is name: what
// the world's resolvers would be answered. The sandbox resolver uses it.
func (g *Google) RecordsAt(name string) []providers.Record {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []providers.Record
	for _, s := range g.sortedRRSetsLocked() {
		if z := g.zoneByIDLocked(s.Zone); z != nil && z.Visibility == "public" && providers.SameHost(s.Name, name) {
			out = append(out, s.records()...)
		}
	}
	return out
}

func (s *gRRSet) records() []providers.Record {
	out := make([]providers.Record, 0, len(s.RRDatas))
	for _, d := range s.RRDatas {
		content := d
		if s.Type == "CNAME" {
			content = strings.TrimSuffix(d, ".")
		}
		out = append(out, providers.Record{ID: GoogleRecordID(s.Name, s.Type), Type: s.Type,
			Name: providers.NormalizeHost(s.Name), Content: content, TTL: s.TTL})
	}
	return out
}

// gZoneName is a managed zone's name for a DNS name: "acme.com" → "acme-com".
func gZoneName(dnsName string) string {
	return strings.ReplaceAll(dnsName, ".", "-")
}

// ---- state helpers (g.mu held) ----

func (g *Google) nextIDLocked() uint64 {
	g.st.NextID += 7919
	return g.st.NextID
}

func (g *Google) projectLocked(project string) {
	if _, ok := g.st.Projects[project]; !ok {
		g.st.Projects[project] = gProjectN{Number: 100000000000 + g.nextIDLocked()%899999999999}
	}
}

func (g *Google) addZoneLocked(project, name, dnsName, visibility string) *gZone {
	g.projectLocked(project)
	z := &gZone{Project: project, Name: name, DNSName: dnsName + ".", ID: g.nextIDLocked(), Visibility: visibility, Created: g.now().UTC()}
	g.st.Zones = append(g.st.Zones, z)
	// Every zone starts with its SOA and NS record sets.
	g.st.RRSets = append(g.st.RRSets,
		&gRRSet{Project: project, Zone: name, Name: z.DNSName, Type: "NS", TTL: 21600,
			RRDatas: []string{"ns-cloud-a1.googledomains.com.", "ns-cloud-a2.googledomains.com.", "ns-cloud-a3.googledomains.com.", "ns-cloud-a4.googledomains.com."}},
		&gRRSet{Project: project, Zone: name, Name: z.DNSName, Type: "SOA", TTL: 21600,
			RRDatas: []string{"ns-cloud-a1.googledomains.com. cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300"}})
	return z
}

func (g *Google) addAccountLocked(project string, key *rsa.PrivateKey) ([]byte, error) {
	g.projectLocked(project)
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, a := range g.st.Accounts {
		if a.Project == project {
			n++
		}
	}
	email := fmt.Sprintf("linkgate-%d@%s.iam.gserviceaccount.com", n+1, project)
	a := &gAccount{Email: email, Project: project, KeyID: doHex(20), PublicKey: pub}
	g.st.Accounts = append(g.st.Accounts, a)
	// On one line: the same key as Google's pretty-printed file, in the
	// form linkgate's API takes (no field of the API is multi-line).
	return json.Marshal(map[string]string{
		"type":                        "service_account",
		"project_id":                  project,
		"private_key_id":              a.KeyID,
		"private_key":                 string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})),
		"client_email":                email,
		"client_id":                   strconv.FormatUint(g.nextIDLocked(), 10),
		"auth_uri":                    "https://accounts.google.com/o/oauth2/auth",
		"token_uri":                   g.tokenURI,
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
		"client_x509_cert_url":        "https://www.googleapis.com/robot/v1/metadata/x509/" + url.PathEscape(email),
		"universe_domain":             "googleapis.com",
	})
}

func (g *Google) zoneByIDLocked(id string) *gZone {
	for _, z := range g.st.Zones {
		if z.Name == id || strconv.FormatUint(z.ID, 10) == id {
			return z
		}
	}
	return nil
}

func (g *Google) rrsetLocked(z *gZone, name, typ string) *gRRSet {
	for _, s := range g.st.RRSets {
		if s.Zone == z.Name && s.Project == z.Project && s.Name == name && s.Type == typ {
			return s
		}
	}
	return nil
}

func (g *Google) sortedRRSetsLocked() []*gRRSet {
	out := slices.Clone(g.st.RRSets)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Type < out[j].Type
	})
	return out
}

// ---- HTTP: errors ----

type gAPIError struct {
	status  int
	reason  string
	message string
}

// gStatus is the canonical code Google puts in error.status.
func gStatus(status int) string {
	switch status {
	case 400:
		return "INVALID_ARGUMENT"
	case 401:
		return "UNAUTHENTICATED"
	case 403:
		return "PERMISSION_DENIED"
	case 404:
		return "NOT_FOUND"
	case 409:
		return "ALREADY_EXISTS"
	case 412:
		return "FAILED_PRECONDITION"
	case 429:
		return "RESOURCE_EXHAUSTED"
	case 503:
		return "UNAVAILABLE"
	}
	if status >= 500 {
		return "INTERNAL"
	}
	return "UNKNOWN"
}

func gErrorBody(status int, reason, message string) []byte {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code": status, "message": message, "status": gStatus(status),
		"errors": []map[string]string{{"message": message, "domain": "global", "reason": reason}},
	}})
	return b
}

// googleFaultBody is the JSON body of an injected fault.
func googleFaultBody(status int) []byte {
	switch {
	case status == http.StatusTooManyRequests:
		return gErrorBody(status, "rateLimitExceeded", "Rate Limit Exceeded")
	case status == http.StatusUnauthorized:
		return gErrorBody(status, "authError", "Invalid Credentials")
	case status == http.StatusForbidden:
		return gErrorBody(status, "forbidden", "Forbidden")
	case status == http.StatusServiceUnavailable:
		return gErrorBody(status, "backendError", "The service is currently unavailable.")
	case status >= 500:
		return gErrorBody(status, "backendError", "Internal error encountered.")
	}
	return gErrorBody(status, "invalid", http.StatusText(status))
}

func gFail(status int, reason, message string) *gAPIError {
	return &gAPIError{status: status, reason: reason, message: message}
}

func gNotFound(what, name string) *gAPIError {
	return gFail(http.StatusNotFound, "notFound", fmt.Sprintf("The '%s' resource named '%s' does not exist.", what, name))
}

func gInvalid(message string) *gAPIError { return gFail(http.StatusBadRequest, "invalid", message) }

// ---- HTTP: serving ----

// ServeHTTP implements http.Handler.
func (g *Google) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/token") {
		g.serveToken(w, r)
		return
	}
	path := r.URL.Path
	if i := strings.Index(path, "/dns/v1/"); i >= 0 {
		path = path[i:]
	}
	g.countCall(r.Method, path)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { g.serve(w, r, path) })
	guarded(h, g.Holds, g.Faults, googleFaultBody).ServeHTTP(w, r)
}

func gWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// serveToken is the OAuth 2.0 token endpoint for the JWT-bearer grant
// (RFC 7523) that service-account keys use.
func (g *Google) serveToken(w http.ResponseWriter, r *http.Request) {
	fail := func(code, desc string) {
		gWriteJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
	}
	if r.Body == nil {
		r.Body = http.NoBody
	}
	if err := r.ParseForm(); err != nil {
		fail("invalid_request", "Invalid request.")
		return
	}
	if r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		fail("unsupported_grant_type", "Invalid grant_type: "+r.PostForm.Get("grant_type"))
		return
	}
	claims, acct, msg := g.verifyAssertion(r.PostForm.Get("assertion"))
	if msg != "" {
		fail("invalid_grant", msg)
		return
	}
	if !slices.ContainsFunc(strings.Fields(claims.Scope), func(s string) bool { return slices.Contains(googleDNSScopes, s) }) {
		fail("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
		return
	}
	tok := "ya29.c." + base64.RawURLEncoding.EncodeToString([]byte(doHex(48)))
	g.mu.Lock()
	err := g.mutateLocked(context.WithoutCancel(r.Context()), func() error {
		now := g.now()
		for k, t := range g.st.Tokens {
			if now.After(t.Expires) {
				delete(g.st.Tokens, k)
			}
		}
		g.st.Tokens[cfTokenKey(tok)] = &gToken{Email: acct, Expires: now.Add(time.Hour)}
		return nil
	})
	g.mu.Unlock()
	if err != nil {
		gWriteJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal_failure", "error_description": "Internal failure."})
		return
	}
	gWriteJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": 3599, "token_type": "Bearer"})
}

type gClaims struct {
	Iss   string `json:"iss"`
	Scope string `json:"scope"`
	Aud   string `json:"aud"`
	Exp   int64  `json:"exp"`
	Iat   int64  `json:"iat"`
}

// verifyAssertion checks a signed JWT: RS256, signed by a live key of the
// service account it names, not expired. It returns Google's
// error_description on failure.
func (g *Google) verifyAssertion(assertion string) (gClaims, string, string) {
	var c gClaims
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return c, "", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &c) != nil {
		return c, "", "Invalid JWT Signature."
	}
	if header.Alg != "RS256" {
		return c, "", "Invalid JWT Signature."
	}
	g.mu.Lock()
	var keys []*gAccount
	known := false
	for _, a := range g.st.Accounts {
		if a.Email == c.Iss {
			known = true
			if header.Kid == "" || a.KeyID == header.Kid {
				keys = append(keys, a)
			}
		}
	}
	g.mu.Unlock()
	if !known {
		return c, "", "Invalid grant: account not found"
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	ok := false
	for _, a := range keys {
		pub, err := x509.ParsePKIXPublicKey(a.PublicKey)
		if rk, isRSA := pub.(*rsa.PublicKey); err == nil && isRSA && rsa.VerifyPKCS1v15(rk, crypto.SHA256, digest[:], sig) == nil {
			ok = true
			break
		}
	}
	if !ok {
		return c, "", "Invalid JWT Signature."
	}
	now := g.now().Unix()
	if c.Exp < now || c.Iat > now+300 || c.Exp-c.Iat > 3600 {
		return c, "", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
	}
	return c, c.Iss, ""
}

func (g *Google) serve(w http.ResponseWriter, r *http.Request, path string) {
	seg := strings.Split(strings.Trim(strings.TrimPrefix(path, "/dns/v1"), "/"), "/")
	for i, s := range seg {
		if u, err := url.PathUnescape(s); err == nil {
			seg[i] = u
		}
	}
	g.mu.Lock()
	result, err := g.route(r, seg)
	g.mu.Unlock()
	if err != nil {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		if err.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
		}
		w.WriteHeader(err.status)
		_, _ = w.Write(gErrorBody(err.status, err.reason, err.message))
		return
	}
	gWriteJSON(w, http.StatusOK, result)
}

func (g *Google) route(r *http.Request, seg []string) (any, *gAPIError) {
	if len(seg) < 2 || seg[0] != "projects" {
		return nil, gFail(http.StatusNotFound, "notFound", "Not Found")
	}
	project := seg[1]
	if _, err := g.authLocked(r, project); err != nil {
		return nil, err
	}
	method := func(m string) *gAPIError {
		if r.Method != m {
			return gFail(http.StatusMethodNotAllowed, "httpMethodNotAllowed", "HTTP method not allowed")
		}
		return nil
	}
	switch {
	case len(seg) == 2:
		if err := method(http.MethodGet); err != nil {
			return nil, err
		}
		return g.projectJSON(project), nil
	case seg[2] != "managedZones":
		return nil, gFail(http.StatusNotFound, "notFound", "Not Found")
	case len(seg) == 3:
		if err := method(http.MethodGet); err != nil {
			return nil, err
		}
		return g.listZonesLocked(r, project)
	}
	z := g.zoneByIDLocked(seg[3])
	if z == nil || z.Project != project {
		return nil, gNotFound("parameters.managedZone", seg[3])
	}
	switch {
	case len(seg) == 4:
		if err := method(http.MethodGet); err != nil {
			return nil, err
		}
		return g.zoneJSON(z), nil
	case len(seg) == 5 && seg[4] == "rrsets":
		if err := method(http.MethodGet); err != nil {
			return nil, err
		}
		return g.listRRSetsLocked(r, z)
	case len(seg) == 5 && seg[4] == "changes":
		if err := method(http.MethodPost); err != nil {
			return nil, err
		}
		return g.createChangeLocked(r, z)
	case len(seg) == 6 && seg[4] == "changes":
		if err := method(http.MethodGet); err != nil {
			return nil, err
		}
		for _, c := range g.st.Changes {
			if c.Project == project && c.Zone == z.Name && c.ID == seg[5] {
				key := project + "/" + z.Name + "/" + c.ID
				var out any
				if err := g.mutateLocked(context.WithoutCancel(r.Context()), func() error {
					g.st.Polls[key]++
					out = g.changeJSON(c, g.st.Polls[key] >= g.pendingPolls)
					return nil
				}); err != nil {
					return nil, gFail(http.StatusInternalServerError, "backendError", "Internal error encountered.")
				}
				return out, nil
			}
		}
		return nil, gNotFound("parameters.changeId", seg[5])
	}
	return nil, gFail(http.StatusNotFound, "notFound", "Not Found")
}

// authLocked checks the access token and that its service account may act
// on project.
func (g *Google) authLocked(r *http.Request, project string) (*gAccount, *gAPIError) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	t := g.st.Tokens[cfTokenKey(tok)]
	if !ok || t == nil || g.now().After(t.Expires) {
		return nil, gFail(http.StatusUnauthorized, "authError",
			"Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.")
	}
	for _, a := range g.st.Accounts {
		if a.Email == t.Email {
			if a.Project != project {
				return nil, gFail(http.StatusForbidden, "forbidden", "Forbidden")
			}
			return a, nil
		}
	}
	return nil, gFail(http.StatusUnauthorized, "authError", "Invalid Credentials")
}

func (g *Google) projectJSON(project string) map[string]any {
	return map[string]any{"kind": "dns#project", "id": project, "number": strconv.FormatUint(g.st.Projects[project].Number, 10),
		"quota": map[string]any{"kind": "dns#quota", "managedZones": 10000, "rrsetsPerManagedZone": 10000,
			"rrsetAdditionsPerChange": 1000, "rrsetDeletionsPerChange": 1000, "totalRrdataSizePerChange": 100000,
			"resourceRecordsPerRrset": 100}}
}

func (g *Google) zoneJSON(z *gZone) map[string]any {
	out := map[string]any{"kind": "dns#managedZone", "name": z.Name, "dnsName": z.DNSName, "id": strconv.FormatUint(z.ID, 10),
		"description": "", "visibility": z.Visibility, "creationTime": z.Created.Format("2006-01-02T15:04:05.000Z07:00"),
		"cloudLoggingConfig": map[string]any{"kind": "dns#managedZoneCloudLoggingConfig"}}
	if z.Visibility == "public" {
		out["nameServers"] = []string{"ns-cloud-a1.googledomains.com.", "ns-cloud-a2.googledomains.com.", "ns-cloud-a3.googledomains.com.", "ns-cloud-a4.googledomains.com."}
	} else {
		out["privateVisibilityConfig"] = map[string]any{"kind": "dns#managedZonePrivateVisibilityConfig", "networks": []any{}}
	}
	return out
}

// gPaging reads maxResults and pageToken (an offset the fake hands out).
func gPaging(q url.Values) (from, size int, err *gAPIError) {
	size = 1000
	if v := q.Get("maxResults"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil || n < 1 {
			return 0, 0, gInvalid("Invalid value for 'parameters.maxResults': '" + v + "'")
		}
		size = min(n, 1000)
	}
	if v := q.Get("pageToken"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil || n < 0 {
			return 0, 0, gInvalid("Invalid value for 'parameters.pageToken': '" + v + "'")
		}
		from = n
	}
	return from, size, nil
}

func gPage[T any](items []T, from, size int) ([]T, string) {
	from = min(from, len(items))
	to := min(from+size, len(items))
	next := ""
	if to < len(items) {
		next = strconv.Itoa(to)
	}
	return items[from:to], next
}

func (g *Google) listZonesLocked(r *http.Request, project string) (any, *gAPIError) {
	q := r.URL.Query()
	from, size, err := gPaging(q)
	if err != nil {
		return nil, err
	}
	filter := strings.ToLower(q.Get("dnsName"))
	if filter != "" && !strings.HasSuffix(filter, ".") {
		filter += "."
	}
	var match []*gZone
	for _, z := range g.st.Zones {
		if z.Project == project && (filter == "" || z.DNSName == filter) {
			match = append(match, z)
		}
	}
	sort.Slice(match, func(i, j int) bool { return match[i].Name < match[j].Name })
	page, next := gPage(match, from, size)
	zones := make([]any, 0, len(page))
	for _, z := range page {
		zones = append(zones, g.zoneJSON(z))
	}
	out := map[string]any{"kind": "dns#managedZonesListResponse", "managedZones": zones}
	if next != "" {
		out["nextPageToken"] = next
	}
	return out, nil
}

func rrsetJSON(s gRRSetInput) map[string]any {
	return map[string]any{"kind": "dns#resourceRecordSet", "name": s.Name, "type": s.Type, "ttl": s.TTL, "rrdatas": s.RRDatas}
}

func (s *gRRSet) input() gRRSetInput {
	return gRRSetInput{Name: s.Name, Type: s.Type, TTL: s.TTL, RRDatas: slices.Clone(s.RRDatas)}
}

func (g *Google) listRRSetsLocked(r *http.Request, z *gZone) (any, *gAPIError) {
	q := r.URL.Query()
	from, size, err := gPaging(q)
	if err != nil {
		return nil, err
	}
	name, typ := strings.ToLower(q.Get("name")), q.Get("type")
	if typ != "" && name == "" {
		return nil, gInvalid("The 'parameters.name' field is required when 'parameters.type' is set.")
	}
	if name != "" && !strings.HasSuffix(name, ".") {
		return nil, gInvalid("Invalid value for 'parameters.name': '" + q.Get("name") + "'")
	}
	var match []*gRRSet
	for _, s := range g.sortedRRSetsLocked() {
		if s.Zone == z.Name && s.Project == z.Project && (name == "" || s.Name == name) && (typ == "" || s.Type == typ) {
			match = append(match, s)
		}
	}
	page, next := gPage(match, from, size)
	sets := make([]any, 0, len(page))
	for _, s := range page {
		sets = append(sets, rrsetJSON(s.input()))
	}
	out := map[string]any{"kind": "dns#resourceRecordSetsListResponse", "rrsets": sets}
	if next != "" {
		out["nextPageToken"] = next
	}
	return out, nil
}

func (g *Google) changeJSON(c *gChange, done bool) map[string]any {
	status := "pending"
	if done {
		status = "done"
	}
	adds := make([]any, 0, len(c.Additions))
	for _, s := range c.Additions {
		adds = append(adds, rrsetJSON(s))
	}
	dels := make([]any, 0, len(c.Deletions))
	for _, s := range c.Deletions {
		dels = append(dels, rrsetJSON(s))
	}
	out := map[string]any{"kind": "dns#change", "id": c.ID, "startTime": c.Start.Format("2006-01-02T15:04:05.000Z07:00"), "status": status}
	if len(adds) > 0 {
		out["additions"] = adds
	}
	if len(dels) > 0 {
		out["deletions"] = dels
	}
	return out
}

var gSupportedTypes = []string{"A", "AAAA", "CNAME", "NS", "TXT", "MX", "CAA", "SOA", "SRV", "PTR"}

// checkRRSet validates one record set of a change.
func checkRRSet(field string, z *gZone, s *gRRSetInput) *gAPIError {
	s.Name = strings.ToLower(s.Name)
	if !strings.HasSuffix(s.Name, ".") || !cfValidHost(strings.TrimSuffix(s.Name, ".")) {
		return gInvalid(fmt.Sprintf("Invalid value for '%s.name': '%s'", field, s.Name))
	}
	if s.Name != z.DNSName && !strings.HasSuffix(s.Name, "."+z.DNSName) {
		return gFail(http.StatusBadRequest, "invalid", fmt.Sprintf("The resource record set '%s' is invalid because the DNS name '%s' is not within the zone's DNS name '%s'.", field, s.Name, z.DNSName))
	}
	if !slices.Contains(gSupportedTypes, s.Type) {
		return gInvalid(fmt.Sprintf("Invalid value for '%s.type': '%s'", field, s.Type))
	}
	if s.TTL < 0 || s.TTL > 2147483647 {
		return gInvalid(fmt.Sprintf("Invalid value for '%s.ttl': '%d'", field, s.TTL))
	}
	if len(s.RRDatas) == 0 {
		return gFail(http.StatusBadRequest, "required", fmt.Sprintf("Required field '%s.rrdata' not specified", field))
	}
	for i, d := range s.RRDatas {
		bad := false
		switch s.Type {
		case "A":
			ip := net.ParseIP(d)
			bad = ip == nil || ip.To4() == nil || strings.Contains(d, ":")
		case "AAAA":
			bad = net.ParseIP(d) == nil || !strings.Contains(d, ":")
		case "CNAME", "NS", "PTR":
			// Host names must be fully qualified (trailing dot).
			bad = !strings.HasSuffix(d, ".") || !cfValidHost(strings.ToLower(strings.TrimSuffix(d, ".")))
			s.RRDatas[i] = strings.ToLower(d)
		}
		if bad {
			return gInvalid(fmt.Sprintf("Invalid value for '%s.rrdata[%d]': '%s'", field, i, d))
		}
	}
	if s.Type == "CNAME" && len(s.RRDatas) > 1 {
		return gFail(http.StatusBadRequest, "cnameResourceRecordSetConflict", fmt.Sprintf("The resource record set '%s' is invalid because a CNAME resource record set may hold only one datum.", field))
	}
	return nil
}

func sameRRSet(a gRRSetInput, b *gRRSet) bool {
	return a.Name == b.Name && a.Type == b.Type && a.TTL == b.TTL && slices.Equal(a.RRDatas, b.RRDatas)
}

func (g *Google) createChangeLocked(r *http.Request, z *gZone) (any, *gAPIError) {
	var in struct {
		Additions []gRRSetInput `json:"additions"`
		Deletions []gRRSetInput `json:"deletions"`
	}
	var body []byte
	var err error
	if r.Body != nil { // nil on a client's request served in-process
		body, err = io.ReadAll(io.LimitReader(r.Body, 1<<20))
	}
	if err != nil || json.Unmarshal(body, &in) != nil {
		return nil, gFail(http.StatusBadRequest, "parseError", "Parse Error")
	}
	if len(in.Additions) == 0 && len(in.Deletions) == 0 {
		return nil, gFail(http.StatusBadRequest, "required", "The 'entity.change' resource must have additions or deletions.")
	}
	for i := range in.Deletions {
		if e := checkRRSet(fmt.Sprintf("entity.change.deletions[%d]", i), z, &in.Deletions[i]); e != nil {
			return nil, e
		}
	}
	for i := range in.Additions {
		if e := checkRRSet(fmt.Sprintf("entity.change.additions[%d]", i), z, &in.Additions[i]); e != nil {
			return nil, e
		}
	}
	// The change applies to the zone as it is, deletions first.
	next := make([]*gRRSet, 0, len(g.st.RRSets))
	for _, s := range g.st.RRSets {
		c := *s
		c.RRDatas = slices.Clone(s.RRDatas)
		next = append(next, &c)
	}
	find := func(name, typ string) int {
		return slices.IndexFunc(next, func(s *gRRSet) bool {
			return s.Project == z.Project && s.Zone == z.Name && s.Name == name && s.Type == typ
		})
	}
	for i, d := range in.Deletions {
		field := fmt.Sprintf("entity.change.deletions[%d]", i)
		k := find(d.Name, d.Type)
		if k < 0 {
			return nil, gNotFound(field, d.Name+" ("+d.Type+")")
		}
		if !sameRRSet(d, next[k]) {
			return nil, gFail(http.StatusPreconditionFailed, "conditionNotMet", "Precondition not met for '"+field+"'")
		}
		next = slices.Delete(next, k, k+1)
	}
	for i, a := range in.Additions {
		field := fmt.Sprintf("entity.change.additions[%d]", i)
		if find(a.Name, a.Type) >= 0 {
			return nil, gFail(http.StatusConflict, "alreadyExists", fmt.Sprintf("The resource '%s' named '%s (%s)' already exists", field, a.Name, a.Type))
		}
		for _, s := range next {
			if s.Project == z.Project && s.Zone == z.Name && s.Name == a.Name && (a.Type == "CNAME" || s.Type == "CNAME") {
				return nil, gFail(http.StatusBadRequest, "cnameResourceRecordSetConflict", fmt.Sprintf(
					"The resource record set '%s' is invalid because the DNS name '%s' has a resource record set of the type '%s'. A DNS name may have either one CNAME resource record set or resource record sets of other types, but not both.",
					field, a.Name, s.Type))
			}
		}
		next = append(next, &gRRSet{Project: z.Project, Zone: z.Name, Name: a.Name, Type: a.Type, TTL: a.TTL, RRDatas: slices.Clone(a.RRDatas)})
	}
	n := 0
	for _, c := range g.st.Changes {
		if c.Project == z.Project && c.Zone == z.Name {
			n++
		}
	}
	ch := &gChange{Project: z.Project, Zone: z.Name, ID: strconv.Itoa(n + 1), Start: g.now().UTC(), Additions: in.Additions, Deletions: in.Deletions}
	for i := range ch.Additions {
		ch.Additions[i].Kind = ""
	}
	if err := g.mutateLocked(context.WithoutCancel(r.Context()), func() error {
		g.st.RRSets = next
		g.st.Changes = append(g.st.Changes, ch)
		for _, a := range ch.Additions {
			g.st.RecordsCreated[providers.NormalizeHost(a.Name)]++
		}
		return nil
	}); err != nil {
		return nil, gFail(http.StatusInternalServerError, "backendError", "Internal error encountered.")
	}
	return g.changeJSON(ch, g.pendingPolls == 0), nil
}

// GoogleSandboxHost is the fake Google Cloud DNS's entry in the sandbox:
// its API under /_sandbox/google/dns/v1/ and its token endpoint at
// /_sandbox/google/token.
func GoogleSandboxHost(g *Google) SandboxDNSHost {
	return SandboxDNSHost{Name: "google", API: g, Mount: "/", Records: g, Faults: g.Faults, Holds: g.Holds,
		RecordsCreated: g.RecordsCreated, CreateZone: g.CreateZone}
}
