package models

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// ParsePhoneE164 normalises a phone number given in international form
// (with or without the leading "+" or "00"; spaces, dots, dashes and
// parentheses are ignored) to E.164, such as "447123123123" →
// "+447123123123". A number that is not a valid number of its country is
// refused: problem says why, for people.
func ParsePhoneE164(raw string) (e164 string, problem string) {
	s := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '(', ')':
			return -1
		}
		return r
	}, strings.TrimSpace(raw))
	if s == "" {
		return "", "is required"
	}
	if rest, ok := strings.CutPrefix(s, "00"); ok {
		s = "+" + rest
	}
	if !strings.HasPrefix(s, "+") {
		s = "+" + s
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return "", "must be a phone number in international form, such as +447123123123"
		}
	}
	if len(s) > 16 {
		return "", "has too many digits for a phone number"
	}
	n, err := phonenumbers.Parse(s, "")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", "is not a valid phone number"
	}
	return phonenumbers.Format(n, phonenumbers.E164), ""
}
