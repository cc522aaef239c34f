package console

import (
	"errors"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/workflows"
)

// consoleDomainConfigure: POST /console/domains/{id}/configure. mode=self
// with a Cloudflare API token, or mode=manual: Engine.SwitchSetup, which
// is POST /api/v1/domains/{id}/configure's Engine.Configure that also
// sets up again a domain whose DNS step failed (a new token, another way).
func (h *Handler) consoleDomainConfigure(c *gin.Context) {
	who := signedIn(c)
	in := workflows.ConfigureInput{Mode: models.SetupMode(c.PostForm("mode"))}
	if in.Mode == models.SetupSelf {
		in.Provider = "cloudflare"
		tok := strings.TrimSpace(c.PostForm("api_token"))
		if tok == "" {
			h.renderDomainErrors(c, models.Invalid("invalid_credentials", "api_token", "paste the Cloudflare API token"), "configure", nil, "api_token")
			return
		}
		in.Credentials = map[string]string{"api_token": tok}
	}
	d, err := h.cfg.Workflows.SwitchSetup(c.Request.Context(), who.scope(), c.Param("id"), in, who.actor())
	if err != nil {
		var e *models.Error
		if errors.As(err, &e) && e.Code == "invalid_credentials" {
			err = models.Invalid(e.Code, "api_token", "Cloudflare refused this token; check that it may edit DNS in this zone")
		}
		h.renderDomainErrors(c, mapFields(err, "credentials", "api_token"), "configure", nil, "api_token", "mode")
		return
	}
	handlers.SeeOther(c, domainPath(d.ID), "configure")
}
