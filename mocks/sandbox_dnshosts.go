package mocks

import (
	"context"
	"net/http"
	"strings"

	"github.com/linkgate/linkgate/providers"
)

// SandboxDNSHost is one fake DNS host as sandbox mode serves it, under
// /_sandbox/<Name>/:
//
//	POST /_sandbox/<Name>/zones   {"name"} → {"zone_id", <credentials>}
//	     ... {"name", "access": "role"} → a role to assume instead of a key
//	     (hosts with CreateZoneWithRole: Route 53)
//	     /_sandbox/<Name><Mount>… the fake's API
//
// and as the sandbox DNS answers from it (Records). mocks/world lists one
// per host; supporting another host in the sandbox is one more entry.
type SandboxDNSHost struct {
	// Name is the host's provider name ("cloudflare", "route53").
	Name string
	// API is the fake's API, served with "/_sandbox/<Name>" stripped.
	API http.Handler
	// Mount is the API's path prefix below /_sandbox/<Name> ("/client/v4/"
	// for Cloudflare; "/" serves every path but /zones).
	Mount string
	// Records are the fake's records, for the sandbox DNS.
	Records RecordSource
	// CreateZone makes a zone that a new client owns and returns its id
	// and the credentials (as the host's adapter takes them) that edit it.
	CreateZone func(ctx context.Context, name string) (zoneID string, credentials map[string]string, err error)
	// CreateZoneWithRole, optional, is CreateZone for a client who gives
	// a role to assume ({"access": "role"}).
	CreateZoneWithRole func(ctx context.Context, name string) (zoneID string, credentials map[string]string, err error)
	// Faults and Holds take injected failures (POST /_sandbox/faults with
	// "provider": Name).
	Faults *Faults
	Holds  *Holds
	// RecordsCreated counts records created through the API, per name
	// (GET /_sandbox/stats), optional.
	RecordsCreated func() map[string]int
}

// CloudflareSandboxHost is the fake Cloudflare's entry.
func CloudflareSandboxHost(cf *Cloudflare) SandboxDNSHost {
	return SandboxDNSHost{Name: "cloudflare", API: cf, Mount: "/client/v4/", Records: cf, Faults: cf.Faults, Holds: cf.Holds,
		RecordsCreated: cf.RecordsCreated,
		CreateZone: func(ctx context.Context, name string) (string, map[string]string, error) {
			id, tok, err := cf.CreateZone(ctx, name)
			return id, map[string]string{"api_token": tok}, err
		}}
}

// Route53SandboxHost is the fake Route 53's entry.
func Route53SandboxHost(r *Route53) SandboxDNSHost {
	return SandboxDNSHost{Name: "route53", API: r, Mount: "/", Records: r, Faults: r.Faults, Holds: r.Holds,
		RecordsCreated: r.RecordsCreated, CreateZone: r.CreateZone, CreateZoneWithRole: r.CreateZoneWithRole}
}

// dnsHostRoutes serves every DNS host's zones endpoint and API.
func (s *Sandbox) dnsHostRoutes(mux *http.ServeMux) {
	for _, h := range s.DNSHosts {
		prefix := "/_sandbox/" + h.Name
		mux.HandleFunc("POST "+prefix+"/zones", s.addHostZone(h))
		mux.Handle(prefix+h.Mount, http.StripPrefix(prefix, h.API))
	}
}

func (s *Sandbox) addHostZone(h SandboxDNSHost) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Name   string `json:"name"`
			Access string `json:"access"`
		}
		if !sandboxRead(w, r, &in) {
			return
		}
		name := providers.NormalizeHost(in.Name)
		if !sandboxName(name) {
			sandboxError(w, http.StatusUnprocessableEntity, "name", "must be a domain name such as acme.com")
			return
		}
		create := h.CreateZone
		switch {
		case in.Access == "role" && h.CreateZoneWithRole != nil:
			create = h.CreateZoneWithRole
		case in.Access == "role":
			sandboxError(w, http.StatusUnprocessableEntity, "access", "only Route 53 hands out a role; leave access out for a key")
			return
		case in.Access != "" && in.Access != "key":
			sandboxError(w, http.StatusUnprocessableEntity, "access", `must be "key" (the default) or "role"`)
			return
		}
		zoneID, creds, err := create(r.Context(), name)
		if err != nil {
			sandboxError(w, http.StatusInternalServerError, "", "could not create the zone: "+err.Error())
			return
		}
		out := map[string]string{"zone_id": zoneID}
		for k, v := range creds {
			out[k] = v
		}
		sandboxJSON(w, http.StatusCreated, out)
	}
}

// dnsHost returns the entry named name.
func (s *Sandbox) dnsHost(name string) (SandboxDNSHost, bool) {
	for _, h := range s.DNSHosts {
		if h.Name == name {
			return h, true
		}
	}
	return SandboxDNSHost{}, false
}

// fakeNames lists the fakes that take faults: "twilio, cloudflare, route53".
func (s *Sandbox) fakeNames() string {
	names := []string{"twilio"}
	for _, h := range s.DNSHosts {
		names = append(names, h.Name)
	}
	return strings.Join(names, ", ")
}

// SandboxHostStats are one fake DNS host's counts (SandboxStats.DNSHosts).
type SandboxHostStats struct {
	RecordsCreated map[string]int `json:"records_created"`
	FaultsPending  int            `json:"faults_pending"`
}

func (s *Sandbox) hostStats() map[string]SandboxHostStats {
	out := map[string]SandboxHostStats{}
	for _, h := range s.DNSHosts {
		st := SandboxHostStats{RecordsCreated: map[string]int{}, FaultsPending: h.Faults.Pending()}
		if h.RecordsCreated != nil {
			st.RecordsCreated = h.RecordsCreated()
		}
		out[h.Name] = st
	}
	return out
}
