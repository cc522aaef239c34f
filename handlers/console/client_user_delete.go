package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// consoleClientUserDelete: POST /console/clients/{id}/users/{user_id}/delete
// removes a client's user (Store.DeleteClientUser: their sessions end).
// Nobody removes their own account here.
func (h *Handler) consoleClientUserDelete(c *gin.Context) {
	who := signedIn(c)
	err := h.cfg.Store.DeleteClientUser(c.Request.Context(), who.scope(), c.Param("id"), c.Param("user_id"), who.User.ID)
	if err == nil {
		handlers.SeeOther(c, clientUsersPath(c.Param("id")), "user_removed")
		return
	}
	h.clientUsersError(c, err)
}

// clientUsersError shows the users page with a refused action's error
// next to the user it was about.
func (h *Handler) clientUsersError(c *gin.Context, err error) {
	errs, ok := fieldErrors(err)
	if !ok {
		h.pages.Fail(c, err)
		return
	}
	v, verr := h.clientUsersView(c)
	if verr != nil {
		h.pages.Fail(c, verr)
		return
	}
	v.ErrorFor, v.Errors = c.Param("user_id"), map[string]string{"user": errs["form"]}
	h.pages.Render(c, handlers.StatusOf(err, http.StatusConflict), "client_users", v)
}
