package models

import (
	"errors"
	"strings"
	"testing"
)

func strPtr(s string) *string { return &s }

func TestParseHost(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	label64 := strings.Repeat("a", 64)
	name254 := strings.Repeat(label63[:61]+".", 4) + "ab.com"
	name248 := strings.Repeat(label63[:59]+".", 4) + "acme.com"
	if len(name254) != 254 || len(name248) != 248 {
		t.Fatalf("bad fixtures: %d %d", len(name254), len(name248))
	}

	tests := []struct {
		name      string
		domain    string
		sub       *string
		host      string
		apex      string
		subdomain string
		field     string // "" means valid
	}{
		// Valid.
		{name: "apex gets ls", domain: "acme.com", host: "ls.acme.com", apex: "acme.com", subdomain: "ls"},
		{name: "host as given", domain: "ls.acme.com", host: "ls.acme.com", apex: "acme.com", subdomain: "ls"},
		{name: "host below co.uk", domain: "ls.acme.co.uk", host: "ls.acme.co.uk", apex: "acme.co.uk", subdomain: "ls"},
		{name: "apex under co.uk", domain: "acme.co.uk", host: "ls.acme.co.uk", apex: "acme.co.uk", subdomain: "ls"},
		{name: "deep host", domain: "a.b.acme.com", host: "a.b.acme.com", apex: "acme.com", subdomain: "a.b"},
		{name: "unicode upper", domain: "BÜCHER.de", host: "ls.xn--bcher-kva.de", apex: "xn--bcher-kva.de", subdomain: "ls"},
		{name: "unicode tld", domain: "пример.рф", host: "ls.xn--e1afmkfd.xn--p1ai", apex: "xn--e1afmkfd.xn--p1ai", subdomain: "ls"},
		{name: "punycode upper", domain: "XN--BCHER-KVA.DE", host: "ls.xn--bcher-kva.de", apex: "xn--bcher-kva.de", subdomain: "ls"},
		{name: "ideographic full stop", domain: "acme。com", host: "ls.acme.com", apex: "acme.com", subdomain: "ls"},
		{name: "uppercase", domain: "LS.ACME.COM", host: "ls.acme.com", apex: "acme.com", subdomain: "ls"},
		{name: "surrounding spaces", domain: "  acme.com\t\n", host: "ls.acme.com", apex: "acme.com", subdomain: "ls"},
		{name: "private suffix", domain: "foo.github.io", host: "ls.foo.github.io", apex: "foo.github.io", subdomain: "ls"},
		{name: "explicit subdomain", domain: "acme.com", sub: strPtr("links"), host: "links.acme.com", apex: "acme.com", subdomain: "links"},
		{name: "subdomain spaces and case", domain: "acme.com", sub: strPtr(" Links "), host: "links.acme.com", apex: "acme.com", subdomain: "links"},
		{name: "multi-label subdomain", domain: "acme.com", sub: strPtr("ls.eu"), host: "ls.eu.acme.com", apex: "acme.com", subdomain: "ls.eu"},
		{name: "subdomain on host", domain: "eu.acme.com", sub: strPtr("ls"), host: "ls.eu.acme.com", apex: "acme.com", subdomain: "ls.eu"},
		{name: "unicode subdomain", domain: "acme.com", sub: strPtr("Bücher"), host: "xn--bcher-kva.acme.com", apex: "acme.com", subdomain: "xn--bcher-kva"},
		{name: "numeric subdomain", domain: "acme.com", sub: strPtr("1.2"), host: "1.2.acme.com", apex: "acme.com", subdomain: "1.2"},
		{name: "digits and hyphens", domain: "a-1.acme-2.com", host: "a-1.acme-2.com", apex: "acme-2.com", subdomain: "a-1"},
		{name: "63-char label", domain: label63 + ".com", host: "ls." + label63 + ".com", apex: label63 + ".com", subdomain: "ls"},

		// Empty.
		{name: "empty", domain: "", field: "domain"},
		{name: "blank", domain: "   ", field: "domain"},
		// Not a bare name.
		{name: "https scheme", domain: "https://acme.com", field: "domain"},
		{name: "http scheme no slashes", domain: "http:acme.com", field: "domain"},
		{name: "path", domain: "acme.com/x", field: "domain"},
		{name: "backslash", domain: `acme.com\x`, field: "domain"},
		{name: "port", domain: "acme.com:443", field: "domain"},
		{name: "user info", domain: "u@acme.com", field: "domain"},
		{name: "query", domain: "acme.com?a=1", field: "domain"},
		{name: "fragment", domain: "acme.com#top", field: "domain"},
		{name: "inner space", domain: "ac me.com", field: "domain"},
		{name: "inner nbsp", domain: "acme\u00a0.com", field: "domain"},
		// IP literals.
		{name: "ipv4", domain: "192.168.0.1", field: "domain"},
		{name: "ipv4 port", domain: "10.0.0.1:80", field: "domain"},
		{name: "ipv6", domain: "::1", field: "domain"},
		{name: "ipv6 full", domain: "2001:db8::1", field: "domain"},
		{name: "ipv6 bracketed", domain: "[2001:db8::1]", field: "domain"},
		{name: "ipv6 bracketed port", domain: "[::1]:443", field: "domain"},
		{name: "short ipv4", domain: "127.1", field: "domain"},
		// Wildcards, dots, labels.
		{name: "wildcard", domain: "*.acme.com", field: "domain"},
		{name: "empty label", domain: "acme..com", field: "domain"},
		{name: "leading dot", domain: ".acme.com", field: "domain"},
		{name: "trailing dot", domain: "acme.com.", field: "domain"},
		{name: "trailing ideographic dot", domain: "acme.com。", field: "domain"},
		{name: "64-char label", domain: label64 + ".com", field: "domain"},
		{name: "64-char label after punycode", domain: strings.Repeat("ü", 60) + ".com", field: "domain"},
		{name: "254-char name", domain: name254, field: "domain"},
		{name: "253-char host", domain: name254[1:], host: name254[1:], apex: "ab.com", subdomain: name254[1:247]},
		{name: "leading hyphen", domain: "-acme.com", field: "domain"},
		{name: "trailing hyphen", domain: "acme-.com", field: "domain"},
		{name: "unicode trailing hyphen", domain: "bücher-.de", field: "domain"},
		{name: "reserved double hyphen", domain: "ab--cd.com", field: "domain"},
		{name: "bad punycode", domain: "xn--zz.com", field: "domain"},
		{name: "underscore", domain: "_dmarc.acme.com", field: "domain"},
		{name: "other ascii", domain: "ac!me.com", field: "domain"},
		{name: "control char", domain: "ac\x00me.com", field: "domain"},
		{name: "invalid utf8", domain: "ac\xffme.com", field: "domain"},
		{name: "emoji", domain: "😀.com", field: "domain"},
		{name: "emoji punycode", domain: "xn--e28h.com", field: "domain"},
		{name: "symbol", domain: "a☃b.com", field: "domain"},
		{name: "disallowed code point", domain: "a\u2488b.com", field: "domain"},
		{name: "fullwidth slash", domain: "acme／x.com", field: "domain"},
		{name: "bidi violation", domain: "a\u05d0.com", field: "domain"},
		// Suffixes.
		{name: "public suffix co.uk", domain: "co.uk", field: "domain"},
		{name: "public suffix com", domain: "com", field: "domain"},
		{name: "private public suffix", domain: "github.io", field: "domain"},
		{name: "unknown tld", domain: "acme.invalidtld", field: "domain"},
		{name: "localhost", domain: "localhost", field: "domain"},
		{name: "single label", domain: "acme", field: "domain"},
		{name: "numeric tld", domain: "acme.123", field: "domain"},

		// Subdomain errors.
		{name: "empty subdomain", domain: "acme.com", sub: strPtr(""), field: "subdomain"},
		{name: "blank subdomain", domain: "acme.com", sub: strPtr("  "), field: "subdomain"},
		{name: "subdomain repeats domain", domain: "acme.com", sub: strPtr("ls.acme.com"), field: "subdomain"},
		{name: "subdomain is domain", domain: "acme.com", sub: strPtr("acme.com"), field: "subdomain"},
		{name: "subdomain repeats apex of host", domain: "eu.acme.com", sub: strPtr("ls.acme.com"), field: "subdomain"},
		{name: "subdomain wildcard", domain: "acme.com", sub: strPtr("*"), field: "subdomain"},
		{name: "subdomain underscore", domain: "acme.com", sub: strPtr("l_s"), field: "subdomain"},
		{name: "subdomain space", domain: "acme.com", sub: strPtr("l s"), field: "subdomain"},
		{name: "subdomain trailing dot", domain: "acme.com", sub: strPtr("ls."), field: "subdomain"},
		{name: "subdomain leading hyphen", domain: "acme.com", sub: strPtr("-ls"), field: "subdomain"},
		{name: "subdomain 64-char label", domain: "acme.com", sub: strPtr(label64), field: "subdomain"},
		{name: "subdomain url", domain: "acme.com", sub: strPtr("https://ls"), field: "subdomain"},
		{name: "subdomain emoji", domain: "acme.com", sub: strPtr("😀"), field: "subdomain"},
		{name: "subdomain too long", domain: name248, sub: strPtr("links"), field: "subdomain"},
		{name: "subdomain makes public suffix", domain: "amazonaws.com", sub: strPtr("s3"), field: "subdomain"},
		{name: "bad domain with subdomain", domain: "co.uk", sub: strPtr("ls"), field: "domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHost(tt.domain, tt.sub)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("ParseHost(%q) error: %v", tt.domain, err)
				}
				want := Host{Host: tt.host, Apex: tt.apex, Subdomain: tt.subdomain}
				if got != want {
					t.Fatalf("ParseHost(%q) = %+v, want %+v", tt.domain, got, want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseHost(%q) = %+v, want error on %s", tt.domain, got, tt.field)
			}
			if got != (Host{}) {
				t.Errorf("ParseHost(%q) returned %+v with an error", tt.domain, got)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if e.Kind != KindInvalid || !errors.Is(err, ErrInvalid) {
				t.Errorf("kind = %q, want %q", e.Kind, KindInvalid)
			}
			if e.Code != "invalid_"+tt.field {
				t.Errorf("code = %q, want invalid_%s", e.Code, tt.field)
			}
			if len(e.Fields) != 1 || e.Fields[0].Field != tt.field || e.Fields[0].Message == "" {
				t.Errorf("fields = %+v, want one on %q", e.Fields, tt.field)
			}
			t.Logf("%q: %s", tt.domain, err)
		})
	}
}

