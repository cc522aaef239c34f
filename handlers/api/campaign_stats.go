package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// getCampaignStats: GET /api/v1/campaigns/{id}/stats, from the counters
// the sender and Twilio's callbacks keep.
func (h *Handler) getCampaignStats(c *gin.Context) {
	st, err := h.cfg.Store.CampaignStats(c.Request.Context(), handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}
