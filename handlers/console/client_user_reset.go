package console

import (
	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// consoleClientUserReset: POST /console/clients/{id}/users/{user_id}/reset
// e-mails the user a link to choose a new password, through the same
// workflow as "forgot your password?" (Engine.RequestPasswordReset).
func (h *Handler) consoleClientUserReset(c *gin.Context) {
	ctx := c.Request.Context()
	u, err := h.cfg.Store.ClientUser(ctx, signedIn(c).scope(), c.Param("id"), c.Param("user_id"))
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	if err := h.cfg.Workflows.RequestPasswordReset(ctx, u.Email); err != nil {
		h.clientUsersError(c, err)
		return
	}
	handlers.SeeOther(c, clientUsersPath(c.Param("id")), "user_reset")
}
