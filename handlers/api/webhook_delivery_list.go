package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// listWebhookDeliveries: GET /api/v1/webhooks/deliveries?endpoint_id=&status=&limit=&cursor=,
// newest first, each with its attempts. A client key sees the deliveries
// of its own endpoints.
func (h *Handler) listWebhookDeliveries(c *gin.Context) {
	page, err := h.cfg.Store.ListWebhookDeliveries(c.Request.Context(), handlers.Scope(c), models.WebhookDeliveryQuery{
		PageQuery: handlers.PageQuery(c), EndpointID: c.Query("endpoint_id"), Status: c.Query("status")})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, handlers.NewList(page.Deliveries, page.Next))
}
