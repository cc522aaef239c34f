package console

import (
	"errors"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// consoleDomainAttach: POST /console/domains/{id}/messaging-services
// (Engine.AttachMessagingService; move=1, the "Move it here" button,
// moves it from another domain of the client). The SID is taken in any
// case and with surrounding space (the workflow writes it as Twilio does).
func (h *Handler) consoleDomainAttach(c *gin.Context) {
	who := signedIn(c)
	sid := strings.TrimSpace(c.PostForm("messaging_service_sid"))
	move := c.PostForm("move") != ""
	d, _, err := h.cfg.Workflows.AttachMessagingService(c.Request.Context(), who.scope(), c.Param("id"), sid, move, who.actor())
	if err != nil {
		var moveFrom string
		moveFrom, err = h.msInUse(c, err, sid)
		h.renderDomainErrors(c, err, "ms", func(v *domainView) {
			v.MS, v.MoveFrom = sid, moveFrom
			if moveFrom != "" {
				v.MS = canonicalMS(sid) // as Twilio writes it
			}
		}, "messaging_service_sid")
		return
	}
	notice := "attach"
	if move {
		notice = "moved"
	}
	handlers.SeeOther(c, domainPath(d.ID), notice)
}

// msInUse words the workflow's "attached to another domain" conflict for
// people: the page offers a "Move it here" button instead of the API's
// move flag. It returns the other domain's host when it is the same
// client's (the button is offered then) with the worded error; other
// errors unchanged.
func (h *Handler) msInUse(c *gin.Context, err error, sid string) (string, error) {
	var e *models.Error
	if !errors.As(err, &e) || e.Code != "messaging_service_in_use" {
		return "", err
	}
	words := *e
	words.Fields = nil
	owner, oerr := h.cfg.Store.MessagingServiceOwner(c.Request.Context(), canonicalMS(sid))
	d, derr := h.cfg.Store.GetDomain(c.Request.Context(), signedIn(c).scope(), c.Param("id"))
	if oerr != nil || derr != nil || owner.ClientID != d.ClientID {
		words.Fields = []models.FieldError{{Field: "messaging_service_sid",
			Message: "this Messaging Service is attached to a domain that is not this client's; it cannot be moved here"}}
		return "", &words
	}
	words.Fields = []models.FieldError{{Field: "messaging_service_sid",
		Message: "this Messaging Service is attached to " + owner.Host + "; press “Move it here” to move it to this domain (" + owner.Host + " stops using it)"}}
	return owner.Host, &words
}

// canonicalMS writes a Messaging Service SID as Twilio does: "MG" and
// lower-case hex.
func canonicalMS(sid string) string {
	sid = strings.TrimSpace(sid)
	if len(sid) < 2 {
		return sid
	}
	return strings.ToUpper(sid[:2]) + strings.ToLower(sid[2:])
}

// consoleDomainDetach: POST /console/domains/{id}/messaging-services/{sid}/detach
// (Engine.DetachMessagingService), from the confirmation the Detach
// button opens (?detach={sid}): without confirm=1 it only asks.
func (h *Handler) consoleDomainDetach(c *gin.Context) {
	who := signedIn(c)
	if c.PostForm("confirm") == "" {
		h.renderDomainErrors(c, models.Invalid("confirm_required", "", "confirm the detach below first"), "ms",
			func(v *domainView) { v.ConfirmDetach = canonicalMS(c.Param("sid")) })
		return
	}
	err := h.cfg.Workflows.DetachMessagingService(c.Request.Context(), who.scope(), c.Param("id"), c.Param("sid"), who.actor())
	if err != nil {
		h.renderDomainErrors(c, err, "ms", nil, "messaging_service_sid")
		return
	}
	handlers.SeeOther(c, domainPath(c.Param("id")), "detach")
}
