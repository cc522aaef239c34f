package console

import (
	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/workflows"
)

// consoleDomainConfigure: POST /console/domains/{id}/configure. mode=self
// with a DNS host ("provider", Cloudflare when absent) and its
// credentials (the host's fields), or mode=manual: Engine.SwitchSetup,
// which is POST /api/v1/domains/{id}/configure's Engine.Configure that
// also sets up again a domain whose DNS step failed (new credentials,
// another way).
func (h *Handler) consoleDomainConfigure(c *gin.Context) {
	who := signedIn(c)
	in := workflows.ConfigureInput{Mode: models.SetupMode(c.PostForm("mode"))}
	hosts := h.cfg.Workflows.DNSHosts()
	var host providers.DNSHost
	show := func(errs map[string]string) func(v *domainView) {
		return func(v *domainView) {
			if msg, ok := errs["form"]; ok {
				delete(errs, "form")
				errs["configure"] = msg
			}
			v.Errors = errs
			v.Hosts = handlers.DNSHostForms(hosts, host.Name, errs)
		}
	}
	if in.Mode == models.SetupSelf {
		var errs map[string]string
		host, in.Credentials, errs = handlers.DNSHostFromForm(c, hosts)
		if errs != nil {
			h.renderDomainErrors(c, models.Invalid("invalid_credentials", "configure", "check the form"), "configure", show(errs), "configure")
			return
		}
		in.Provider = host.Name
	}
	d, err := h.cfg.Workflows.SwitchSetup(c.Request.Context(), who.scope(), c.Param("id"), in, who.actor())
	if err != nil {
		if in.Mode == models.SetupSelf {
			if errs, ok := handlers.DNSErrors(err, hosts, host, handlers.DNSRefusal(host, "")); ok {
				h.renderDomainErrors(c, err, "configure", show(errs), "mode")
				return
			}
		}
		h.renderDomainErrors(c, err, "configure", nil, "mode")
		return
	}
	handlers.SeeOther(c, domainPath(d.ID), "configure")
}
