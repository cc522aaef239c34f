package console

import (
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// consoleDomainSID: POST /console/domains/{id}/domain-sid
// (Engine.SubmitDomainSID).
func (h *Handler) consoleDomainSID(c *gin.Context) {
	who := signedIn(c)
	sid := strings.TrimSpace(c.PostForm("domain_sid"))
	d, err := h.cfg.Workflows.SubmitDomainSID(c.Request.Context(), who.scope(), c.Param("id"), sid, who.actor())
	if err != nil {
		h.renderDomainErrors(c, err, "sid", func(v *domainView) { v.SID, v.TakesSID = sid, true }, "domain_sid")
		return
	}
	handlers.SeeOther(c, domainPath(d.ID), "sid")
}
