package providers

import (
	"fmt"
	"strings"
)

// CAA is one CAA record (RFC 8659).
type CAA struct {
	Flag  int
	Tag   string
	Value string
}

// knownCAATag reports whether a CA understands a CAA property tag; an
// unknown one flagged critical forbids issuance (RFC 8659 §4.1).
func knownCAATag(tag string) bool {
	switch strings.ToLower(tag) {
	case "issue", "issuewild", "iodef", "issuemail", "issuevmc", "contactemail", "contactphone":
		return true
	}
	return false
}

// CAAVerdict judges the relevant CAA set of a host (the closest set found,
// at name; where is name as a DNS panel writes it, such as "@" or "ls"):
// it returns the caa_forbids message in plain words, or "" when Let's
// Encrypt may issue the certificate for host. Both the real DNS check and
// the sandbox DNS use it, so they say the same thing.
func CAAVerdict(set []CAA, name, where, host string) string {
	name, host = strings.TrimSuffix(name, "."), strings.TrimSuffix(host, ".")
	fix := fmt.Sprintf(`%s CAA 0 issue "letsencrypt.org"`, where)
	for _, c := range set {
		if c.Flag&128 != 0 && !knownCAATag(c.Tag) {
			return fmt.Sprintf("The CAA records of %s carry a critical property %q that certificate authorities do not know, so Let's Encrypt cannot issue the certificate for %s. Remove it; if you keep CAA records, add: %s.",
				name, c.Tag, host, fix)
		}
	}
	var cas []string
	hasIssue := false
	for _, c := range set {
		if !strings.EqualFold(c.Tag, "issue") {
			continue
		}
		hasIssue = true
		ca := strings.ToLower(strings.TrimSpace(strings.SplitN(c.Value, ";", 2)[0]))
		if ca == "letsencrypt.org" {
			return ""
		}
		if ca != "" {
			cas = append(cas, ca)
		}
	}
	switch {
	case !hasIssue:
		return ""
	case len(cas) == 0:
		return fmt.Sprintf("The CAA records of %s forbid every certificate authority to issue certificates, so Let's Encrypt cannot issue the certificate for %s. Add: %s.",
			name, host, fix)
	}
	return fmt.Sprintf("The CAA records of %s allow only %s to issue certificates, so Let's Encrypt cannot issue the certificate for %s. Add beside them: %s.",
		name, strings.Join(cas, ", "), host, fix)
}
