package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// consoleCampaignCreate: POST /console/clients/{id}/campaigns (step 1,
// Store.CreateCampaign) → the draft's step 2. A refused form is step 1
// again with each error next to its field, and nothing stored. Link
// shortening and link tracking exclude each other: the page's script
// clears the one when the other is chosen, and without it the models'
// refusal shows next to the tracking choice.
func (h *Handler) consoleCampaignCreate(c *gin.Context) {
	in := models.CampaignInput{Name: c.PostForm("name"), Tags: splitTags(c.PostForm("tags")),
		MessagingServiceSID: strings.TrimSpace(c.PostForm("messaging_service_sid"))}
	if o := c.PostForm("originator_id"); o != "" {
		in.OriginatorID = &o
	}
	ls := c.PostForm("link_shortening") == "1"
	in.LinkShortening = &ls
	tracking := models.Tracking(strings.TrimSpace(c.PostForm("tracking")))
	if tracking != "" {
		in.Tracking = &tracking
	}
	dom := &models.CampaignDomainsInput{DomainIDs: c.PostFormArray("domain_ids")}
	if p := c.PostForm("pool_id"); p != "" {
		dom.PoolID = &p
	}
	if dom.PoolID != nil || len(dom.DomainIDs) > 0 {
		in.Domains = dom
	}
	cmp, err := h.cfg.Store.CreateCampaign(c.Request.Context(), signedIn(c).scope(), c.Param("id"), in)
	if err != nil {
		errs, ok := fieldErrors(mapFields(mapFields(err, "domains.pool_id", "pool_id"), "domains.domain_ids", "domain_ids"),
			"name", "tags", "messaging_service_sid", "originator_id", "pool_id", "domain_ids", "link_shortening", "tracking")
		if !ok {
			h.pages.Fail(c, err)
			return
		}
		v, verr := h.campaignNewView(c, c.Param("id"), nil, 1)
		if verr != nil {
			h.pages.Fail(c, verr)
			return
		}
		v.Errors = errs
		v.Name, v.Tags, v.MS, v.OriginatorID, v.PoolID, v.LinkShortening = in.Name, c.PostForm("tags"), in.MessagingServiceSID,
			c.PostForm("originator_id"), c.PostForm("pool_id"), ls
		v.Tracking = tracking
		for _, id := range dom.DomainIDs {
			v.DomainIDs[id] = true
		}
		h.pages.Render(c, handlers.StatusOf(err, http.StatusUnprocessableEntity), "campaign_new", v)
		return
	}
	handlers.Redirect(c, campaignSetupPath(cmp.ID, 2))
}
