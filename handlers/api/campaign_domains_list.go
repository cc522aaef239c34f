package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// listCampaignDomains: GET /api/v1/campaigns/{id}/domains, the Domains
// tab: the campaign's domains in rotation order, each with the messages
// of this campaign sent through it. One page (a campaign has at most a
// pool and MaxCampaignDomainIDs domains).
func (h *Handler) listCampaignDomains(c *gin.Context) {
	ds, err := h.cfg.Store.CampaignDomains(c.Request.Context(), handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, handlers.NewList(ds, ""))
}
