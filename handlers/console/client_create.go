package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// consoleClientCreate: POST /console/clients (admin). Like POST
// /api/v1/clients; on success to the new client's page.
func (h *Handler) consoleClientCreate(c *gin.Context) {
	f := clientForm{Name: strings.TrimSpace(c.PostForm("name")), Email: strings.TrimSpace(c.PostForm("email")),
		Plan: models.Plan(c.PostForm("plan")), FallbackURL: strings.TrimSpace(c.PostForm("fallback_url"))}
	cl, err := h.cfg.Store.CreateClient(c.Request.Context(),
		models.ClientInput{Name: f.Name, Email: f.Email, Plan: f.Plan, FallbackURL: f.FallbackURL})
	if err == nil {
		handlers.SeeOther(c, clientPath(cl.ID), "client")
		return
	}
	errs, ok := fieldErrors(err, "name", "email", "plan", "fallback_url")
	if !ok {
		h.pages.Fail(c, err)
		return
	}
	v, verr := h.clientsView(c)
	if verr != nil {
		h.pages.Fail(c, verr)
		return
	}
	v.Form, v.Errors = f, errs
	h.pages.Render(c, handlers.StatusOf(err, http.StatusUnprocessableEntity), "clients", v)
}
