package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// consoleCampaignVariants: POST /console/campaigns/{id}/variants (step 2:
// Store.UpdateCampaign with the variants) → step 3. The form's body and
// ratio fields come in pairs; an empty body leaves its pair out, and a
// lone variant's empty ratio is 100.
func (h *Handler) consoleCampaignVariants(c *gin.Context) {
	cmp, ok := h.campaign(c)
	if !ok {
		return
	}
	bodies, ratios := c.PostFormArray("body"), c.PostFormArray("ratio")
	var in []models.VariantInput
	var forms []variantForm
	var bad string
	for i := 0; i < variantSlots; i++ {
		f := variantForm{N: i + 1}
		if i < len(bodies) {
			f.Body = bodies[i]
		}
		if i < len(ratios) {
			f.Ratio = strings.TrimSpace(ratios[i])
		}
		forms = append(forms, f)
		if strings.TrimSpace(f.Body) == "" {
			continue
		}
		vi := models.VariantInput{Body: &f.Body}
		if f.Ratio != "" {
			r, err := strconv.Atoi(f.Ratio)
			if err != nil && bad == "" {
				bad = "variant " + strconv.Itoa(i+1) + "'s ratio must be a whole number from 0 to 100"
			}
			vi.Ratio = &r
		}
		in = append(in, vi)
	}
	var err error
	switch {
	case bad != "":
		err = models.Invalid("invalid_campaign", "variants", bad)
	case len(in) == 0:
		err = models.Invalid("invalid_campaign", "variants", "write at least one message")
	default:
		_, err = h.cfg.Store.UpdateCampaign(c.Request.Context(), signedIn(c).scope(), cmp.ID, models.CampaignPatch{Variants: &in})
	}
	if err != nil {
		errs, ok := fieldErrors(err, "variants")
		if !ok {
			h.pages.Fail(c, err)
			return
		}
		v, verr := h.campaignNewView(c, cmp.ClientID, cmp, 2)
		if verr != nil {
			h.pages.Fail(c, verr)
			return
		}
		v.Variants, v.Errors = forms, errs
		h.pages.Render(c, handlers.StatusOf(err, http.StatusUnprocessableEntity), "campaign_new", v)
		return
	}
	handlers.Redirect(c, campaignSetupPath(cmp.ID, 3))
}
