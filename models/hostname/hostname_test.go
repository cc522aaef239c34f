package hostname

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/net/idna"
)

// The parser never panics, fails only with an Error naming the field, and
// accepts only lower-case ASCII hosts strictly below their registrable
// domain that parse again to themselves.
func FuzzParse(f *testing.F) {
	seeds := []struct {
		domain, sub string
		hasSub      bool
	}{
		{"acme.com", "", false},
		{"ls.acme.com", "", false},
		{"ls.acme.co.uk", "", false},
		{"BÜCHER.de", "", false},
		{"пример.рф", "", false},
		{"foo.github.io", "", false},
		{"acme.com", "links", true},
		{"acme.com", "ls.eu", true},
		{"acme.com", "ls.acme.com", true},
		{"acme.com", "", true},
		{"amazonaws.com", "s3", true},
		{"https://acme.com/x?y#z", "", false},
		{"[::1]:443", "", false},
		{"*.acme.com", "", false},
		{"acme..com.", "", false},
		{"xn--e28h.com", "", false},
		{"a\u05d0.com", "", false},
		{"\u05d0\u05d1.co.il", "\u05d2", true},
		{"ab--cd.com", "", false},
		{"co.uk", "", false},
		{"acme。com", "", false},
		{"a\u00adb.com", "", false},
		{"\u0430pple.com", "", false},
		{"acme.com", "p\u0430y", true},
		{"\u65e5\u672c\u30c6\u30b9\u30c8.jp", "", false},
	}
	for _, s := range seeds {
		f.Add(s.domain, s.sub, s.hasSub)
	}
	f.Fuzz(func(t *testing.T, domain, sub string, hasSub bool) {
		var subp *string
		if hasSub {
			subp = &sub
		}
		h, err := Parse(domain, subp)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q, %q) error is not an *Error: %#v", domain, sub, err)
			}
			if (e.Field != "domain" && e.Field != "subdomain") || e.Message == "" {
				t.Fatalf("Parse(%q, %q) error = %+v", domain, sub, e)
			}
			if !hasSub && e.Field != "domain" {
				t.Fatalf("Parse(%q, nil) blamed %q", domain, e.Field)
			}
			return
		}
		if len(h.Host) > 253 {
			t.Fatalf("host %q is %d long", h.Host, len(h.Host))
		}
		for i := 0; i < len(h.Host); i++ {
			c := h.Host[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
				t.Fatalf("host %q has %q", h.Host, c)
			}
		}
		for _, l := range strings.Split(h.Host, ".") {
			if len(l) < 1 || len(l) > 63 {
				t.Fatalf("host %q has label %q", h.Host, l)
			}
		}
		if h.Host == h.Apex || !strings.HasSuffix(h.Host, "."+h.Apex) {
			t.Fatalf("host %q is not strictly below apex %q", h.Host, h.Apex)
		}
		for _, l := range strings.Split(h.Host, ".") {
			if u, err := idna.Punycode.ToUnicode(l); strings.HasPrefix(l, "xn--") && (err != nil || !highlyRestrictive(labelScripts(u))) {
				t.Fatalf("host %q has label %q (%q) that mixes scripts %v", h.Host, l, u, labelScripts(u))
			}
		}
		if h.Subdomain+"."+h.Apex != h.Host {
			t.Fatalf("subdomain %q + apex %q != host %q", h.Subdomain, h.Apex, h.Host)
		}
		again, err := Parse(h.Host, nil)
		if err != nil {
			t.Fatalf("Parse(%q) (from %q, %q) failed: %v", h.Host, domain, sub, err)
		}
		if again != h {
			t.Fatalf("Parse(%q) = %+v, want %+v", h.Host, again, h)
		}
	})
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		" LS.Acme.COM. ": "ls.acme.com",
		"ls.bücher.de":   "ls.xn--bcher-kva.de",
		"ls.acme.com":    "ls.acme.com",
		"a b.COM":        "a b.com",
	} {
		if got := Canonical(in); got != want {
			t.Errorf("Canonical(%q) = %q, want %q", in, got, want)
		}
	}
}
