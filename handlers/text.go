package handlers

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/linkgate/linkgate/models"
)

// The text rules (API.md "Errors"), applied to every string linkgate
// reads from a request: JSON bodies (Bind), query parameters (CheckQuery)
// and path segments (a bad path is 404).
//
//   - valid UTF-8, else 400 invalid_utf8 (a body) or 422 invalid_characters
//     (a query parameter);
//   - no control characters: C0 (U+0000–U+001F, tab and newline included:
//     no field of the API is multi-line), DEL (U+007F), C1 (U+0080–U+009F),
//     and the Unicode line and paragraph separators (U+2028, U+2029);
//   - no bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E,
//     U+200F, U+061C), which reorder how text is displayed;
//   - no zero-width characters (U+200B–U+200D, U+2060, U+FEFF), which hide
//     differences between strings that look the same;
//   - in a JSON string, no lone UTF-16 surrogate escape ("\ud800"), which
//     encoding/json would silently turn into U+FFFD;
//   - what passes is normalised to Unicode NFC, so that text that looks the
//     same is stored, compared and searched as the same bytes.
//
// The refusals are 422 invalid_characters naming the field; nothing is
// stored.

// CodeInvalidCharacters is the problem code of text with a character the
// rules above refuse (422).
const CodeInvalidCharacters = "invalid_characters"

// CodeInvalidUTF8 is the problem code of a body that is not valid UTF-8
// (400).
const CodeInvalidUTF8 = "invalid_utf8"

// msgInvalidUTF8 is the field message of text that is not UTF-8.
const msgInvalidUTF8 = "is not valid UTF-8 text"

// TextProblem says what is wrong with s under the text rules ("contains a
// NUL character (U+0000)"), or returns "" when s is acceptable. It does
// not normalise; see CanonicalText.
func TextProblem(s string) string {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return msgInvalidUTF8
			}
		}
		if what := refusedRune(r); what != "" {
			return fmt.Sprintf("contains %s (U+%04X); remove it", what, r)
		}
	}
	return ""
}

// refusedRune names the class of a character the text rules refuse, or
// returns "".
func refusedRune(r rune) string {
	switch {
	case r == 0:
		return "a NUL character"
	case r < 0x20 || r == 0x7f || 0x80 <= r && r <= 0x9f:
		return "a control character"
	case r == 0x2028 || r == 0x2029:
		return "a line or paragraph separator"
	case 0x202a <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return "a bidirectional control character"
	case 0x200b <= r && r <= 0x200d, r == 0x2060, r == 0xfeff:
		return "an invisible zero-width character"
	}
	return ""
}

// CanonicalText checks s under the text rules and returns it in NFC. The
// error is a 422 invalid_characters naming field (a 422 also for text
// that is not UTF-8: callers that read bodies answer that with 400
// first).
func CanonicalText(field, s string) (string, error) {
	if msg := TextProblem(s); msg != "" {
		return "", invalidText(field, msg)
	}
	return norm.NFC.String(s), nil
}

func invalidText(field, msg string) *models.Error {
	return models.Invalid(CodeInvalidCharacters, field, msg)
}

// fieldLabel is how a name read from a request is shown in a field error:
// as it is when it passes the text rules, else quoted with Go escapes so
// the problem document never carries the bad bytes back; the empty name
// is shown as "".
func fieldLabel(name string) string {
	if name == "" {
		return `""`
	}
	if TextProblem(name) == "" {
		return name
	}
	q := strconv.QuoteToASCII(name)
	return q[1 : len(q)-1]
}
