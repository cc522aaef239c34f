package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
)

// AttachMessagingService links a Messaging Service to a configured domain
// at Twilio and records it. It reports created=false when the service was
// already attached here. A service attached to another domain is a
// conflict naming that domain, unless move is set: then it is detached
// there first.
func (e *Engine) AttachMessagingService(ctx context.Context, sc models.Scope, domainID, msSID string, move bool, actor string) (*models.Domain, bool, error) {
	// Any case and surrounding space are accepted: "mg…" is "MG…".
	msSID = canonicalSID(strings.TrimSpace(msSID))
	if !providers.ValidMessagingServiceSID(msSID) {
		return nil, false, models.Invalid("invalid_messaging_service_sid", "messaging_service_sid", "must be MG followed by 32 hexadecimal characters")
	}
	var d *models.Domain
	var created bool
	err := e.store.Locked(ctx, messagingServiceLock(msSID), func(ctx context.Context) error {
		var err error
		d, created, err = e.attachLocked(ctx, sc, domainID, msSID, move, actor)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return d, created, nil
}

// messagingServiceLock names the lock that serialises every change of one
// Messaging Service's association (attach, move, detach).
func messagingServiceLock(sid string) string { return "messaging_service:" + sid }

// attachLocked is AttachMessagingService under the service's lock: the
// owner it reads stays the owner until it has recorded the change.
func (e *Engine) attachLocked(ctx context.Context, sc models.Scope, domainID, msSID string, move bool, actor string) (*models.Domain, bool, error) {
	d, err := e.store.GetDomain(ctx, sc, domainID)
	if err != nil {
		return nil, false, err
	}
	if err := d.CheckAtTwilio("messaging_service_sid", "a Messaging Service"); err != nil {
		return nil, false, err
	}
	if err := models.Attachable.Check(d.Status, "given Messaging Services"); err != nil {
		return nil, false, err
	}
	owner, err := e.store.MessagingServiceOwner(ctx, msSID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, false, err
	}
	if owner != nil && owner.ID == d.ID {
		return d, false, nil
	}
	if owner != nil && owner.ClientID != d.ClientID {
		// Another client's: say so without naming it, and never move it.
		return nil, false, models.Conflict("messaging_service_in_use", "messaging_service_sid",
			fmt.Sprintf("messaging service %s is attached to another client's domain", msSID))
	}
	if owner != nil {
		if !move {
			return nil, false, inUse(msSID, owner.Host)
		}
		if err := e.cfg.LinkShortening.DetachMessagingService(ctx, owner.DomainSID, msSID); err != nil {
			return nil, false, linkError(err)
		}
	}
	err = e.cfg.LinkShortening.AttachMessagingService(ctx, d.DomainSID, msSID)
	var iu *providers.InUseError
	if errors.As(err, &iu) && move && iu.DomainSID != "" {
		// Attached at Twilio to a domain linkgate does not track.
		if err := e.cfg.LinkShortening.DetachMessagingService(ctx, iu.DomainSID, msSID); err != nil {
			return nil, false, linkError(err)
		}
		err = e.cfg.LinkShortening.AttachMessagingService(ctx, d.DomainSID, msSID)
	}
	if errors.As(err, &iu) {
		return nil, false, inUse(msSID, iu.DomainSID)
	}
	if err != nil {
		return nil, false, linkError(err)
	}
	err = e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
		if owner != nil {
			// A move: both timelines name both domains.
			return e.store.MoveMessagingServiceTx(tx, owner, d, msSID, actor)
		}
		return e.store.AttachMessagingServiceTx(tx, d, msSID, actor)
	})
	if err != nil {
		return nil, false, err
	}
	d.MessagingServiceSIDs = append(d.MessagingServiceSIDs, msSID)
	return d, true, nil
}

// DetachMessagingService unlinks a Messaging Service from the domain at
// Twilio and forgets it. Not attached here is not found.
func (e *Engine) DetachMessagingService(ctx context.Context, sc models.Scope, domainID, msSID, actor string) error {
	msSID = canonicalSID(strings.TrimSpace(msSID))
	return e.store.Locked(ctx, messagingServiceLock(msSID), func(ctx context.Context) error {
		return e.detachLocked(ctx, sc, domainID, msSID, actor)
	})
}

// detachLocked is DetachMessagingService under the service's lock.
func (e *Engine) detachLocked(ctx context.Context, sc models.Scope, domainID, msSID, actor string) error {
	d, err := e.store.GetDomain(ctx, sc, domainID)
	if err != nil {
		return err
	}
	attached := false
	for _, s := range d.MessagingServiceSIDs {
		attached = attached || s == msSID
	}
	if !attached {
		return models.NotFound("messaging service")
	}
	if err := e.cfg.LinkShortening.DetachMessagingService(ctx, d.DomainSID, msSID); err != nil {
		return linkError(err)
	}
	return e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
		_, err := e.store.DetachMessagingServiceTx(tx, d, msSID, actor)
		return err
	})
}

// canonicalSID writes a Twilio SID with its two-letter prefix upper-case
// and its hex lower-case, as Twilio does, so one SID has one spelling.
func canonicalSID(sid string) string {
	if len(sid) < 2 {
		return sid
	}
	return strings.ToUpper(sid[:2]) + strings.ToLower(sid[2:])
}

func inUse(msSID, other string) error {
	e := models.Conflict("messaging_service_in_use", "messaging_service_sid",
		fmt.Sprintf("messaging service %s is attached to %s; send \"move\": true to move it here", msSID, other))
	return e
}

func linkError(err error) error {
	if providers.IsTransient(err) {
		return unavailable(err)
	}
	return &models.Error{Kind: models.KindInternal, Code: "internal", Detail: "Twilio refused the change", Err: err}
}
