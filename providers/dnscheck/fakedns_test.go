package dnscheck

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Modes of a fakeDNS.
const (
	modeNormal   = ""
	modeSilent   = "silent"   // never answers
	modeTruncate = "truncate" // UDP answers are truncated, TCP never answers
	modeTCPOnly  = "tcp-only" // UDP answers are truncated, TCP answers
	modeServfail = "servfail" // SERVFAIL to everything
)

// fakeDNS is a scripted DNS server on one loopback address and port, over
// UDP and TCP. Authoritative, it answers for the zones of its SOA records
// with AA set, and refers sub-zones that have NS records; otherwise it
// plays a recursive resolver (RA set) over the same data.
type fakeDNS struct {
	ip   string
	port int
	auth bool

	mu      sync.Mutex
	rrs     []dns.RR
	mode    string
	queries int
}

// startFake starts a fakeDNS on ip:port (port 0: any free port, the same
// for UDP and TCP), stopped when the test ends.
func startFake(t *testing.T, ip string, port int, auth bool) *fakeDNS {
	t.Helper()
	pc, l, err := listenBoth(ip, port)
	if err != nil {
		if ip != "127.0.0.1" {
			t.Skipf("cannot listen on %s: %v", ip, err)
		}
		t.Fatalf("listen: %v", err)
	}
	f := &fakeDNS{ip: ip, port: pc.LocalAddr().(*net.UDPAddr).Port, auth: auth}
	var started sync.WaitGroup
	started.Add(2)
	idle := func() time.Duration { return 300 * time.Millisecond }
	udp := &dns.Server{PacketConn: pc, Handler: f, NotifyStartedFunc: started.Done, ReadTimeout: time.Second}
	tcp := &dns.Server{Listener: l, Handler: f, NotifyStartedFunc: started.Done, ReadTimeout: time.Second, IdleTimeout: idle}
	done := make(chan struct{}, 2)
	for _, s := range []*dns.Server{udp, tcp} {
		go func() {
			_ = s.ActivateAndServe()
			done <- struct{}{}
		}()
	}
	started.Wait()
	t.Cleanup(func() {
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
		<-done
		<-done
	})
	return f
}

func listenBoth(ip string, port int) (net.PacketConn, net.Listener, error) {
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", net.JoinHostPort(ip, strconv.Itoa(port)))
		if err != nil {
			lastErr = err
			if port != 0 {
				break
			}
			continue
		}
		p := pc.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p)))
		if err == nil {
			return pc, l, nil
		}
		lastErr = err
		_ = pc.Close()
		if port != 0 {
			break
		}
	}
	return nil, nil, lastErr
}

func (f *fakeDNS) addr() string { return net.JoinHostPort(f.ip, strconv.Itoa(f.port)) }

// add parses records in zone-file syntax ("ls.acme.test. 300 IN CNAME x.").
func (f *fakeDNS) add(t *testing.T, records ...string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range records {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatalf("record %q: %v", s, err)
		}
		f.rrs = append(f.rrs, rr)
	}
}

func (f *fakeDNS) setMode(mode string) {
	f.mu.Lock()
	f.mode = mode
	f.mu.Unlock()
}

func (f *fakeDNS) setAuthoritative(auth bool) {
	f.mu.Lock()
	f.auth = auth
	f.mu.Unlock()
}

func (f *fakeDNS) queryCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queries
}

// ServeDNS implements dns.Handler.
func (f *fakeDNS) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries++
	udp := w.LocalAddr().Network() == "udp"
	m := new(dns.Msg)
	m.SetReply(req)
	switch {
	case f.mode == modeSilent, f.mode == modeTruncate && !udp:
		return
	case (f.mode == modeTruncate || f.mode == modeTCPOnly) && udp:
		m.Truncated = true
		_ = w.WriteMsg(m)
		return
	case f.mode == modeServfail:
		m.Rcode = dns.RcodeServerFailure
		_ = w.WriteMsg(m)
		return
	case len(req.Question) != 1:
		m.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(m)
		return
	}
	f.answer(m, req.Question[0])
	_ = w.WriteMsg(m)
}

