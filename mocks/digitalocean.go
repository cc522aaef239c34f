package mocks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
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

// DigitalOceanPersistName is the name the fake DigitalOcean saves its
// state under in a Persister.
const DigitalOceanPersistName = "digitalocean"

// DigitalOcean's rate limit, as its API documents it: 5,000 requests per
// hour per token (the fake announces it in the RateLimit-* headers).
const doRateLimit = 5000

// DigitalOcean's error bodies are {"id","message"[,"request_id"]}. The ids
// and messages of 401, 404, 429 and 500 are those of its OpenAPI document;
// the 422 messages for invalid and colliding records are assumed (no
// public reference was found); linkgate acts on the status and id only.
const (
	doMsgUnauthorized = "Unable to authenticate you."
	doMsgNotFound     = "The resource you were accessing could not be found."
	doMsgRateLimited  = "API rate limit exceeded."
	doMsgServerError  = "Server Error"
	doMsgCNAMEShared  = "CNAME records cannot share a name with other records." // (assumed)
)

// DigitalOceanConfig configures the fake DigitalOcean.
type DigitalOceanConfig struct {
	// Persister keeps the domains, tokens and records between runs
	// (sandbox mode); nil keeps them in memory only.
	Persister Persister
	// Now is the clock for the rate-limit reset; time.Now if nil.
	Now func() time.Time
}

// DigitalOcean is a stateful fake of DigitalOcean's API v2 for what
// linkgate uses: the account (GET /v2/account), domains (list with
// paging, details) and domain records (list with the name and type
// filters and paging; create, details, delete). It answers like the real
// API: Bearer-token authentication, record names relative to the domain
// ("@" the apex) in bodies and fully qualified in the name filter, host
// names in data without their trailing dot, {"id","message"} error bodies
// with 401 unauthorized, 404 not_found, 422 unprocessable_entity and 429
// too_many_requests, links.pages and meta.total on lists, and the
// RateLimit-Limit/-Remaining/-Reset headers on every answer.
//
// A token sees the domains it was given (AddToken), as one DigitalOcean
// account sees its own. It is an http.Handler serving paths that end in
// /v2/...; it can be mounted under any prefix (sandbox mode serves it
// under /_sandbox/digitalocean/v2/). It is safe for concurrent use.
type DigitalOcean struct {
	// Faults answers the next requests with injected failures.
	Faults *Faults
	// Holds delays the answers of the next requests after serving them.
	Holds *Holds

	hostFake[doState]
	now  func() time.Time
	used map[string]int // requests per token key in the current hour (mu held)
	hour int64
}

type doState struct {
	Domains []*doDomain         `json:"domains"`
	Records []*doRecord         `json:"records"`
	Tokens  map[string]*doToken `json:"tokens"` // by hex SHA-256 of the token
	NextID  int                 `json:"next_id"`
	// RecordsCreated counts, per fully qualified record name, the records
	// created through the API.
	RecordsCreated map[string]int `json:"records_created,omitempty"`
}

func (s doState) createdCounts() map[string]int { return s.RecordsCreated }

type doDomain struct {
	Name string `json:"name"`
	TTL  int    `json:"ttl"`
}

type doToken struct {
	UUID    string   `json:"uuid"`
	Email   string   `json:"email"`
	Domains []string `json:"domains"`
}

// doRecord is a record as DigitalOcean keeps it: Name relative to the
// domain ("@" the apex), Data a host name without its trailing dot for
// CNAME/NS/MX.
type doRecord struct {
	ID     int    `json:"id"`
	Domain string `json:"domain"`
	Type   string `json:"type"`
	Name   string `json:"name"`
	Data   string `json:"data"`
	TTL    int    `json:"ttl"`
}

// NewDigitalOcean returns a fake DigitalOcean with the state saved in
// cfg.Persister, if any.
func NewDigitalOcean(cfg DigitalOceanConfig) (*DigitalOcean, error) {
	d := &DigitalOcean{Faults: &Faults{}, Holds: &Holds{}, now: cfg.Now, used: map[string]int{}}
	if d.now == nil {
		d.now = time.Now
	}
	if err := d.load(cfg.Persister, DigitalOceanPersistName); err != nil {
		return nil, err
	}
	if d.st.Tokens == nil {
		d.st.Tokens = map[string]*doToken{}
	}
	if d.st.RecordsCreated == nil {
		d.st.RecordsCreated = map[string]int{}
	}
	if d.st.NextID == 0 {
		d.st.NextID = 3352892
	}
	return d, nil
}

