package console

import (
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// consoleDomainAttach: POST /console/domains/{id}/messaging-services
// (Engine.AttachMessagingService; move=1 moves it from another domain).
func (h *Handler) consoleDomainAttach(c *gin.Context) {
	who := signedIn(c)
	sid := strings.TrimSpace(c.PostForm("messaging_service_sid"))
	move := c.PostForm("move") != ""
	d, _, err := h.cfg.Workflows.AttachMessagingService(c.Request.Context(), who.scope(), c.Param("id"), sid, move, who.actor())
	if err != nil {
		h.renderDomainErrors(c, err, "ms", func(v *domainView) { v.MS = sid }, "messaging_service_sid")
		return
	}
	handlers.SeeOther(c, domainPath(d.ID), "attach")
}

// consoleDomainDetach: POST /console/domains/{id}/messaging-services/{sid}/detach
// (Engine.DetachMessagingService).
func (h *Handler) consoleDomainDetach(c *gin.Context) {
	who := signedIn(c)
	err := h.cfg.Workflows.DetachMessagingService(c.Request.Context(), who.scope(), c.Param("id"), c.Param("sid"), who.actor())
	if err != nil {
		h.renderDomainErrors(c, err, "ms", nil, "messaging_service_sid")
		return
	}
	handlers.SeeOther(c, domainPath(c.Param("id")), "detach")
}
