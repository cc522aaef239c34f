package console

import (
	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// consoleCampaignConnector: POST /console/campaigns/{id}/connectors, the
// Connectors tab's Link Shortening move: the campaign's Messaging Service
// is attached at Twilio to the chosen configured domain (moved from where
// it was) and that domain becomes the campaign's active one
// (Engine.ConnectLinkShortening).
func (h *Handler) consoleCampaignConnector(c *gin.Context) {
	cmp, ok := h.campaign(c)
	if !ok {
		return
	}
	me := signedIn(c)
	if _, err := h.cfg.Workflows.ConnectLinkShortening(c.Request.Context(), me.scope(), cmp.ID, c.PostForm("domain_id"), me.actor()); err != nil {
		h.campaignFailed(c, cmp, campaignPath(cmp.ID)+"?tab=connectors", err)
		return
	}
	handlers.Redirect(c, campaignPath(cmp.ID)+"?tab=connectors&done=campaign_connector")
}
