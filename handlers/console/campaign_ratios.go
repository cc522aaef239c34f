package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// consoleCampaignRatios: POST /console/campaigns/{id}/ratios
// (Store.UpdateCampaign with each variant's id and new ratio: what may
// change once a campaign runs). Fields ratio_<variant id>.
func (h *Handler) consoleCampaignRatios(c *gin.Context) {
	cmp, ok := h.campaign(c)
	if !ok {
		return
	}
	in := make([]models.VariantInput, 0, len(cmp.Variants))
	given := map[string]string{}
	var err error
	for _, va := range cmp.Variants {
		s := strings.TrimSpace(c.PostForm("ratio_" + va.ID))
		given[va.ID] = s
		r, aerr := strconv.Atoi(s)
		if aerr != nil && err == nil {
			err = models.Invalid("invalid_campaign", "variants", "each ratio must be a whole number from 0 to 100")
		}
		in = append(in, models.VariantInput{ID: va.ID, Ratio: &r})
	}
	if err == nil {
		_, err = h.cfg.Store.UpdateCampaign(c.Request.Context(), signedIn(c).scope(), cmp.ID, models.CampaignPatch{Variants: &in})
	}
	if err != nil {
		errs, ok := fieldErrors(err, "variants")
		if !ok {
			h.pages.Fail(c, err)
			return
		}
		h.renderCampaign(c, cmp.ID, handlers.StatusOf(err, http.StatusUnprocessableEntity), func(v *campaignView) {
			v.Errors, v.Ratios = errs, given
			if v.Errors["variants"] == "" {
				v.Errors["variants"], v.Errors["form"] = v.Errors["form"], ""
			}
		})
		return
	}
	handlers.SeeOther(c, campaignPath(cmp.ID), "campaign_ratios")
}
