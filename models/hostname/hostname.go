// Package hostname parses and validates a client's domain input into the
// host linkgate sets up (ls.acme.com) and its registrable domain, with the
// public suffix list and IDNA (UTS #46). It has no dependencies beyond
// golang.org/x/net, so its fuzz target builds in seconds; models.ParseHost
// turns its errors into the API's field errors.
package hostname

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Host is a validated DNS host name for a domain: all lower-case ASCII
// (punycode for internationalized names).
type Host struct {
	Host      string // "ls.acme.com"
	Apex      string // registrable domain (eTLD+1), "acme.com"
	Subdomain string // Host relative to Apex, "ls" (may have dots: "ls.eu")
}

// DefaultSubdomain is put in front of a registrable domain when the caller
// gives neither a host nor a subdomain: acme.com becomes ls.acme.com.
const DefaultSubdomain = "ls"

// Limits of DNS names (RFC 1035), counted in octets of the ASCII form.
const (
	maxHostNameLen  = 253
	maxHostLabelLen = 63
	// maxHostInputLen bounds the raw input before any Unicode processing;
	// it is generous because a Unicode name is longer in UTF-8 than it may
	// be in punycode.
	maxHostInputLen = 1024
)

// hostField names the input field a name came from, so that errors name it.
type hostField string

// The two fields ParseHost reads.
const (
	hostDomainField    hostField = "domain"
	hostSubdomainField hostField = "subdomain"
)

// Error says which input field is wrong and how, in words a client reads
// ("must not contain spaces").
type Error struct {
	Field   string // "domain" or "subdomain"
	Message string
	// Code is the problem code when it is not the field's usual
	// "invalid_<field>": CodeConfusable.
	Code string
}

func (e *Error) Error() string { return e.Field + " " + e.Message }

// errorf returns an Error naming the field.
func (f hostField) errorf(format string, args ...any) *Error {
	return &Error{Field: string(f), Message: fmt.Sprintf(format, args...)}
}

// example says what the field should hold, for messages.
func (f hostField) example() string {
	if f == hostDomainField {
		return "a domain name such as acme.com"
	}
	return fmt.Sprintf("a subdomain such as %q", DefaultSubdomain)
}

// Parse validates the API input {"domain": ..., "subdomain": ...} and
// returns the host to set up. subdomain == nil means "not given".
//
// domain is a registrable domain ("acme.com") or a host below one
// ("ls.acme.com"). Without a subdomain, a registrable domain gets
// DefaultSubdomain in front of it and a host is taken as it is; with one,
// the host is subdomain + "." + domain. The host is always strictly below
// its registrable domain, because an apex cannot hold a CNAME.
//
// Unicode names are mapped with the IDNA lookup profile (UTS #46, with the
// Bidi rule) and returned as lower-case punycode; code points that IDNA2008
// does not allow, such as emoji, are rejected. Public suffixes ("co.uk",
// "github.io") and names outside the public suffix list are rejected. A
// label that mixes scripts (UTS #39 "highly restrictive", checkScripts) is
// rejected with Code CodeConfusable. Errors are *Error naming the field,
// "domain" or "subdomain".
func Parse(domain string, subdomain *string) (Host, error) {
	name, err := parseHostName(domain, hostDomainField)
	if err != nil {
		return Host{}, err
	}
	apex, err := registrableDomain(name)
	if err != nil {
		return Host{}, err
	}

	f := hostDomainField
	var host string
	switch {
	case subdomain != nil:
		f = hostSubdomainField
		sub, err := parseHostName(*subdomain, f)
		if err != nil {
			return Host{}, err
		}
		if sub == apex || strings.HasSuffix(sub, "."+apex) {
			return Host{}, f.errorf("must be only the part in front of %s; give only the label, e.g. %q", name, DefaultSubdomain)
		}
		host = sub + "." + name
	case name == apex:
		host = DefaultSubdomain + "." + name
	default:
		host = name
	}
	return checkHost(host, apex, f)
}

// checkHost checks the combined host name: its length, the IDNA rules that
// span labels, and that it lies strictly below apex.
func checkHost(host, apex string, f hostField) (Host, error) {
	if len(host) > maxHostNameLen {
		if f == hostDomainField {
			return Host{}, f.errorf("is too long to add the %q subdomain: host names are limited to %d characters", DefaultSubdomain, maxHostNameLen)
		}
		return Host{}, f.errorf("makes the host name %d characters long; host names are limited to %d", len(host), maxHostNameLen)
	}
	// The Bidi rule applies to the whole name once any label is
	// right-to-left, so a subdomain valid on its own can still fail here.
	if a, err := idna.Lookup.ToASCII(host); err != nil || a != host {
		return Host{}, f.errorf("does not form a valid internationalized host name together with the domain (%s)", host)
	}
	got, err := publicsuffix.EffectiveTLDPlusOne(host)
	switch {
	case err != nil:
		return Host{}, f.errorf("would make %s, which is a public suffix, not a name inside your domain; choose another subdomain", host)
	case got != apex:
		return Host{}, f.errorf("would make %s, which belongs to the registrable domain %s rather than %s; choose another subdomain", host, got, apex)
	case host == apex:
		return Host{}, f.errorf("must name a host below %s, not the domain itself", apex)
	}
	return Host{Host: host, Apex: apex, Subdomain: strings.TrimSuffix(host, "."+apex)}, nil
}

