package mocks

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/linkgate/linkgate/providers"
)

// route53NS is the XML namespace of Route 53's 2013-04-01 API.
const route53NS = "https://route53.amazonaws.com/doc/2013-04-01/"

// Route53Config configures the fake Route 53.
type Route53Config struct {
	// Persister keeps accounts, zones, records and changes between runs.
	Persister Persister
	// SyncPolls is how many GetChange calls see a change PENDING before it
	// is INSYNC (default 1: the second poll sees it INSYNC).
	SyncPolls int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// RateLimit, when N > 0, enforces Route 53's API rate limit per
	// account (DefaultRoute53RateLimit is the documented one: 5 per
	// second): a request over it is 400 Throttling "Rate exceeded", as
	// Route 53 answers, and counted by Throttled.
	RateLimit Route53RateLimit
}

// Route53RateLimit is N requests per Window per account, counted in a
// sliding window.
type Route53RateLimit struct {
	N      int
	Window time.Duration
}

// DefaultRoute53RateLimit is Route 53's documented limit.
var DefaultRoute53RateLimit = Route53RateLimit{N: 5, Window: time.Second}

// Route53 is a stateful fake of Amazon Route 53's REST-XML API
// (2013-04-01), enough for linkgate's adapter and the SDK behind it:
// GetHostedZoneCount, ListHostedZones (paged by marker), ListResourceRecordSets
// (paged by name and type), ChangeResourceRecordSets (CREATE, UPSERT and
// DELETE, all or nothing, with Route 53's InvalidChangeBatch messages) and
// GetChange (PENDING, then INSYNC after Route53Config.SyncPolls polls).
//
// Accounts hold hosted zones and access keys; a key sees its account's
// zones. Requests are authenticated as AWS does, with Signature Version 4:
// an unknown or revoked key is 403 InvalidClientTokenId, a wrong secret
// 403 SignatureDoesNotMatch. Errors are Route 53's XML error bodies.
// It also serves, below STSPath, the part of STS that assume-role needs
// (see sts.go: PlatformAccount, AddRole). Safe for concurrent use.
type Route53 struct {
	Faults *Faults
	Holds  *Holds

	hostFake[r53State]
	syncPolls int
	now       func() time.Time
	handler   http.Handler
	sts       http.Handler

	rate      Route53RateLimit
	recent    map[string][]time.Time // account → its requests in the window
	throttled int
}

type r53State struct {
	Accounts []*r53Account `json:"accounts"`
	Changes  []*r53Change  `json:"changes"`
	// Created counts record sets created through the API, per name.
	Created map[string]int `json:"created"`
}

func (s r53State) createdCounts() map[string]int { return s.Created }

type r53Account struct {
	ID    string     `json:"id"`
	Keys  []*r53Key  `json:"keys"`
	Zones []*r53Zone `json:"zones"`
	Roles []*r53Role `json:"roles,omitempty"`
	// Platform marks linkgate's own account (PlatformAccount).
	Platform bool `json:"platform,omitempty"`
}

type r53Key struct {
	ID      string `json:"id"`
	Secret  string `json:"secret"`
	Revoked bool   `json:"revoked,omitempty"`
	// Token and Expires are set on temporary credentials (issued by the
	// fake STS for a role): the session token must come with them.
	Token   string    `json:"token,omitempty"`
	Expires time.Time `json:"expires,omitzero"`
}

type r53Zone struct {
	ID      string      `json:"id"` // "Z0123...", without "/hostedzone/"
	Name    string      `json:"name"`
	Private bool        `json:"private,omitempty"`
	CallerR string      `json:"caller_reference"`
	Sets    []*r53RRSet `json:"sets"`
}

type r53RRSet struct {
	Name   string   `json:"name"` // lower case, no final dot
	Type   string   `json:"type"`
	TTL    int64    `json:"ttl"`
	Values []string `json:"values"`
}

type r53Change struct {
	ID          string    `json:"id"` // "C0123..."
	SubmittedAt time.Time `json:"submitted_at"`
	Comment     string    `json:"comment,omitempty"`
	Polls       int       `json:"polls"`
}

