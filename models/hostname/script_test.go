package hostname

import (
	"errors"
	"slices"
	"testing"
)

// Labels that mix scripts are refused with CodeConfusable naming the
// field; labels in one script, or in the Japanese, Chinese and Korean
// mixes with Latin that UTS #39's highly restrictive level allows, pass.
func TestParseRefusesMixedScriptLabels(t *testing.T) {
	t.Parallel()
	sub := func(s string) *string { return &s }
	for _, tc := range []struct {
		name      string
		domain    string
		subdomain *string
		field     string // "" = accepted
		host      string // when accepted
	}{
		{"ASCII", "acme.com", nil, "", "ls.acme.com"},
		{"ASCII host", "links.acme.co.uk", nil, "", "links.acme.co.uk"},
		{"Latin with diacritics", "bücher.de", nil, "", "ls.xn--bcher-kva.de"},
		{"Cyrillic а in Latin apple", "\u0430pple.com", nil, "domain", ""},
		{"the same as punycode", "xn--pple-43d.com", nil, "domain", ""},
		{"Cyrillic о in a host label", "g\u043eogle.acme.com", nil, "domain", ""},
		{"Greek ο in Latin", "g\u03bfogle.com", nil, "domain", ""},
		{"Cyrillic in the subdomain", "acme.com", sub("p\u0430y"), "subdomain", ""},
		{"Latin in a Cyrillic label", "\u043f\u0440\u0438\u043c\u0435p.\u0440\u0444", nil, "domain", ""},
		{"pure Cyrillic", "\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", nil, "", "ls.xn--e1afmkfd.xn--p1ai"},
		{"pure Cyrillic with a Latin subdomain", "\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", sub("ls"), "", "ls.xn--e1afmkfd.xn--p1ai"},
		{"pure Greek", "\u03c0\u03b1\u03c1\u03ac\u03b4\u03b5\u03b9\u03b3\u03bc\u03b1.gr", nil, "", "ls.xn--hxajbheg2az3al.gr"},
		{"Japanese: Han, Hiragana and Katakana", "\u65e5\u672c\u306e\u30c6\u30b9\u30c8.jp", nil, "", ""},
		{"Japanese with Latin", "abc\u30c6\u30b9\u30c8.jp", nil, "", ""},
		{"Korean with Latin", "abc\ud55c\uad6d.kr", nil, "", ""},
		{"Chinese with Bopomofo", "\u4e2d\u6587\u3105.com", nil, "", ""},
		{"Hangul with Katakana", "\ud55c\u30c6.com", nil, "domain", ""},
		{"Cyrillic with Greek", "\u043f\u03c0.com", nil, "domain", ""},
		{"digits and hyphens go with any script", "\u043f\u0440\u0438-123.com", nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := Parse(tc.domain, tc.subdomain)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Parse(%q) = %v, want accepted", tc.domain, err)
				}
				if tc.host != "" && h.Host != tc.host {
					t.Fatalf("Parse(%q).Host = %q, want %q", tc.domain, h.Host, tc.host)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) = %+v, %v; want a %s error", tc.domain, h, err, CodeConfusable)
			}
			if e.Code != CodeConfusable || e.Field != tc.field {
				t.Fatalf("Parse(%q) error = %+v, want code %s on %s", tc.domain, e, CodeConfusable, tc.field)
			}
		})
	}
}

func TestLabelScripts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		label string
		want  []string
	}{
		{"abc-1", []string{"Latin"}},
		{"\u0430pple", []string{"Cyrillic", "Latin"}},
		{"e\u0301", []string{"Latin"}},          // a combining mark is Inherited
		{"\u65e5\u672c\u30fc", []string{"Han"}}, // U+30FC is Common
		{"123", []string{}},
	} {
		if got := labelScripts(tc.label); !slices.Equal(got, tc.want) {
			t.Errorf("labelScripts(%q) = %v, want %v", tc.label, got, tc.want)
		}
	}
}
