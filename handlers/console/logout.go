package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// consoleLogout: POST /logout (signed in, CSRF checked). Ends the session
// and goes to the sign-in page.
func (h *Handler) consoleLogout(c *gin.Context) {
	if id, err := c.Cookie(h.sessionCookieName()); err == nil && id != "" {
		if err := h.cfg.Store.DeleteSession(c.Request.Context(), id); err != nil {
			h.consoleFail(c, err)
			return
		}
	}
	h.setCookie(c, h.sessionCookieName(), "", -1, http.SameSiteLaxMode)
	seeOther(c, "/login", "signed_out")
}