// registrableDomain returns the eTLD+1 of the valid ASCII name, rejecting
// single labels, numeric TLDs, unknown TLDs and public suffixes.
func registrableDomain(name string) (string, error) {
	f := hostDomainField
	// Names outside the list match only the implicit "*" rule: a single
	// label that is not an ICANN suffix.
	suffix, icann := publicsuffix.PublicSuffix(name)
	known := icann || strings.Contains(suffix, ".")
	if known && suffix == name {
		return "", f.errorf("%s is a public suffix, under which anyone can register names; give your own domain such as acme.com", name)
	}
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return "", f.errorf("must be a full domain name such as acme.com, not a single label")
	}
	if tld := name[dot+1:]; strings.Trim(tld, "0123456789") == "" {
		return "", f.errorf("must end in a top-level domain made of letters such as .com, not %q", tld)
	}
	if !known {
		return "", f.errorf("ends in %q, which is not a known top-level domain", suffix)
	}
	apex, err := publicsuffix.EffectiveTLDPlusOne(name)
	if err != nil {
		return "", f.errorf("%s is a public suffix, under which anyone can register names; give your own domain such as acme.com", name)
	}
	return apex, nil
}

// parseHostName validates one input name (the domain or the subdomain) and
// returns it as lower-case ASCII. It gives the most specific message it can
// for the usual mistakes before handing the name to IDNA.
func parseHostName(raw string, f hostField) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		if f == hostDomainField {
			return "", f.errorf("is required, e.g. acme.com")
		}
		return "", f.errorf("must not be empty; leave it out to use %q", DefaultSubdomain)
	}
	s, err := checkHostSyntax(s, f)
	if err != nil {
		return "", err
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if err := checkRawLabel(l, f); err != nil {
			return "", err
		}
	}

	ascii, err := idna.Lookup.ToASCII(s)
	if err != nil {
		return "", idnaError(labels, f)
	}
	if err := checkASCIIName(ascii, f); err != nil {
		return "", err
	}
	return ascii, checkScripts(ascii, f)
}

// checkHostSyntax rejects URLs, IP addresses, ports, wildcards and other
// things that are not a bare name, and empty labels. It returns s with the
// Unicode full stops that IDNA treats as label separators replaced by ASCII
// dots.
func checkHostSyntax(s string, f hostField) (string, error) {
	if len(s) > maxHostInputLen {
		return "", f.errorf("is too long: host names are limited to %d characters", maxHostNameLen)
	}
	if !utf8.ValidString(s) {
		return "", f.errorf("is not valid UTF-8 text")
	}
	lower := strings.ToLower(s)
	if strings.Contains(s, "://") || strings.HasPrefix(lower, "http:") || strings.HasPrefix(lower, "https:") {
		return "", f.errorf("must be %s, not a URL", f.example())
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return "", f.errorf("must not contain spaces")
	}
	if f == hostDomainField && isIPLiteral(s) {
		return "", f.errorf("must be a domain name such as acme.com, not an IP address")
	}
	switch {
	case strings.ContainsAny(s, "/\\"):
		return "", f.errorf("must be %s, without a path", f.example())
	case strings.ContainsAny(s, "?#"):
		return "", f.errorf("must be %s, without a query or fragment", f.example())
	case strings.Contains(s, "@"):
		return "", f.errorf("must be %s, without a user name ('@')", f.example())
	case strings.ContainsAny(s, "[]"):
		return "", f.errorf("must be %s, without brackets", f.example())
	case strings.Contains(s, ":"):
		return "", f.errorf("must be %s, without a port", f.example())
	case strings.Contains(s, "*"):
		return "", f.errorf("must not contain wildcards ('*'); give a single host name")
	}
	// Dots other than U+002E that IDNA maps to label separators.
	s = strings.NewReplacer("\u3002", ".", "\uff0e", ".", "\uff61", ".").Replace(s)
	switch {
	case strings.HasSuffix(s, "."):
		return "", f.errorf("must not end with a dot")
	case strings.HasPrefix(s, "."):
		return "", f.errorf("must not start with a dot")
	case strings.Contains(s, ".."):
		return "", f.errorf("must not contain empty labels (\"..\")")
	}
	return s, nil
}

