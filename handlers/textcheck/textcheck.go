// Package textcheck holds linkgate's rules for text read from requests
// (API.md "Errors"): every string valid UTF-8, without control
// characters, bidirectional controls or zero-width characters, and in
// Unicode NFC. It applies them to JSON documents (every string, at any
// depth, named by its JSON path) and to query strings (every parameter).
//
// It depends on the standard library and golang.org/x/text only, so its
// fuzz targets build in seconds; package handlers turns its errors into
// problem documents (handlers.Bind, handlers.CheckRequestText).
//
// The rules:
//
//   - valid UTF-8;
//   - no control characters: C0 (U+0000–U+001F, tab and newline included:
//     no field of the API is multi-line), DEL (U+007F), C1 (U+0080–U+009F),
//     and the Unicode line and paragraph separators (U+2028, U+2029);
//   - no bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E,
//     U+200F, U+061C), which reorder how text is displayed;
//   - no zero-width characters (U+200B–U+200D, U+2060, U+FEFF), which hide
//     differences between strings that look the same;
//   - in a JSON string, no lone UTF-16 surrogate escape ("\ud800"), which
//     encoding/json would silently turn into U+FFFD;
//   - what passes is normalised to NFC, so that text that looks the same is
//     stored, compared and searched as the same bytes.
package textcheck

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MsgInvalidUTF8 is the field message of text that is not UTF-8.
const MsgInvalidUTF8 = "is not valid UTF-8 text"

// Problem says what is wrong with s under the rules ("contains a NUL
// character (U+0000); remove it"), or returns "" when s is acceptable. It
// does not normalise.
func Problem(s string) string {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return MsgInvalidUTF8
			}
		}
		if what := refusedRune(r); what != "" {
			return fmt.Sprintf("contains %s (U+%04X); remove it", what, r)
		}
	}
	return ""
}

// refusedRune names the class of a character the rules refuse, or
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

// NFC returns s in Unicode Normalization Form C.
func NFC(s string) string { return norm.NFC.String(s) }

// Label is how a name read from a request is shown in a field error: as
// it is when it passes the rules, else quoted with Go escapes so that an
// error never carries the bad bytes back; the empty name is shown as "".
func Label(name string) string {
	if name == "" {
		return `""`
	}
	if Problem(name) == "" {
		return name
	}
	q := strconv.QuoteToASCII(name)
	return q[1 : len(q)-1]
}

// FieldError names one refused string and says what is wrong with it.
type FieldError struct {
	Field   string // the JSON path or query parameter
	Message string
}

// Kind is what went wrong.
type Kind int

// The kinds of Error.
const (
	// NotUTF8: a JSON string is not UTF-8 (the body is malformed).
	NotUTF8 Kind = iota + 1
	// Refused: text with a character the rules refuse (in a query, text
	// that is not UTF-8 too).
	Refused
	// Malformed: a query parameter that is not correctly percent-encoded.
	Malformed
)

// Error lists the strings refused, each named.
type Error struct {
	Kind   Kind
	Fields []FieldError
}

func (e *Error) Error() string {
	s := "textcheck:"
	for _, f := range e.Fields {
		s += " " + f.Field + " " + f.Message + ";"
	}
	return s
}
