package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// removeCampaignDomain: DELETE /api/v1/campaigns/{id}/domains/{domain_id}
// → 204; a domain that is not in the campaign's domain_ids is 404.
func (h *Handler) removeCampaignDomain(c *gin.Context) {
	if err := h.cfg.Store.RemoveCampaignDomain(c.Request.Context(), handlers.Scope(c), c.Param("id"), c.Param("domain_id")); err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
