// Package dnscheck is the providers.Resolver that looks at DNS the way the
// world will see it, with github.com/miekg/dns.
//
// CheckCNAME finds the authoritative name servers of the registrable
// domain (an NS query through a bootstrap resolver, then their addresses),
// asks each of them for the host's CNAME without recursion (RD=0),
// following a delegation to a sub-zone if there is one, and turns what they
// answer into findings a client can act on. It also asks public resolvers,
// to tell "not published yet" from "published but still cached".
//
// Nothing is cached: every call asks afresh. A Resolver is safe for
// concurrent use.
package dnscheck

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
	"time"

	"github.com/miekg/dns"

	"github.com/linkgate/linkgate/providers"
)

// Defaults.
const (
	DefaultTimeout = 3 * time.Second
	DefaultPort    = 53
	resolvConf     = "/etc/resolv.conf"
	maxNameServers = 6 // authoritative servers asked at most
	maxReferrals   = 3 // delegations followed below the registrable domain
	ednsSize       = 1232
)

// defaultPublic returns the public resolvers compared with the
// authoritative answer when Config.Public is empty; they are also the
// bootstrap resolvers when /etc/resolv.conf names none.
func defaultPublic() []string { return []string{"1.1.1.1:53", "8.8.8.8:53"} }

// Config configures a Resolver. Resolver addresses are "ip:port" or "ip"
// (port 53).
type Config struct {
	// Bootstrap are recursive resolvers used to find the zone's name
	// servers and their addresses. Default: the nameservers of
	// /etc/resolv.conf, else 1.1.1.1:53 and 8.8.8.8:53.
	Bootstrap []string
	// Public are the public resolvers whose view is compared with the
	// authoritative one. Default: 1.1.1.1:53 and 8.8.8.8:53.
	Public []string
	// Timeout bounds one query (one server, one question); 0 means
	// DefaultTimeout. A context deadline that comes sooner wins.
	Timeout time.Duration
	// Port is the port the authoritative servers are asked on; 0 means 53.
	// Tests point it at an in-process server.
	Port int
}

// Resolver checks CNAMEs against the authoritative servers.
type Resolver struct {
	bootstrap []string
	public    []string
	timeout   time.Duration
	port      string
}

var _ providers.Resolver = (*Resolver)(nil)

// New validates cfg and returns a Resolver. It sends nothing.
func New(cfg Config) (*Resolver, error) {
	r := &Resolver{timeout: cfg.Timeout}
	if r.timeout < 0 {
		return nil, errors.New("dns: Timeout must not be negative")
	}
	if r.timeout == 0 {
		r.timeout = DefaultTimeout
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("dns: Port %d is not a port number", cfg.Port)
	}
	port := cfg.Port
	if port == 0 {
		port = DefaultPort
	}
	r.port = strconv.Itoa(port)

	var err error
	bootstrap := cfg.Bootstrap
	if len(bootstrap) == 0 {
		bootstrap = systemResolvers()
	}
	if r.bootstrap, err = resolverAddrs("Bootstrap", bootstrap); err != nil {
		return nil, err
	}
	public := cfg.Public
	if len(public) == 0 {
		public = defaultPublic()
	}
	if r.public, err = resolverAddrs("Public", public); err != nil {
		return nil, err
	}
	return r, nil
}

// systemResolvers returns the nameservers of /etc/resolv.conf, or
// the public defaults.
func systemResolvers() []string {
	cc, err := dns.ClientConfigFromFile(resolvConf)
	if err != nil || len(cc.Servers) == 0 {
		return defaultPublic()
	}
	out := make([]string, 0, len(cc.Servers))
	for _, s := range cc.Servers {
		out = append(out, net.JoinHostPort(s, cc.Port))
	}
	return out
}

// resolverAddrs checks and normalises "ip[:port]" addresses.
func resolverAddrs(field string, in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, a := range in {
		a = strings.TrimSpace(a)
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			host, port = strings.Trim(a, "[]"), "53"
		}
		if net.ParseIP(host) == nil {
			return nil, fmt.Errorf("dns: %s resolver %q is not an IP address with an optional port", field, a)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("dns: %s resolver %q has an invalid port", field, a)
		}
		out = append(out, net.JoinHostPort(host, port))
	}
	return out, nil
}

