package hostname

import (
	"sort"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

// CodeConfusable is the code of the Error for a label that mixes scripts.
const CodeConfusable = "confusable_domain"

// The script sets a label may draw on, beyond a single script: UTS #39's
// "highly restrictive" restriction level (section 5.2), the profile
// browsers use to decide whether to show an IDN as Unicode. Common and
// Inherited characters (digits, the hyphen, combining marks) go with any
// script.
var allowedScriptSets = [][]string{
	{"Latin", "Han", "Hiragana", "Katakana"}, // Japanese
	{"Latin", "Han", "Bopomofo"},             // Chinese
	{"Latin", "Han", "Hangul"},               // Korean
}

// scriptNames lists unicode.Scripts' names in a fixed order, for lookups.
var scriptNames = func() []string {
	names := make([]string, 0, len(unicode.Scripts))
	for name := range unicode.Scripts {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}()

// scriptOf names the Unicode script of r ("Latin", "Cyrillic"), from the
// standard library's Script property tables; "Common" for the characters
// no table holds.
func scriptOf(r rune) string {
	if r < 0x80 {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return "Latin"
		}
		return "Common"
	}
	for _, name := range scriptNames {
		if unicode.Is(unicode.Scripts[name], r) {
			return name
		}
	}
	return "Common"
}

// labelScripts returns the scripts of a Unicode label's characters other
// than Common and Inherited, sorted.
func labelScripts(label string) []string {
	seen := map[string]bool{}
	for _, r := range label {
		switch sc := scriptOf(r); sc {
		case "Common", "Inherited":
		default:
			seen[sc] = true
		}
	}
	out := make([]string, 0, len(seen))
	for sc := range seen {
		out = append(out, sc)
	}
	sort.Strings(out)
	return out
}

// highlyRestrictive reports whether a label with these scripts passes UTS
// #39's highly restrictive level: one script, or a subset of one of
// allowedScriptSets.
func highlyRestrictive(scripts []string) bool {
	if len(scripts) <= 1 {
		return true
	}
	for _, set := range allowedScriptSets {
		ok := true
		for _, sc := range scripts {
			if !contains(set, sc) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkScripts refuses a name (valid lower-case ASCII, punycode for IDNs)
// with a label that mixes scripts, such as "аpple" with a Cyrillic а among
// Latin letters: such a label can be made to look like another name.
// Labels in one script (or a Japanese, Chinese or Korean mix with Latin)
// pass, so a name all in Cyrillic, Greek or Japanese is accepted. Each
// label is judged alone, as browsers do: "ls.пример.рф" is fine.
func checkScripts(ascii string, f hostField) error {
	for _, l := range strings.Split(ascii, ".") {
		if !strings.HasPrefix(l, "xn--") {
			continue // ASCII: Latin, digits and hyphens only
		}
		u, err := idna.Punycode.ToUnicode(l)
		if err != nil {
			return f.errorf("has an invalid punycode label %q", l)
		}
		if sc := labelScripts(u); !highlyRestrictive(sc) {
			e := f.errorf("has a label %q (%s) that mixes the %s scripts, so it can pass for another name; use one script per label",
				u, l, strings.Join(sc, " and "))
			e.Code = CodeConfusable
			return e
		}
	}
	return nil
}
