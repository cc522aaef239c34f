package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// getWebhookDelivery: GET /api/v1/webhooks/deliveries/{id}, with its
// attempts.
func (h *Handler) getWebhookDelivery(c *gin.Context) {
	d, err := h.cfg.Store.GetWebhookDelivery(c.Request.Context(), scope(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}