const route53StateName = "route53"

// NewRoute53 builds the fake, with its saved state if cfg.Persister has
// one.
func NewRoute53(cfg Route53Config) (*Route53, error) {
	if cfg.RateLimit.N < 0 || (cfg.RateLimit.N > 0 && cfg.RateLimit.Window <= 0) {
		return nil, fmt.Errorf("mocks: route53: RateLimit needs N >= 0 and, with N, a positive Window")
	}
	f := &Route53{Faults: &Faults{}, Holds: &Holds{}, syncPolls: cfg.SyncPolls, now: cfg.Now,
		rate: cfg.RateLimit, recent: map[string][]time.Time{}}
	if f.syncPolls <= 0 {
		f.syncPolls = 1
	}
	if f.now == nil {
		f.now = time.Now
	}
	if err := f.load(cfg.Persister, route53StateName); err != nil {
		return nil, err
	}
	if f.st.Created == nil {
		f.st.Created = map[string]int{}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2013-04-01/hostedzonecount", f.hostedZoneCount)
	mux.HandleFunc("GET /2013-04-01/hostedzone", f.listHostedZones)
	mux.HandleFunc("GET /2013-04-01/hostedzone/{id}/rrset", f.listRRSets)
	mux.HandleFunc("POST /2013-04-01/hostedzone/{id}/rrset", f.changeRRSets)
	mux.HandleFunc("POST /2013-04-01/hostedzone/{id}/rrset/", f.changeRRSets)
	mux.HandleFunc("GET /2013-04-01/change/{id}", f.getChange)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		r53Error(w, http.StatusNotFound, "InvalidAction", "The action or operation requested is not valid.")
	})
	f.handler = f.Holds.Wrap(f.faulted(f.authenticated(mux)))
	f.sts = f.stsHandler()
	return f, nil
}

// ServeHTTP serves Route 53's API (paths start /2013-04-01/) and, below
// STSPath, the fake STS.
func (f *Route53) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.countCall(r.Method, r.URL.Path)
	if r.URL.Path == STSPath || strings.HasPrefix(r.URL.Path, STSPath+"/") {
		f.sts.ServeHTTP(w, r)
		return
	}
	f.handler.ServeHTTP(w, r)
}

// Calls counts the requests received with this method (all if "") whose
// path contains part ("/change/", "/rrset").
func (f *Route53) Calls(method, part string) int {
	return f.callsWhere(method, func(path string) bool { return strings.Contains(path, part) })
}

func r53ID(prefix string) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return prefix + strings.ToUpper(hex.EncodeToString(b))
}

// mutate is mutateLocked (f.mu held).
func (f *Route53) mutate(ctx context.Context, fn func() error) error { return f.mutateLocked(ctx, fn) }

// AddAccount makes an empty account and returns its id.
func (f *Route53) AddAccount() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := &r53Account{ID: fmt.Sprintf("%012d", len(f.st.Accounts)+100000000000)}
	_ = f.mutate(context.Background(), func() error { f.st.Accounts = append(f.st.Accounts, a); return nil })
	return a.ID
}

func (f *Route53) accountLocked(id string) *r53Account {
	for _, a := range f.st.Accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// AddZone adds a hosted zone (public, or private for a VPC) to an
// account, with its SOA and NS record sets, and returns its id.
func (f *Route53) AddZone(account, name string, private bool) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, _ := f.addZoneLocked(context.Background(), account, name, private)
	return id
}

