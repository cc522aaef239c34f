package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// getWebhookEndpoint: GET /api/v1/webhooks/endpoints/{id} (no secret).
func (h *Handler) getWebhookEndpoint(c *gin.Context) {
	w, err := h.cfg.Store.GetWebhookEndpoint(c.Request.Context(), scope(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, w.View())
}
