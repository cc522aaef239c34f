package models

// The campaign's Connectors tab (API.md "Campaigns", seed 003): the
// link-shortening connector names the domain whose host Twilio shortens
// the campaign's links with. The workflow attaches the campaign's
// Messaging Service to it at Twilio (workflows.Engine.ConnectLinkShortening);
// these functions check the request before and record it after.

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// CheckLinkShortening returns the campaign visible in sc and the domain it
// would shorten links with, provided the campaign has not ended and has a
// Messaging Service (409 invalid_state), and the domain is the campaign's
// client's (404 naming domain_id) and configured (409 invalid_state
// naming domain_id).
func (s *Store) CheckLinkShortening(ctx context.Context, sc Scope, campaignID, domainID string) (*Campaign, *Domain, error) {
	return s.linkShorteningTx(s.gorm(ctx), sc, campaignID, domainID)
}

func (s *Store) linkShorteningTx(tx *gorm.DB, sc Scope, campaignID, domainID string) (*Campaign, *Domain, error) {
	if domainID == "" {
		return nil, nil, Invalid("invalid_connector", "domain_id", "is required")
	}
	c, err := s.campaignTx(tx, sc, campaignID)
	if err != nil {
		return nil, nil, err
	}
	if c.Status.Terminal() {
		return nil, nil, &Error{Kind: KindConflict, Code: "invalid_state",
			Detail: fmt.Sprintf("the campaign is %s; its connectors cannot change", c.Status)}
	}
	if c.MessagingServiceSID == "" {
		return nil, nil, Conflict("invalid_state", "messaging_service_sid", "the campaign has no Messaging Service to attach")
	}
	var d Domain
	err = tx.Where("id = ? AND client_id = ?", domainID, c.ClientID).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		e := NotFound("domain")
		e.Fields = []FieldError{{Field: "domain_id", Message: "no such domain of the campaign's client"}}
		return nil, nil, e
	}
	if err != nil {
		return nil, nil, internal("link shortening domain", err)
	}
	if !Sendable.Has(d.Status) || !Attachable.Has(d.Status) {
		return nil, nil, Conflict("invalid_state", "domain_id",
			fmt.Sprintf("domain %s is %s; only a configured domain shortens links", d.Host, d.Status))
	}
	return c, &d, nil
}

// SetLinkShorteningDomain records that the campaign's links are shortened
// with the domain (its Messaging Service is attached there): the domain
// becomes the campaign's active_domain_id, joins its own domain list when
// it is in neither its pool nor that list, and the campaign's timeline
// says so. The checks of CheckLinkShortening hold again inside the
// transaction.
func (s *Store) SetLinkShorteningDomain(ctx context.Context, sc Scope, campaignID, domainID, actor string) (*Campaign, error) {
	var out *Campaign
	err := s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		c, d, err := s.linkShorteningTx(tx, sc, campaignID, domainID)
		if err != nil {
			return err
		}
		order, err := s.campaignDomainOrderTx(tx, c)
		if err != nil {
			return err
		}
		now := s.Now()
		upd := map[string]any{"active_domain_id": d.ID, "updated_at": now, "version": gorm.Expr("version + 1")}
		known := false
		for _, id := range order {
			known = known || id == d.ID
		}
		if !known {
			upd["domain_ids"] = encodeJSON(append(c.DomainIDList(), d.ID))
		}
		res := tx.Model(&Campaign{}).Where("id = ? AND version = ?", c.ID, c.Version).Updates(upd)
		if res.Error != nil {
			return internal("set link shortening domain", res.Error)
		}
		if res.RowsAffected == 0 {
			return &Error{Kind: KindConflict, Code: "invalid_state", Detail: "the campaign changed meanwhile; try again", Err: ErrStale}
		}
		if err := tx.Create(&CampaignEvent{ID: NewID(PrefixEvent), CampaignID: c.ID, From: c.Status, To: c.Status,
			Reason: "link shortening domain set to " + d.Host, Actor: actor, At: now}).Error; err != nil {
			return internal("write campaign event", err)
		}
		if err := s.campaignChangedTx(tx, c.ID); err != nil {
			return err
		}
		out, err = s.campaignTx(tx, Scope{}, c.ID)
		return err
	})
	if err != nil {
		return nil, internal("set link shortening domain", err)
	}
	return out, nil
}