// CheckCNAME implements providers.Resolver. OK means that every
// authoritative server that answered gives host a CNAME to target. Findings:
//
//   - record_missing: no CNAME at host (NXDOMAIN or no data), or no name
//     servers for apex at all;
//   - wrong_target: a CNAME to something else (named, with the wanted
//     target);
//   - wrong_host: no record at host but a CNAME at host.apex
//     (ls.acme.com.acme.com: the name was typed in full in a panel that
//     appends the zone);
//   - address_records: A/AAAA at host instead of the CNAME;
//   - caa_forbids: the CAA record set that applies to host (the closest
//     one from host up to apex, as a certificate authority looks it up,
//     RFC 8659) has issue properties and none for letsencrypt.org, or a
//     critical property no CA knows;
//   - not_yet_authoritative: public resolvers see the right CNAME but the
//     authoritative servers do not (or only some of them do);
//   - not_yet_public: the authoritative servers are right, some public
//     resolvers still answer from an older copy (OK stays true).
//
// A host outside apex, or a malformed name, is a permanent *providers.Error;
// no answer from any bootstrap or authoritative server is a transient one.
func (r *Resolver) CheckCNAME(ctx context.Context, host, apex, target string) (providers.DNSCheck, error) {
	q := query{host: canon(host), apex: canon(apex), target: canon(target)}
	for _, n := range []struct{ what, name string }{{"host", host}, {"apex", apex}, {"target", target}} {
		if !validName(n.name) {
			return providers.DNSCheck{}, permanent(fmt.Sprintf("%s %q is not a DNS name", n.what, n.name))
		}
	}
	if !dns.IsSubDomain(q.apex, q.host) {
		return providers.DNSCheck{}, permanent(fmt.Sprintf("%s is not inside %s", bare(q.host), bare(q.apex)))
	}

	servers, err := r.nameServers(ctx, q.apex)
	if errors.Is(err, errNoZone) {
		return providers.DNSCheck{Findings: []providers.Finding{{
			Code: providers.FindingMissing,
			Message: fmt.Sprintf("We found no name servers for %s: check that the domain is registered and that its name servers are set. Then add: %s.",
				bare(q.apex), q.record()),
		}}}, nil
	}
	if err != nil {
		return providers.DNSCheck{}, transient(ctx, err.Error())
	}

	answers := r.askAll(ctx, servers, q.host, dns.TypeCNAME)
	var answered, right []answer
	var failures []string
	targets := map[string]bool{}
	for _, a := range answers {
		if a.err != nil {
			failures = append(failures, a.err.Error()) // names the server
			continue
		}
		answered = append(answered, a)
		for _, t := range a.targets {
			targets[t] = true
		}
		if a.has(q.target) {
			right = append(right, a)
		}
	}
	if len(answered) == 0 {
		return providers.DNSCheck{}, transient(ctx, fmt.Sprintf("no name server of %s answered for %s (%s)", bare(q.apex), bare(q.host), strings.Join(failures, "; ")))
	}
	live := make([]string, 0, len(answered))
	for _, a := range answered {
		live = append(live, a.server)
	}

	check := providers.DNSCheck{OK: len(right) == len(answered), Targets: sortedKeys(targets)}
	add := func(code, msg string) {
		check.Findings = append(check.Findings, providers.Finding{Code: code, Message: msg})
	}

	switch {
	case check.OK:
		if lagging, wait := r.publicLag(ctx, q); len(lagging) > 0 {
			add(providers.FindingNotPublic, fmt.Sprintf("%s is set up correctly. Some public resolvers (%s) still remember an older answer; they will see the new record %s.",
				bare(q.host), strings.Join(lagging, ", "), wait))
		}
	case len(right) > 0:
		add(providers.FindingNotAuthoritative, fmt.Sprintf("Only %d of the %d name servers of %s answer the CNAME for %s so far; the others usually catch up within minutes.",
			len(right), len(answered), bare(q.apex), bare(q.host)))
	case len(targets) > 0:
		add(providers.FindingWrongTarget, fmt.Sprintf("%s points to %s, but it must point to %s. Change the record to: %s.",
			bare(q.host), strings.Join(check.Targets, " and "), bare(q.target), q.record()))
	default:
		r.diagnoseMissing(ctx, live, q, add)
	}
	if !check.OK && len(right) == 0 && r.publicSeesTarget(ctx, q) {
		add(providers.FindingNotAuthoritative, fmt.Sprintf("Public resolvers already see %s pointing to %s, but the name servers of %s do not answer it. If you recently moved %s to another DNS provider, add the record there too: %s.",
			bare(q.host), bare(q.target), bare(q.apex), bare(q.apex), q.record()))
	}
	if msg := r.caa(ctx, live, q, len(targets) > 0); msg != "" {
		add(providers.FindingCAAForbids, msg)
	}
	return check, nil
}

