package console

import (
	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// consoleCampaignPause: POST /console/campaigns/{id}/pause (Store.PauseCampaign) → the
// campaign page; a refusal is shown there in plain words.
func (h *Handler) consoleCampaignPause(c *gin.Context) {
	cmp, ok := h.campaign(c)
	if !ok {
		return
	}
	if _, err := h.cfg.Store.PauseCampaign(c.Request.Context(), signedIn(c).scope(), cmp.ID, signedIn(c).actor()); err != nil {
		h.campaignFailed(c, cmp, campaignPath(cmp.ID), err)
		return
	}
	handlers.SeeOther(c, campaignPath(cmp.ID), "campaign_pause")
}
