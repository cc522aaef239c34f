// Package dnsbl is a providers.Reputation adapter for DNS blocklists of
// domain names (Spamhaus DBL, SURBL multi, or any list configured as a
// Zone), queried over DNS with github.com/miekg/dns through recursive
// resolvers.
//
// A check asks every configured zone about the host and about its
// registrable domain (golang.org/x/net/publicsuffix): an A record at
// "<name>.<zone>" means listed, and its address says why (Zone.Codes,
// Zone.Bits); NXDOMAIN (or no A record) means not listed. Answers that are
// the list refusing the query (Spamhaus 127.255.255.254 "query via a
// public resolver", SURBL 127.0.0.1...) are errors wrapping
// providers.ErrRefused, never listings. Errors are *providers.Error with
// Provider "dnsbl", so they read "dnsbl: ...".
package dnsbl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"

	"github.com/linkgate/linkgate/providers"
)

// DefaultTimeout bounds one query to one resolver.
const DefaultTimeout = 3 * time.Second

// DefaultResolvConf is where the resolvers are read from when Config
// names none.
const DefaultResolvConf = "/etc/resolv.conf"

// Config configures a Client.
type Config struct {
	// Zones are the lists to ask, in the order their listings are
	// reported: SpamhausDBL(), SURBLMulti(), or lists of your own. At
	// least one.
	Zones []Zone
	// Resolvers are the recursive resolvers to ask, as "ip:port"
	// ("127.0.0.1:53", "[::1]:53"), tried in order when one fails.
	// Empty: the nameservers of ResolvConf. Blocklists refuse queries
	// from big public resolvers: use one of your own.
	Resolvers []string
	// ResolvConf is the resolv.conf read when Resolvers is empty
	// (default DefaultResolvConf).
	ResolvConf string
	// Timeout bounds one query to one resolver (default DefaultTimeout).
	Timeout time.Duration
}

// Client checks hosts against DNS blocklists. It implements
// providers.Reputation and is safe for concurrent use.
type Client struct {
	zones     []Zone
	resolvers []string
	timeout   time.Duration
}

var _ providers.Reputation = (*Client)(nil)

// New validates cfg and returns a Client. It reads ResolvConf when no
// Resolvers are given, and fails when that names none.
func New(cfg Config) (*Client, error) {
	if len(cfg.Zones) == 0 {
		return nil, errors.New("dnsbl: Config.Zones is empty: give at least one list (dnsbl.SpamhausDBL())")
	}
	c := &Client{timeout: cfg.Timeout}
	if c.timeout < 0 {
		return nil, fmt.Errorf("dnsbl: Config.Timeout %s is negative", cfg.Timeout)
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	seen := map[string]bool{}
	for _, z := range cfg.Zones {
		v, err := z.validate()
		if err != nil {
			return nil, err
		}
		if seen[v.Name] {
			return nil, fmt.Errorf("dnsbl: zone %s is configured twice", v.Name)
		}
		seen[v.Name] = true
		c.zones = append(c.zones, v)
	}
	resolvers := cfg.Resolvers
	if len(resolvers) == 0 {
		path := cfg.ResolvConf
		if path == "" {
			path = DefaultResolvConf
		}
		cc, err := dns.ClientConfigFromFile(path)
		if err != nil {
			return nil, fmt.Errorf("dnsbl: no Resolvers given and %s cannot be read: %w", path, err)
		}
		for _, s := range cc.Servers {
			resolvers = append(resolvers, net.JoinHostPort(s, cc.Port))
		}
		if len(resolvers) == 0 {
			return nil, fmt.Errorf("dnsbl: no Resolvers given and %s names no nameserver", path)
		}
	}
	for _, r := range resolvers {
		host, port, err := net.SplitHostPort(r)
		if err != nil {
			return nil, fmt.Errorf("dnsbl: resolver %q is not ip:port: %w", r, err)
		}
		if _, err := netip.ParseAddr(host); err != nil {
			return nil, fmt.Errorf("dnsbl: resolver %q: %q is not an IP address", r, host)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("dnsbl: resolver %q: port %q is not a port number", r, port)
		}
		c.resolvers = append(c.resolvers, r)
	}
	return c, nil
}

// Check implements providers.Reputation: every zone is asked about host
// and about its registrable domain, all at once.
func (c *Client) Check(ctx context.Context, host string) (providers.Verdict, error) {
	names, err := namesOf(host)
	if err != nil {
		return providers.Verdict{}, err
	}
	type result struct {
		listings []providers.Listing
		err      error
	}
	results := make([]result, len(c.zones)*len(names))
	var wg sync.WaitGroup
	for i, z := range c.zones {
		for j, name := range names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := &results[i*len(names)+j]
				r.listings, r.err = c.lookup(ctx, z, name)
			}()
		}
	}
	wg.Wait()
	var listings []providers.Listing
	errs := make([]error, 0, len(results))
	for _, r := range results {
		listings = append(listings, r.listings...)
		errs = append(errs, r.err)
	}
	if len(listings) > 0 {
		return providers.NewVerdict(listings...), nil
	}
	return providers.Verdict{}, providers.CombineReputationErrors(errs...)
}

