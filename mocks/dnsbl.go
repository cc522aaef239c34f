package mocks

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"

	"github.com/linkgate/linkgate/providers"
)

// DNS response codes a DNSBLFault can answer with.
const (
	DNSRcodeServFail = 2 // SERVFAIL: the resolver could not get an answer
	DNSRcodeRefused  = 5 // REFUSED: the resolver will not answer this client
)

const (
	dnsTypeA      = 1
	dnsClassIN    = 1
	dnsRcodeOK    = 0
	dnsRcodeForm  = 1
	dnsRcodeNX    = 3
	dnsRcodeNoImp = 4
)

// DNSBLConfig says how a DNSBLServer serves the fake's flags as a DNS
// blocklist.
type DNSBLConfig struct {
	// Zone is the list's zone ("dbl.spamhaus.org"): a flagged name N is
	// answered at N.<Zone>.
	Zone string
	// Source: only flags of this source are served ("" serves every flag).
	Source string
	// Answers maps a flag's reason to the address the list answers with
	// ("phishing domain" → "127.0.1.4"), so that an adapter decoding the
	// list's codes reports the same reason. A reason not in Answers is
	// answered with DefaultAnswer ("" → "127.0.0.2").
	Answers       map[string]string
	DefaultAnswer string
}

// DNSBLFault is one injected misbehaviour of a DNSBLServer, for its next
// Count questions about names in its zone (0 means 1; other questions are
// REFUSED as always and do not count): Answer set answers every question with that
// address (a refusal code such as Spamhaus's 127.255.255.254, or any
// listing), Rcode set answers with that response code (DNSRcodeServFail),
// Drop set answers nothing at all (a timeout), Truncate set answers with
// the TC bit and no records (the reply did not fit in a datagram).
type DNSBLFault struct {
	Answer   string
	Rcode    int
	Drop     bool
	Truncate bool
	Count    int
}

// DNSBLServer is the fake reputation source served as a DNS blocklist
// over UDP on loopback, playing the recursive resolver that a dnsbl
// adapter asks: A questions for <name>.<zone> are answered from the flags
// (NXDOMAIN when name is not flagged), with real DNS messages on the
// wire. Safe for concurrent use.
type DNSBLServer struct {
	rep     *Reputation
	zone    string
	source  string
	answers map[string]netip.Addr
	deflt   netip.Addr
	pc      net.PacketConn
	done    chan struct{}

	mu      sync.Mutex
	faults  []DNSBLFault
	hangs   []chan struct{}
	hanging bool
	queries []string
	closed  bool
}

// StartDNSBL starts a DNSBLServer on 127.0.0.1, on a free UDP port. Close
// it when done.
func (r *Reputation) StartDNSBL(cfg DNSBLConfig) (*DNSBLServer, error) {
	zone := providers.NormalizeHost(cfg.Zone)
	if !sandboxName(zone) {
		return nil, fmt.Errorf("mocks: dnsbl: zone %q is not a domain name", cfg.Zone)
	}
	s := &DNSBLServer{rep: r, zone: zone, source: cfg.Source, answers: map[string]netip.Addr{}, done: make(chan struct{})}
	for reason, a := range cfg.Answers {
		addr, err := netip.ParseAddr(a)
		if err != nil || !addr.Is4() {
			return nil, fmt.Errorf("mocks: dnsbl: answer %q for %q is not an IPv4 address", a, reason)
		}
		s.answers[reason] = addr
	}
	s.deflt = netip.MustParseAddr("127.0.0.2")
	if cfg.DefaultAnswer != "" {
		addr, err := netip.ParseAddr(cfg.DefaultAnswer)
		if err != nil || !addr.Is4() {
			return nil, fmt.Errorf("mocks: dnsbl: DefaultAnswer %q is not an IPv4 address", cfg.DefaultAnswer)
		}
		s.deflt = addr
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mocks: dnsbl: %w", err)
	}
	s.pc = pc
	go s.serve()
	return s, nil
}

// Addr is the server's "ip:port", for a dnsbl adapter's Resolvers.
func (s *DNSBLServer) Addr() string { return s.pc.LocalAddr().String() }

// Close stops the server and waits until it has stopped.
func (s *DNSBLServer) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	err := s.pc.Close()
	<-s.done
	return err
}

