package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// campaignsView is the Campaigns page: the campaigns the user may see,
// newest first, with filters (name, status, tag; client for admins) and
// a keyset pager.
type campaignsView struct {
	consoleBase
	Rows     []campaignRow
	Q        string
	Status   string
	Tag      string
	ClientID string
	Statuses []campaignStatusOption
	Clients  []poolOption // admins: the client filter and the create form
	NewURL   string       // the Create New Campaign link (one client)
	NextURL  string
	FirstURL string
}

// campaignRow is one campaign of the list.
type campaignRow struct {
	C      *models.Campaign
	Client string // the client's name (admins)
}

// campaignStatusOption is one choice of the status filter.
type campaignStatusOption struct {
	Value models.CampaignStatus
	Label string
}

// consoleCampaignsPage is how many campaigns the list shows at once.
const consoleCampaignsPage = 50

const campaignsPath = consolePrefix + "/campaigns"

func campaignPath(id string) string { return campaignsPath + "/" + id }

// consoleCampaigns: GET /console/campaigns.
func (h *Handler) consoleCampaigns(c *gin.Context) {
	ctx := c.Request.Context()
	who := signedIn(c)
	sc := who.scope()
	q := c.Request.URL.Query()
	v := campaignsView{consoleBase: h.consoleBase(c, "Campaigns", "campaigns"),
		Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Tag: strings.TrimSpace(q.Get("tag")), ClientID: q.Get("client_id")}
	if !who.admin() {
		v.ClientID = sc.ClientID
	}
	page, err := h.cfg.Store.ListCampaigns(ctx, sc, models.CampaignQuery{ClientID: v.ClientID, Status: v.Status, Q: v.Q, Tag: v.Tag,
		PageQuery: models.PageQuery{Limit: consoleCampaignsPage, Cursor: q.Get("cursor")}})
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	for _, s := range models.CampaignStatuses {
		v.Statuses = append(v.Statuses, campaignStatusOption{Value: s, Label: handlers.CampaignStatusLabel(s)})
	}
	names := map[string]string{}
	if who.admin() {
		clients, err := h.cfg.Store.ListClients(ctx, sc, models.ClientQuery{PageQuery: models.PageQuery{Limit: models.MaxPageLimit}})
		if err != nil {
			h.pages.Fail(c, err)
			return
		}
		for _, cl := range clients.Clients {
			names[cl.ID] = cl.Name
			v.Clients = append(v.Clients, poolOption{ID: cl.ID, Label: cl.Name})
		}
	}
	if v.ClientID != "" {
		v.NewURL = clientPath(v.ClientID) + "/campaigns/new"
	}
	for _, cmp := range page.Campaigns {
		row := campaignRow{C: cmp, Client: names[cmp.ClientID]}
		if who.admin() && row.Client == "" {
			cl, err := h.cfg.Store.GetClient(ctx, sc, cmp.ClientID)
			if err != nil {
				h.pages.Fail(c, err)
				return
			}
			names[cl.ID], row.Client = cl.Name, cl.Name
		}
		v.Rows = append(v.Rows, row)
	}
	filter := url.Values{}
	for k, s := range map[string]string{"q": v.Q, "status": v.Status, "tag": v.Tag} {
		if s != "" {
			filter.Set(k, s)
		}
	}
	if who.admin() && v.ClientID != "" {
		filter.Set("client_id", v.ClientID)
	}
	if q.Get("cursor") != "" {
		v.FirstURL = withQuery(campaignsPath, filter)
	}
	if page.Next != "" {
		next := url.Values{}
		for k, vs := range filter {
			next[k] = vs
		}
		next.Set("cursor", page.Next)
		v.NextURL = withQuery(campaignsPath, next)
	}
	h.pages.Render(c, http.StatusOK, "campaigns", v)
}

// consoleCampaignNewFor: GET /console/campaigns/new?client_id= (the
// admins' Create New Campaign form on the list): to that client's step 1.
func (h *Handler) consoleCampaignNewFor(c *gin.Context) {
	id := c.Query("client_id")
	if !signedIn(c).admin() {
		id = signedIn(c).scope().ClientID
	}
	if _, err := h.cfg.Store.GetClient(c.Request.Context(), signedIn(c).scope(), id); err != nil {
		h.pages.Fail(c, err)
		return
	}
	c.Redirect(http.StatusFound, clientPath(id)+"/campaigns/new")
}

// campaign reads the campaign of the path (404 when it is not the
// user's).
func (h *Handler) campaign(c *gin.Context) (*models.Campaign, bool) {
	cmp, err := h.cfg.Store.GetCampaign(c.Request.Context(), signedIn(c).scope(), c.Param("id"))
	if err != nil {
		h.pages.Fail(c, err)
		return nil, false
	}
	return cmp, true
}

// campaignProblem words a refused campaign action for a person.
func campaignProblem(err error) string {
	if e, ok := asModelError(err); ok {
		switch e.Code {
		case "no_domain_available":
			return "None of this campaign's domains can send right now: each has reached its messaging limit or is not live. " +
				"Add a live domain on the Domains tab (or raise the client's global domain limit), then resume."
		case "invalid_state":
			return "This cannot be done now: " + handlers.Sentence(e.Detail)
		case "no_recipients":
			return "Add recipients first (step 3): the campaign has nobody to send to."
		case "no_variants":
			return "Write the message first (step 2): the campaign has no message."
		}
		if e.Kind != models.KindInternal && e.Detail != "" {
			return handlers.Sentence(e.Detail)
		}
	}
	return "This did not work. Please try again in a few minutes."
}

// campaignFlash carries a refused action's words to the campaign page
// (POST-redirect-GET); without a key ring the page is shown at once.
func (h *Handler) campaignFailed(c *gin.Context, cmp *models.Campaign, back string, err error) {
	if e, ok := asModelError(err); !ok || e.Kind == models.KindInternal || e.Kind == models.KindNotFound || e.Kind == models.KindUnavailable {
		h.pages.Fail(c, err)
		return
	}
	msg := campaignProblem(err)
	if h.setFlash(c, map[string]string{"campaign_error": msg}) {
		handlers.Redirect(c, back)
		return
	}
	h.renderCampaign(c, cmp.ID, handlers.StatusOf(err, http.StatusConflict), func(v *campaignView) { v.Problem = msg })
}

func asModelError(err error) (*models.Error, bool) {
	var e *models.Error
	ok := errors.As(err, &e)
	return e, ok
}
