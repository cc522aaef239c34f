package console

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// consoleLogout: POST /logout (signed in, CSRF checked). Ends the session
// and goes to the sign-in page.
func (h *Handler) consoleLogout(c *gin.Context) {
	if id, err := c.Cookie(h.srv.SessionCookieName()); err == nil && id != "" {
		if err := h.cfg.Store.DeleteSession(c.Request.Context(), id); err != nil {
			h.pages.Fail(c, err)
			return
		}
	}
	h.srv.SetCookie(c, h.srv.SessionCookieName(), "", -1, http.SameSiteLaxMode)
	handlers.SeeOther(c, "/login", "signed_out")
}
