package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// listCampaignLinks: GET /api/v1/campaigns/{id}/links: the campaign's
// tracked URLs with their short links made and their clicks.
func (h *Handler) listCampaignLinks(c *gin.Context) {
	links, err := h.cfg.Store.CampaignLinkStats(c.Request.Context(), handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": links})
}
