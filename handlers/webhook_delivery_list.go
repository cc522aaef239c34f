package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// listWebhookDeliveries: GET /api/v1/webhooks/deliveries?endpoint_id=&status=&limit=&cursor=,
// newest first, each with its attempts. A client key sees the deliveries
// of its own endpoints.
func (h *Handler) listWebhookDeliveries(c *gin.Context) {
	page, err := h.cfg.Store.ListWebhookDeliveries(c.Request.Context(), scope(c), models.WebhookDeliveryQuery{
		PageQuery: pageQuery(c), EndpointID: c.Query("endpoint_id"), Status: c.Query("status")})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page.Deliveries, page.Next))
}
