package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// consoleCampaignDomainAdd: POST /console/campaigns/{id}/domains, the
// Domains tab's quick add of one of the client's domains after the
// campaign's own (Store.AddCampaignDomain: while the campaign has not
// ended; it resumes nothing by itself).
func (h *Handler) consoleCampaignDomainAdd(c *gin.Context) {
	cmp, ok := h.campaign(c)
	if !ok {
		return
	}
	id := c.PostForm("domain_id")
	var err error
	if id == "" {
		err = models.Invalid("invalid_campaign", "domain_id", "choose a domain to add")
	} else {
		_, _, err = h.cfg.Store.AddCampaignDomain(c.Request.Context(), signedIn(c).scope(), cmp.ID, id)
	}
	if err != nil {
		errs, ok := fieldErrors(mapFields(err, "domains", "domain_id"), "domain_id")
		if !ok {
			h.pages.Fail(c, err)
			return
		}
		h.renderCampaign(c, cmp.ID, handlers.StatusOf(err, http.StatusUnprocessableEntity), func(v *campaignView) {
			v.Tab, v.Errors = "domains", errs
			for i := range v.Tabs {
				v.Tabs[i].Current = v.Tabs[i].ID == "domains"
			}
			if v.Errors["domain_id"] == "" {
				v.Errors["domain_id"], v.Errors["form"] = v.Errors["form"], ""
			}
		})
		return
	}
	handlers.Redirect(c, campaignPath(cmp.ID)+"?tab=domains&done=campaign_domain")
}
