package handlers

import (
	"github.com/gin-gonic/gin"
)

// consoleDomainRetry: POST /console/domains/{id}/retry (Engine.Retry): a
// failed domain resumes from the step that failed.
func (h *Handler) consoleDomainRetry(c *gin.Context) {
	who := signedIn(c)
	d, err := h.cfg.Workflows.Retry(c.Request.Context(), who.scope(), c.Param("id"), who.actor())
	if err != nil {
		h.renderDomainErrors(c, err, "retry", nil)
		return
	}
	seeOther(c, domainPath(d.ID), "retry")
}
