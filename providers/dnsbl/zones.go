package dnsbl

import (
	"fmt"
	"maps"
	"math/bits"
	"net/netip"
	"strings"

	"github.com/linkgate/linkgate/providers"
)

// Code is what one answer of a blocklist means.
type Code struct {
	// Reason says in words what the answer means: "phishing domain", or
	// for a refusal why the list refused: "query via a public resolver".
	Reason string
	// Refusal: the answer is the list refusing the query (a quota, a
	// resolver it does not serve, a typo in its name), not a listing.
	Refusal bool
	// Transient: for a refusal, waiting may end it (too many queries).
	Transient bool
}

// Zone is one DNS blocklist of domain names.
type Zone struct {
	// Name is the list's zone: a listed name N answers an A record at
	// N.<Name> ("acme.com.dbl.spamhaus.org"); NXDOMAIN means not listed.
	Name string
	// Source names the list in listings: "Spamhaus DBL".
	Source string
	// Codes are the answers the list documents, each with its meaning.
	// They are looked up first, exactly ("127.0.1.4").
	Codes map[string]Code
	// Listing holds the answers that mean "listed" when they are not in
	// Codes (127.0.1.0/24 for the DBL): such an answer is a listing whose
	// reason says the code is undocumented. An answer neither in Codes
	// nor in Listing is never a listing but an error (a resolver that
	// rewrites NXDOMAIN into an address of its own).
	Listing netip.Prefix
	// Bits, for lists whose answer is a bitmask in its last octet (SURBL
	// multi): the meaning of each bit (8: "phishing"). An answer in
	// Listing that is not in Codes is decoded bit by bit; a bit not in
	// Bits is reported as an unknown list.
	Bits map[uint8]string
}

// SpamhausDBL is the Spamhaus Domain Blocklist on its public mirrors,
// with the return codes Spamhaus documents for the zone "dbl" (DBL return
// codes 127.0.1.2 to 127.0.1.106, 127.0.1.255 for an IP address asked of
// a domain list) and its query errors in 127.255.255.0/24 (.252 typo in
// the list's name, .254 query via a public or open resolver, .255
// excessive number of queries). The public mirrors refuse queries that
// come through public resolvers (8.8.8.8, 1.1.1.1...): point Resolvers at
// a resolver of your own.
func SpamhausDBL() Zone {
	return Zone{
		Name:    "dbl.spamhaus.org",
		Source:  "Spamhaus DBL",
		Listing: netip.MustParsePrefix("127.0.1.0/24"),
		Codes: map[string]Code{
			"127.0.1.2":   {Reason: "spam domain (low reputation)"},
			"127.0.1.4":   {Reason: "phishing domain"},
			"127.0.1.5":   {Reason: "malware domain"},
			"127.0.1.6":   {Reason: "botnet C&C domain"},
			"127.0.1.102": {Reason: "abused legit domain (spam)"},
			"127.0.1.103": {Reason: "abused redirector or URL shortener"},
			"127.0.1.104": {Reason: "abused legit domain (phishing)"},
			"127.0.1.105": {Reason: "abused legit domain (malware)"},
			"127.0.1.106": {Reason: "abused legit domain (botnet C&C)"},

			"127.0.1.255":     {Reason: "IP address queries are not allowed on a domain list", Refusal: true},
			"127.255.255.252": {Reason: "typing error in the blocklist's name", Refusal: true},
			"127.255.255.254": {Reason: "query via a public or open resolver: use a resolver of your own or Spamhaus DQS", Refusal: true},
			"127.255.255.255": {Reason: "excessive number of queries", Refusal: true, Transient: true},
		},
	}
}

// SURBLMulti is SURBL's combined list multi.surbl.org: an answer's last
// octet is a bitmask of the lists that hold the name (8 PH phishing, 16
// MW malware, 64 ABUSE spam and abuse, 128 CR cracked sites); 127.0.0.1
// (bit 1, which is no list) is SURBL refusing the querier (blocked for
// volume or for querying through a public resolver).
func SURBLMulti() Zone {
	return Zone{
		Name:    "multi.surbl.org",
		Source:  "SURBL multi",
		Listing: netip.MustParsePrefix("127.0.0.0/8"),
		Codes: map[string]Code{
			"127.0.0.1": {Reason: "query blocked by SURBL (public resolver or too many queries): use a resolver of your own", Refusal: true},
		},
		Bits: map[uint8]string{
			8:   "phishing (PH)",
			16:  "malware (MW)",
			64:  "spam and abuse (ABUSE)",
			128: "cracked site (CR)",
		},
	}
}