// Inject queues a fault.
func (s *DNSBLServer) Inject(f DNSBLFault) error {
	if f.Answer != "" {
		if a, err := netip.ParseAddr(f.Answer); err != nil || !a.Is4() {
			return fmt.Errorf("mocks: dnsbl: fault answer %q is not an IPv4 address", f.Answer)
		}
	}
	if f.Count <= 0 {
		f.Count = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
	return nil
}

// Hang makes the server answer nothing from now on, until Close. The
// returned channel is closed when the next question arrives (and is left
// unanswered).
func (s *DNSBLServer) Hang() <-chan struct{} {
	ch := make(chan struct{})
	s.mu.Lock()
	s.hanging = true
	s.hangs = append(s.hangs, ch)
	s.mu.Unlock()
	return ch
}

// Queries returns the names asked so far, in order (lower case, no final
// dot).
func (s *DNSBLServer) Queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

func (s *DNSBLServer) serve() {
	defer close(s.done)
	buf := make([]byte, 4096)
	for {
		n, addr, err := s.pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if resp := s.respond(buf[:n]); resp != nil {
			_, _ = s.pc.WriteTo(resp, addr)
		}
	}
}

// dnsQuestion is a parsed query.
type dnsQuestion struct {
	id       uint16
	rd       bool
	name     string // lower case, no final dot
	qtype    uint16
	question []byte // the question section as sent
}

// parseDNSQuery reads a query with one question; rcode is non-zero when the
// query is malformed or unsupported (and ok false when not even a header
// could be read).
func parseDNSQuery(b []byte) (q dnsQuestion, rcode int, ok bool) {
	if len(b) < 12 {
		return q, 0, false
	}
	q.id = binary.BigEndian.Uint16(b[0:2])
	flags := binary.BigEndian.Uint16(b[2:4])
	q.rd = flags&0x0100 != 0
	if flags&0x8000 != 0 { // a response, not a query
		return q, 0, false
	}
	if (flags>>11)&0xF != 0 { // only QUERY
		return q, dnsRcodeNoImp, true
	}
	if binary.BigEndian.Uint16(b[4:6]) != 1 {
		return q, dnsRcodeForm, true
	}
	off := 12
	var labels []string
	for {
		if off >= len(b) {
			return q, dnsRcodeForm, true
		}
		l := int(b[off])
		off++
		if l == 0 {
			break
		}
		if l > 63 || off+l > len(b) { // compression pointers have no place in a question
			return q, dnsRcodeForm, true
		}
		labels = append(labels, strings.ToLower(string(b[off:off+l])))
		off += l
	}
	if off+4 > len(b) {
		return q, dnsRcodeForm, true
	}
	q.qtype = binary.BigEndian.Uint16(b[off : off+2])
	if binary.BigEndian.Uint16(b[off+2:off+4]) != dnsClassIN {
		return q, dnsRcodeNoImp, true
	}
	q.name = strings.Join(labels, ".")
	q.question = append([]byte(nil), b[12:off+4]...)
	return q, 0, true
}

// dnsResponse builds the reply to q: AA and RA set, RD copied, the
// question echoed, one A record per address.
func dnsResponse(q dnsQuestion, rcode int, addrs []netip.Addr) []byte {
	flags := uint16(0x8000 | 0x0400 | 0x0080 | rcode&0xF)
	if q.rd {
		flags |= 0x0100
	}
	qd := uint16(0)
	if q.question != nil {
		qd = 1
	}
	out := binary.BigEndian.AppendUint16(nil, q.id)
	out = binary.BigEndian.AppendUint16(out, flags)
	out = binary.BigEndian.AppendUint16(out, qd)
	out = binary.BigEndian.AppendUint16(out, uint16(len(addrs)))
	out = binary.BigEndian.AppendUint16(out, 0)
	out = binary.BigEndian.AppendUint16(out, 0)
	out = append(out, q.question...)
	for _, a := range addrs {
		out = append(out, 0xC0, 0x0C) // the name of the question
		out = binary.BigEndian.AppendUint16(out, dnsTypeA)
		out = binary.BigEndian.AppendUint16(out, dnsClassIN)
		out = binary.BigEndian.AppendUint32(out, 60)
		out = binary.BigEndian.AppendUint16(out, 4)
		ip := a.As4()
		out = append(out, ip[:]...)
	}
	return out
}

// respond answers one datagram; nil means no answer.
func (s *DNSBLServer) respond(b []byte) []byte {
	q, rcode, ok := parseDNSQuery(b)
	if !ok {
		return nil
	}
	if rcode != 0 {
		return dnsResponse(dnsQuestion{id: q.id, rd: q.rd}, rcode, nil)
	}
	name, inZone := strings.CutSuffix(q.name, "."+s.zone)
	s.mu.Lock()
	s.queries = append(s.queries, q.name)
	if s.hanging {
		for _, ch := range s.hangs {
			close(ch)
		}
		s.hangs = nil
		s.mu.Unlock()
		return nil
	}
	if !inZone {
		s.mu.Unlock()
		if q.name == s.zone {
			return dnsResponse(q, dnsRcodeOK, nil)
		}
		return dnsResponse(q, DNSRcodeRefused, nil) // not a zone this list serves
	}
	var fault *DNSBLFault
	if len(s.faults) > 0 {
		f := s.faults[0]
		fault = &f
		s.faults[0].Count--
		if s.faults[0].Count <= 0 {
			s.faults = s.faults[1:]
		}
	}
	s.mu.Unlock()

	switch {
	case fault != nil && fault.Drop:
		return nil
	case fault != nil && fault.Rcode != 0:
		return dnsResponse(q, fault.Rcode, nil)
	case fault != nil && fault.Truncate:
		resp := dnsResponse(q, dnsRcodeOK, nil)
		resp[2] |= 0x02 // TC
		return resp
	}
	if fault != nil && fault.Answer != "" {
		if q.qtype != dnsTypeA {
			return dnsResponse(q, dnsRcodeOK, nil)
		}
		return dnsResponse(q, dnsRcodeOK, []netip.Addr{netip.MustParseAddr(fault.Answer)})
	}
	var addrs []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, f := range s.rep.flagsAt(name) {
		if s.source != "" && f.Source != s.source {
			continue
		}
		a, ok := s.answers[f.Reason]
		if !ok {
			a = s.deflt
		}
		if !seen[a] {
			seen[a] = true
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return dnsResponse(q, dnsRcodeNX, nil)
	}
	if q.qtype != dnsTypeA {
		return dnsResponse(q, dnsRcodeOK, nil) // the name exists, without this type
	}
	return dnsResponse(q, dnsRcodeOK, addrs)
}
