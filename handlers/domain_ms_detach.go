package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// detachMessagingService: DELETE /api/v1/domains/{id}/messaging-services/{sid} → 204.
func (h *Handler) detachMessagingService(c *gin.Context) {
	err := h.cfg.Workflows.DetachMessagingService(c.Request.Context(), scope(c), c.Param("id"), c.Param("sid"), actor(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