// TestParseHostMessages pins the wording of the most common mistakes.
func TestParseHostMessages(t *testing.T) {
	tests := []struct {
		domain string
		sub    *string
		want   string
	}{
		{"https://acme.com", nil, "not a URL"},
		{"acme.com/x", nil, "without a path"},
		{"acme.com:443", nil, "without a port"},
		{"u@acme.com", nil, "user name"},
		{"192.168.0.1", nil, "not an IP address"},
		{"[::1]", nil, "not an IP address"},
		{"*.acme.com", nil, "wildcard"},
		{"acme.com.", nil, "end with a dot"},
		{"acme..com", nil, "empty labels"},
		{"_x.acme.com", nil, "underscore"},
		{"-acme.com", nil, "hyphen"},
		{"co.uk", nil, "public suffix"},
		{"com", nil, "public suffix"},
		{"localhost", nil, "full domain name"},
		{"xn--zz.com", nil, "punycode"},
		{"acme.invalidtld", nil, "not a known top-level domain"},
		{"acme.123", nil, "letters"},
		{"😀.com", nil, "not allowed"},
		{"acme.com", strPtr("ls.acme.com"), `give only the label, e.g. "ls"`},
		{"acme.com", strPtr(""), `leave it out to use "ls"`},
	}
	for _, tt := range tests {
		_, err := ParseHost(tt.domain, tt.sub)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseHost(%q) error = %v, want it to mention %q", tt.domain, err, tt.want)
		}
	}
}
