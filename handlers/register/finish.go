package register

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// finishView is the last step: one button that hands over to onboarding.
type finishView struct {
	pageBase
	Host, Apex string
	Record     handlers.RecordView
	Method     string // self or manual (from the DNS step; display only)
	HostLabel  string // for self: the DNS host connected ("Cloudflare")
	CSRF       string
	Action     string
	BackURL    string
	Error      string
}

// registerFinishPage: GET /register/{token}/finish (signed in, DNS chosen).
func (h *Handler) registerFinishPage(c *gin.Context) {
	token := c.Param("token")
	st, sess := h.signedInRegistration(c, token)
	if st == nil {
		return
	}
	if st.Registration.Status != models.RegAuthenticated {
		handlers.Redirect(c, landingPath(token)+"/dns")
		return
	}
	h.pages.Render(c, http.StatusOK, "finish", h.finishView(c, token, st.Domain, sess))
}

func (h *Handler) finishView(c *gin.Context, token string, d *models.Domain, sess *models.Session) finishView {
	v := finishView{pageBase: h.base("Finish setting up "+d.Host, 3), Host: d.Host, Apex: d.Apex, Record: handlers.RecordOf(d),
		CSRF: sess.CSRFToken, Action: landingPath(token) + "/finish", BackURL: landingPath(token) + "/dns"}
	switch m := c.Query("via"); models.SetupMode(m) {
	case models.SetupSelf, models.SetupManual:
		v.Method = m
	}
	// ?provider= names the host connected (display only; absent: Cloudflare).
	name := c.Query("provider")
	if name == "" {
		name = "cloudflare"
	}
	if host, ok := h.cfg.Workflows.DNSHosts().Get(name); ok {
		v.HostLabel = host.Label
	}
	return v
}

// registerFinish: POST /register/{token}/finish. Completes the
// registration and starts onboarding; of two browsers finishing at once,
// exactly one gets through (the other sees that it is already done).
func (h *Handler) registerFinish(c *gin.Context) {
	token := c.Param("token")
	ctx := c.Request.Context()
	r, err := h.cfg.Store.RegistrationByToken(ctx, token)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	sess, err := h.srv.CurrentSession(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	if err := handlers.CheckSessionCSRF(c, sess); err != nil {
		h.pages.Fail(c, err)
		return
	}
	_, err = h.cfg.Workflows.FinishRegistration(ctx, token, sess.UserID)
	if err == nil {
		handlers.Redirect(c, donePath(r.ID))
		return
	}
	var e *models.Error
	if !errors.As(err, &e) {
		h.pages.Fail(c, err)
		return
	}
	// The loser of two finishes at once sees the link used (or the domain
	// already on its way): if this client finished it, say so.
	if e.Kind == models.KindGone || e.Kind == models.KindConflict {
		if now, err := h.cfg.Store.RegistrationByID(ctx, nil, r.ID); err == nil && now.Status == models.RegCompleted &&
			now.UserID != nil && *now.UserID == sess.UserID {
			h.pages.Message(c, http.StatusConflict, handlers.Message{Heading: "Already finished",
				Paragraphs: []string{"The setup was already finished, perhaps in another window or tab."},
				Link:       donePath(r.ID), LinkText: "See the status of your subdomain"})
			return
		}
	}
	switch {
	case e.Kind == models.KindGone:
		h.gonePage(c, token)
	case e.Code == "registration_incomplete":
		handlers.Redirect(c, landingPath(token)+"/dns")
	case e.Kind == models.KindInvalid || e.Kind == models.KindUnavailable:
		st, sess2 := h.signedInRegistration(c, token)
		if st == nil {
			return
		}
		v := h.finishView(c, token, st.Domain, sess2)
		v.Error = "We could not set up the DNS record: " + handlers.Sentence(e.Detail) + " Go back to change how the record is made, or try again."
		h.pages.Render(c, handlers.StatusOf(e, http.StatusInternalServerError), "finish", v)
	default:
		h.registrationFail(c, token, err)
	}
}
