package models

// Messaging Services attached to domains: one Messaging Service belongs to
// one domain at most (Twilio's own rule, mirrored by the primary key).

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// DomainMessagingService records that a Messaging Service is attached to a
// domain. A Messaging Service belongs to one domain at most.
type DomainMessagingService struct {
	MessagingServiceSID string    `gorm:"column:messaging_service_sid;primaryKey"`
	DomainID            string    `gorm:"not null"`
	AttachedAt          time.Time `gorm:"not null"`
}

// MessagingServiceOwner returns the domain a Messaging Service is
// attached to, or NotFound.
func (s *Store) MessagingServiceOwner(ctx context.Context, sid string) (*Domain, error) {
	var m DomainMessagingService
	err := s.gorm(ctx).Where("messaging_service_sid = ?", sid).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("messaging service")
	}
	if err != nil {
		return nil, internal("messaging service owner", err)
	}
	return s.DomainByID(ctx, nil, m.DomainID)
}

// AttachMessagingServiceTx records the attachment (moving it from another
// domain if it was there) and writes a timeline entry.
func (s *Store) AttachMessagingServiceTx(tx *gorm.DB, d *Domain, sid, actor string) error {
	if err := tx.Where("messaging_service_sid = ?", sid).Delete(&DomainMessagingService{}).Error; err != nil {
		return internal("attach messaging service", err)
	}
	if err := tx.Create(&DomainMessagingService{MessagingServiceSID: sid, DomainID: d.ID, AttachedAt: s.Now()}).Error; err != nil {
		return internal("attach messaging service", err)
	}
	return s.ApplyTx(tx, d, Change{Reason: fmt.Sprintf("messaging service %s attached", sid), Actor: actor,
		Event: EventDomainMessagingServiceAttached, EventData: map[string]any{"messaging_service_sid": sid}})
}

// DetachMessagingServiceTx removes the attachment; it reports whether
// there was one.
func (s *Store) DetachMessagingServiceTx(tx *gorm.DB, d *Domain, sid, actor string) (bool, error) {
	res := tx.Where("messaging_service_sid = ? AND domain_id = ?", sid, d.ID).Delete(&DomainMessagingService{})
	if res.Error != nil {
		return false, internal("detach messaging service", res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	return true, s.ApplyTx(tx, d, Change{Reason: fmt.Sprintf("messaging service %s detached", sid), Actor: actor,
		Event: EventDomainMessagingServiceDetached, EventData: map[string]any{"messaging_service_sid": sid}})
}

func (s *Store) fillMessagingServices(ctx context.Context, ds []*Domain) error {
	return fillEach(ctx, s, ds, (*Domain).key, func(d *Domain) { d.MessagingServiceSIDs = nil },
		"domain_id", "attached_at, messaging_service_sid", "messaging services",
		func(r DomainMessagingService) string { return r.DomainID },
		func(d *Domain, r DomainMessagingService) {
			d.MessagingServiceSIDs = append(d.MessagingServiceSIDs, r.MessagingServiceSID)
		})
}

// MoveMessagingServiceTx moves the attachment from one domain to another
// (the caller has moved it at Twilio): each timeline names both domains
// ("moved from ls.a.com to ls.b.com"), and the webhook events are the
// detach and attach they are.
func (s *Store) MoveMessagingServiceTx(tx *gorm.DB, from, to *Domain, sid, actor string) error {
	res := tx.Where("messaging_service_sid = ? AND domain_id = ?", sid, from.ID).Delete(&DomainMessagingService{})
	if res.Error != nil {
		return internal("move messaging service", res.Error)
	}
	reason := fmt.Sprintf("messaging service %s moved from %s to %s", sid, from.Host, to.Host)
	if res.RowsAffected > 0 {
		if err := s.ApplyTx(tx, from, Change{Reason: reason, Actor: actor,
			Event: EventDomainMessagingServiceDetached, EventData: map[string]any{"messaging_service_sid": sid}}); err != nil {
			return err
		}
	}
	if err := tx.Where("messaging_service_sid = ?", sid).Delete(&DomainMessagingService{}).Error; err != nil {
		return internal("move messaging service", err)
	}
	if err := tx.Create(&DomainMessagingService{MessagingServiceSID: sid, DomainID: to.ID, AttachedAt: s.Now()}).Error; err != nil {
		return internal("move messaging service", err)
	}
	return s.ApplyTx(tx, to, Change{Reason: reason, Actor: actor,
		Event: EventDomainMessagingServiceAttached, EventData: map[string]any{"messaging_service_sid": sid}})
}