// diagnoseMissing explains why host has no CNAME: the record sits at
// host.apex, or A/AAAA records sit at host, or it is simply missing.
func (r *Resolver) diagnoseMissing(ctx context.Context, servers []string, q query, add func(code, msg string)) {
	found := false
	doubled := q.host + q.apex
	if m, err := r.ask(ctx, servers, doubled, dns.TypeCNAME); err == nil {
		if ts := cnameTargets(m, doubled); len(ts) > 0 {
			found = true
			add(providers.FindingWrongHost, fmt.Sprintf("We found the record at %s instead of %s: your DNS provider adds %s to the name by itself. Delete that record and create it again with the name %q only: %s.",
				bare(doubled), bare(q.host), bare(q.apex), q.rel(), q.record()))
		}
	}
	var addrs []string
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		m, err := r.ask(ctx, servers, q.host, qt)
		if err != nil {
			continue
		}
		for _, rr := range m.Answer {
			if !strings.EqualFold(rr.Header().Name, q.host) {
				continue
			}
			switch v := rr.(type) {
			case *dns.A:
				addrs = append(addrs, "A "+v.A.String())
			case *dns.AAAA:
				addrs = append(addrs, "AAAA "+v.AAAA.String())
			}
		}
	}
	if len(addrs) > 0 {
		found = true
		add(providers.FindingAddressRecords, fmt.Sprintf("%s has address records (%s) instead of a CNAME. Delete them and add: %s. (At Cloudflare, a CNAME with the orange cloud answers with addresses too: set it to \"DNS only\".)",
			bare(q.host), strings.Join(addrs, ", "), q.record()))
	}
	if !found {
		add(providers.FindingMissing, fmt.Sprintf("We found no CNAME record for %s. Add: %s.", bare(q.host), q.record()))
	}
}

// query is one CheckCNAME call, names canonical (lower case, final dot).
type query struct{ host, apex, target string }

// rel is host relative to apex, as a DNS panel wants it ("@" for apex).
func (q query) rel() string { return relName(q.host, q.apex) }

// record is the record to add, in words: "ls CNAME lsct.ashburn.us1.twilio.com".
func (q query) record() string { return q.rel() + " CNAME " + bare(q.target) }

// labelPattern is one label of a host name (underscores allowed, as in
// service names).
var labelPattern = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$`)

// validName reports whether s is a host name, with or without a final dot.
func validName(s string) bool {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if !labelPattern.MatchString(l) {
			return false
		}
	}
	return true
}

// canon lower-cases a name and makes it fully qualified.
func canon(name string) string { return dns.Fqdn(strings.ToLower(strings.TrimSpace(name))) }

// bare drops the final dot, for people.
func bare(name string) string { return strings.TrimSuffix(name, ".") }

func permanent(msg string) error {
	return &providers.Error{Provider: "dns", Op: "check CNAME", Message: msg}
}

func transient(ctx context.Context, msg string) error {
	return &providers.Error{Provider: "dns", Op: "check CNAME", Transient: true, Message: msg, Err: ctx.Err()}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, bare(k))
	}
	sort.Strings(out)
	return out
}

// cnameTargets returns the canonical targets of the CNAMEs at name in m's
// answer.
func cnameTargets(m *dns.Msg, name string) []string {
	var out []string
	for _, rr := range m.Answer {
		if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, name) {
			out = append(out, canon(c.Target))
		}
	}
	return out
}

// parallel runs f for every item, at most len(items) at once, and waits.
func parallel[T any](items []T, f func(i int, item T)) {
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(i, it)
		}()
	}
	wg.Wait()
}
