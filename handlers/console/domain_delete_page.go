package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// deleteView is the confirmation page before a domain is deleted: what
// deletion removes, spelled out.
type deleteView struct {
	consoleBase
	D       *models.Domain
	Client  *models.Client
	Action  string
	Open    int // registration links that stop working
	Errors  map[string]string
	Cleanup string // what becomes of the DNS record: "none", "self" (linkgate removes it if it can), "client"
}

// consoleDomainDeletePage: GET /console/domains/{id}/delete: what
// deleting the domain removes (its Messaging Services detached at
// Twilio, its DNS record removed or left to the client, its registration
// links, pools and timeline), and the form that does it (POST .../delete).
func (h *Handler) consoleDomainDeletePage(c *gin.Context) {
	v, err := h.deleteView(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	h.pages.Render(c, http.StatusOK, "domain_delete", v)
}

func (h *Handler) deleteView(c *gin.Context) (deleteView, error) {
	ctx := c.Request.Context()
	sc := signedIn(c).scope()
	d, err := h.cfg.Store.GetDomain(ctx, sc, c.Param("id"))
	if err != nil {
		return deleteView{}, err
	}
	cl, err := h.cfg.Store.GetClient(ctx, sc, d.ClientID)
	if err != nil {
		return deleteView{}, err
	}
	regs, err := h.cfg.Store.ListRegistrations(ctx, sc, models.RegistrationQuery{DomainID: d.ID})
	if err != nil {
		return deleteView{}, err
	}
	v := deleteView{consoleBase: h.consoleBase(c, "Delete "+d.Host, "clients"), D: d, Client: cl, Action: domainPath(d.ID)}
	now := h.cfg.Store.Now()
	for _, r := range regs {
		if r.Open(now) {
			v.Open++
		}
	}
	switch {
	case d.DNSStatus == models.DNSNotStarted:
		v.Cleanup = "none"
	case d.SetupMode == models.SetupSelf:
		v.Cleanup = "self"
	default:
		v.Cleanup = "client"
	}
	return v, nil
}
