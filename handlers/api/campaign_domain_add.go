package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

type campaignDomainAddRequest struct {
	DomainID string `json:"domain_id"`
}

// addCampaignDomain: POST /api/v1/campaigns/{id}/domains {"domain_id"} →
// 200 campaign: the quick add of the Domains tab (a domain already listed
// changes nothing). It resumes nothing by itself.
func (h *Handler) addCampaignDomain(c *gin.Context) {
	var in campaignDomainAddRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	cmp, _, err := h.cfg.Store.AddCampaignDomain(c.Request.Context(), handlers.Scope(c), c.Param("id"), in.DomainID)
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cmp.View())
}
