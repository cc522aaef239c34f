package models

// Phone numbers: what linkgate stores is E.164 ("+447123123123"),
// checked against libphonenumber's metadata (github.com/nyaruka/phonenumbers).

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// maxPhoneInput bounds what NormalizePhone looks at; libphonenumber
// refuses longer input anyway.
const maxPhoneInput = 64

// errInvalidPhone says what is wrong with a number NormalizePhone refuses.
const errInvalidPhone = "is not a valid phone number"

// NormalizePhone returns raw as a valid number in E.164. A number written
// with a leading "+" is read as given. Without it, defaultRegion (an ISO
// 3166 code such as "GB") reads it as a national number of that region;
// with defaultRegion "" it is read as international ("447123123123" is
// "+447123123123"). Digits may be grouped with spaces, dashes, dots and
// brackets; letters (vanity numbers) are refused. A
// number that does not parse or is not valid is an invalid_phone Error
// naming the field "phone" (callers rename it when their field differs).
func NormalizePhone(raw, defaultRegion string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" || len(s) > maxPhoneInput || strings.Trim(s, "+0123456789 -.()") != "" || strings.LastIndex(s, "+") > 0 {
		return "", Invalid("invalid_phone", "phone", errInvalidPhone)
	}
	if !strings.HasPrefix(s, "+") && defaultRegion == "" {
		s = "+" + s
	}
	n, err := phonenumbers.Parse(s, strings.ToUpper(defaultRegion))
	if err != nil || !phonenumbers.IsValidNumber(n) {
		e := Invalid("invalid_phone", "phone", errInvalidPhone)
		e.Err = err
		return "", e
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// ParsePhoneE164 is NormalizePhone for a recipient list: international
// form only (a leading "+" or "00" may be left out), and the problem in
// words for the rejected line ("" when the number is good).
func ParsePhoneE164(raw string) (e164 string, problem string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", "is required"
	}
	if rest, ok := strings.CutPrefix(s, "00"); ok {
		s = "+" + rest
	}
	e164, err := NormalizePhone(s, "")
	if err != nil {
		return "", errInvalidPhone
	}
	return e164, ""
}
