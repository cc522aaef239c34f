package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// originatorsView is a client's Originators page (who its SMS are from):
// the list, the add form and a delete with confirmation per row.
type originatorsView struct {
	consoleBase
	Client      *models.Client
	Originators []*models.Originator
	More        bool
	Types       []models.OriginatorType
	Type, Value string // the add form, shown again
	ErrorFor    string // the originator whose delete was refused
	Errors      map[string]string
}

func originatorsPath(clientID string) string { return clientPath(clientID) + "/originators" }

// consoleOriginators: GET /console/clients/{id}/originators.
func (h *Handler) consoleOriginators(c *gin.Context) {
	h.renderOriginators(c, c.Param("id"), http.StatusOK, nil)
}

func (h *Handler) renderOriginators(c *gin.Context, clientID string, status int, edit func(v *originatorsView)) {
	ctx := c.Request.Context()
	sc := signedIn(c).scope()
	cl, err := h.cfg.Store.GetClient(ctx, sc, clientID)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	page, err := h.cfg.Store.ListOriginators(ctx, sc, models.OriginatorQuery{ClientID: cl.ID, PageQuery: models.PageQuery{Limit: models.MaxPageLimit}})
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	v := originatorsView{consoleBase: h.consoleBase(c, "Originators of "+cl.Name, clientNav(c)), Client: cl,
		Originators: page.Originators, More: page.Next != "", Types: models.OriginatorTypes, Type: string(models.OriginatorMobile),
		Errors: map[string]string{}}
	if edit != nil {
		edit(&v)
	}
	h.pages.Render(c, status, "originators", v)
}
