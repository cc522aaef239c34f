package handlers

import (
	"errors"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
)

// DNSHostForm is one DNS host's form on the console's domain page and the
// registration's DNS step: one form per host, so the picker works without
// script (each in a <details>, the chosen one open).
type DNSHostForm struct {
	Name, Label string
	Open        bool
	Fields      []DNSFieldView
}

// DNSFieldView is one credential input. ID is the input's id and the key
// of its error (DNSFieldID): the field's name, prefixed "<host>-" when a
// host before it has a field of the same name.
type DNSFieldView struct {
	ID, Name, Label, Help, HelpURL string
	Secret, Optional               bool
	Error                          string
}

// DNSHostForms renders hosts for a page: chosen ("" for the first) is
// open; errs, keyed by input id, are put next to their inputs.
func DNSHostForms(hosts providers.DNSHosts, chosen string, errs map[string]string) []DNSHostForm {
	if chosen == "" && len(hosts) > 0 {
		chosen = hosts[0].Name
	}
	out := make([]DNSHostForm, 0, len(hosts))
	for _, h := range hosts {
		f := DNSHostForm{Name: h.Name, Label: h.Label, Open: h.Name == chosen}
		for _, c := range h.Fields {
			id := DNSFieldID(hosts, h.Name, c.Name)
			f.Fields = append(f.Fields, DNSFieldView{ID: id, Name: c.Name, Label: c.Label, Help: c.Help, HelpURL: c.HelpURL,
				Secret: c.Secret, Optional: c.Optional, Error: errs[id]})
		}
		out = append(out, f)
	}
	return out
}

// DNSFieldID is the input id of host's credential field: the field's
// name, prefixed "<host>-" when a host before it in the list has a field
// of the same name (Cloudflare's api_token stays "api_token";
// DigitalOcean's, after it, is "digitalocean-api_token").
func DNSFieldID(hosts providers.DNSHosts, host, field string) string {
	for _, h := range hosts {
		if h.Name == host {
			break
		}
		for _, c := range h.Fields {
			if c.Name == field {
				return host + "-" + field
			}
		}
	}
	return field
}

// DNSHostFromForm reads a self setup's host ("provider", Cloudflare when
// absent) and credentials from a posted form. A required field left
// empty is an error keyed by its input id ("Paste your <label>.").
func DNSHostFromForm(c *gin.Context, hosts providers.DNSHosts) (providers.DNSHost, map[string]string, map[string]string) {
	name := strings.TrimSpace(c.PostForm("provider"))
	if name == "" {
		name = "cloudflare"
	}
	h, ok := hosts.Get(name)
	if !ok {
		return h, nil, map[string]string{"form": "Choose one of the DNS providers listed."}
	}
	in := map[string]string{}
	for _, f := range h.Fields {
		in[f.Name] = c.PostForm(f.Name)
	}
	creds, missing := h.Credentials(in)
	if missing != "" {
		for _, f := range h.Fields {
			if f.Name == missing {
				return h, nil, map[string]string{DNSFieldID(hosts, h.Name, f.Name): "Paste your " + f.Label + "."}
			}
		}
	}
	return h, creds, nil
}

// DNSRefusal words a refusal of h's credentials for the apex zone ("":
// this zone).
func DNSRefusal(h providers.DNSHost, apex string) string {
	zone := "this zone"
	if apex != "" {
		zone = "the " + apex + " zone"
	}
	if len(h.Fields) == 1 {
		return h.Label + " refused this token. Check that you copied all of it and that it may edit DNS in " + zone + "."
	}
	return h.Label + " refused these credentials. Check that you copied all of them and that they may edit DNS in " + zone + "."
}

// DNSErrors puts a self setup's error next to its input: credential
// problems on the input they name (the host's first when they name the
// whole set); others under "form" and "mode". refused, if not "", words an
// invalid_credentials refusal.
func DNSErrors(err error, hosts providers.DNSHosts, h providers.DNSHost, refused string) (map[string]string, bool) {
	var e *models.Error
	if !errors.As(err, &e) || e.Kind != models.KindInvalid {
		return nil, false
	}
	first := DNSFieldID(hosts, h.Name, h.FirstField())
	out := map[string]string{}
	for _, f := range e.Fields {
		switch {
		case strings.HasPrefix(f.Field, "credentials"):
			id := first
			if name := strings.TrimPrefix(f.Field, "credentials."); name != f.Field {
				id = DNSFieldID(hosts, h.Name, name)
			}
			msg := Sentence(f.Message)
			if e.Code == "invalid_credentials" && refused != "" && id == first {
				msg = refused
			}
			out[id] = msg
		case f.Field == "mode":
			out["mode"] = Sentence(f.Message)
		default:
			out["form"] = Sentence(f.Message)
		}
	}
	if len(out) == 0 {
		out["form"] = Sentence(e.Detail)
	}
	return out, true
}

// SampleDNSHosts are hosts that run every branch of the host forms, for
// the pages' start-up checks (secret, optional, with and without help).
var SampleDNSHosts = providers.DNSHosts{
	{Name: "one", Label: "One", Fields: []providers.CredentialField{{Name: "api_token", Label: "Token", Secret: true, Help: "h", HelpURL: "https://example.com/"}}},
	{Name: "two", Label: "Two", Fields: []providers.CredentialField{{Name: "key", Label: "Key"}, {Name: "api_token", Label: "Token", Optional: true, Help: "h"}}},
}
