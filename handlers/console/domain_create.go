package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// consoleDomainCreate: POST /console/clients/{id}/domains. Calls
// Store.CreateDomain exactly as POST /api/v1/clients/{id}/domains does;
// on success to the domain's page.
func (h *Handler) consoleDomainCreate(c *gin.Context) {
	who := signedIn(c)
	name := strings.TrimSpace(c.PostForm("domain"))
	sub := strings.TrimSpace(c.PostForm("subdomain"))
	purpose := models.Purpose(c.PostForm("purpose"))
	in := models.DomainInput{Domain: name, Purpose: purpose}
	if h.cfg.Workflows != nil {
		in.Screen = h.cfg.Workflows.ScreenHost
	}
	if sub != "" { // empty: the domain field is the whole host, as in the API
		in.Subdomain = &sub
	}
	d, err := h.cfg.Store.CreateDomain(c.Request.Context(), who.scope(), c.Param("id"), in, h.cfg.DNS, who.actor())
	if err == nil {
		handlers.SeeOther(c, domainPath(d.ID), "domain")
		return
	}
	errs, ok := fieldErrors(err, "domain", "subdomain", "purpose")
	if !ok {
		h.pages.Fail(c, err)
		return
	}
	v, verr := h.domainNewView(c)
	if verr != nil {
		h.pages.Fail(c, verr)
		return
	}
	v.Domain, v.Sub, v.Errors = name, sub, errs
	v.withPurpose(purpose)
	h.pages.Render(c, handlers.StatusOf(err, http.StatusUnprocessableEntity), "domain_new", v)
}
