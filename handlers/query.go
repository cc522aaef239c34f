package handlers

import (
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// CheckRequestText applies the text rules (text.go) to what a request
// carries outside its body; mount it on a route group before any handler
// reads the query.
//
//   - A path whose decoded text breaks the rules (/clients/a%00b) names
//     nothing that can exist: 404 not_found.
//   - Every query parameter, name and value: bad percent-encoding is 400
//     malformed_query, text that is not UTF-8 or has a refused character
//     is 422 invalid_characters, each naming the parameter. What passes is
//     put back in NFC, so handlers read canonical text with c.Query.
//
// Pairs that Go's own query parser skips (those with a ';') stay skipped.
func CheckRequestText(c *gin.Context) {
	if TextProblem(c.Request.URL.Path) != "" {
		Fail(c, models.NotFound("route"))
		return
	}
	raw := c.Request.URL.RawQuery
	if raw == "" {
		c.Next()
		return
	}
	canon, err := canonicalQuery(raw)
	if err != nil {
		Fail(c, err)
		return
	}
	c.Request.URL.RawQuery = canon
	c.Next()
}

// canonicalQuery checks every parameter of a raw query and returns it
// re-encoded with its text in NFC (unchanged when nothing changed).
func canonicalQuery(raw string) (string, error) {
	var malformed, bad []models.FieldError
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
		name := fieldLabel(key)
		if kerr != nil {
			name = fieldLabel(rawKey)
		}
		if kerr != nil || verr != nil {
			malformed = append(malformed, models.FieldError{Field: name, Message: "is not correctly percent-encoded"})
			continue
		}
		ck, kerr := CanonicalText(name, key)
		cv, verr := CanonicalText(name, value)
		if kerr != nil || verr != nil {
			msg := TextProblem(key)
			if msg == "" {
				msg = TextProblem(value)
			}
			bad = append(bad, models.FieldError{Field: name, Message: msg})
			continue
		}
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
		return "", &models.Error{Kind: models.KindBadRequest, Code: "malformed_query",
			Detail: "the query string is not correctly percent-encoded", Fields: malformed}
	case len(bad) > 0:
		return "", &models.Error{Kind: models.KindInvalid, Code: CodeInvalidCharacters,
			Detail: "the query has text with characters that are not allowed", Fields: bad}
	case !changed:
		return raw, nil
	}
	return strings.Join(out, "&"), nil
}
