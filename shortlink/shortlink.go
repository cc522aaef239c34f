// Package shortlink finds the links of a text message and puts tracked
// short links in their place (API.md "Tracked links"): every fully
// qualified http:// or https:// URL, or only those marked with a leading
// "@", becomes <scheme>://<host>/<ref>. It knows nothing of storage: the
// caller gives the refs (NewRef makes them) and keeps what Rewrite
// returns.
//
// Contract:
//   - Only URLs with an http or https scheme are rewritten ("www.acme.com"
//     is not a URL here); URLs carrying credentials (https://user:pass@...)
//     and other schemes are left exactly as written.
//   - The scheme is kept (https stays https, http stays http).
//   - One ref per distinct URL in a message: the same URL twice gets the
//     same short link.
//   - In marked mode only "@https://..." URLs are rewritten; in both modes
//     the marking "@" of a rewritten URL is removed, nothing else changes.
package shortlink

import (
	"crypto/rand"
	"errors"
	"net/url"
	"strings"
	"unicode"

	"github.com/linkgate/linkgate/models/hostname"

	"mvdan.cc/xurls/v2"
)

// Marker is what marks a URL for tracking in marked mode.
const Marker = '@'

// RefLength is the length of a new ref while the links are few enough:
// 62^6 (about 5.7e10) refs make a collision rare below many millions of
// stored links; the store lengthens refs when they collide.
const RefLength = 6

// MaxRefLength bounds a ref: longer paths are not refs.
const MaxRefLength = 16

// base62 is the refs' alphabet.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// strict finds URLs with a scheme; its matches are filtered to http(s).
var strict = xurls.Strict()

// ValidPrefix reports whether p may go in front of a tracking host: one
// word of a-z, 0-9 and inner hyphens, at most 63 characters.
func ValidPrefix(p string) bool { return hostname.ValidLabel(p) }

// Found is one URL found in a text.
type Found struct {
	Start, End int    // the byte span, the marker included when Marked
	URL        string // as written, the marker excluded
	Scheme     string // http or https, lower case
	Marked     bool   // preceded by the marker
}

// Find lists the text's http and https URLs that may be rewritten (no
// credentials), in order. xurls' matcher runs only on the words that
// start with "http" (a URL holds no white space): the whole message
// through its pattern costs many times more.
func Find(text string) []Found {
	var out []Found
	for at := 0; at < len(text); {
		start := indexHTTP(text, at)
		if start < 0 {
			break
		}
		end := start + strings.IndexFunc(text[start:], unicode.IsSpace)
		if end < start {
			end = len(text)
		}
		at = end
		span := strict.FindStringIndex(text[start:end])
		if span == nil || span[0] != 0 {
			at = start + 4
			continue
		}
		raw := text[start : start+span[1]]
		at = start + span[1]
		scheme, ok := httpScheme(raw)
		if !ok {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || u.User != nil || u.Host == "" {
			continue
		}
		f := Found{Start: start, End: start + span[1], URL: raw, Scheme: scheme}
		if f.Start > 0 && text[f.Start-1] == Marker {
			f.Start--
			f.Marked = true
		}
		out = append(out, f)
	}
	return out
}

// indexHTTP is the byte index of the first "http" (any case, ASCII only:
// byte offsets stay those of text) at or after from; -1 when none.
func indexHTTP(text string, from int) int {
	for i := from; i+4 <= len(text); i++ {
		if text[i]|0x20 == 'h' && text[i+1]|0x20 == 't' && text[i+2]|0x20 == 't' && text[i+3]|0x20 == 'p' {
			return i
		}
	}
	return -1
}

// httpScheme says whether raw starts with http:// or https:// (any case)
// and which.
func httpScheme(raw string) (string, bool) {
	lower := strings.ToLower(raw[:min(len(raw), 8)])
	switch {
	case strings.HasPrefix(lower, "https://"):
		return "https", true
	case strings.HasPrefix(lower, "http://"):
		return "http", true
	}
	return "", false
}

// Link is one short link of a rewritten text.
type Link struct {
	Ref      string `json:"ref"`
	URL      string `json:"url"`
	ShortURL string `json:"short_url"`
}

// Rewritten is a text with its links replaced.
type Rewritten struct {
	Body  string
	Links []Link // one per distinct URL, in order of first appearance
}

// Plan is what Rewrite would do: the distinct URLs to shorten, in order.
// The caller gets refs for them (as many as URLs) and calls Apply.
type Plan struct {
	text  string
	found []Found
	URLs  []string
}

// Prepare finds what to rewrite in text: every URL, or only the marked
// ones when marked.
func Prepare(text string, marked bool) Plan {
	p := Plan{text: text}
	seen := map[string]bool{}
	for _, f := range Find(text) {
		if marked && !f.Marked {
			continue
		}
		p.found = append(p.found, f)
		if !seen[f.URL] {
			seen[f.URL] = true
			p.URLs = append(p.URLs, f.URL)
		}
	}
	return p
}

// Apply rewrites the plan's text with refs[i] for URLs[i] on host (the
// tracking host, its prefix included).
func (p Plan) Apply(host string, refs []string) (Rewritten, error) {
	if len(refs) != len(p.URLs) {
		return Rewritten{}, errors.New("shortlink: one ref per URL is needed")
	}
	short := make(map[string]string, len(p.URLs))
	out := Rewritten{Links: make([]Link, 0, len(p.URLs))}
	var b strings.Builder
	last := 0
	for _, f := range p.found {
		s, ok := short[f.URL]
		if !ok {
			i := len(out.Links)
			s = f.Scheme + "://" + host + "/" + refs[i]
			short[f.URL] = s
			out.Links = append(out.Links, Link{Ref: refs[i], URL: f.URL, ShortURL: s})
		}
		b.WriteString(p.text[last:f.Start])
		b.WriteString(s)
		last = f.End
	}
	b.WriteString(p.text[last:])
	out.Body = b.String()
	return out, nil
}

// NewRef makes a random ref of n base62 characters from crypto/rand: one
// ref tells nothing of another.
func NewRef(n int) string {
	const max = 256 - 256%len(base62) // unbiased: bytes at or above are redrawn
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2+4)
	for len(out) < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails (Go 1.24+)
		for _, c := range buf {
			if int(c) < max && len(out) < n {
				out = append(out, base62[int(c)%len(base62)])
			}
		}
	}
	return string(out)
}

// ValidRef reports whether s can be a ref: 1 to MaxRefLength base62
// characters. The redirector answers anything else without a lookup.
func ValidRef(s string) bool {
	if len(s) == 0 || len(s) > MaxRefLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}
