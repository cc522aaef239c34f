package console

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// consoleCampaignRecipients: POST /console/campaigns/{id}/recipients (step
// 3): a CSV file (multipart, field "file") or the CSV pasted in "csv",
// read by the API's CSV reader into Store.AddRecipients. The outcome
// (accepted, duplicates, opted out, rejected lines) is shown on step 3.
func (h *Handler) consoleCampaignRecipients(c *gin.Context) {
	cmp, ok := h.campaign(c)
	if !ok {
		return
	}
	var src io.Reader
	text := c.PostForm("csv")
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		f, err := fh.Open()
		if err != nil {
			h.pages.Fail(c, err)
			return
		}
		defer f.Close()
		src = f
	} else if strings.TrimSpace(text) != "" {
		src = strings.NewReader(text)
	}
	var res models.RecipientResult
	var err error
	if src == nil {
		err = models.Invalid("no_recipients", "csv", "choose a CSV file or paste the recipients")
	} else {
		res, err = h.cfg.Store.AddRecipients(c.Request.Context(), signedIn(c).scope(), cmp.ID, handlers.CSVRecipients(src), h.cfg.Store.OptedOut)
	}
	v, verr := h.campaignNewView(c, cmp.ClientID, cmp, 3)
	if verr != nil {
		h.pages.Fail(c, verr)
		return
	}
	if err != nil {
		errs, ok := fieldErrors(err, "csv")
		if !ok {
			h.pages.Fail(c, err)
			return
		}
		if errs["form"] != "" && errs["csv"] == "" {
			errs["csv"], errs["form"] = errs["form"], ""
		}
		v.Errors, v.CSV = errs, text
		h.pages.Render(c, handlers.StatusOf(err, http.StatusUnprocessableEntity), "campaign_new", v)
		return
	}
	if b, jerr := json.Marshal(res); jerr == nil && len(b) < 3000 && h.setFlash(c, map[string]string{"recipients": string(b)}) {
		handlers.Redirect(c, campaignSetupPath(cmp.ID, 3))
		return
	}
	// Too long for the flash (many rejected lines), or no key ring: the
	// outcome is this answer.
	c.Header("Cache-Control", "no-store")
	if cmp, err = h.cfg.Store.GetCampaign(c.Request.Context(), signedIn(c).scope(), cmp.ID); err == nil {
		v.C, v.V = cmp, cmp.View()
	}
	v.Result = &res
	h.pages.Render(c, http.StatusOK, "campaign_new", v)
}
