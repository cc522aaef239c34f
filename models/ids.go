package models

import (
	"strings"

	"github.com/oklog/ulid/v2"
)

// ID prefixes: an id says what it names.
const (
	PrefixClient = "cli_"
	PrefixDomain = "dom_"
	PrefixAPIKey = "key_"
	PrefixUser   = "usr_"
	PrefixEvent  = "evt_"
	PrefixPool   = "pool_"
	PrefixOrig   = "orig_"
)

// NewID returns a new prefixed ULID, such as "cli_01JD...". ULIDs sort by
// creation time, which keyset pagination relies on.
func NewID(prefix string) string {
	return prefix + ulid.Make().String()
}

// validID reports whether s looks like an id with the given prefix.
func validID(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) != ulid.EncodedSize {
		return false
	}
	_, err := ulid.ParseStrict(rest)
	return err == nil
}