// validate checks a zone and returns a copy that shares nothing with z.
func (z Zone) validate() (Zone, error) {
	z.Name = providers.NormalizeHost(z.Name)
	if !isDomain(z.Name) {
		return Zone{}, fmt.Errorf("dnsbl: zone %q is not a domain name", z.Name)
	}
	if strings.TrimSpace(z.Source) == "" {
		return Zone{}, fmt.Errorf("dnsbl: zone %s needs a Source", z.Name)
	}
	if z.Listing.IsValid() && !z.Listing.Addr().Is4() {
		return Zone{}, fmt.Errorf("dnsbl: zone %s: Listing %s is not an IPv4 network", z.Name, z.Listing)
	}
	if len(z.Codes) == 0 && !z.Listing.IsValid() {
		return Zone{}, fmt.Errorf("dnsbl: zone %s needs Codes or a Listing network", z.Name)
	}
	if len(z.Bits) > 0 && !z.Listing.IsValid() {
		return Zone{}, fmt.Errorf("dnsbl: zone %s: Bits need a Listing network", z.Name)
	}
	codes := make(map[string]Code, len(z.Codes))
	for answer, c := range z.Codes {
		a, err := netip.ParseAddr(answer)
		if err != nil || !a.Is4() {
			return Zone{}, fmt.Errorf("dnsbl: zone %s: code %q is not an IPv4 address", z.Name, answer)
		}
		if strings.TrimSpace(c.Reason) == "" {
			return Zone{}, fmt.Errorf("dnsbl: zone %s: code %s needs a Reason", z.Name, answer)
		}
		if c.Transient && !c.Refusal {
			return Zone{}, fmt.Errorf("dnsbl: zone %s: code %s: only a refusal can be transient", z.Name, answer)
		}
		codes[a.String()] = c
	}
	for bit, reason := range z.Bits {
		if bits.OnesCount8(bit) != 1 || strings.TrimSpace(reason) == "" {
			return Zone{}, fmt.Errorf("dnsbl: zone %s: Bits[%d] must be a single bit with a reason", z.Name, bit)
		}
	}
	z.Codes = codes
	z.Bits = maps.Clone(z.Bits)
	return z, nil
}

// decode says what the answers to the question about name mean: the
// listings, or an error when the list refused or answered something it
// never answers. A refusal or a foreign answer wins over listings in the
// same reply: the reply cannot be trusted.
func (z Zone) decode(name string, answers []netip.Addr) ([]providers.Listing, error) {
	var listings []providers.Listing
	for _, a := range answers {
		a = a.Unmap()
		code, ok := z.Codes[a.String()]
		switch {
		case ok && code.Refusal:
			return nil, &providers.Error{Provider: "dnsbl", Op: "check " + name + " in " + z.Name, Transient: code.Transient, Message: fmt.Sprintf("%s refused the query (answer %s): %s", z.Source, a, code.Reason), Err: providers.ErrRefused}
		case ok:
			listings = append(listings, providers.Listing{Source: z.Source, Name: name, Code: a.String(), Reason: code.Reason})
		case z.Listing.IsValid() && z.Listing.Contains(a):
			listings = append(listings, providers.Listing{Source: z.Source, Name: name, Code: a.String(), Reason: z.reasonOf(a)})
		default:
			return nil, &providers.Error{Provider: "dnsbl", Op: "check " + name + " in " + z.Name,
				Message: fmt.Sprintf("%s answered %s, which is none of its answers (does the resolver rewrite NXDOMAIN?)", z.Source, a)}
		}
	}
	return listings, nil
}

// reasonOf explains an answer in Listing that Codes does not know.
func (z Zone) reasonOf(a netip.Addr) string {
	if len(z.Bits) == 0 {
		return "listed (undocumented answer " + a.String() + ")"
	}
	last := a.As4()[3]
	var reasons []string
	for bit := 0; bit < 8; bit++ {
		b := uint8(1) << bit
		if last&b == 0 {
			continue
		}
		if r, ok := z.Bits[b]; ok {
			reasons = append(reasons, r)
		} else {
			reasons = append(reasons, fmt.Sprintf("unknown list (bit %d)", b))
		}
	}
	if len(reasons) == 0 {
		return "listed (undocumented answer " + a.String() + ")"
	}
	return strings.Join(reasons, ", ")
}
