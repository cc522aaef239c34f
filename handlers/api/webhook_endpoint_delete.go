package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// deleteWebhookEndpoint: DELETE /api/v1/webhooks/endpoints/{id}.
func (h *Handler) deleteWebhookEndpoint(c *gin.Context) {
	if err := h.cfg.Store.DeleteWebhookEndpoint(c.Request.Context(), handlers.Scope(c), c.Param("id")); err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
