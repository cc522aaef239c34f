package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// clientEditView is the form that changes a client's name, e-mail, plan
// and fallback URL (admins).
type clientEditView struct {
	consoleBase
	Client *models.Client
	Form   clientForm
	Plans  []models.Plan
	Errors map[string]string
}

var consolePlans = []models.Plan{models.PlanBasic, models.PlanPremium, models.PlanEnterprise}

// consoleClientEditPage: GET /console/clients/{id}/edit (admin).
func (h *Handler) consoleClientEditPage(c *gin.Context) {
	cl, err := h.cfg.Store.GetClient(c.Request.Context(), signedIn(c).scope(), c.Param("id"))
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	f := clientForm{Name: cl.Name, Email: cl.Email, Plan: cl.Plan, FallbackURL: cl.FallbackURL}
	h.renderClientEdit(c, http.StatusOK, cl, f, nil)
}

func (h *Handler) renderClientEdit(c *gin.Context, status int, cl *models.Client, f clientForm, errs map[string]string) {
	v := clientEditView{consoleBase: h.consoleBase(c, "Edit "+cl.Name, "clients"), Client: cl, Form: f, Plans: consolePlans, Errors: errs}
	h.pages.Render(c, status, "client_edit", v)
}

// consoleClientEdit: POST /console/clients/{id}/edit (admin), through
// Store.UpdateClient as PATCH /api/v1/clients/{id}; back to the client.
func (h *Handler) consoleClientEdit(c *gin.Context) {
	ctx := c.Request.Context()
	sc := signedIn(c).scope()
	cl, err := h.cfg.Store.GetClient(ctx, sc, c.Param("id"))
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	f := clientForm{Name: strings.TrimSpace(c.PostForm("name")), Email: strings.TrimSpace(c.PostForm("email")),
		Plan: models.Plan(c.PostForm("plan")), FallbackURL: strings.TrimSpace(c.PostForm("fallback_url"))}
	_, err = h.cfg.Store.UpdateClient(ctx, sc, cl.ID, models.ClientPatch{Name: &f.Name, Email: &f.Email, Plan: &f.Plan, FallbackURL: &f.FallbackURL})
	if err == nil {
		handlers.SeeOther(c, clientPath(cl.ID), "client_saved")
		return
	}
	errs, ok := fieldErrors(err, "name", "email", "plan", "fallback_url")
	if !ok {
		h.pages.Fail(c, err)
		return
	}
	h.renderClientEdit(c, handlers.StatusOf(err, http.StatusUnprocessableEntity), cl, f, errs)
}
