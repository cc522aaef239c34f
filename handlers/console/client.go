package console

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// clientView is a client's profile with its "Custom Domain" section.
type clientView struct {
	consoleBase
	Client  *models.Client
	Domains []*models.Domain
	More    bool // more domains than shown
	// The "add a user" form (admins).
	UserEmail   string
	MinPassword int
	// The global domain limit: the form's value, and the limit in words.
	Limit      string
	LimitWords string
	Results    *results // after a domain was deleted
	Errors     map[string]string
	// The "Link tracking" panel: the form's values, the modes, the
	// client's configured tracking domains, the platform's tracking host
	// ("" when there is none), the preview (shown without script after
	// its button) and the panel's own field errors.
	Tracking        trackingForm
	TrackingModes   []trackingMode
	TrackingDomains []*models.Domain
	TrackingGone    bool // the saved domain is no longer a configured tracking domain
	PlatformDomain  string
	Preview         *trackingPreview
	TrackingErrors  map[string]string
}

// consoleClientDomains is how many domains a client page lists.
const consoleClientDomains = 200

// consoleClient: GET /console/clients/{id}. Another client's id is 404.
func (h *Handler) consoleClient(c *gin.Context) {
	v, err := h.clientView(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	v.Results = h.takeResults(c)
	h.pages.Render(c, http.StatusOK, "client", v)
}

func (h *Handler) clientView(c *gin.Context) (clientView, error) {
	ctx := c.Request.Context()
	sc := signedIn(c).scope()
	cl, err := h.cfg.Store.GetClient(ctx, sc, c.Param("id"))
	if err != nil {
		return clientView{}, err
	}
	page, err := h.cfg.Store.ListDomains(ctx, sc, models.DomainQuery{ClientID: cl.ID, PageQuery: models.PageQuery{Limit: consoleClientDomains}})
	if err != nil {
		return clientView{}, err
	}
	nav := "client"
	if signedIn(c).admin() {
		nav = "clients"
	}
	v := clientView{consoleBase: h.consoleBase(c, cl.Name, nav), Client: cl, Domains: page.Domains, More: page.Next != "",
		MinPassword: models.MinPasswordLength, LimitWords: "no limit"}
	if v.TrackingDomains, err = h.cfg.Store.ClientTrackingDomains(ctx, sc, cl.ID); err != nil {
		return clientView{}, err
	}
	v.Tracking, v.TrackingModes, v.PlatformDomain = trackingFormOf(cl), trackingModes, h.cfg.Store.TrackingDomain()
	v.TrackingGone = v.Tracking.DomainID != ""
	for _, d := range v.TrackingDomains {
		v.TrackingGone = v.TrackingGone && d.ID != v.Tracking.DomainID
	}
	if cl.DomainLimit != nil {
		v.Limit = strconv.FormatInt(*cl.DomainLimit, 10)
		v.LimitWords = thousands(*cl.DomainLimit) + " messages per domain"
	}
	return v, nil
}
