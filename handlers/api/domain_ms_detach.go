package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// detachMessagingService: DELETE /api/v1/domains/{id}/messaging-services/{sid} → 204.
func (h *Handler) detachMessagingService(c *gin.Context) {
	err := h.cfg.Workflows.DetachMessagingService(c.Request.Context(), handlers.Scope(c), c.Param("id"), c.Param("sid"), handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
