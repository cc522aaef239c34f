package providers

import (
	"context"
	"strings"
)

// Zone is a DNS zone at a provider.
type Zone struct {
	ID   string
	Name string // "acme.com", no trailing dot
}

// Record is a DNS record at a provider.
type Record struct {
	ID      string
	Type    string // "CNAME", "A", ...
	Name    string // fully qualified, no trailing dot: "ls.acme.com"
	Content string // for a CNAME the target, as the provider returns it
	TTL     int    // seconds; 1 means "automatic" at Cloudflare
	Proxied bool   // Cloudflare's orange cloud; a proxied CNAME does not resolve to its target
	Comment string
}

// CNAME is the record linkgate wants.
type CNAME struct {
	Name    string // fully qualified host: "ls.acme.com"
	Target  string // "lsct.ashburn.us1.twilio.com." (a trailing dot is optional)
	TTL     int
	Comment string // marks the record as linkgate's
}

// DNS is a DNS provider account, reached with one set of credentials (a
// client's). Implementations are safe for concurrent use.
type DNS interface {
	// CheckCredentials verifies that the credentials are valid and active.
	// Bad, expired or revoked credentials: *Error wrapping
	// ErrInvalidCredentials (permanent).
	CheckCredentials(ctx context.Context) error

	// Zone returns the zone that holds host: of the zones the credentials
	// can see, the one with the longest name that equals host or is a
	// suffix of it at a label boundary ("acme.com" holds "ls.acme.com",
	// "eu.acme.com" wins over "acme.com" for "ls.eu.acme.com"; "cme.com"
	// never holds "ls.acme.com"). None: *Error wrapping ErrZoneNotFound.
	Zone(ctx context.Context, host string) (Zone, error)

	// EnsureCNAME makes sure zone has the CNAME want.Name → want.Target,
	// unproxied. It looks before it writes: a record with the same name,
	// type and target (compared with SameHost) is success and is returned
	// with created=false, whatever its TTL or comment; any other record at
	// the name (a CNAME elsewhere, an A, AAAA...) is a permanent *Error
	// wrapping *ConflictingRecordError naming it, and nothing is changed.
	// Otherwise it creates the record with want.TTL and want.Comment and
	// returns it with created=true. Calling it again, or concurrently, never
	// creates a second record: when a create is answered "already exists",
	// it lists again and decides as above.
	EnsureCNAME(ctx context.Context, zone Zone, want CNAME) (rec Record, created bool, err error)

	// DeleteRecord removes the record with this id from zone. A record
	// that is already gone is success.
	DeleteRecord(ctx context.Context, zone Zone, recordID string) error
}

// DNSFactory connects to a DNS provider with a client's credentials (for
// Cloudflare {"api_token": "..."}). It checks their shape, not their
// validity: call CheckCredentials for that.
type DNSFactory func(credentials map[string]string) (DNS, error)

// DecideCNAME applies EnsureCNAME's contract to the records found at a
// name: the identical CNAME (compared with SameHost) is found; anything
// else is a conflict naming it (a CNAME first, then A/AAAA, then whatever
// is there); nothing means "create". Adapters wrap the conflict in their
// *Error.
func DecideCNAME(existing []Record, target string) (found Record, ok bool, conflict *ConflictingRecordError) {
	for _, r := range existing {
		if strings.EqualFold(r.Type, "CNAME") && SameHost(r.Content, target) {
			return r, true, nil
		}
	}
	if len(existing) == 0 {
		return Record{}, false, nil
	}
	named := existing[0]
	for _, types := range [][]string{{"CNAME"}, {"A", "AAAA"}} {
		if r, ok := firstOfType(existing, types...); ok {
			named = r
			break
		}
	}
	return Record{}, false, &ConflictingRecordError{Existing: named}
}

func firstOfType(records []Record, types ...string) (Record, bool) {
	for _, r := range records {
		for _, t := range types {
			if strings.EqualFold(r.Type, t) {
				return r, true
			}
		}
	}
	return Record{}, false
}