func (f *Route53) addZoneLocked(ctx context.Context, account, name string, private bool) (string, error) {
	a := f.accountLocked(account)
	if a == nil {
		return "", fmt.Errorf("mocks: route53: no account %s", account)
	}
	name = providers.NormalizeHost(name)
	z := &r53Zone{ID: r53ID("Z"), Name: name, Private: private, CallerR: r53ID("ref-"), Sets: []*r53RRSet{
		{Name: name, Type: "NS", TTL: 172800, Values: []string{"ns-1.awsdns-01.org.", "ns-2.awsdns-02.co.uk.", "ns-3.awsdns-03.net.", "ns-4.awsdns-04.com."}},
		{Name: name, Type: "SOA", TTL: 900, Values: []string{"ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}},
	}}
	return z.ID, f.mutate(ctx, func() error { a.Zones = append(a.Zones, z); return nil })
}

// AddKey gives an account an access key and returns it.
func (f *Route53) AddKey(account string) (accessKeyID, secret string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, _ := f.addKeyLocked(context.Background(), account)
	if k == nil {
		return "", ""
	}
	return k.ID, k.Secret
}

func (f *Route53) addKeyLocked(ctx context.Context, account string) (*r53Key, error) {
	a := f.accountLocked(account)
	if a == nil {
		return nil, fmt.Errorf("mocks: route53: no account %s", account)
	}
	sb := make([]byte, 30)
	_, _ = rand.Read(sb)
	k := &r53Key{ID: r53ID("AKIA")[:20], Secret: hex.EncodeToString(sb)[:40]}
	return k, f.mutate(ctx, func() error { a.Keys = append(a.Keys, k); return nil })
}

// RevokeKey makes a key unknown to Route 53 (deleted in IAM).
func (f *Route53) RevokeKey(accessKeyID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_ = f.mutate(context.Background(), func() error {
		for _, a := range f.st.Accounts {
			for _, k := range a.Keys {
				if k.ID == accessKeyID {
					k.Revoked = true
				}
			}
		}
		return nil
	})
}

// CreateZone is the sandbox's "a client with a Route 53 zone": a new
// account holding the public zone name and an access key for it. It
// returns the zone id and the credentials the adapter takes.
func (f *Route53) CreateZone(ctx context.Context, name string) (zoneID string, creds map[string]string, err error) {
	name = providers.NormalizeHost(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	a := &r53Account{ID: fmt.Sprintf("%012d", len(f.st.Accounts)+100000000000)}
	if err := f.mutate(ctx, func() error { f.st.Accounts = append(f.st.Accounts, a); return nil }); err != nil {
		return "", nil, err
	}
	if zoneID, err = f.addZoneLocked(ctx, a.ID, name, false); err != nil {
		return "", nil, err
	}
	k, err := f.addKeyLocked(ctx, a.ID)
	if err != nil {
		return "", nil, err
	}
	return zoneID, map[string]string{"access_key_id": k.ID, "secret_access_key": k.Secret}, nil
}

// AddRecord puts r in the zone directly, as a client would by hand (a
// record set of one value; a second value of the same name and type is
// added to the set).
func (f *Route53) AddRecord(zoneID string, r providers.Record) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, z := f.zoneLocked(zoneID)
	if z == nil {
		return
	}
	_ = f.mutate(context.Background(), func() error {
		name, typ := providers.NormalizeHost(r.Name), strings.ToUpper(r.Type)
		ttl := int64(r.TTL)
		if ttl <= 1 {
			ttl = 300
		}
		if s := z.set(name, typ); s != nil {
			s.Values = append(s.Values, r.Content)
			return nil
		}
		z.Sets = append(z.Sets, &r53RRSet{Name: name, Type: typ, TTL: ttl, Values: []string{r.Content}})
		return nil
	})
}

func (z *r53Zone) set(name, typ string) *r53RRSet {
	for _, s := range z.Sets {
		if s.Name == name && s.Type == typ {
			return s
		}
	}
	return nil
}

func (f *Route53) zoneLocked(id string) (*r53Account, *r53Zone) {
	id = strings.TrimPrefix(id, "/hostedzone/")
	for _, a := range f.st.Accounts {
		for _, z := range a.Zones {
			if z.ID == id {
				return a, z
			}
		}
	}
	return nil, nil
}

// RecordsAt implements RecordSource over every public zone: one record per
// value of each set named name.
func (f *Route53) RecordsAt(name string) []providers.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []providers.Record
	for _, a := range f.st.Accounts {
		for _, z := range a.Zones {
			if z.Private {
				continue
			}
			for _, s := range z.Sets {
				if !providers.SameHost(s.Name, name) {
					continue
				}
				for _, v := range s.Values {
					out = append(out, providers.Record{ID: s.Name + "|" + s.Type, Type: s.Type, Name: s.Name, Content: v, TTL: int(s.TTL)})
				}
			}
		}
	}
	return out
}

// --- HTTP ---

type r53CtxKey struct{}

// authenticated checks the Signature Version 4 of each request and puts
// the caller's account in the context.
var r53CredentialPattern = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([a-z0-9]+)/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$`)

// authenticated verifies requests to Route 53; authenticatedAs, to
// service ("route53", "sts"), whose errors are in namespace ns. Temporary
// credentials need their session token (X-Amz-Security-Token) and are
// refused once expired, as AWS does.
func (f *Route53) authenticated(next http.Handler) http.Handler {
	return f.authenticatedAs("route53", route53NS, next)
}

func (f *Route53) authenticatedAs(service, ns string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(status int, code, msg string) { awsXMLError(w, ns, status, code, msg) }
		m := r53CredentialPattern.FindStringSubmatch(r.Header.Get("Authorization"))
		if m == nil || m[4] != service {
			fail(http.StatusForbidden, "MissingAuthenticationToken", "Missing Authentication Token")
			return
		}
		akid, region, signed, sig := m[1], m[3], m[5], m[6]
		f.mu.Lock()
		var acct string
		var key r53Key
		for _, a := range f.st.Accounts {
			for _, k := range a.Keys {
				if k.ID == akid && !k.Revoked {
					acct, key = a.ID, *k
				}
			}
		}
		f.mu.Unlock()
		if acct == "" || (key.Token != "" && r.Header.Get("X-Amz-Security-Token") != key.Token) {
			fail(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
			return
		}
		if key.Token != "" && !f.now().Before(key.Expires) {
			fail(http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired")
			return
		}
		if service == "route53" && !f.allow(acct) {
			fail(http.StatusBadRequest, "Throttling", "Rate exceeded")
			return
		}
		var body []byte
		var err error
		if r.Body != nil { // nil on a client's request served in-process
			body, err = io.ReadAll(io.LimitReader(r.Body, 1<<20))
		}
		if err != nil {
			fail(http.StatusBadRequest, "InvalidInput", "could not read the body")
			return
		}
		if !r53SignatureMatches(r, body, key, service, region, signed, sig) {
			fail(http.StatusForbidden, "SignatureDoesNotMatch",
				"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), r53CtxKey{}, acct)))
	})
}

// allow counts a request of account against the rate limit (real time:
// the limit is about requests in flight, not the fake's clock).
func (f *Route53) allow(account string) bool {
	if f.rate.N == 0 {
		return true
	}
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := f.recent[account]
	i := 0
	for i < len(seen) && !seen[i].After(now.Add(-f.rate.Window)) {
		i++
	}
	seen = seen[i:]
	if len(seen) >= f.rate.N {
		f.recent[account] = seen
		f.throttled++
		return false
	}
	f.recent[account] = append(seen, now)
	return true
}

// Throttled counts the requests refused by the rate limit.
func (f *Route53) Throttled() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.throttled
}

// r53SignatureMatches signs again, with the key's secret, a copy of the
// request holding only the headers the client signed, and compares.
func r53SignatureMatches(r *http.Request, body []byte, key r53Key, service, region, signed, sig string) bool {
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return false
	}
	// The URI as sent (before any StripPrefix): what was signed.
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	cp, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+host+uri, nil)
	if err != nil {
		return false
	}
	for _, h := range strings.Split(signed, ";") {
		if h == "host" {
			continue
		}
		if vs, ok := r.Header[http.CanonicalHeaderKey(h)]; ok {
			cp.Header[http.CanonicalHeaderKey(h)] = vs
		}
	}
	if r.ContentLength > 0 {
		cp.ContentLength = r.ContentLength
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret, SessionToken: r.Header.Get("X-Amz-Security-Token")}
	if err := v4.NewSigner().SignHTTP(r.Context(), creds, cp, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		return false
	}
	got := r53CredentialPattern.FindStringSubmatch(cp.Header.Get("Authorization"))
	return got != nil && got[6] == sig
}

// faulted answers with an injected fault, as Route 53's front end would:
// a 5xx or 429 with an XML error body (or an HTML page).
func (f *Route53) faulted(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fl, ok := f.Faults.take()
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if fl.Delay > 0 {
			select {
			case <-time.After(fl.Delay):
			case <-r.Context().Done():
				return
			}
		}
		if fl.Status == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if fl.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(fl.RetryAfter))
		}
		if fl.HTML {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(fl.Status)
			_, _ = io.WriteString(w, "<html><body><h1>"+http.StatusText(fl.Status)+"</h1></body></html>\n")
			return
		}
		switch {
		case fl.Status == http.StatusTooManyRequests || fl.Status == http.StatusBadRequest:
			r53Error(w, fl.Status, "Throttling", "Rate exceeded")
		case fl.Status >= 500:
			r53Error(w, fl.Status, "ServiceUnavailable", "Service is unavailable. Try again later.")
		default:
			r53Error(w, fl.Status, "AccessDenied", "User is not authorized to perform this action")
		}
	})
}

func r53Caller(r *http.Request) string { s, _ := r.Context().Value(r53CtxKey{}).(string); return s }

// XML shapes (the parts of Route 53's model the fake answers with).
type (
	r53XMLZone struct {
		ID      string `xml:"Id"`
		Name    string `xml:"Name"`
		CallerR string `xml:"CallerReference"`
		Config  struct {
			Comment     string `xml:"Comment,omitempty"`
			PrivateZone bool   `xml:"PrivateZone"`
		} `xml:"Config"`
		RRCount int64 `xml:"ResourceRecordSetCount"`
	}
	r53XMLRRSet struct {
		Name            string   `xml:"Name"`
		Type            string   `xml:"Type"`
		TTL             int64    `xml:"TTL,omitempty"`
		ResourceRecords []string `xml:"ResourceRecords>ResourceRecord>Value"`
	}
	r53XMLChangeInfo struct {
		ID          string `xml:"Id"`
		Status      string `xml:"Status"`
		SubmittedAt string `xml:"SubmittedAt"`
		Comment     string `xml:"Comment,omitempty"`
	}
)

func r53XML(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", r53ID("")[:8]+"-0000-4000-8000-"+r53ID("")[:12])
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(v)
}

// r53Error answers with Route 53's error body.
func r53Error(w http.ResponseWriter, status int, code, msg string) {
	awsXMLError(w, route53NS, status, code, msg)
}

// awsXMLError answers with AWS's XML error envelope in namespace ns.
func awsXMLError(w http.ResponseWriter, ns string, status int, code, msg string) {
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	r53XML(w, status, struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		NS      string   `xml:"xmlns,attr"`
		Error   struct {
			Type    string `xml:"Type"`
			Code    string `xml:"Code"`
			Message string `xml:"Message,omitempty"`
		} `xml:"Error"`
		RequestID string `xml:"RequestId"`
	}{NS: ns, Error: struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message,omitempty"`
	}{typ, code, msg}, RequestID: r53ID("")[:20]})
}

