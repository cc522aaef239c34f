package cloudflare

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// The Cloudflare document (mocks/speccheck/specs/cloudflare_dns_records.json)
// has three defects that make speccheck flag exchanges the real API and
// SDK perform. They are tolerated here, precisely, and everything else
// fails the test:
//
//  1. The create/overwrite/patch request body is the response schema
//     dns-records_dns-record, whose "required" lists the server-assigned,
//     read-only id, proxiable, created_on and modified_on.
//  2. DELETE /zones/{zone_id}/dns_records/{id} declares a required request
//     body; the SDK sends none, and Cloudflare wants none.
//  3. The dns_records operations key their error responses "4xx"
//     (lowercase), which kin-openapi does not match ("status is not
//     supported"); their 4xx schema is also unsatisfiable (success must be
//     both true and false). Error envelopes on these routes are checked by
//     mocks' own tests instead.
var (
	specErrorAt        = regexp.MustCompile(`Error at "([^"]*)": ([^\n]*)`)
	specReadOnlyMissed = regexp.MustCompile(`^property "(id|proxiable|created_on|modified_on)" is missing$`)
	specBodyRequest    = regexp.MustCompile(`^speccheck: request (POST|PUT|PATCH) \S*/dns_records\S* does not match cloudflare_dns_records: request body has an error: doesn't match schema #/components/schemas/dns-records_dns-record: `)
	specDeleteNoBody   = regexp.MustCompile(`^speccheck: request DELETE \S*/dns_records/[0-9a-f]{32} does not match cloudflare_dns_records: request body has an error: value is required but missing\n`)
	specLowercase4xx   = regexp.MustCompile(`^speccheck: response to (GET|POST|PUT|PATCH|DELETE) \S*/dns_records\S* \(4\d\d\) does not match cloudflare_dns_records: status is not supported\n`)
)

// knownSpecDefect says which defect msg is, or "".
func knownSpecDefect(msg string) string {
	switch {
	case specDeleteNoBody.MatchString(msg):
		return "DELETE body marked required"
	case specLowercase4xx.MatchString(msg):
		return "4xx responses keyed lowercase"
	case specBodyRequest.MatchString(msg):
		found := specErrorAt.FindAllStringSubmatch(msg, -1)
		if len(found) == 0 {
			return ""
		}
		for _, m := range found {
			if !specReadOnlyMissed.MatchString(m[2]) {
				return ""
			}
		}
		// No other complaint (a oneOf mismatch, a bad field) in the text.
		if strings.Contains(msg, "doesn't match any schema") || strings.Contains(msg, "matches more than one schema") {
			return ""
		}
		return "read-only fields required in request body"
	}
	return ""
}

// specReporter filters speccheck's reports through knownSpecDefect.
type specReporter struct {
	t       *testing.T
	mu      sync.Mutex
	defects map[string]int
}

func newSpecReporter(t *testing.T) *specReporter {
	r := &specReporter{t: t, defects: map[string]int{}}
	t.Cleanup(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.defects) > 0 {
			t.Logf("tolerated spec defects: %v", r.defects)
		}
	})
	return r
}

func (r *specReporter) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if d := knownSpecDefect(msg); d != "" {
		r.mu.Lock()
		r.defects[d]++
		r.mu.Unlock()
		return
	}
	r.t.Errorf("%s", msg)
}

func TestKnownSpecDefectIsPrecise(t *testing.T) {
	readOnly := `speccheck: request POST /client/v4/zones/0c4d85115d75c523e5923a7f7f825411/dns_records does not match cloudflare_dns_records: request body has an error: doesn't match schema #/components/schemas/dns-records_dns-record: Error at "/id": property "id" is missing
        Schema: {}
         | Error at "/proxiable": property "proxiable" is missing
`
	if knownSpecDefect(readOnly) == "" {
		t.Error("the read-only defect is not recognized")
	}
	for _, real := range []string{
		readOnly + ` | Error at "/ttl": number must be at most 86400`,
		strings.Replace(readOnly, "POST", "GET", 1),
		`speccheck: response to GET /client/v4/zones (400) does not match cloudflare_dns_records: status is not supported` + "\n",
		`speccheck: response to POST /client/v4/zones/x/dns_records (200) does not match cloudflare_dns_records: response body has an error` + "\n",
		`speccheck: GET /client/v4/zones/x/nope is in none of the documents`,
	} {
		if d := knownSpecDefect(real); d != "" {
			t.Errorf("a real problem passes as %q:\n%s", d, real)
		}
	}
}
