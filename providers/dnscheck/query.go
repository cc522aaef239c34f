package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/miekg/dns"

	"github.com/linkgate/linkgate/providers"
)

// errNoZone: the bootstrap resolvers say the registrable domain has no name
// servers (it does not exist or is not delegated).
var errNoZone = errors.New("no name servers")

// errorList is several failures on one line; errors.Is sees each.
type errorList []error

func (l errorList) Error() string {
	parts := make([]string, len(l))
	for i, err := range l {
		parts[i] = err.Error()
	}
	return strings.Join(parts, "; ")
}

func (l errorList) Unwrap() []error { return l }

// joinErrors is errors.Join on one line: nil for no errors.
func joinErrors(errs ...error) error {
	var l errorList
	for _, err := range errs {
		if err != nil {
			l = append(l, err)
		}
	}
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	return l
}

// answer is one authoritative server's reply to the CNAME question.
type answer struct {
	server  string
	targets []string // canonical CNAME targets at the host
	err     error
}

func (a answer) has(target string) bool {
	for _, t := range a.targets {
		if t == target {
			return true
		}
	}
	return false
}

// exchange sends one question to server over UDP, and again over TCP when
// the UDP answer is truncated. Only NOERROR and NXDOMAIN count as answers.
func (r *Resolver) exchange(ctx context.Context, server, name string, qtype uint16, recursion bool) (*dns.Msg, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = recursion
	m.SetEdns0(ednsSize, false)
	c := &dns.Client{Net: "udp", Timeout: r.timeout, UDPSize: ednsSize}
	in, _, err := c.ExchangeContext(ctx, m, server)
	if err == nil && in.Truncated {
		c.Net = "tcp"
		in, _, err = c.ExchangeContext(ctx, m, server)
		if err == nil && in.Truncated {
			err = errors.New("truncated answer over TCP")
		}
	}
	if err != nil {
		return nil, err
	}
	if in.Rcode != dns.RcodeSuccess && in.Rcode != dns.RcodeNameError {
		return nil, fmt.Errorf("answered %s", dns.RcodeToString[in.Rcode])
	}
	return in, nil
}

// recursive asks the bootstrap resolvers in turn until one answers.
func (r *Resolver) recursive(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	var errs []error
	for _, s := range r.bootstrap {
		m, err := r.exchange(ctx, s, name, qtype, true)
		if err == nil {
			return m, nil
		}
		errs = append(errs, fmt.Errorf("resolver %s: %w", s, err))
	}
	return nil, joinErrors(errs...)
}

// nameServers returns the addresses ("ip:port") of apex's authoritative
// servers. errNoZone when apex has none.
func (r *Resolver) nameServers(ctx context.Context, apex string) ([]string, error) {
	m, err := r.recursive(ctx, apex, dns.TypeNS)
	if err != nil {
		return nil, fmt.Errorf("could not find the name servers of %s: %w", bare(apex), err)
	}
	if m.Rcode == dns.RcodeNameError {
		return nil, errNoZone
	}
	names := nsNames(m.Answer, apex)
	if len(names) == 0 {
		// apex is not a zone of its own: use the zone that holds it, as
		// named by the SOA of the negative answer.
		for _, rr := range m.Ns {
			if soa, ok := rr.(*dns.SOA); ok && !strings.EqualFold(soa.Hdr.Name, apex) && dns.IsSubDomain(soa.Hdr.Name, apex) {
				zone := canon(soa.Hdr.Name)
				if m2, err := r.recursive(ctx, zone, dns.TypeNS); err == nil {
					m = m2
					names = nsNames(m2.Answer, zone)
				}
				break
			}
		}
	}
	if len(names) == 0 {
		return nil, errNoZone
	}
	return r.addresses(ctx, names, m.Extra)
}

