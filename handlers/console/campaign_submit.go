package console

import (
	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// consoleCampaignSubmit: POST /console/campaigns/{id}/submit (step 4:
// Engine.SubmitCampaign, the content checks) → step 4, which shows ready
// or rejected with the reason, and Start.
func (h *Handler) consoleCampaignSubmit(c *gin.Context) {
	cmp, ok := h.campaign(c)
	if !ok {
		return
	}
	if _, err := h.cfg.Workflows.SubmitCampaign(c.Request.Context(), signedIn(c).scope(), cmp.ID, signedIn(c).actor()); err != nil {
		h.campaignFailed(c, cmp, campaignPath(cmp.ID), err)
		return
	}
	handlers.Redirect(c, campaignSetupPath(cmp.ID, 4))
}