// r53InvalidChangeBatch answers 400 with InvalidChangeBatch's own body.
func r53InvalidChangeBatch(w http.ResponseWriter, msgs ...string) {
	r53XML(w, http.StatusBadRequest, struct {
		XMLName   xml.Name `xml:"InvalidChangeBatch"`
		NS        string   `xml:"xmlns,attr"`
		Messages  []string `xml:"Messages>Message"`
		RequestID string   `xml:"RequestId"`
	}{NS: route53NS, Messages: msgs, RequestID: r53ID("")[:20]})
}

func (f *Route53) hostedZoneCount(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	a := f.accountLocked(r53Caller(r))
	n := len(a.Zones)
	f.mu.Unlock()
	r53XML(w, http.StatusOK, struct {
		XMLName xml.Name `xml:"GetHostedZoneCountResponse"`
		NS      string   `xml:"xmlns,attr"`
		Count   int      `xml:"HostedZoneCount"`
	}{NS: route53NS, Count: n})
}

func r53MaxItems(w http.ResponseWriter, r *http.Request) (int, bool) {
	max := 100
	if v := r.URL.Query().Get("maxitems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			r53Error(w, http.StatusBadRequest, "InvalidInput", "1 validation error detected: Value '"+v+"' at 'maxItems' failed to satisfy constraint")
			return 0, false
		}
		max = min(n, 100)
	}
	return max, true
}