func (f *fakeDNS) answer(m *dns.Msg, q dns.Question) {
	name := strings.ToLower(q.Name)
	zone := f.zoneOf(name)
	if f.auth {
		if zone == nil {
			m.Rcode = dns.RcodeRefused
			return
		}
		// A delegation between the zone and the name: refer.
		for _, rr := range f.rrs {
			owner := strings.ToLower(rr.Header().Name)
			if _, ok := rr.(*dns.NS); ok && owner != zone.Hdr.Name && dns.IsSubDomain(owner, name) {
				f.refer(m, owner)
				return
			}
		}
		m.Authoritative = true
	} else {
		m.RecursionAvailable = true
	}
	m.Answer = f.lookup(name, q.Qtype)
	if len(m.Answer) == 0 && q.Qtype != dns.TypeCNAME {
		if cn := f.lookup(name, dns.TypeCNAME); len(cn) > 0 {
			m.Answer = cn
			if !f.auth { // a resolver follows the chain
				m.Answer = append(m.Answer, f.lookup(strings.ToLower(cn[0].(*dns.CNAME).Target), q.Qtype)...)
			}
		}
	}
	if len(m.Answer) > 0 {
		return
	}
	if !f.exists(name) {
		m.Rcode = dns.RcodeNameError
	}
	if zone != nil {
		m.Ns = []dns.RR{zone}
	}
}

// refer answers with a referral to the name servers at cut, with glue.
func (f *fakeDNS) refer(m *dns.Msg, cut string) {
	for _, rr := range f.rrs {
		if ns, ok := rr.(*dns.NS); ok && strings.EqualFold(ns.Hdr.Name, cut) {
			m.Ns = append(m.Ns, ns)
			m.Extra = append(m.Extra, f.lookup(strings.ToLower(ns.Ns), dns.TypeA)...)
		}
	}
}

func (f *fakeDNS) lookup(name string, qtype uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range f.rrs {
		if strings.EqualFold(rr.Header().Name, name) && rr.Header().Rrtype == qtype {
			out = append(out, dns.Copy(rr))
		}
	}
	return out
}

// exists reports whether name has records or names below it.
func (f *fakeDNS) exists(name string) bool {
	for _, rr := range f.rrs {
		if dns.IsSubDomain(name, strings.ToLower(rr.Header().Name)) {
			return true
		}
	}
	return false
}

// zoneOf returns the SOA of the closest zone holding name.
func (f *fakeDNS) zoneOf(name string) *dns.SOA {
	var best *dns.SOA
	for _, rr := range f.rrs {
		if soa, ok := rr.(*dns.SOA); ok && dns.IsSubDomain(soa.Hdr.Name, name) {
			if best == nil || dns.CountLabel(soa.Hdr.Name) > dns.CountLabel(best.Hdr.Name) {
				best = soa
			}
		}
	}
	return best
}

// env is a test world: an authoritative server for apex on 127.0.0.1 and a
// recursive resolver (bootstrap and public) that knows apex's NS, both on
// loopback, and a Resolver pointed at them.
type env struct {
	apex string
	auth *fakeDNS
	pub  *fakeDNS
	r    *Resolver
}

func newEnv(t *testing.T, apex string) *env {
	t.Helper()
	apex = strings.ToLower(strings.TrimSuffix(apex, "."))
	e := &env{apex: apex, auth: startFake(t, "127.0.0.1", 0, true), pub: startFake(t, "127.0.0.1", 0, false)}
	zone := []string{
		fmt.Sprintf("%s. 3600 IN SOA ns1.%s. hostmaster.%s. 1 7200 3600 1209600 300", apex, apex, apex),
		fmt.Sprintf("%s. 3600 IN NS ns1.%s.", apex, apex),
		fmt.Sprintf("%s. 3600 IN NS ns2.%s.", apex, apex),
		fmt.Sprintf("ns1.%s. 3600 IN A 127.0.0.1", apex),
		fmt.Sprintf("ns2.%s. 3600 IN A 127.0.0.1", apex),
	}
	e.auth.add(t, zone...)
	e.pub.add(t, zone...)
	r, err := New(Config{
		Bootstrap: []string{e.pub.addr()},
		Public:    []string{e.pub.addr()},
		Port:      e.auth.port,
		Timeout:   400 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.r = r
	return e
}

// rr formats a record: name without final dot, type, value (host names get
// their final dot).
func rr(name, typ, value string) string {
	if typ == "CNAME" || typ == "NS" {
		value = strings.TrimSuffix(value, ".") + "."
	}
	return fmt.Sprintf("%s. 300 IN %s %s", strings.TrimSuffix(name, "."), typ, value)
}

// add publishes a record on the authoritative server and the resolver.
func (e *env) add(t *testing.T, name, typ, value string) {
	t.Helper()
	e.auth.add(t, rr(name, typ, value))
	e.pub.add(t, rr(name, typ, value))
}
