package mocks

import (
	"net/http"

	"github.com/linkgate/linkgate/providers"
)

// Sandbox control endpoints of the fake DNS hosts beyond Cloudflare, for
// the sandbox's mux (API.md "Sandbox"), next to each fake's API:
//
//	POST /_sandbox/digitalocean/zones  {"name"} → {"zone_id","api_token"}
//	     /_sandbox/digitalocean/v2/... the fake DigitalOcean API
//	POST /_sandbox/google/zones        {"name"} → {"zone_id","project_id","service_account_json"}
//	     /_sandbox/google/dns/v1/...   the fake Cloud DNS API
//	POST /_sandbox/google/token        its OAuth token endpoint
//
// The credentials they hand out are what a client pastes into linkgate's
// self setup for that host.

// AddZoneHandler serves POST /_sandbox/digitalocean/zones: it adds the
// domain and answers 201 with a personal access token that sees it.
func (d *DigitalOcean) AddZoneHandler() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, ok := sandboxZoneName(w, r)
		if !ok {
			return
		}
		tok, err := d.CreateZone(r.Context(), name)
		if err != nil {
			sandboxError(w, http.StatusInternalServerError, "", "could not create the domain: "+err.Error())
			return
		}
		sandboxJSON(w, http.StatusCreated, map[string]string{"zone_id": name, "api_token": tok})
	}
}

// AddZoneHandler serves POST /_sandbox/google/zones: it adds a public
// managed zone in a project of its own and answers 201 with a
// service-account key (the JSON file's text) for that project.
func (g *Google) AddZoneHandler() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, ok := sandboxZoneName(w, r)
		if !ok {
			return
		}
		zoneID, key, err := g.CreateZone(r.Context(), name)
		if err != nil {
			sandboxError(w, http.StatusInternalServerError, "", "could not create the zone: "+err.Error())
			return
		}
		project, _ := g.ZoneProject(zoneID)
		sandboxJSON(w, http.StatusCreated, map[string]string{"zone_id": zoneID, "project_id": project, "service_account_json": string(key)})
	}
}

// sandboxZoneName reads {"name"} and checks it; on failure it answers.
func sandboxZoneName(w http.ResponseWriter, r *http.Request) (string, bool) {
	var in struct {
		Name string `json:"name"`
	}
	if !sandboxRead(w, r, &in) {
		return "", false
	}
	name := providers.NormalizeHost(in.Name)
	if !sandboxName(name) {
		sandboxError(w, http.StatusUnprocessableEntity, "name", "must be a domain name such as acme.com")
		return "", false
	}
	return name, true
}
