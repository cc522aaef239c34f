package mocks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/linkgate/linkgate/providers"
)

// DNSPersistName is the Persister name the sandbox DNS keeps its manual
// records under.
const DNSPersistName = "dns"

// ErrInvalidDNSRecord is wrapped by AddManual and RemoveManual errors about
// the record itself (as opposed to a Persister failure): a sandbox handler
// answers it with 400.
var ErrInvalidDNSRecord = errors.New("mocks: dns: invalid record")

var (
	dnsLabelPattern  = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$`)
	dnsCAAPattern    = regexp.MustCompile(`^(\d{1,3})\s+([A-Za-z0-9]+)\s+(.*)$`)
	dnsCAATagPattern = regexp.MustCompile(`^[A-Za-z0-9]{1,15}$`)
)

// RecordSource is a set of DNS records the sandbox DNS answers from, such
// as the fake Cloudflare's zones. RecordsAt returns the records whose name
// is name (fully qualified, lower case, no final dot; implementations
// compare with providers.SameHost). Safe for concurrent use.
type RecordSource interface {
	RecordsAt(name string) []providers.Record
}

// DNSConfig configures the sandbox DNS.
type DNSConfig struct {
	// Persister keeps the manual records between runs; nil keeps them in
	// memory only.
	Persister Persister
	// Sources are asked for records at every lookup (the fake Cloudflare).
	Sources []RecordSource
}

// DNS is the sandbox's view of the Internet's DNS: it answers from its
// Sources (the fake Cloudflare, for self setups) and from manual records
// (POST /_sandbox/dns, what a client adds by hand at another provider).
// Changes are visible at once: there is no propagation and no cache.
//
// It implements providers.Resolver, with the findings of the real
// dnscheck that make sense without propagation (record_missing,
// wrong_target, wrong_host, address_records, caa_forbids), and answers the
// fake Twilio's ValidateDns through LookupCNAME. A Cloudflare record with
// Proxied set does not resolve to its target (the world sees Cloudflare's
// addresses): it is reported as address records that must be "DNS only".
// Safe for concurrent use.
type DNS struct {
	persister Persister
	sources   []RecordSource

	mu       sync.Mutex
	manual   []dnsRecord
	failures []error
}

var _ providers.Resolver = (*DNS)(nil)

// dnsRecord is a manual record, normalised (name lower case without final
// dot, type upper case, value canonical for its type).
type dnsRecord struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

type dnsState struct {
	Records []dnsRecord `json:"records"`
}

// NewDNS returns the sandbox DNS with the manual records cfg.Persister
// saved, if any.
func NewDNS(cfg DNSConfig) (*DNS, error) {
	d := &DNS{persister: cfg.Persister}
	for _, s := range cfg.Sources {
		if s != nil {
			d.sources = append(d.sources, s)
		}
	}
	var st dnsState
	if err := loadState(d.persister, DNSPersistName, &st); err != nil {
		return nil, err
	}
	if st.Records != nil {
		d.manual = st.Records
	}
	return d, nil
}

// AddManual publishes a record: typ is CNAME, A, AAAA, TXT or CAA (any
// case), name a fully qualified host name, value a host name (CNAME), an
// address (A, AAAA), text (TXT) or `flags tag "value"` (CAA, quotes
// optional). Adding a record that exists is success. Like a real DNS
// server it refuses a CNAME beside any other record at the same name, and
// any record beside a CNAME: remove the old one first. Errors about the
// record wrap ErrInvalidDNSRecord.
func (d *DNS) AddManual(name, typ, value string) error {
	rec, err := normalizeDNSRecord(name, typ, value)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range d.manual {
		if r.Name != rec.Name {
			continue
		}
		switch {
		case r == rec:
			return nil
		case r.Type == "CNAME" && rec.Type == "CNAME":
			return fmt.Errorf("%w: %s already has a CNAME to %s; remove it first", ErrInvalidDNSRecord, rec.Name, r.Value)
		case r.Type == "CNAME":
			return fmt.Errorf("%w: %s has a CNAME, which cannot sit beside a %s record; remove it first", ErrInvalidDNSRecord, rec.Name, rec.Type)
		case rec.Type == "CNAME":
			return fmt.Errorf("%w: %s already has a %s record, and a CNAME cannot sit beside other records; remove it first", ErrInvalidDNSRecord, rec.Name, r.Type)
		}
	}
	return d.mutateLocked(func() { d.manual = append(d.manual, rec) })
}

// RemoveManual removes the manual records at name of type typ; with a
// value, only the one with that value. Removing nothing is success.
func (d *DNS) RemoveManual(name, typ, value string) error {
	n := providers.NormalizeHost(name)
	t := strings.ToUpper(strings.TrimSpace(typ))
	var want dnsRecord
	if value != "" {
		rec, err := normalizeDNSRecord(name, typ, value)
		if err != nil {
			return err
		}
		want = rec
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var keep []dnsRecord
	for _, r := range d.manual {
		if r.Name == n && r.Type == t && (value == "" || r == want) {
			continue
		}
		keep = append(keep, r)
	}
	if len(keep) == len(d.manual) {
		return nil
	}
	return d.mutateLocked(func() { d.manual = keep })
}

// Manual returns the manual records, in the order they were added (Name,
// Type and Content set).
func (d *DNS) Manual() []providers.Record {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]providers.Record, 0, len(d.manual))
	for _, r := range d.manual {
		out = append(out, providers.Record{Name: r.Name, Type: r.Type, Content: r.Value})
	}
	return out
}

// FailNext makes the next CheckCNAME return err (nil: a transient
// "no name server answered"). Calls queue up.
func (d *DNS) FailNext(err error) {
	if err == nil {
		err = &providers.Error{Provider: "dns", Op: "check CNAME", Transient: true, Message: "no name server answered (injected failure)"}
	}
	d.mu.Lock()
	d.failures = append(d.failures, err)
	d.mu.Unlock()
}

// LookupCNAME returns the target (no final dot) of host's CNAME as the
// world resolves it; ok is false when host has none, or only a proxied
// one.
func (d *DNS) LookupCNAME(host string) (target string, ok bool) {
	for _, r := range d.recordsAt(providers.NormalizeHost(host)) {
		if r.Type == "CNAME" && !r.Proxied {
			return providers.NormalizeHost(r.Content), true
		}
	}
	return "", false
}

// CheckCNAME implements providers.Resolver. OK means host has an unproxied
// CNAME to target. A malformed name or a host outside apex is a permanent
// *providers.Error; a cancelled context or an injected failure (FailNext)
// is what it is.
func (d *DNS) CheckCNAME(ctx context.Context, host, apex, target string) (providers.DNSCheck, error) {
	d.mu.Lock()
	var injected error
	if len(d.failures) > 0 {
		injected, d.failures = d.failures[0], d.failures[1:]
	}
	d.mu.Unlock()
	if injected != nil {
		return providers.DNSCheck{}, injected
	}
	if err := ctx.Err(); err != nil {
		return providers.DNSCheck{}, &providers.Error{Provider: "dns", Op: "check CNAME", Transient: true, Err: err}
	}
	q := dnsQuery{host: providers.NormalizeHost(host), apex: providers.NormalizeHost(apex), target: providers.NormalizeHost(target)}
	for _, n := range []struct{ what, name string }{{"host", host}, {"apex", apex}, {"target", target}} {
		if !dnsValidName(providers.NormalizeHost(n.name)) {
			return providers.DNSCheck{}, &providers.Error{Provider: "dns", Op: "check CNAME", Message: fmt.Sprintf("%s %q is not a DNS name", n.what, n.name)}
		}
	}
	if q.host != q.apex && !strings.HasSuffix(q.host, "."+q.apex) {
		return providers.DNSCheck{}, &providers.Error{Provider: "dns", Op: "check CNAME", Message: fmt.Sprintf("%s is not inside %s", q.host, q.apex)}
	}

	var check providers.DNSCheck
	add := func(code, msg string) {
		check.Findings = append(check.Findings, providers.Finding{Code: code, Message: msg})
	}
	var proxied []providers.Record
	var addrs []string
	targets := map[string]bool{}
	for _, r := range d.recordsAt(q.host) {
		switch {
		case r.Type == "CNAME" && r.Proxied:
			proxied = append(proxied, r)
		case r.Type == "CNAME":
			targets[providers.NormalizeHost(r.Content)] = true
		case r.Type == "A" || r.Type == "AAAA":
			addrs = append(addrs, r.Type+" "+r.Content)
		}
	}
	for t := range targets {
		check.Targets = append(check.Targets, t)
	}
	sort.Strings(check.Targets)
	check.OK = len(targets) == 1 && targets[q.target]

	switch {
	case check.OK:
	case len(targets) > 0:
		var others []string
		for _, t := range check.Targets {
			if t != q.target {
				others = append(others, t)
			}
		}
		add(providers.FindingWrongTarget, fmt.Sprintf("%s points to %s, but it must point to %s. Change the record to: %s.",
			q.host, strings.Join(others, " and "), q.target, q.record()))
	case len(proxied) > 0:
		msg := fmt.Sprintf("%s is proxied by Cloudflare (orange cloud), so it answers with Cloudflare's addresses instead of the CNAME. Set the record to \"DNS only\" (grey cloud)", q.host)
		if !providers.SameHost(proxied[0].Content, q.target) {
			msg += fmt.Sprintf(" and make it: %s", q.record())
		}
		add(providers.FindingAddressRecords, msg+".")
	default:
		found := false
		doubled := q.host + "." + q.apex
		for _, r := range d.recordsAt(doubled) {
			if r.Type == "CNAME" {
				found = true
				add(providers.FindingWrongHost, fmt.Sprintf("We found the record at %s instead of %s: your DNS provider adds %s to the name by itself. Delete that record and create it again with the name %q only: %s.",
					doubled, q.host, q.apex, q.rel(), q.record()))
				break
			}
		}
		if len(addrs) > 0 {
			found = true
			add(providers.FindingAddressRecords, fmt.Sprintf("%s has address records (%s) instead of a CNAME. Delete them and add: %s.",
				q.host, strings.Join(addrs, ", "), q.record()))
		}
		if !found {
			add(providers.FindingMissing, fmt.Sprintf("We found no CNAME record for %s. Add: %s.", q.host, q.record()))
		}
	}
	if msg := d.caa(q, len(targets) > 0 || len(proxied) > 0); msg != "" {
		add(providers.FindingCAAForbids, msg)
	}
	return check, nil
}

// caa judges the CAA set that applies to host: the closest one from host
// up to apex (RFC 8659), skipping host when it is an alias.
func (d *DNS) caa(q dnsQuery, hostIsAlias bool) string {
	for name := q.host; ; {
		if name != q.host || !hostIsAlias {
			var set []dnsCAA
			for _, r := range d.recordsAt(name) {
				if r.Type != "CAA" {
					continue
				}
				if c, err := parseDNSCAA(r.Content); err == nil {
					set = append(set, c)
				}
			}
			if len(set) > 0 {
				return dnsCAAVerdict(set, name, q)
			}
		}
		i := strings.IndexByte(name, '.')
		if name == q.apex || i < 0 {
			return ""
		}
		name = name[i+1:]
	}
}

// recordsAt returns the records at name from every source, then the
// manual ones.
func (d *DNS) recordsAt(name string) []providers.Record {
	var out []providers.Record
	for _, s := range d.sources {
		for _, r := range s.RecordsAt(name) {
			r.Type = strings.ToUpper(r.Type)
			out = append(out, r)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range d.manual {
		if r.Name == name {
			out = append(out, providers.Record{Name: r.Name, Type: r.Type, Content: r.Value})
		}
	}
	return out
}

// mutateLocked applies fn and saves; on a save failure the records are
// left as they were.
func (d *DNS) mutateLocked(fn func()) error {
	before := append([]dnsRecord(nil), d.manual...)
	fn()
	if err := saveState(context.Background(), d.persister, DNSPersistName, dnsState{Records: d.manual}); err != nil {
		d.manual = before
		return err
	}
	return nil
}

// normalizeDNSRecord checks a manual record and puts it in canonical form.
func normalizeDNSRecord(name, typ, value string) (dnsRecord, error) {
	rec := dnsRecord{Name: providers.NormalizeHost(name), Type: strings.ToUpper(strings.TrimSpace(typ)), Value: strings.TrimSpace(value)}
	if !dnsValidName(rec.Name) {
		return rec, fmt.Errorf("%w: name %q is not a host name", ErrInvalidDNSRecord, name)
	}
	switch rec.Type {
	case "CNAME":
		rec.Value = providers.NormalizeHost(rec.Value)
		if !dnsValidName(rec.Value) {
			return rec, fmt.Errorf("%w: CNAME target %q is not a host name", ErrInvalidDNSRecord, value)
		}
		if rec.Value == rec.Name {
			return rec, fmt.Errorf("%w: %s cannot be a CNAME to itself", ErrInvalidDNSRecord, rec.Name)
		}
	case "A", "AAAA":
		ip := net.ParseIP(rec.Value)
		isV6 := strings.Contains(rec.Value, ":")
		if rec.Type == "A" && (ip == nil || isV6) {
			return rec, fmt.Errorf("%w: %q is not an IPv4 address", ErrInvalidDNSRecord, value)
		}
		if rec.Type == "AAAA" && (ip == nil || !isV6) {
			return rec, fmt.Errorf("%w: %q is not an IPv6 address", ErrInvalidDNSRecord, value)
		}
		rec.Value = ip.String()
	case "TXT":
		if rec.Value == "" || len(rec.Value) > 2048 || strings.ContainsAny(rec.Value, "\r\n") {
			return rec, fmt.Errorf("%w: TXT value must be one line of 1 to 2048 characters", ErrInvalidDNSRecord)
		}
	case "CAA":
		c, err := parseDNSCAA(rec.Value)
		if err != nil {
			return rec, err
		}
		rec.Value = c.String()
	default:
		return rec, fmt.Errorf("%w: type %q is not one of CNAME, A, AAAA, TXT, CAA", ErrInvalidDNSRecord, typ)
	}
	return rec, nil
}

// dnsCAA is one CAA record.
type dnsCAA struct {
	Flag  int
	Tag   string
	Value string
}

func (c dnsCAA) String() string { return fmt.Sprintf("%d %s %q", c.Flag, c.Tag, c.Value) }

// parseDNSCAA parses `flags tag value`, the value quoted or not.
func parseDNSCAA(s string) (dnsCAA, error) {
	m := dnsCAAPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return dnsCAA{}, fmt.Errorf("%w: CAA value %q must be `flags tag \"value\"`, like `0 issue \"letsencrypt.org\"`", ErrInvalidDNSRecord, s)
	}
	flag, err := strconv.Atoi(m[1])
	if err != nil || flag > 255 || !dnsCAATagPattern.MatchString(m[2]) {
		return dnsCAA{}, fmt.Errorf("%w: CAA value %q has a bad flag or tag", ErrInvalidDNSRecord, s)
	}
	v := strings.TrimSpace(m[3])
	if len(v) >= 2 && strings.HasPrefix(v, `"`) && strings.HasSuffix(v, `"`) {
		v = v[1 : len(v)-1]
	}
	if strings.ContainsAny(v, "\"\r\n") {
		return dnsCAA{}, fmt.Errorf("%w: CAA value %q has a bad value", ErrInvalidDNSRecord, s)
	}
	return dnsCAA{Flag: flag, Tag: strings.ToLower(m[2]), Value: v}, nil
}

// dnsCAAVerdict judges the relevant CAA set found at name: the caa_forbids
// message, or "" when Let's Encrypt may issue.
func dnsCAAVerdict(set []dnsCAA, name string, q dnsQuery) string {
	recs := make([]providers.CAA, len(set))
	for i, c := range set {
		recs[i] = providers.CAA{Flag: c.Flag, Tag: c.Tag, Value: c.Value}
	}
	return providers.CAAVerdict(recs, name, dnsRelName(name, q.apex), q.host)
}

// dnsQuery is one CheckCNAME call, names canonical.
type dnsQuery struct{ host, apex, target string }

func (q dnsQuery) rel() string    { return dnsRelName(q.host, q.apex) }
func (q dnsQuery) record() string { return q.rel() + " CNAME " + q.target }

// dnsRelName is name relative to apex, as a DNS panel wants it.
func dnsRelName(name, apex string) string {
	if name == apex {
		return "@"
	}
	return strings.TrimSuffix(name, "."+apex)
}

// dnsValidName reports whether a canonical name is a host name.
func dnsValidName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, l := range strings.Split(name, ".") {
		if !dnsLabelPattern.MatchString(l) {
			return false
		}
	}
	return true
}