// namesOf returns the names to ask about: the host, then its registrable
// domain when that is another name.
func namesOf(host string) ([]string, error) {
	h := providers.NormalizeHost(host)
	bad := func(why string) error {
		return &providers.Error{Provider: "dnsbl", Op: "check reputation", Message: fmt.Sprintf("%q %s", host, why)}
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return nil, bad("is an IP address, not a domain name")
	}
	if !isDomain(h) {
		return nil, bad("is not a domain name")
	}
	apex, err := publicsuffix.EffectiveTLDPlusOne(h)
	if err != nil {
		return nil, bad("is a public suffix, not a domain anyone registers")
	}
	if apex == h {
		return []string{h}, nil
	}
	return []string{h, apex}, nil
}

// isDomain reports whether s (normalised) is a domain name of at least
// two labels that DNS can carry.
func isDomain(s string) bool {
	if len(s) == 0 || len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// lookup asks the resolvers, in order, for the A records of name.zone and
// decodes them. A resolver that times out, answers SERVFAIL, REFUSED (or
// any other error code) or an empty truncated reply is passed over; when
// none answers, the error is transient.
func (c *Client) lookup(ctx context.Context, z Zone, name string) ([]providers.Listing, error) {
	op := "check " + name + " in " + z.Name
	qname := dns.Fqdn(name + "." + z.Name)
	if len(qname) > 254 {
		return nil, &providers.Error{Provider: "dnsbl", Op: op, Message: "the name is too long to ask " + z.Name + " about"}
	}
	var failures []string
	for _, server := range c.resolvers {
		m := new(dns.Msg)
		m.SetQuestion(qname, dns.TypeA)
		in, err := c.exchange(ctx, m, server)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, &providers.Error{Provider: "dnsbl", Op: op, Transient: true, Err: ctxErr}
		}
		if err != nil {
			failures = append(failures, server+": "+err.Error())
			continue
		}
		switch {
		case in.Truncated && len(in.Answer) == 0:
			// An empty truncated reply says nothing; blocklist answers
			// always fit in a datagram, so this resolver is misbehaving.
			failures = append(failures, server+": answered a truncated reply")
		case in.Rcode == dns.RcodeNameError:
			return nil, nil
		case in.Rcode == dns.RcodeSuccess:
			var answers []netip.Addr
			for _, rr := range in.Answer {
				if a, ok := rr.(*dns.A); ok {
					if addr, ok := netip.AddrFromSlice(a.A); ok {
						answers = append(answers, addr.Unmap())
					}
				}
			}
			return z.decode(name, answers)
		default:
			failures = append(failures, server+": answered "+dns.RcodeToString[in.Rcode])
		}
	}
	return nil, &providers.Error{Provider: "dnsbl", Op: op, Transient: true,
		Message: "no resolver answered: " + strings.Join(failures, "; ")}
}

// exchange sends m to server over UDP and waits for the reply, for at most
// the Client's timeout, and no longer than ctx lives.
func (c *Client) exchange(ctx context.Context, m *dns.Msg, server string) (*dns.Msg, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cl := &dns.Client{Net: "udp", Timeout: c.timeout}
	co, err := cl.DialContext(ctx, server)
	if err != nil {
		return nil, err
	}
	defer co.Close()
	// miekg/dns honours a deadline but not a cancellation: closing the
	// connection ends a read in flight.
	stop := context.AfterFunc(ctx, func() { _ = co.Close() })
	defer stop()
	in, _, err := cl.ExchangeWithConnContext(ctx, m, co)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, fmt.Errorf("no answer within %s", c.timeout)
		}
		return nil, err
	}
	return in, nil
}
