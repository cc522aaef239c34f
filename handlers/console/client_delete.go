package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// clientDeleteView asks before a client is deleted, saying what goes with
// it (admins).
type clientDeleteView struct {
	consoleBase
	Client *models.Client
	F      *models.ClientFootprint
	Errors map[string]string
}

// consoleClientDeletePage: GET /console/clients/{id}/delete (admin).
func (h *Handler) consoleClientDeletePage(c *gin.Context) {
	h.renderClientDelete(c, http.StatusOK, nil)
}

func (h *Handler) renderClientDelete(c *gin.Context, status int, errs map[string]string) {
	ctx := c.Request.Context()
	sc := signedIn(c).scope()
	cl, err := h.cfg.Store.GetClient(ctx, sc, c.Param("id"))
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	f, err := h.cfg.Store.ClientFootprint(ctx, sc, cl.ID)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	v := clientDeleteView{consoleBase: h.consoleBase(c, "Delete "+cl.Name, "clients"), Client: cl, F: f, Errors: errs}
	h.pages.Render(c, status, "client_delete", v)
}

// consoleClientDelete: POST /console/clients/{id}/delete (admin), through
// Store.DeleteClient as DELETE /api/v1/clients/{id}: refused while the
// client has domains (each domain's deletion cleans up its DNS). The box
// "confirm" must be ticked.
func (h *Handler) consoleClientDelete(c *gin.Context) {
	if c.PostForm("confirm") != "yes" {
		h.renderClientDelete(c, http.StatusUnprocessableEntity, map[string]string{"confirm": "Tick the box to confirm the deletion."})
		return
	}
	err := h.cfg.Store.DeleteClient(c.Request.Context(), signedIn(c).scope(), c.Param("id"))
	if err == nil {
		handlers.SeeOther(c, consolePrefix+"/clients", "client_deleted")
		return
	}
	errs, ok := fieldErrors(err, "confirm")
	if !ok {
		h.pages.Fail(c, err)
		return
	}
	h.renderClientDelete(c, handlers.StatusOf(err, http.StatusConflict), errs)
}
