package models

import (
	"encoding/base64"
	"strings"
)

// Page limits.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// PageQuery is a keyset page request: at most Limit rows after Cursor, in
// the order of the list (newest first). Cursor is opaque to callers.
type PageQuery struct {
	Limit  int
	Cursor string
}

const cursorVersion = "v1:"

// encodeCursor makes the opaque cursor that continues after id.
func encodeCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorVersion + id))
}

// decodeCursor returns the id a cursor continues after, or a bad-request
// Error naming the "cursor" field.
func decodeCursor(prefix, c string) (string, error) {
	bad := &Error{Kind: KindBadRequest, Code: "invalid_cursor", Detail: "cursor is not one this API returned",
		Fields: []FieldError{{Field: "cursor", Message: "not a cursor returned by this list"}}}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", bad
	}
	id, ok := strings.CutPrefix(string(raw), cursorVersion)
	if !ok || !validID(prefix, id) {
		return "", bad
	}
	return id, nil
}

// checkLimit validates a page size; 0 means the default.
func (p PageQuery) limit() (int, error) {
	switch {
	case p.Limit == 0:
		return DefaultPageLimit, nil
	case p.Limit < 1 || p.Limit > MaxPageLimit:
		return 0, Invalid("invalid_limit", "limit", "must be between 1 and 200")
	}
	return p.Limit, nil
}
