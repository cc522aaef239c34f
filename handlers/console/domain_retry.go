package console

import (
	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
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
	handlers.SeeOther(c, domainPath(d.ID), "retry")
}
