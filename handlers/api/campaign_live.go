package api

import (
	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// liveCampaigns: GET /api/v1/campaigns/live?status=&q=&tag= → a
// text/event-stream of "campaign" events, one per change of a campaign
// the key sees and the filters match (as the list reads them).
func (h *Handler) liveCampaigns(c *gin.Context) {
	handlers.StreamCampaigns(c, h.cfg.Store, handlers.Scope(c), models.CampaignQuery{
		Status: c.Query("status"), Q: c.Query("q"), Tag: c.Query("tag")})
}
