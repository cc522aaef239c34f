package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// pingWebhookEndpoint: POST /api/v1/webhooks/endpoints/{id}/ping sends a
// webhook.ping event to this endpoint alone. 202 with the delivery.
func (h *Handler) pingWebhookEndpoint(c *gin.Context) {
	d, err := h.cfg.Workflows.PingWebhookEndpoint(c.Request.Context(), handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/webhooks/deliveries/"+d.ID)
	c.JSON(http.StatusAccepted, d)
}
