package textcheck

import (
	"net/url"
	"strings"
)

// Query checks every parameter of a raw query string, name and value,
// and returns the query with its text in NFC (raw itself when nothing
// changed). Errors name the parameter: Malformed for bad percent-encoding
// (reported before anything else), Refused for text that is not UTF-8 or
// has a refused character. Pairs that Go's own query parser skips (those
// with a ';') are left as they are.
func Query(raw string) (string, *Error) {
	var malformed, bad []FieldError
	out := make([]string, 0, strings.Count(raw, "&")+1)
	changed := false
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" || strings.Contains(pair, ";") {
			out = append(out, pair)
			continue
		}
		rawKey, rawValue, hasValue := strings.Cut(pair, "=")
		key, kerr := url.QueryUnescape(rawKey)
		value, verr := url.QueryUnescape(rawValue)
		name := Label(key)
		if kerr != nil {
			name = Label(rawKey)
		}
		if kerr != nil || verr != nil {
			malformed = append(malformed, FieldError{Field: name, Message: "is not correctly percent-encoded"})
			continue
		}
		msg := Problem(key)
		if msg == "" {
			msg = Problem(value)
		}
		if msg != "" {
			bad = append(bad, FieldError{Field: name, Message: msg})
			continue
		}
		ck, cv := NFC(key), NFC(value)
		if ck == key && cv == value {
			out = append(out, pair)
			continue
		}
		changed = true
		enc := url.QueryEscape(ck)
		if hasValue {
			enc += "=" + url.QueryEscape(cv)
		}
		out = append(out, enc)
	}
	switch {
	case len(malformed) > 0:
		return "", &Error{Kind: Malformed, Fields: malformed}
	case len(bad) > 0:
		return "", &Error{Kind: Refused, Fields: bad}
	case !changed:
		return raw, nil
	}
	return strings.Join(out, "&"), nil
}