// listHostedZones pages by zone id: Marker is the first id of the page.
func (f *Route53) listHostedZones(w http.ResponseWriter, r *http.Request) {
	max, ok := r53MaxItems(w, r)
	if !ok {
		return
	}
	marker := r.URL.Query().Get("marker")
	f.mu.Lock()
	a := f.accountLocked(r53Caller(r))
	zones := append([]*r53Zone(nil), a.Zones...)
	sort.Slice(zones, func(i, j int) bool { return zones[i].ID < zones[j].ID })
	var page []r53XMLZone
	next := ""
	for _, z := range zones {
		if marker != "" && z.ID < marker {
			continue
		}
		if len(page) == max {
			next = z.ID
			break
		}
		x := r53XMLZone{ID: "/hostedzone/" + z.ID, Name: z.Name + ".", CallerR: z.CallerR, RRCount: int64(len(z.Sets))}
		x.Config.PrivateZone = z.Private
		page = append(page, x)
	}
	f.mu.Unlock()
	r53XML(w, http.StatusOK, struct {
		XMLName     xml.Name     `xml:"ListHostedZonesResponse"`
		NS          string       `xml:"xmlns,attr"`
		HostedZones []r53XMLZone `xml:"HostedZones>HostedZone"`
		Marker      string       `xml:"Marker"`
		IsTruncated bool         `xml:"IsTruncated"`
		NextMarker  string       `xml:"NextMarker,omitempty"`
		MaxItems    int          `xml:"MaxItems"`
	}{NS: route53NS, HostedZones: page, Marker: marker, IsTruncated: next != "", NextMarker: next, MaxItems: max})
}

