package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// liveRows is how many campaigns the realtime page lists.
const liveRows = 200

// campaignsLiveView is the realtime page: the campaigns that have not
// ended, newest first, kept current by an EventSource on Events.
type campaignsLiveView struct {
	consoleBase
	Rows   []models.CampaignLiveView
	Events string // the stream's URL
	Ended  string // the terminal statuses, space-separated (the script adds no row for them)
	More   bool   // more campaigns than liveRows
}

// consoleCampaignsLive: GET /console/campaigns/live. An admin sees every
// client's campaigns, a client user their own.
func (h *Handler) consoleCampaignsLive(c *gin.Context) {
	ctx := c.Request.Context()
	page, err := h.cfg.Store.ListCampaigns(ctx, signedIn(c).scope(),
		models.CampaignQuery{Active: true, PageQuery: models.PageQuery{Limit: liveRows}})
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	rows, err := h.cfg.Store.CampaignLiveViews(ctx, page.Campaigns)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	var ended []string
	for _, st := range models.CampaignStatuses {
		if st.Terminal() {
			ended = append(ended, string(st))
		}
	}
	h.pages.Render(c, http.StatusOK, "campaigns_live", campaignsLiveView{consoleBase: h.consoleBase(c, "Live campaigns", "campaigns"),
		Rows: rows, Events: consolePrefix + "/campaigns/live/events", Ended: strings.Join(ended, " "), More: page.Next != ""})
}

// consoleCampaignsLiveEvents: GET /console/campaigns/live/events, the
// page's text/event-stream (the same feed as GET /api/v1/campaigns/live,
// in the signed-in user's scope).
func (h *Handler) consoleCampaignsLiveEvents(c *gin.Context) {
	handlers.StreamCampaigns(c, h.cfg.Store, signedIn(c).scope(), models.CampaignQuery{})
}
