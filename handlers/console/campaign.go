package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// campaignView is a campaign's page: tabs Details (fields, variants,
// timeline), Stats, Domains and Connectors, and the actions its status
// allows.
type campaignView struct {
	consoleBase
	C            *models.Campaign
	V            models.CampaignView
	Client       *models.Client
	Tab          string
	Tabs         []campaignTab
	Events       []models.CampaignEvent
	Actors       map[string]string
	Stats        *models.CampaignStatsView
	ClickRate    string
	Domains      []models.CampaignDomainView
	Addable      []*models.Domain // the client's domains not yet the campaign's
	Originator   string
	Pool         string
	ActiveDomain string
	Setup        bool // a draft: the steps are still open
	Startable    bool
	Pausable     bool
	Resumable    bool
	Abortable    bool
	Running      bool // ratios may change
	Editable     bool // domains may be added (the campaign has not ended)
	// Connectable: the campaign's configured domains, where its Messaging
	// Service may be moved (Connectors tab).
	Connectable []models.CampaignDomainView
	// RotationWarning: the client rotates domains and the campaign has +1
	// recipients (US carriers forbid URL cycling).
	RotationWarning bool
	// Link tracking: the mode in words; when it is on, the campaign's
	// tracked links with their clicks (Stats tab).
	Tracking  string
	Tracked   bool
	LinkStats []models.CampaignLinkStat
	Problem   string // a refused action, in plain words
	Ratios    map[string]string
	Errors    map[string]string
}

// campaignTab is one tab of the campaign page.
type campaignTab struct {
	ID, Label, URL string
	Current        bool
}

// campaignTabs are the campaign page's tabs, in order.
var campaignTabs = []struct{ ID, Label string }{
	{"details", "Details"}, {"stats", "Stats"}, {"domains", "Domains"}, {"connectors", "Connectors"},
}

// consoleCampaign: GET /console/campaigns/{id}?tab=.
func (h *Handler) consoleCampaign(c *gin.Context) {
	flash := h.takeFlash(c)
	h.renderCampaign(c, c.Param("id"), http.StatusOK, func(v *campaignView) { v.Problem = flash["campaign_error"] })
}

// renderCampaign shows the campaign page with status; edit adjusts the
// view (an error, the values of a refused form).
func (h *Handler) renderCampaign(c *gin.Context, id string, status int, edit func(v *campaignView)) {
	v, err := h.campaignView(c, id)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	if edit != nil {
		edit(&v)
	}
	h.pages.Render(c, status, "campaign", v)
}

func (h *Handler) campaignView(c *gin.Context, id string) (campaignView, error) {
	ctx := c.Request.Context()
	sc := signedIn(c).scope()
	st := h.cfg.Store
	cmp, err := st.GetCampaign(ctx, sc, id)
	if err != nil {
		return campaignView{}, err
	}
	cl, err := st.GetClient(ctx, sc, cmp.ClientID)
	if err != nil {
		return campaignView{}, err
	}
	v := campaignView{consoleBase: h.consoleBase(c, cmp.Name, "campaigns"), C: cmp, V: cmp.View(), Client: cl,
		Tab: c.Query("tab"), Setup: cmp.Status == models.CampaignDraft,
		Startable: models.CampaignStartable.Has(cmp.Status), Pausable: models.CampaignPausable.Has(cmp.Status),
		Resumable: models.CampaignResumable.Has(cmp.Status), Abortable: models.CampaignAbortable.Has(cmp.Status),
		Running: models.CampaignRunning.Has(cmp.Status), Editable: !cmp.Status.Terminal(),
		Ratios: map[string]string{}, Errors: map[string]string{}}
	known := false
	for _, t := range campaignTabs {
		known = known || t.ID == v.Tab
	}
	if !known {
		v.Tab = "details"
	}
	for _, t := range campaignTabs {
		v.Tabs = append(v.Tabs, campaignTab{ID: t.ID, Label: t.Label, URL: campaignPath(cmp.ID) + "?tab=" + t.ID, Current: t.ID == v.Tab})
	}
	for _, va := range cmp.Variants {
		v.Ratios[va.ID] = strconv.Itoa(va.Ratio)
	}
	if v.Events, err = st.CampaignEvents(ctx, sc, cmp.ID); err != nil {
		return v, err
	}
	v.Actors = map[string]string{}
	for _, ev := range v.Events {
		if _, ok := v.Actors[ev.Actor]; !ok {
			v.Actors[ev.Actor] = h.actorName(c, ev.Actor)
		}
	}
	if v.Stats, err = st.CampaignStats(ctx, sc, cmp.ID); err != nil {
		return v, err
	}
	v.ClickRate = fmt.Sprintf("%.1f%%", v.Stats.ClickRate*100)
	v.Tracking, v.Tracked = trackingLabel(cmp.Tracking), cmp.Tracking != models.TrackingOff && cmp.Tracking != ""
	if v.Tracked {
		if v.LinkStats, err = st.CampaignLinkStats(ctx, sc, cmp.ID); err != nil {
			return v, err
		}
	}
	if v.Domains, err = st.CampaignDomains(ctx, sc, cmp.ID); err != nil {
		return v, err
	}
	in := map[string]bool{}
	for _, d := range v.Domains {
		in[d.ID] = true
		if models.Sendable.Has(d.Status) && (cmp.ActiveDomainID == nil || d.ID != *cmp.ActiveDomainID) {
			v.Connectable = append(v.Connectable, d)
		}
		if cmp.ActiveDomainID != nil && d.ID == *cmp.ActiveDomainID {
			v.ActiveDomain = d.Host
		}
	}
	if cmp.ActiveDomainID != nil && v.ActiveDomain == "" {
		if d, err := st.GetDomain(ctx, sc, *cmp.ActiveDomainID); err == nil {
			v.ActiveDomain = d.Host
		}
	}
	if v.Editable {
		page, err := st.ListDomains(ctx, sc, models.DomainQuery{ClientID: cl.ID, PageQuery: models.PageQuery{Limit: models.MaxPageLimit}})
		if err != nil {
			return v, err
		}
		for _, d := range page.Domains {
			if !in[d.ID] {
				v.Addable = append(v.Addable, d)
			}
		}
	}
	if cmp.OriginatorID != nil {
		if o, err := st.GetOriginator(ctx, sc, *cmp.OriginatorID); err == nil {
			v.Originator = o.Value
		}
	}
	if cmp.PoolID != nil {
		if p, err := st.GetPool(ctx, sc, *cmp.PoolID); err == nil {
			v.Pool = p.Name
		}
	}
	if cl.Rotation == models.RotationOnLimit && !cmp.Status.Terminal() {
		if v.RotationWarning, err = st.CampaignHasRecipientsIn(ctx, sc, cmp.ID, "+1"); err != nil {
			return v, err
		}
	}
	return v, nil
}

// trackingLabel is a tracking mode in words.
func trackingLabel(t models.Tracking) string {
	for _, m := range trackingModes {
		if m.Value == t {
			return m.Label
		}
	}
	return trackingModes[0].Label
}
