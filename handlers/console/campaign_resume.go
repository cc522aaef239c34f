package console

import (
	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// consoleCampaignResume: POST /console/campaigns/{id}/resume
// (Engine.ResumeCampaign; a suspended campaign with no domain that can
// send is refused with no_domain_available) → the campaign page; a
// refusal is shown there in plain words.
func (h *Handler) consoleCampaignResume(c *gin.Context) {
	cmp, ok := h.campaign(c)
	if !ok {
		return
	}
	if _, err := h.cfg.Workflows.ResumeCampaign(c.Request.Context(), signedIn(c).scope(), cmp.ID, signedIn(c).actor()); err != nil {
		h.campaignFailed(c, cmp, campaignPath(cmp.ID), err)
		return
	}
	handlers.SeeOther(c, campaignPath(cmp.ID), "campaign_resume")
}
