package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// consoleDomainForward: POST /console/domains/{id}/forward-login. Emails
// the client a registration link (Engine.SwitchToForwardLogin: the API's
// ForwardLogin that also takes a domain whose DNS step failed; a new link
// revokes the old, so this is also the registration panel's Resend); with share_link
// the domain page then shows the link, once, to copy (a sealed flash).
func (h *Handler) consoleDomainForward(c *gin.Context) {
	who := signedIn(c)
	email := strings.TrimSpace(c.PostForm("email"))
	res, err := h.cfg.Workflows.SwitchToForwardLogin(c.Request.Context(), who.scope(), c.Param("id"), email, who.actor())
	if err != nil {
		h.renderDomainErrors(c, err, "forward", func(v *domainView) { v.ForwardEmail = email }, "email")
		return
	}
	if c.PostForm("share_link") == "" ||
		h.setFlash(c, map[string]string{"share_link": res.Link, "email": res.Registration.Email}) {
		handlers.SeeOther(c, domainPath(c.Param("id")), "forward")
		return
	}
	v, err := h.domainView(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	v.ShareLink, v.ForwardEmail = res.Link, res.Registration.Email
	v.Notice = consoleNotices["forward"]
	h.pages.Render(c, http.StatusOK, "domain", v)
}
