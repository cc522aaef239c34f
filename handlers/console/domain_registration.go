package console

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// registrationRow is one forward-login of the domain page's registration
// panel: its status as the client sees it (an open link past its expiry
// reads as expired) and its times.
type registrationRow struct {
	ID        string
	Email     string
	Status    models.RegistrationStatus
	Label     string
	Sent      time.Time
	Opened    *time.Time
	Completed *time.Time
	Expires   time.Time
	Open      bool // Revoke is offered
}

// registrationLabels are the registration statuses in words.
var registrationLabels = map[models.RegistrationStatus]string{
	models.RegSent:           "Sent, not opened yet",
	models.RegOpened:         "Opened",
	models.RegAccountCreated: "Opened, account created",
	models.RegAuthenticated:  "Opened, signed in",
	models.RegCompleted:      "Completed",
	models.RegExpired:        "Expired unused",
	models.RegRevoked:        "Revoked",
}

func registrationRows(regs []models.Registration, now time.Time) []registrationRow {
	out := make([]registrationRow, 0, len(regs))
	for _, r := range regs {
		row := registrationRow{ID: r.ID, Email: r.Email, Status: r.Status, Sent: r.CreatedAt, Opened: r.OpenedAt,
			Completed: r.CompletedAt, Expires: r.ExpiresAt, Open: r.Open(now)}
		if !row.Open && r.Status != models.RegCompleted && r.Status != models.RegRevoked {
			row.Status = models.RegExpired
		}
		row.Label = registrationLabels[row.Status]
		out = append(out, row)
	}
	return out
}

// consoleDomainRegistrationRevoke: POST
// /console/domains/{id}/registrations/{reg}/revoke
// (Engine.RevokeRegistration): the link stops working.
func (h *Handler) consoleDomainRegistrationRevoke(c *gin.Context) {
	who := signedIn(c)
	if err := h.cfg.Workflows.RevokeRegistration(c.Request.Context(), who.scope(), c.Param("id"), c.Param("reg"), who.actor()); err != nil {
		h.renderDomainErrors(c, err, "registrations", nil)
		return
	}
	handlers.SeeOther(c, domainPath(c.Param("id")), "revoked")
}
