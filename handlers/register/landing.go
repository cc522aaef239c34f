package register

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/workflows"
)

// landingView is the landing page: what is being set up, and the account
// form (create or sign in), or a way on for a signed-in client.
type landingView struct {
	pageBase
	Host, Email string
	Record      handlers.RecordView
	UserExists  bool
	CSRF        string
	Action      string
	Continue    string // set when the registration's user is signed in
	Expires     string
	MinPassword int
	Errors      map[string]string
}

// registerLanding: GET /register/{token}. It never consumes the link (mail
// scanners fetch links before people do); it marks it opened.
func (h *Handler) registerLanding(c *gin.Context) {
	token := c.Param("token")
	st, err := h.cfg.Workflows.OpenRegistration(c.Request.Context(), token)
	if err != nil {
		h.registrationFail(c, token, err)
		return
	}
	v, err := h.landingView(c, token, st)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	h.pages.Render(c, http.StatusOK, "landing", v)
}

func (h *Handler) landingView(c *gin.Context, token string, st *workflows.RegistrationState) (landingView, error) {
	r, d := st.Registration, st.Domain
	v := landingView{pageBase: h.base("Set up "+d.Host, 1), Host: d.Host, Email: r.Email, Record: handlers.RecordOf(d),
		UserExists: st.UserExists, Action: landingPath(token) + "/account",
		Expires: handlers.When(r.ExpiresAt), MinPassword: models.MinPasswordLength}
	sess, err := h.srv.CurrentSession(c)
	if err != nil {
		return v, err
	}
	if sess != nil && r.UserID != nil && *r.UserID == sess.UserID {
		v.Continue = landingPath(token) + "/dns"
		if r.Status == models.RegAuthenticated {
			v.Continue = landingPath(token) + "/finish"
		}
		return v, nil
	}
	v.CSRF = h.srv.PreSessionCSRF(c)
	return v, nil
}

// registrationFail shows an error of the registration engine: a link that
// is used, replaced or expired gets a page that says which; a missing or
// wrong sign-in goes back to the landing page.
func (h *Handler) registrationFail(c *gin.Context, token string, err error) {
	var e *models.Error
	if errors.As(err, &e) && !handlers.WantsJSON(c) {
		switch e.Kind {
		case models.KindGone:
			h.gonePage(c, token)
			return
		case models.KindUnauthorized:
			handlers.Redirect(c, landingPath(token))
			return
		}
	}
	h.pages.Fail(c, err)
}

// gonePage is the 410 page of a link that can no longer be used.
func (h *Handler) gonePage(c *gin.Context, token string) {
	ctx := c.Request.Context()
	v := handlers.Message{Heading: "This link can no longer be used", Paragraphs: []string{
		"It was already used, replaced by a newer link, or it has expired.", "Ask the person who sent it for a new link."}}
	r, err := h.cfg.Store.RegistrationByToken(ctx, token)
	if err == nil {
		switch {
		case r.Status == models.RegCompleted:
			v = handlers.Message{Heading: "This link was already used", Paragraphs: []string{
				"The setup was finished with this link, so there is nothing more to do here.",
				"If something needs to change, ask the person who sent it for a new link."}}
			if sess, _ := h.srv.CurrentSession(c); sess != nil && r.UserID != nil && *r.UserID == sess.UserID {
				v.Link, v.LinkText = donePath(r.ID), "See the status of your subdomain"
			}
		case r.Status == models.RegRevoked:
			v = handlers.Message{Heading: "This link was replaced by a newer one", Paragraphs: []string{
				"A newer registration link was sent for this domain, and only the newest one works. Use the link in the latest e-mail.",
				"If you cannot find it, ask the person who sent it for a new link."}}
		case r.Status == models.RegExpired || !r.ExpiresAt.After(h.cfg.Store.Now()):
			v = handlers.Message{Heading: "This link has expired", Paragraphs: []string{
				"Registration links work for a limited time, and this one has run out.",
				"Ask the person who sent it for a new link."}}
		}
	}
	h.pages.Message(c, http.StatusGone, v)
	c.Abort()
}