// zoneFor finds the caller's zone named by the path, or answers 404.
func (f *Route53) zoneForLocked(w http.ResponseWriter, r *http.Request) *r53Zone {
	a, z := f.zoneLocked(r.PathValue("id"))
	if z == nil || a.ID != r53Caller(r) {
		r53Error(w, http.StatusNotFound, "NoSuchHostedZone", "No hosted zone found with ID: "+r.PathValue("id"))
		return nil
	}
	return z
}

// r53Less orders record sets as Route 53 lists them: by name with its
// labels reversed, then by type.
func r53Less(aName, aType, bName, bType string) bool {
	ka, kb := r53SortKey(aName), r53SortKey(bName)
	if ka != kb {
		return ka < kb
	}
	return aType < bType
}

func r53SortKey(name string) string {
	labels := strings.Split(name, ".")
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	return strings.Join(labels, ".")
}

func (f *Route53) listRRSets(w http.ResponseWriter, r *http.Request) {
	max, ok := r53MaxItems(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	startName, startType := providers.NormalizeHost(q.Get("name")), strings.ToUpper(q.Get("type"))
	if startType != "" && startName == "" {
		r53Error(w, http.StatusBadRequest, "InvalidInput", "The input is not valid: a type needs a name")
		return
	}
	f.mu.Lock()
	z := f.zoneForLocked(w, r)
	if z == nil {
		f.mu.Unlock()
		return
	}
	sets := append([]*r53RRSet(nil), z.Sets...)
	f.mu.Unlock()
	sort.Slice(sets, func(i, j int) bool { return r53Less(sets[i].Name, sets[i].Type, sets[j].Name, sets[j].Type) })
	type out struct {
		XMLName        xml.Name      `xml:"ListResourceRecordSetsResponse"`
		NS             string        `xml:"xmlns,attr"`
		Sets           []r53XMLRRSet `xml:"ResourceRecordSets>ResourceRecordSet"`
		IsTruncated    bool          `xml:"IsTruncated"`
		NextRecordName string        `xml:"NextRecordName,omitempty"`
		NextRecordType string        `xml:"NextRecordType,omitempty"`
		MaxItems       int           `xml:"MaxItems"`
	}
	o := out{NS: route53NS, Sets: []r53XMLRRSet{}, MaxItems: max}
	for _, s := range sets {
		if startName != "" && r53Less(s.Name, s.Type, startName, startType) {
			continue
		}
		if len(o.Sets) == max {
			o.IsTruncated, o.NextRecordName, o.NextRecordType = true, s.Name+".", s.Type
			break
		}
		o.Sets = append(o.Sets, r53XMLRRSet{Name: s.Name + ".", Type: s.Type, TTL: s.TTL, ResourceRecords: s.Values})
	}
	r53XML(w, http.StatusOK, o)
}

var r53Types = map[string]bool{"A": true, "AAAA": true, "CAA": true, "CNAME": true, "MX": true, "NS": true, "TXT": true, "SRV": true, "PTR": true, "SPF": true, "NAPTR": true, "DS": true, "SOA": true}

func (f *Route53) changeRRSets(w http.ResponseWriter, r *http.Request) {
	var in struct {
		XMLName     xml.Name `xml:"ChangeResourceRecordSetsRequest"`
		ChangeBatch struct {
			Comment string `xml:"Comment"`
			Changes []struct {
				Action string `xml:"Action"`
				Set    struct {
					Name   string   `xml:"Name"`
					Type   string   `xml:"Type"`
					TTL    *int64   `xml:"TTL"`
					Values []string `xml:"ResourceRecords>ResourceRecord>Value"`
				} `xml:"ResourceRecordSet"`
			} `xml:"Changes>Change"`
		} `xml:"ChangeBatch"`
	}
	if err := xml.NewDecoder(r.Body).Decode(&in); err != nil {
		r53Error(w, http.StatusBadRequest, "InvalidInput", "Invalid XML: "+err.Error())
		return
	}
	if len(in.ChangeBatch.Changes) == 0 {
		r53Error(w, http.StatusBadRequest, "InvalidInput", "1 validation error detected: Value null at 'changeBatch.changes' failed to satisfy constraint: Member must not be null")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	z := f.zoneForLocked(w, r)
	if z == nil {
		return
	}
	// Work on a copy: a batch applies whole or not at all.
	work := make([]*r53RRSet, 0, len(z.Sets))
	for _, s := range z.Sets {
		c := *s
		c.Values = append([]string(nil), s.Values...)
		work = append(work, &c)
	}
	find := func(name, typ string) int {
		for i, s := range work {
			if s.Name == name && s.Type == typ {
				return i
			}
		}
		return -1
	}
	var msgs []string
	var created []string
	for _, c := range in.ChangeBatch.Changes {
		name, typ := providers.NormalizeHost(c.Set.Name), strings.ToUpper(c.Set.Type)
		desc := fmt.Sprintf("[name='%s.', type='%s']", name, typ)
		switch {
		case name != z.Name && !strings.HasSuffix(name, "."+z.Name):
			msgs = append(msgs, fmt.Sprintf("RRSet with DNS name %s. is not permitted in zone %s.", name, z.Name))
			continue
		case !r53Types[typ]:
			r53Error(w, http.StatusBadRequest, "InvalidInput", "Invalid XML ; cvc-enumeration-valid: Value '"+c.Set.Type+"' is not facet-valid")
			return
		case len(c.Set.Values) == 0 || c.Set.TTL == nil:
			msgs = append(msgs, "Invalid Resource Record: FATAL problem: TTL and ResourceRecords are required")
			continue
		case typ == "CNAME" && len(c.Set.Values) != 1:
			msgs = append(msgs, "RRSet of type CNAME with DNS name "+name+". has more than one value")
			continue
		}
		i := find(name, typ)
		set := &r53RRSet{Name: name, Type: typ, TTL: *c.Set.TTL, Values: c.Set.Values}
		others := func() string {
			for _, s := range work {
				if s.Name == name && s.Type != typ {
					return s.Type
				}
			}
			return ""
		}
		switch c.Action {
		case "CREATE", "UPSERT":
			if c.Action == "CREATE" && i >= 0 {
				msgs = append(msgs, "Tried to create resource record set "+desc+" but it already exists")
				continue
			}
			if o := others(); o != "" && (typ == "CNAME" || o == "CNAME") {
				if typ == "CNAME" {
					msgs = append(msgs, fmt.Sprintf("RRSet of type CNAME with DNS name %s. is not permitted as it conflicts with other records with the same DNS name in zone %s.", name, z.Name))
				} else {
					msgs = append(msgs, fmt.Sprintf("RRSet of type %s with DNS name %s. is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone %s.", typ, name, z.Name))
				}
				continue
			}
			if i >= 0 {
				work[i] = set
			} else {
				work = append(work, set)
				created = append(created, name)
			}
		case "DELETE":
			if i < 0 {
				msgs = append(msgs, "Tried to delete resource record set "+desc+" but it was not found")
				continue
			}
			cur := work[i]
			if cur.TTL != *c.Set.TTL || strings.Join(cur.Values, "\n") != strings.Join(c.Set.Values, "\n") {
				msgs = append(msgs, "Tried to delete resource record set "+desc+" but the values provided do not match the current values")
				continue
			}
			work = append(work[:i], work[i+1:]...)
		default:
			r53Error(w, http.StatusBadRequest, "InvalidInput", "Invalid XML ; cvc-enumeration-valid: Value '"+c.Action+"' is not facet-valid")
			return
		}
	}
	if len(msgs) > 0 {
		r53InvalidChangeBatch(w, msgs...)
		return
	}
	ch := &r53Change{ID: r53ID("C"), SubmittedAt: f.now().UTC().Truncate(time.Millisecond), Comment: in.ChangeBatch.Comment}
	err := f.mutate(r.Context(), func() error {
		z.Sets = work
		for _, n := range created {
			f.st.Created[n]++
		}
		f.st.Changes = append(f.st.Changes, ch)
		return nil
	})
	if err != nil {
		r53Error(w, http.StatusInternalServerError, "InternalFailure", "could not save")
		return
	}
	r53XML(w, http.StatusOK, struct {
		XMLName xml.Name         `xml:"ChangeResourceRecordSetsResponse"`
		NS      string           `xml:"xmlns,attr"`
		Info    r53XMLChangeInfo `xml:"ChangeInfo"`
	}{NS: route53NS, Info: ch.info("PENDING")})
}

func (c *r53Change) info(status string) r53XMLChangeInfo {
	return r53XMLChangeInfo{ID: "/change/" + c.ID, Status: status, SubmittedAt: c.SubmittedAt.Format(time.RFC3339Nano), Comment: c.Comment}
}

func (f *Route53) getChange(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.PathValue("id"), "/change/")
	f.mu.Lock()
	defer f.mu.Unlock()
	var ch *r53Change
	for _, c := range f.st.Changes {
		if c.ID == id {
			ch = c
		}
	}
	if ch == nil {
		r53Error(w, http.StatusNotFound, "NoSuchChange", "A change with the specified change ID does not exist.")
		return
	}
	_ = f.mutate(r.Context(), func() error { ch.Polls++; return nil })
	status := "PENDING"
	if ch.Polls > f.syncPolls {
		status = "INSYNC"
	}
	r53XML(w, http.StatusOK, struct {
		XMLName xml.Name         `xml:"GetChangeResponse"`
		NS      string           `xml:"xmlns,attr"`
		Info    r53XMLChangeInfo `xml:"ChangeInfo"`
	}{NS: route53NS, Info: ch.info(status)})
}
