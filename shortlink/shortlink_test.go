package shortlink_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/linkgate/linkgate/shortlink"
)

func refsFor(p shortlink.Plan) []string {
	refs := make([]string, len(p.URLs))
	for i := range refs {
		refs[i] = fmt.Sprintf("R%d", i)
	}
	return refs
}

func TestRewrite(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		marked   bool
		want     string
		urls     []string
	}{
		{"all, scheme kept", "Sale https://acme.com/offer?a=1 and http://acme.com/b.",
			false, "Sale https://dyn.co/R0 and http://dyn.co/R1.", []string{"https://acme.com/offer?a=1", "http://acme.com/b"}},
		{"same URL twice, one ref", "A https://acme.com/x B https://acme.com/x",
			false, "A https://dyn.co/R0 B https://dyn.co/R0", []string{"https://acme.com/x"}},
		{"bare host is not a URL", "see www.acme.com or acme.com", false, "see www.acme.com or acme.com", nil},
		{"credentials and other schemes left", "a https://u:p@acme.com/x b ftp://acme.com/f c mailto:x@acme.com",
			false, "a https://u:p@acme.com/x b ftp://acme.com/f c mailto:x@acme.com", nil},
		{"marked only", "keep https://acme.com/a track @https://acme.com/b",
			true, "keep https://acme.com/a track https://dyn.co/R0", []string{"https://acme.com/b"}},
		{"all mode drops the marker", "@https://acme.com/b", false, "https://dyn.co/R0", []string{"https://acme.com/b"}},
		{"upper-case scheme", "HTTPS://ACME.com/A", false, "https://dyn.co/R0", []string{"HTTPS://ACME.com/A"}},
		{"nothing", "plain words", true, "plain words", nil},
		{"unicode before, punctuation after", "İİ (https://acme.com/ü?a=1). Ende", false, "İİ (https://dyn.co/R0). Ende", []string{"https://acme.com/ü?a=1"}},
		{"glued and repeated words", "xhttp Go:https://a.co/x https http://", false, "xhttp Go:https://dyn.co/R0 https http://", []string{"https://a.co/x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := shortlink.Prepare(tc.in, tc.marked)
			if strings.Join(p.URLs, "|") != strings.Join(tc.urls, "|") {
				t.Fatalf("urls %q, want %q", p.URLs, tc.urls)
			}
			out, err := p.Apply("dyn.co", refsFor(p))
			if err != nil {
				t.Fatal(err)
			}
			if out.Body != tc.want {
				t.Fatalf("body %q, want %q", out.Body, tc.want)
			}
			if len(out.Links) != len(tc.urls) {
				t.Fatalf("%d links, want %d", len(out.Links), len(tc.urls))
			}
			for i, l := range out.Links {
				if l.URL != tc.urls[i] || !strings.HasSuffix(l.ShortURL, "/"+l.Ref) {
					t.Fatalf("link %d = %+v", i, l)
				}
			}
		})
	}
}

func TestApplyNeedsOneRefPerURL(t *testing.T) {
	t.Parallel()
	p := shortlink.Prepare("https://a.com https://b.com", false)
	if _, err := p.Apply("dyn.co", []string{"x"}); err == nil {
		t.Fatal("Apply took too few refs")
	}
}

func TestShortURLAtMost21(t *testing.T) {
	t.Parallel()
	p := shortlink.Prepare("https://www.example.com/a/very/long/path?with=query&and=more", false)
	out, _ := p.Apply("dyn.co", []string{shortlink.NewRef(shortlink.RefLength)})
	if n := len(out.Links[0].ShortURL); n > 21 {
		t.Fatalf("%q is %d characters", out.Links[0].ShortURL, n)
	}
}

func TestNewRef(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	counts := map[byte]int{}
	repeats := 0
	for range 20000 {
		r := shortlink.NewRef(shortlink.RefLength)
		if len(r) != shortlink.RefLength || !shortlink.ValidRef(r) {
			t.Fatalf("bad ref %q", r)
		}
		if seen[r] {
			repeats++
		}
		seen[r] = true
		for i := 0; i < len(r); i++ {
			counts[r[i]]++
		}
	}
	// 20,000 draws from 62^6 refs repeat one with probability about
	// 0.35 % (the birthday bound; the store retries such a ref), three
	// repeats about 7e-9. A generator of 24 bits would repeat about 12.
	if repeats > 2 {
		t.Fatalf("%d repeated refs in 20,000", repeats)
	}
	// 120,000 characters over 62 symbols: about 1,935 each; every symbol
	// is used and none is far off (an unbiased draw).
	if len(counts) != 62 {
		t.Fatalf("%d symbols used, want 62", len(counts))
	}
	for c, n := range counts {
		if n < 1500 || n > 2400 {
			t.Fatalf("symbol %q drawn %d times", c, n)
		}
	}
}

func TestValidRefAndPrefix(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"Ab3dE9": true, "": false, "ab-c": false, "a/b": false,
		strings.Repeat("a", shortlink.MaxRefLength+1): false, "é": false} {
		if shortlink.ValidRef(s) != want {
			t.Errorf("ValidRef(%q) = %v", s, !want)
		}
	}
	for s, want := range map[string]bool{"offers": true, "go-2": true, "two words": false, "Offers": false,
		"-a": false, "a.b": false, "": false, strings.Repeat("a", 64): false} {
		if shortlink.ValidPrefix(s) != want {
			t.Errorf("ValidPrefix(%q) = %v", s, !want)
		}
	}
}
