package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// deleteWebhookEndpoint: DELETE /api/v1/webhooks/endpoints/{id}.
func (h *Handler) deleteWebhookEndpoint(c *gin.Context) {
	if err := h.cfg.Store.DeleteWebhookEndpoint(c.Request.Context(), scope(c), c.Param("id")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
