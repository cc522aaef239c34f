package providers

import (
	"sort"
	"strings"
)

// CredentialField is one credential a DNS host asks a client for, in the
// words the host's own console uses.
type CredentialField struct {
	// Name is the key in the credentials map and the form field:
	// "api_token", "access_key_id".
	Name string
	// Label is what a form calls it: "Cloudflare API token".
	Label string
	// Secret fields are typed like passwords and never shown again.
	Secret bool
	// Optional fields may be left empty.
	Optional bool
	// Help says where the client finds it; HelpURL links there.
	Help    string
	HelpURL string
}

// DNSHost is one DNS host linkgate can create the CNAME at for a client
// (self setup): its name in the API ("provider": "route53"), its label,
// the credentials it needs and the factory that connects with them. The
// API, the console and the registration pages are built from the list of
// hosts, so supporting one more is one more entry.
type DNSHost struct {
	Name    string // "cloudflare", "route53"
	Label   string // "Cloudflare", "Amazon Route 53"
	Fields  []CredentialField
	Factory DNSFactory
}

// Credentials keeps the fields h knows from in, trimmed, and reports the
// first required field that is empty (missing == "" when none is).
func (h DNSHost) Credentials(in map[string]string) (creds map[string]string, missing string) {
	creds = map[string]string{}
	for _, f := range h.Fields {
		v := strings.TrimSpace(in[f.Name])
		if v == "" {
			if !f.Optional && missing == "" {
				missing = f.Name
			}
			continue
		}
		creds[f.Name] = v
	}
	return creds, missing
}

// FirstField is the name of h's first credential: the field a refusal of
// the whole set is reported on.
func (h DNSHost) FirstField() string {
	if len(h.Fields) == 0 {
		return ""
	}
	return h.Fields[0].Name
}

// DNSHosts is the list of DNS hosts linkgate can set up, in the order
// forms show them.
type DNSHosts []DNSHost

// Get returns the host named name.
func (hs DNSHosts) Get(name string) (DNSHost, bool) {
	for _, h := range hs {
		if h.Name == name {
			return h, true
		}
	}
	return DNSHost{}, false
}

// Names returns the hosts' names, sorted.
func (hs DNSHosts) Names() []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, h.Name)
	}
	sort.Strings(out)
	return out
}
