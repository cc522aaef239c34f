package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// consoleClientUser: POST /console/clients/{id}/users (admin): a client
// user who signs in to the console and sees only this client
// (Store.CreateUser with role client). The admin passes the password on.
// From the users page (back=users) it returns there.
func (h *Handler) consoleClientUser(c *gin.Context) {
	ctx := c.Request.Context()
	cl, err := h.cfg.Store.GetClient(ctx, signedIn(c).scope(), c.Param("id"))
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	email := strings.TrimSpace(c.PostForm("email"))
	_, err = h.cfg.Store.CreateUser(ctx, models.UserInput{Email: email, Password: c.PostForm("password"),
		Role: models.RoleClient, ClientID: cl.ID})
	fromUsers := c.PostForm("back") == "users"
	if err == nil && fromUsers {
		handlers.SeeOther(c, clientUsersPath(cl.ID), "user")
		return
	}
	if err == nil {
		handlers.SeeOther(c, clientPath(cl.ID), "user")
		return
	}
	errs, ok := fieldErrors(err, "email", "password")
	if !ok {
		h.pages.Fail(c, err)
		return
	}
	if fromUsers {
		v, verr := h.clientUsersView(c)
		if verr != nil {
			h.pages.Fail(c, verr)
			return
		}
		v.UserEmail, v.Errors = email, errs
		h.pages.Render(c, handlers.StatusOf(err, http.StatusUnprocessableEntity), "client_users", v)
		return
	}
	v, verr := h.clientView(c)
	if verr != nil {
		h.pages.Fail(c, verr)
		return
	}
	v.UserEmail, v.Errors = email, errs
	h.pages.Render(c, handlers.StatusOf(err, http.StatusUnprocessableEntity), "client", v)
}
