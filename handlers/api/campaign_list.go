package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// listCampaigns: GET /api/v1/campaigns?client_id=&status=&q=&tag=&limit=&cursor=.
func (h *Handler) listCampaigns(c *gin.Context) {
	h.respondCampaigns(c, c.Query("client_id"))
}

// listClientCampaigns: GET /api/v1/clients/{id}/campaigns (same filters).
func (h *Handler) listClientCampaigns(c *gin.Context) {
	h.respondCampaigns(c, c.Param("id"))
}

func (h *Handler) respondCampaigns(c *gin.Context, clientID string) {
	page, err := h.cfg.Store.ListCampaigns(c.Request.Context(), handlers.Scope(c), models.CampaignQuery{
		ClientID: clientID, Status: c.Query("status"), Q: c.Query("q"), Tag: c.Query("tag"),
		PageQuery: handlers.PageQuery(c)})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	views := make([]models.CampaignView, len(page.Campaigns))
	for i, cmp := range page.Campaigns {
		views[i] = cmp.View()
	}
	c.JSON(http.StatusOK, handlers.NewList(views, page.Next))
}