// isIPLiteral reports whether s is an IPv4 or IPv6 address, bracketed or
// not, with or without a port.
func isIPLiteral(s string) bool {
	if h, _, err := net.SplitHostPort(s); err == nil {
		s = h
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	_, err := netip.ParseAddr(s)
	return err == nil
}

// checkRawLabel checks the ASCII characters of one label as typed, for
// clear messages; non-ASCII characters are left to IDNA.
func checkRawLabel(l string, f hostField) error {
	for _, r := range l {
		switch {
		case r >= utf8.RuneSelf || isLDH(byte(r)):
		case r == '_':
			return f.errorf("must not contain underscores ('_'); use letters, digits and hyphens")
		default:
			return f.errorf("may contain only letters, digits and hyphens, not %q", r)
		}
	}
	if strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
		return f.errorf("must not have a label that starts or ends with a hyphen (%q)", l)
	}
	return nil
}

// idnaError explains why IDNA rejected a name, naming the first label it
// rejects on its own.
func idnaError(labels []string, f hostField) *Error {
	for _, l := range labels {
		if _, err := idna.Lookup.ToASCII(l); err == nil {
			continue
		}
		switch {
		case strings.HasPrefix(strings.ToLower(l), "xn--"):
			return f.errorf("has a label %q that is not valid punycode", l)
		case isASCII(l):
			return f.errorf("has an invalid label %q: only valid punycode labels starting with \"xn--\" may have \"--\" in the third and fourth positions", l)
		}
		return f.errorf("has a label %q that is not a valid internationalized domain name label", l)
	}
	return f.errorf("is not a valid internationalized domain name: it mixes right-to-left and left-to-right text in a way that is not allowed")
}

// checkASCIIName checks the ASCII form of a name: lengths, letters, digits
// and hyphens only, and, for punycode labels, the IDNA2008 repertoire.
func checkASCIIName(name string, f hostField) error {
	if len(name) > maxHostNameLen {
		return f.errorf("is %d characters long; host names are limited to %d", len(name), maxHostNameLen)
	}
	for _, l := range strings.Split(name, ".") {
		switch {
		case l == "":
			return f.errorf("must not contain empty labels")
		case len(l) > maxHostLabelLen:
			return f.errorf("has a label longer than %d characters (%q)", maxHostLabelLen, l)
		case strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-"):
			return f.errorf("must not have a label that starts or ends with a hyphen (%q)", l)
		}
		for i := 0; i < len(l); i++ {
			if !isLDH(l[i]) || ('A' <= l[i] && l[i] <= 'Z') {
				return f.errorf("may contain only letters, digits and hyphens, not %q", l[i])
			}
		}
		if !strings.HasPrefix(l, "xn--") {
			continue
		}
		u, err := idna.Punycode.ToUnicode(l)
		if err != nil {
			return f.errorf("has an invalid punycode label %q", l)
		}
		for _, r := range u {
			if !idna2008Rune(r) {
				return f.errorf("contains %q (U+%04X), which is not allowed in domain names", r, r)
			}
		}
	}
	return nil
}

// idna2008Rune approximates the IDNA2008 repertoire (RFC 5892) for a
// character that already passed UTS #46 mapping: letters, marks and decimal
// digits, plus the listed exceptions and context characters. UTS #46 alone
// lets through symbols such as emoji, which registries refuse.
func idna2008Rune(r rune) bool {
	switch r {
	case 0x0640, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303B:
		return false // DISALLOWED exceptions
	case 0x06FD, 0x06FE, 0x0F0B, 0x3007, // PVALID exceptions
		0x00B7, 0x0375, 0x05F3, 0x05F4, 0x30FB, // CONTEXTO
		0x200C, 0x200D, '-': // CONTEXTJ
		return true
	}
	if r < utf8.RuneSelf {
		return isLDH(byte(r))
	}
	return unicode.In(r, unicode.Ll, unicode.Lo, unicode.Lm, unicode.Mn, unicode.Mc, unicode.Nd)
}

// isLDH reports whether c is an ASCII letter, digit or hyphen.
func isLDH(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Canonical is the form a host name is stored in — lower-case ASCII
// (IDNA), no surrounding space, no final dot — for looking a host up by
// what a user typed. It does not validate: a name IDNA refuses is only
// lower-cased, so it simply matches nothing.
func Canonical(name string) string {
	s := strings.TrimSuffix(strings.TrimSpace(name), ".")
	if ascii, err := idna.Lookup.ToASCII(s); err == nil {
		return ascii
	}
	return strings.ToLower(s)
}

// ValidLabel reports whether l is one lower-case ASCII DNS label (RFC
// 1123: letters, digits and inner hyphens, 1 to 63 characters), such as a
// tracking prefix.
func ValidLabel(l string) bool {
	if l == "" || len(l) > maxHostLabelLen || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// ValidName reports whether name is a lower-case ASCII DNS host name of
// two labels or more (ValidLabel each; IDNs as punycode), at most 253
// characters, whose last label is not all digits (not an IP address). It
// checks the form only, not the public suffix list (Parse does).
func ValidName(name string) bool {
	labels := strings.Split(name, ".")
	if len(name) > maxHostNameLen || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !ValidLabel(l) {
			return false
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}
