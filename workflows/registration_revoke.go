package workflows

import (
	"context"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
)

// RevokeRegistration makes a domain's registration link stop working
// (the console's Revoke). A domain waiting for the client goes back to
// pending, as when a link expires, so that it can be forwarded again or
// set up another way; the timeline says so either way. A link already
// used, revoked or expired is a conflict; another domain's is not found.
func (e *Engine) RevokeRegistration(ctx context.Context, sc models.Scope, domainID, registrationID, actor string) error {
	d, err := e.store.GetDomain(ctx, sc, domainID)
	if err != nil {
		return err
	}
	r, err := e.store.RegistrationByID(ctx, nil, registrationID)
	if err != nil {
		return err
	}
	if r.DomainID != d.ID {
		return models.NotFound("registration")
	}
	closed := models.Conflict("registration_closed", "", "this link was already used, revoked or has expired; there is nothing to revoke")
	if !r.Open(e.store.Now()) {
		return closed
	}
	return e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
		res := tx.Model(&models.Registration{}).Where("id = ? AND status IN ?", r.ID, models.RegistrationOpen).
			Updates(map[string]any{"status": models.RegRevoked, "updated_at": e.store.Now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return closed
		}
		c := models.Change{Reason: "registration link sent to " + r.Email + " revoked", Actor: actor}
		if d.Status == models.StatusAwaitingClient {
			c.To = models.StatusPending
			c.Reason += "; forward the login again or set the domain up another way"
		}
		return e.store.ApplyTx(tx, d, c)
	})
}
