package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// listWebhookEndpoints: GET /api/v1/webhooks/endpoints?limit=&cursor=. A
// client key sees its own endpoints; an admin key sees all.
func (h *Handler) listWebhookEndpoints(c *gin.Context) {
	page, err := h.cfg.Store.ListWebhookEndpoints(c.Request.Context(), handlers.Scope(c), models.WebhookEndpointQuery{PageQuery: handlers.PageQuery(c)})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	views := make([]models.WebhookEndpointView, len(page.Endpoints))
	for i, w := range page.Endpoints {
		views[i] = w.View()
	}
	c.JSON(http.StatusOK, handlers.NewList(views, page.Next))
}
