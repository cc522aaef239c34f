package console

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// consoleClientsPageSize is how many clients a page of the list shows.
const consoleClientsPageSize = 25

// clientsView is the admin's client list with its search and the form to
// create a client.
type clientsView struct {
	consoleBase
	Q        string
	Clients  []*models.Client
	NextURL  string
	FirstURL string // set when this is not the first page
	Plans    []models.Plan
	Form     clientForm
	Errors   map[string]string
}

// clientForm is what was typed into the create form.
type clientForm struct {
	Name, Email, FallbackURL string
	Plan                     models.Plan
}

// consoleClients: GET /console/clients?q=&cursor= (admin).
func (h *Handler) consoleClients(c *gin.Context) {
	v, err := h.clientsView(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	h.pages.Render(c, http.StatusOK, "clients", v)
}

func (h *Handler) clientsView(c *gin.Context) (clientsView, error) {
	q := c.Query("q")
	cursor := c.Query("cursor")
	page, err := h.cfg.Store.ListClients(c.Request.Context(), signedIn(c).scope(),
		models.ClientQuery{Q: q, PageQuery: models.PageQuery{Limit: consoleClientsPageSize, Cursor: cursor}})
	if err != nil {
		return clientsView{}, err
	}
	v := clientsView{consoleBase: h.consoleBase(c, "Clients", "clients"), Q: q, Clients: page.Clients,
		Plans: []models.Plan{models.PlanBasic, models.PlanPremium, models.PlanEnterprise}, Form: clientForm{Plan: models.PlanBasic}}
	if page.Next != "" {
		v.NextURL = clientsURL(q, page.Next)
	}
	if cursor != "" {
		v.FirstURL = clientsURL(q, "")
	}
	return v, nil
}

func clientsURL(q, cursor string) string {
	vals := url.Values{}
	if q != "" {
		vals.Set("q", q)
	}
	if cursor != "" {
		vals.Set("cursor", cursor)
	}
	if len(vals) == 0 {
		return consolePrefix + "/clients"
	}
	return consolePrefix + "/clients?" + vals.Encode()
}
