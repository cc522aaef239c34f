package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// getWebhookEndpoint: GET /api/v1/webhooks/endpoints/{id} (no secret).
func (h *Handler) getWebhookEndpoint(c *gin.Context) {
	w, err := h.cfg.Store.GetWebhookEndpoint(c.Request.Context(), handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, w.View())
}
