package providers

import "context"

// Finding codes of a DNS check, each a fact a client can act on.
const (
	FindingMissing          = "record_missing"        // no CNAME at the host
	FindingWrongTarget      = "wrong_target"          // a CNAME to something else
	FindingWrongHost        = "wrong_host"            // the record sits at host.apex (ls.acme.com.acme.com)
	FindingAddressRecords   = "address_records"       // A/AAAA at the host instead of (or beside) the CNAME
	FindingCAAForbids       = "caa_forbids"           // CAA records that do not allow letsencrypt.org
	FindingNotAuthoritative = "not_yet_authoritative" // public resolvers see it, the zone's servers do not
	FindingNotPublic        = "not_yet_public"        // the zone's servers answer, public resolvers do not yet
)

// Finding is one thing a DNS check found, in words a client understands.
type Finding struct {
	Code    string
	Message string
}

// DNSCheck is the verdict on a host's CNAME.
type DNSCheck struct {
	OK       bool     // the zone's authoritative servers answer the CNAME with the target
	Targets  []string // the CNAME targets they answered, if any
	Findings []Finding
}

// Resolver checks DNS the way the world will see it. Safe for concurrent
// use.
type Resolver interface {
	// CheckCNAME asks the authoritative servers of host's zone (apex is
	// the registrable domain) for host's CNAME, without recursion, and
	// diagnoses what stops it from pointing at target. A failure to get
	// any answer is a transient *Error; a wrong answer is a DNSCheck with
	// findings, not an error.
	CheckCNAME(ctx context.Context, host, apex, target string) (DNSCheck, error)
}
