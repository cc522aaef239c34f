package models

import (
	"bytes"
	"strings"
	"time"

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

// newIDAt returns a prefixed ULID of time t: ids made this way sort (and
// can be cut) by t.
func newIDAt(prefix string, t time.Time) string {
	return prefix + ulid.MustNew(ulid.Timestamp(t), ulid.DefaultEntropy()).String()
}

// idBefore is the smallest id of the prefix made at t: every id made
// earlier sorts below it.
func idBefore(prefix string, t time.Time) string {
	var zero [10]byte
	return prefix + ulid.MustNew(ulid.Timestamp(t), bytes.NewReader(zero[:])).String()
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
