package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// listCampaignMessages: GET /api/v1/campaigns/{id}/messages?status=&limit=&cursor=.
func (h *Handler) listCampaignMessages(c *gin.Context) {
	page, err := h.cfg.Store.ListCampaignMessages(c.Request.Context(), handlers.Scope(c), c.Param("id"),
		models.MessageQuery{Status: c.Query("status"), PageQuery: handlers.PageQuery(c)})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	views := make([]models.MessageView, len(page.Messages))
	for i, m := range page.Messages {
		views[i] = m.View()
	}
	c.JSON(http.StatusOK, handlers.NewList(views, page.Next))
}