// ---- control methods (tests and sandbox mode) ----

// CreateZone adds the domain name (or finds the one that exists) and
// returns its id (its name: DigitalOcean names domains by name) and the
// credentials of a new personal access token that sees it and nothing
// else, as the digitalocean adapter takes them: {"api_token"}. Sandbox
// mode's POST /_sandbox/digitalocean/zones answers with them.
func (d *DigitalOcean) CreateZone(ctx context.Context, name string) (zoneID string, credentials map[string]string, err error) {
	name = providers.NormalizeHost(name)
	if len(name) > 253 || !cfZoneNamePattern.MatchString(name) {
		return "", nil, fmt.Errorf("mocks: %q is not a valid domain name", name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var tok string
	err = d.mutateLocked(ctx, func() error {
		if d.domainLocked(name) == nil {
			d.st.Domains = append(d.st.Domains, &doDomain{Name: name, TTL: 1800})
		}
		tok = d.addTokenLocked([]string{name})
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	return name, map[string]string{"api_token": tok}, nil
}

// AddZone is CreateZone for tests: it panics on an invalid name or a
// Persister failure.
func (d *DigitalOcean) AddZone(name string) (zoneID, apiToken string) {
	id, creds, err := d.CreateZone(context.Background(), name)
	if err != nil {
		panic(err)
	}
	return id, creds["api_token"]
}

// AddToken returns a new token that sees these domains (none: a valid
// token that sees nothing). It panics on a Persister failure.
func (d *DigitalOcean) AddToken(domains ...string) string {
	var tok string
	d.mustMutate(func() error {
		tok = d.addTokenLocked(domains)
		return nil
	})
	return tok
}

// RevokeToken makes tok invalid, as deleting it at the control panel does.
func (d *DigitalOcean) RevokeToken(tok string) {
	d.mustMutate(func() error {
		delete(d.st.Tokens, cfTokenKey(tok))
		return nil
	})
}

// AddRecord puts r in the domain directly, with none of the API's checks
// (to seed what a client made by hand, conflicts included), and returns
// its id. r.Name is fully qualified; r.TTL 0 means 1800. It panics on an
// unknown domain or a Persister failure.
func (d *DigitalOcean) AddRecord(domain string, r providers.Record) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var id int
	d.mustMutateLocked(func() error {
		dom := d.domainLocked(providers.NormalizeHost(domain))
		if dom == nil {
			return fmt.Errorf("mocks: no domain %q", domain)
		}
		rec := &doRecord{ID: d.nextIDLocked(), Domain: dom.Name, Type: strings.ToUpper(r.Type),
			Name: doRelative(providers.NormalizeHost(r.Name), dom.Name), Data: r.Content, TTL: r.TTL}
		if doHostData(rec.Type) {
			rec.Data = strings.TrimSuffix(rec.Data, ".")
		}
		if rec.TTL == 0 {
			rec.TTL = 1800
		}
		d.st.Records = append(d.st.Records, rec)
		id = rec.ID
		return nil
	})
	return strconv.Itoa(id)
}

// Records returns the records of a domain, in the API's order, with
// fully qualified names.
func (d *DigitalOcean) Records(domain string) []providers.Record {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []providers.Record
	for _, r := range d.sortedRecordsLocked() {
		if r.Domain == providers.NormalizeHost(domain) {
			out = append(out, r.record())
		}
	}
	return out
}

// RecordsAt returns every record, in any domain, whose fully qualified
// name is name: what an authoritative server would answer. The sandbox
// resolver uses it.
func (d *DigitalOcean) RecordsAt(name string) []providers.Record {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []providers.Record
	for _, r := range d.sortedRecordsLocked() {
		if providers.SameHost(r.fqdn(), name) {
			out = append(out, r.record())
		}
	}
	return out
}

func (r *doRecord) fqdn() string {
	if r.Name == "@" {
		return r.Domain
	}
	return r.Name + "." + r.Domain
}

func (r *doRecord) record() providers.Record {
	return providers.Record{ID: strconv.Itoa(r.ID), Type: r.Type, Name: r.fqdn(), Content: r.Data, TTL: r.TTL}
}

// doRelative is name relative to domain, "@" for the apex.
func doRelative(name, domain string) string {
	if name == domain {
		return "@"
	}
	return strings.TrimSuffix(name, "."+domain)
}

// doHostData reports whether a type's data is a host name.
func doHostData(typ string) bool { return typ == "CNAME" || typ == "NS" || typ == "MX" }

// ---- state helpers (d.mu held) ----

func (d *DigitalOcean) addTokenLocked(domains []string) string {
	tok := "dop_v1_" + doHex(32)
	norm := make([]string, len(domains))
	for i, n := range domains {
		norm[i] = providers.NormalizeHost(n)
	}
	d.st.Tokens[cfTokenKey(tok)] = &doToken{UUID: doUUID(), Email: "sandbox@linkgate.invalid", Domains: norm}
	return tok
}

func (d *DigitalOcean) nextIDLocked() int {
	d.st.NextID++
	return d.st.NextID
}

func (d *DigitalOcean) domainLocked(name string) *doDomain {
	for _, z := range d.st.Domains {
		if z.Name == name {
			return z
		}
	}
	return nil
}

func (d *DigitalOcean) sortedRecordsLocked() []*doRecord {
	out := slices.Clone(d.st.Records)
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func doHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func doUUID() string {
	h := doHex(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ---- HTTP ----

type doAPIError struct {
	status  int
	id      string
	message string
}

func doFail(status int, id, message string) *doAPIError {
	return &doAPIError{status: status, id: id, message: message}
}

func doNotFound() *doAPIError { return doFail(http.StatusNotFound, "not_found", doMsgNotFound) }

func doUnprocessable(message string) *doAPIError {
	return doFail(http.StatusUnprocessableEntity, "unprocessable_entity", message)
}

func doErrorBody(status int, id, message string) []byte {
	b, _ := json.Marshal(map[string]string{"id": id, "message": message, "request_id": doUUID()})
	return b
}

// doFaultBody is the JSON body of an injected fault.
func doFaultBody(status int) []byte {
	switch {
	case status == http.StatusTooManyRequests:
		return doErrorBody(status, "too_many_requests", doMsgRateLimited)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return doErrorBody(status, "unauthorized", doMsgUnauthorized)
	case status >= 500:
		return doErrorBody(status, "server_error", doMsgServerError)
	}
	return doErrorBody(status, strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_")), http.StatusText(status))
}

// doAPIPath returns the path from /v2 on ("/v2/domains"), whatever prefix
// the fake is mounted under.
func doAPIPath(p string) string {
	if i := strings.LastIndex(p, "/v2/"); i >= 0 {
		return p[i:]
	}
	if strings.HasSuffix(p, "/v2") {
		return "/v2"
	}
	return p
}

// doRateWriter sets the RateLimit-* headers on every answer; a 429 says
// that nothing remains until the reset (its Retry-After's, if any).
type doRateWriter struct {
	http.ResponseWriter
	d         *DigitalOcean
	remaining int
	reset     int64
	wrote     bool
}

func (w *doRateWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		h := w.Header()
		remaining, reset := w.remaining, w.reset
		if status == http.StatusTooManyRequests {
			remaining = 0
			if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
				reset = w.d.now().Add(time.Duration(s) * time.Second).Unix()
			}
		}
		h.Set("RateLimit-Limit", strconv.Itoa(doRateLimit))
		h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("RateLimit-Reset", strconv.FormatInt(reset, 10))
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *doRateWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP implements http.Handler.
func (d *DigitalOcean) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := doAPIPath(r.URL.Path)
	now := d.now()
	hour := now.Unix() / 3600
	key := cfTokenKey(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	d.mu.Lock()
	d.countCallLocked(r.Method, path)
	if hour != d.hour {
		d.hour, d.used = hour, map[string]int{}
	}
	d.used[key]++
	remaining := max(doRateLimit-d.used[key], 0)
	d.mu.Unlock()
	rw := &doRateWriter{ResponseWriter: w, d: d, remaining: remaining, reset: (hour + 1) * 3600}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { d.serve(w, r, path) })
	guarded(h, d.Holds, d.Faults, doFaultBody).ServeHTTP(rw, r)
}

func (d *DigitalOcean) serve(w http.ResponseWriter, r *http.Request, path string) {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	var (
		status = http.StatusOK
		result any
		err    *doAPIError
	)
	d.mu.Lock()
	tok, err := d.authLocked(r)
	if err == nil {
		switch {
		case len(seg) == 2 && seg[1] == "account":
			result, err = d.accountLocked(r, tok)
		case len(seg) >= 2 && seg[1] == "domains":
			status, result, err = d.domainsLocked(r, tok, seg[2:])
		default:
			err = doNotFound()
		}
	}
	d.mu.Unlock()
	if err != nil {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(err.status)
		_, _ = w.Write(doErrorBody(err.status, err.id, err.message))
		return
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(result)
}

func (d *DigitalOcean) authLocked(r *http.Request) (*doToken, *doAPIError) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return nil, doFail(http.StatusUnauthorized, "unauthorized", doMsgUnauthorized)
	}
	t := d.st.Tokens[cfTokenKey(tok)]
	if t == nil {
		return nil, doFail(http.StatusUnauthorized, "unauthorized", doMsgUnauthorized)
	}
	return t, nil
}

func doMethod(r *http.Request, allowed ...string) *doAPIError {
	if slices.Contains(allowed, r.Method) {
		return nil
	}
	return doFail(http.StatusMethodNotAllowed, "method_not_allowed", "Method Not Allowed")
}

func (d *DigitalOcean) accountLocked(r *http.Request, t *doToken) (any, *doAPIError) {
	if err := doMethod(r, http.MethodGet); err != nil {
		return nil, err
	}
	return map[string]any{"account": map[string]any{
		"droplet_limit": 25, "floating_ip_limit": 3, "volume_limit": 100, "email": t.Email, "uuid": t.UUID,
		"email_verified": true, "status": "active", "status_message": "",
	}}, nil
}

// doPaging reads page and per_page (default 20, at most 200).
func doPaging(q url.Values) (page, perPage int) {
	page, perPage = 1, 20
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v >= 1 {
		page = v
	}
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v >= 1 {
		perPage = min(v, 200)
	}
	return page, perPage
}

// doLinks returns links.pages for one page of total items, with URLs on
// the request's own host and path.
func doLinks(r *http.Request, page, perPage, total int) map[string]any {
	pages := map[string]any{}
	last := max((total+perPage-1)/perPage, 1)
	link := func(p int) string {
		host := r.Host
		if host == "" { // a request served in-process (HandlerTransport)
			host = r.URL.Host
		}
		u := url.URL{Scheme: "http", Host: host, Path: r.URL.Path}
		if r.TLS != nil {
			u.Scheme = "https"
		}
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(perPage))
		u.RawQuery = q.Encode()
		return u.String()
	}
	if page < last {
		pages["next"], pages["last"] = link(page+1), link(last)
	}
	if page > 1 {
		pages["first"], pages["prev"] = link(1), link(min(page-1, last))
	}
	return map[string]any{"pages": pages}
}

func doPage(n, page, perPage int) (from, to int) {
	from = min((page-1)*perPage, n)
	return from, min(from+perPage, n)
}

func (d *DigitalOcean) domainJSON(z *doDomain) map[string]any {
	return map[string]any{"name": z.Name, "ttl": z.TTL, "zone_file": d.zoneFileLocked(z)}
}

// zoneFileLocked renders the domain's records as a zone file, as the API
// does.
func (d *DigitalOcean) zoneFileLocked(z *doDomain) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s.\n$TTL %d\n", z.Name, z.TTL)
	fmt.Fprintf(&b, "%s. IN SOA ns1.digitalocean.com. hostmaster.%s. 1 10800 3600 604800 1800\n", z.Name, z.Name)
	for _, r := range d.sortedRecordsLocked() {
		if r.Domain != z.Name {
			continue
		}
		data := r.Data
		if doHostData(r.Type) {
			data += "."
		}
		fmt.Fprintf(&b, "%s %d IN %s %s\n", r.Name, r.TTL, r.Type, data)
	}
	return b.String()
}

func (d *DigitalOcean) domainsLocked(r *http.Request, t *doToken, seg []string) (int, any, *doAPIError) {
	if len(seg) == 0 {
		if err := doMethod(r, http.MethodGet, http.MethodPost); err != nil {
			return 0, nil, err
		}
		if r.Method == http.MethodPost {
			return 0, nil, doFail(http.StatusForbidden, "forbidden", "You are not authorized to perform this operation")
		}
		var visible []*doDomain
		for _, z := range d.st.Domains {
			if slices.Contains(t.Domains, z.Name) {
				visible = append(visible, z)
			}
		}
		sort.Slice(visible, func(i, j int) bool { return visible[i].Name < visible[j].Name })
		page, perPage := doPaging(r.URL.Query())
		from, to := doPage(len(visible), page, perPage)
		out := make([]any, 0, to-from)
		for _, z := range visible[from:to] {
			out = append(out, d.domainJSON(z))
		}
		return http.StatusOK, map[string]any{"domains": out, "links": doLinks(r, page, perPage, len(visible)),
			"meta": map[string]int{"total": len(visible)}}, nil
	}
	z := d.domainLocked(strings.ToLower(seg[0]))
	if z == nil || !slices.Contains(t.Domains, z.Name) {
		return 0, nil, doNotFound()
	}
	switch {
	case len(seg) == 1:
		if err := doMethod(r, http.MethodGet); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"domain": d.domainJSON(z)}, nil
	case seg[1] != "records" || len(seg) > 3:
		return 0, nil, doNotFound()
	case len(seg) == 2 && r.Method == http.MethodGet:
		return http.StatusOK, d.listRecordsLocked(r, z), nil
	case len(seg) == 2 && r.Method == http.MethodPost:
		rec, err := d.createRecordLocked(r, z)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, map[string]any{"domain_record": doRecordJSON(rec)}, nil
	case len(seg) == 2:
		return 0, nil, doMethod(r)
	}
	id, convErr := strconv.Atoi(seg[2])
	var rec *doRecord
	for _, x := range d.st.Records {
		if convErr == nil && x.ID == id && x.Domain == z.Name {
			rec = x
		}
	}
	if err := doMethod(r, http.MethodGet, http.MethodDelete); err != nil {
		return 0, nil, err
	}
	if rec == nil {
		return 0, nil, doNotFound()
	}
	if r.Method == http.MethodGet {
		return http.StatusOK, map[string]any{"domain_record": doRecordJSON(rec)}, nil
	}
	if err := d.mutateLocked(context.WithoutCancel(r.Context()), func() error {
		d.st.Records = slices.DeleteFunc(d.st.Records, func(x *doRecord) bool { return x.ID == rec.ID })
		return nil
	}); err != nil {
		return 0, nil, doFail(http.StatusInternalServerError, "server_error", doMsgServerError)
	}
	return http.StatusNoContent, nil, nil
}

// doRecordJSON renders a record with the attributes a type does not use
// as null, as the API does.
func doRecordJSON(r *doRecord) map[string]any {
	return map[string]any{"id": r.ID, "type": r.Type, "name": r.Name, "data": r.Data, "ttl": r.TTL,
		"priority": nil, "port": nil, "weight": nil, "flags": nil, "tag": nil}
}

func (d *DigitalOcean) listRecordsLocked(r *http.Request, z *doDomain) map[string]any {
	q := r.URL.Query()
	name := providers.NormalizeHost(q.Get("name"))
	typ := strings.ToUpper(q.Get("type"))
	var match []*doRecord
	for _, rec := range d.sortedRecordsLocked() {
		if rec.Domain != z.Name || (name != "" && rec.fqdn() != name) || (typ != "" && rec.Type != typ) {
			continue
		}
		match = append(match, rec)
	}
	page, perPage := doPaging(q)
	from, to := doPage(len(match), page, perPage)
	out := make([]any, 0, to-from)
	for _, rec := range match[from:to] {
		out = append(out, doRecordJSON(rec))
	}
	return map[string]any{"domain_records": out, "links": doLinks(r, page, perPage, len(match)),
		"meta": map[string]int{"total": len(match)}}
}

// doInput is a record as a client sends it.
type doInput struct {
	Type *string `json:"type"`
	Name *string `json:"name"`
	Data *string `json:"data"`
	TTL  *int    `json:"ttl"`
}

func (d *DigitalOcean) createRecordLocked(r *http.Request, z *doDomain) (*doRecord, *doAPIError) {
	var in doInput
	var body []byte
	var err error
	if r.Body != nil { // nil on a client's request served in-process
		body, err = io.ReadAll(io.LimitReader(r.Body, 1<<20))
	}
	if err != nil || json.Unmarshal(body, &in) != nil {
		return nil, doFail(http.StatusBadRequest, "bad_request", "unable to parse the request body")
	}
	if in.Type == nil || *in.Type == "" {
		return nil, doUnprocessable("Type is required") // (assumed)
	}
	rec := &doRecord{Domain: z.Name, Type: strings.ToUpper(*in.Type), TTL: z.TTL}
	if !slices.Contains([]string{"A", "AAAA", "CNAME", "NS", "TXT"}, rec.Type) {
		return nil, doUnprocessable("Type " + rec.Type + " is not supported by this fake")
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return nil, doUnprocessable("Name can't be blank") // (assumed)
	}
	// Names are relative to the domain; "@" is the apex.
	rec.Name = strings.ToLower(strings.TrimSpace(*in.Name))
	if rec.Name != "@" && (strings.HasSuffix(rec.Name, ".") || !cfValidHost(rec.Name+"."+z.Name)) {
		return nil, doUnprocessable("Name is invalid") // (assumed)
	}
	if in.Data == nil || strings.TrimSpace(*in.Data) == "" {
		return nil, doUnprocessable("Data needs to end with a dot (.)") // (assumed)
	}
	rec.Data = strings.TrimSpace(*in.Data)
	switch rec.Type {
	case "A":
		if ip := net.ParseIP(rec.Data); ip == nil || ip.To4() == nil || strings.Contains(rec.Data, ":") {
			return nil, doUnprocessable("Data is not a valid IPv4 address") // (assumed)
		}
	case "AAAA":
		if ip := net.ParseIP(rec.Data); ip == nil || !strings.Contains(rec.Data, ":") {
			return nil, doUnprocessable("Data is not a valid IPv6 address") // (assumed)
		}
	case "CNAME", "NS":
		// A host name with a trailing dot is fully qualified, "@" is the
		// apex, anything else is relative to the domain.
		switch data := strings.ToLower(rec.Data); {
		case data == "@":
			rec.Data = z.Name
		case strings.HasSuffix(data, "."):
			rec.Data = strings.TrimSuffix(data, ".")
		default:
			rec.Data = data + "." + z.Name
		}
		if !cfValidHost(rec.Data) {
			return nil, doUnprocessable("Data is not a valid hostname") // (assumed)
		}
		if rec.Type == "CNAME" && rec.Data == rec.fqdn() {
			return nil, doUnprocessable("CNAME records cannot point to themselves") // (assumed)
		}
	}
	if in.TTL != nil {
		if *in.TTL < 30 {
			return nil, doUnprocessable("TTL must be at least 30 seconds") // (assumed)
		}
		rec.TTL = *in.TTL
	}
	for _, o := range d.st.Records {
		if o.Domain != rec.Domain || o.Name != rec.Name {
			continue
		}
		if rec.Type == "CNAME" || o.Type == "CNAME" {
			return nil, doUnprocessable(doMsgCNAMEShared)
		}
	}
	rec.ID = d.st.NextID + 1
	if err := d.mutateLocked(context.WithoutCancel(r.Context()), func() error {
		d.st.NextID = rec.ID
		d.st.Records = append(d.st.Records, rec)
		d.st.RecordsCreated[rec.fqdn()]++
		return nil
	}); err != nil {
		return nil, doFail(http.StatusInternalServerError, "server_error", doMsgServerError)
	}
	return rec, nil
}

// DigitalOceanSandboxHost is the fake DigitalOcean's entry in the sandbox
// (its API under /_sandbox/digitalocean/v2/).
func DigitalOceanSandboxHost(d *DigitalOcean) SandboxDNSHost {
	return SandboxDNSHost{Name: "digitalocean", API: d, Mount: "/v2/", Records: d, Faults: d.Faults, Holds: d.Holds,
		RecordsCreated: d.RecordsCreated, CreateZone: d.CreateZone}
}