// nsNames returns the canonical NS targets at owner in rrs, sorted.
func nsNames(rrs []dns.RR, owner string) []string {
	seen := map[string]bool{}
	for _, rr := range rrs {
		if ns, ok := rr.(*dns.NS); ok && strings.EqualFold(ns.Hdr.Name, owner) {
			seen[canon(ns.Ns)] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// addresses resolves name server names to "ip:port" on the authoritative
// port: glue first, else through the bootstrap resolvers (IPv4, or IPv6
// when a server has no IPv4 address).
func (r *Resolver) addresses(ctx context.Context, names []string, glue []dns.RR) ([]string, error) {
	if len(names) > maxNameServers {
		names = names[:maxNameServers]
	}
	ips := make([][]string, len(names))
	errs := make([]error, len(names))
	parallel(names, func(i int, name string) {
		if ips[i] = addrRecords(glue, name); len(ips[i]) == 0 {
			ips[i], errs[i] = r.lookupAddr(ctx, name)
		}
	})
	seen := map[string]bool{}
	var out []string
	for _, list := range ips {
		for _, ip := range list {
			addr := net.JoinHostPort(ip, r.port)
			if !seen[addr] {
				seen[addr] = true
				out = append(out, addr)
			}
		}
	}
	if len(out) == 0 {
		bare := make([]string, len(names))
		for i, n := range names {
			bare[i] = strings.TrimSuffix(n, ".")
		}
		err := joinErrors(errs...)
		if err == nil {
			err = errors.New("they have no address records")
		}
		return nil, fmt.Errorf("could not find the addresses of the name servers %s: %w", strings.Join(bare, ", "), err)
	}
	return out, nil
}

// addrRecords returns the IPv4 addresses of name in rrs, or its IPv6
// addresses when it has no IPv4 one.
func addrRecords(rrs []dns.RR, name string) []string {
	var v4, v6 []string
	for _, rr := range rrs {
		if !strings.EqualFold(rr.Header().Name, name) {
			continue
		}
		switch v := rr.(type) {
		case *dns.A:
			v4 = append(v4, v.A.String())
		case *dns.AAAA:
			v6 = append(v6, v.AAAA.String())
		}
	}
	if len(v4) > 0 {
		return v4
	}
	return v6
}

// lookupAddr resolves a name server's addresses through the bootstrap
// resolvers.
func (r *Resolver) lookupAddr(ctx context.Context, name string) ([]string, error) {
	var errs []error
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		m, err := r.recursive(ctx, name, qt)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var out []string
		for _, rr := range m.Answer { // the chain may pass through CNAMEs
			switch v := rr.(type) {
			case *dns.A:
				out = append(out, v.A.String())
			case *dns.AAAA:
				out = append(out, v.AAAA.String())
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	return nil, joinErrors(errs...)
}

// ask puts one question, without recursion, to authoritative servers in
// turn until one answers with authority, following delegations to
// sub-zones (referrals) up to maxReferrals times.
func (r *Resolver) ask(ctx context.Context, servers []string, name string, qtype uint16) (*dns.Msg, error) {
	var errs []error
	for hop := 0; hop <= maxReferrals; hop++ {
		var next []string
		for _, s := range servers {
			m, err := r.exchange(ctx, s, name, qtype, false)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", s, err))
				continue
			}
			if m.Authoritative {
				return m, nil
			}
			if ns := referral(m, name); len(ns) > 0 {
				if next, err = r.addresses(ctx, ns, m.Extra); err != nil {
					errs = append(errs, fmt.Errorf("%s: delegation: %w", s, err))
					continue
				}
				break
			}
			errs = append(errs, fmt.Errorf("%s: answered without authority for %s", s, bare(name)))
		}
		if len(next) == 0 {
			break
		}
		servers = next
	}
	if len(errs) == 0 {
		errs = append(errs, errors.New("delegations too deep"))
	}
	return nil, joinErrors(errs...)
}

// referral returns the name servers a non-authoritative answer delegates
// name to, if it is a referral.
func referral(m *dns.Msg, name string) []string {
	if m.Rcode != dns.RcodeSuccess || len(m.Answer) != 0 {
		return nil
	}
	var owner string
	for _, rr := range m.Ns {
		if ns, ok := rr.(*dns.NS); ok && dns.IsSubDomain(ns.Hdr.Name, name) {
			owner = ns.Hdr.Name
			break
		}
	}
	if owner == "" {
		return nil
	}
	return nsNames(m.Ns, owner)
}

// askAll puts the question to every server separately, at once.
func (r *Resolver) askAll(ctx context.Context, servers []string, name string, qtype uint16) []answer {
	out := make([]answer, len(servers))
	parallel(servers, func(i int, s string) {
		m, err := r.ask(ctx, []string{s}, name, qtype)
		out[i] = answer{server: s, err: err}
		if err == nil {
			out[i].targets = cnameTargets(m, name)
		}
	})
	return out
}

// publicAnswer is a public resolver's view of the host's CNAME.
type publicAnswer struct {
	server  string
	targets []string
	ttl     uint32 // how long it may keep this answer
}

// askPublic asks every public resolver for the host's CNAME; resolvers that
// do not answer are left out.
func (r *Resolver) askPublic(ctx context.Context, q query) []publicAnswer {
	res := make([]*publicAnswer, len(r.public))
	parallel(r.public, func(i int, s string) {
		m, err := r.exchange(ctx, s, q.host, dns.TypeCNAME, true)
		if err != nil {
			return
		}
		pa := &publicAnswer{server: s, targets: cnameTargets(m, q.host)}
		for _, rr := range m.Answer {
			if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, q.host) {
				pa.ttl = max(pa.ttl, c.Hdr.Ttl)
			}
		}
		for _, rr := range m.Ns { // negative caching (RFC 2308)
			if soa, ok := rr.(*dns.SOA); ok {
				pa.ttl = max(pa.ttl, min(soa.Hdr.Ttl, soa.Minttl))
			}
		}
		res[i] = pa
	})
	var out []publicAnswer
	for _, pa := range res {
		if pa != nil {
			out = append(out, *pa)
		}
	}
	return out
}

// publicSeesTarget reports whether a public resolver answers the wanted
// CNAME.
func (r *Resolver) publicSeesTarget(ctx context.Context, q query) bool {
	for _, pa := range r.askPublic(ctx, q) {
		if (answer{targets: pa.targets}).has(q.target) {
			return true
		}
	}
	return false
}

// publicLag returns the public resolvers that do not answer the wanted
// CNAME yet, and in words how long they may take.
func (r *Resolver) publicLag(ctx context.Context, q query) (lagging []string, wait string) {
	var ttl uint32
	for _, pa := range r.askPublic(ctx, q) {
		if (answer{targets: pa.targets}).has(q.target) {
			continue
		}
		host, _, err := net.SplitHostPort(pa.server)
		if err != nil {
			host = pa.server
		}
		lagging = append(lagging, host)
		ttl = max(ttl, pa.ttl)
	}
	switch {
	case ttl == 0:
		wait = "soon"
	case ttl <= 60:
		wait = "within a minute"
	case ttl <= 2*3600:
		wait = fmt.Sprintf("within %d minutes", (ttl+59)/60)
	default:
		wait = fmt.Sprintf("within %d hours", (ttl+3599)/3600)
	}
	return lagging, wait
}

// caa returns the caa_forbids message when the CAA record set that applies
// to host (the closest one from host up to apex, RFC 8659) keeps Let's
// Encrypt from issuing, or "". A host that is an alias is skipped: its CAA
// lookup follows the CNAME out of the zone. Servers that do not answer are
// taken as no CAA: the check is advice, not a verdict.
func (r *Resolver) caa(ctx context.Context, servers []string, q query, hostIsAlias bool) string {
	for name := q.host; ; name = parent(name) {
		if name != q.host || !hostIsAlias {
			if m, err := r.ask(ctx, servers, name, dns.TypeCAA); err == nil {
				var set []*dns.CAA
				for _, rr := range m.Answer {
					if c, ok := rr.(*dns.CAA); ok && strings.EqualFold(c.Hdr.Name, name) {
						set = append(set, c)
					}
				}
				if len(set) > 0 {
					return caaVerdict(set, name, q)
				}
			}
		}
		if name == q.apex || name == "." {
			return ""
		}
	}
}

// parent drops name's first label.
func parent(name string) string {
	if i := strings.IndexByte(name, '.'); i >= 0 && i < len(name)-1 {
		return name[i+1:]
	}
	return "."
}

// caaVerdict judges the relevant CAA set found at name.
func caaVerdict(set []*dns.CAA, name string, q query) string {
	recs := make([]providers.CAA, len(set))
	for i, c := range set {
		recs[i] = providers.CAA{Flag: int(c.Flag), Tag: c.Tag, Value: c.Value}
	}
	return providers.CAAVerdict(recs, bare(name), relName(name, q.apex), bare(q.host))
}

// relName is name relative to apex, as a DNS panel wants it.
func relName(name, apex string) string {
	if name == apex {
		return "@"
	}
	return strings.TrimSuffix(name, "."+apex)
}
