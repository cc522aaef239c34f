package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// replayWebhookDelivery: POST /api/v1/webhooks/deliveries/{id}/replay
// sends the delivery's event to its endpoint again, as a new delivery with
// the same webhook-id. 202 with the new delivery.
func (h *Handler) replayWebhookDelivery(c *gin.Context) {
	d, err := h.cfg.Workflows.ReplayWebhookDelivery(c.Request.Context(), handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/webhooks/deliveries/"+d.ID)
	c.JSON(http.StatusAccepted, d)
}
