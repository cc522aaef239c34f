package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// getWebhookDelivery: GET /api/v1/webhooks/deliveries/{id}, with its
// attempts.
func (h *Handler) getWebhookDelivery(c *gin.Context) {
	d, err := h.cfg.Store.GetWebhookDelivery(c.Request.Context(), handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}
