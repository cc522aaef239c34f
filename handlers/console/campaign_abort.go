package console

import (
	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// consoleCampaignAbort: POST /console/campaigns/{id}/abort (Store.AbortCampaign) → the
// campaign page; a refusal is shown there in plain words.
func (h *Handler) consoleCampaignAbort(c *gin.Context) {
	cmp, ok := h.campaign(c)
	if !ok {
		return
	}
	if _, err := h.cfg.Store.AbortCampaign(c.Request.Context(), signedIn(c).scope(), cmp.ID, signedIn(c).actor()); err != nil {
		h.campaignFailed(c, cmp, campaignPath(cmp.ID), err)
		return
	}
	handlers.SeeOther(c, campaignPath(cmp.ID), "campaign_abort")
}
