package register

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// The page after finishing. The link's token is used up by then, so the
// page lives at /register/done/{registration id}, visible only to the
// signed-in client whose registration it is.

// doneView is the finished page with the domain's live status.
type doneView struct {
	pageBase
	Host      string
	StatusURL string
	Status    statusView
}

// statusView is the domain's status in words for the client (and the
// JSON of GET /register/done/{id}/status), with the page's heading and
// message: "All set" only once the domain is live.
type statusView struct {
	Status  string `json:"status"`
	Label   string `json:"label"`
	DNS     string `json:"dns"`
	SSL     string `json:"ssl"`
	Reason  string `json:"reason"`
	Final   bool   `json:"final"` // nothing more will change by itself
	Heading string `json:"heading"`
	Message string `json:"message"`
}

// The done page's words: live, or the client's part done and the rest
// under way.
const (
	doneHeadingLive = "All set"
	doneMessageLive = "Your subdomain is live: links on it work now."
	doneHeadingRest = "Your part is done"
	doneMessageRest = "The rest happens without you: the DNS check, the registration with Twilio and the certificate. " +
		"This page shows each step; nothing else is needed from you."
)

func donePath(registrationID string) string { return "/register/done/" + registrationID }

func statusOfDomain(d *models.Domain) statusView {
	l := handlers.LabelsOf(d, handlers.ForClient)
	v := statusView{Status: string(d.Status), Label: l.Status, DNS: l.DNS, SSL: l.SSL, Reason: d.StatusReason,
		Final: d.Status == models.StatusConfigured, Heading: doneHeadingRest, Message: doneMessageRest}
	if v.Final {
		v.Heading, v.Message = doneHeadingLive, doneMessageLive
	}
	return v
}

// doneDomain returns the domain of the signed-in client's registration id;
// it answers (404, or 403 without a session) and returns nil otherwise.
func (h *Handler) doneDomain(c *gin.Context) *models.Domain {
	ctx := c.Request.Context()
	sess, err := h.srv.CurrentSession(c)
	if err != nil {
		h.pages.Fail(c, err)
		return nil
	}
	if sess == nil {
		if handlers.WantsJSON(c) {
			handlers.Fail(c, models.ErrNoSession)
			return nil
		}
		h.pages.Message(c, http.StatusForbidden, handlers.Message{Heading: "Sign-in needed",
			Paragraphs: []string{"This page shows the setup's status only in the browser that finished it, while it stays signed in.",
				"Your setup is saved: nothing else is needed from you."}})
		return nil
	}
	r, err := h.cfg.Store.RegistrationByID(ctx, nil, c.Param("id"))
	if err != nil || r.UserID == nil || *r.UserID != sess.UserID || r.Status != models.RegCompleted {
		if handlers.WantsJSON(c) {
			handlers.Fail(c, models.NotFound("page"))
			return nil
		}
		h.pages.Message(c, http.StatusNotFound, handlers.Message{Heading: "Page not found",
			Paragraphs: []string{"There is no such page, or it is not yours to see."}})
		return nil
	}
	d, err := h.cfg.Store.DomainByID(ctx, nil, r.DomainID)
	if err != nil {
		h.pages.Fail(c, err)
		return nil
	}
	return d
}

// registerDone: GET /register/done/{id}.
func (h *Handler) registerDone(c *gin.Context) {
	d := h.doneDomain(c)
	if d == nil {
		return
	}
	st := statusOfDomain(d)
	h.pages.Render(c, http.StatusOK, "done", doneView{pageBase: h.base(st.Heading+": "+d.Host, 4), Host: d.Host,
		StatusURL: donePath(c.Param("id")) + "/status", Status: st})
}

// registerDoneStatus: GET /register/done/{id}/status → the live status
// as JSON.
func (h *Handler) registerDoneStatus(c *gin.Context) {
	d := h.doneDomain(c)
	if d == nil {
		return
	}
	c.JSON(http.StatusOK, statusOfDomain(d))
}
