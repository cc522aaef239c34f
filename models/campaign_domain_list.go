package models

// The campaign's Domains tab (API.md "Campaigns"): a quick add to, and a
// removal from, the campaign's own domain list (domain_ids), allowed in
// any status but the terminal ones. Neither resumes nor switches anything
// by itself: the sending engine reads the list when it next picks a
// domain.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// CampaignDomainsChangeable: the statuses in which the Domains tab may
// add or remove a domain (all but the terminal ones).
var CampaignDomainsChangeable = CampaignAbortable

// AddCampaignDomain appends a domain of the campaign's client to the
// campaign's domain_ids. A domain already listed changes nothing (changed
// false); another client's or an unknown domain is 422 naming domain_id.
func (s *Store) AddCampaignDomain(ctx context.Context, sc Scope, campaignID, domainID string) (*Campaign, bool, error) {
	domainID = strings.TrimSpace(domainID)
	if domainID == "" {
		return nil, false, Invalid("invalid_domain_id", "domain_id", "is required")
	}
	return s.changeCampaignDomains(ctx, sc, campaignID, func(tx *gorm.DB, c *Campaign, ids []string) ([]string, error) {
		if slices.Contains(ids, domainID) {
			return nil, nil
		}
		if len(ids) >= MaxCampaignDomainIDs {
			return nil, Invalid("too_many_domains", "domain_id", fmt.Sprintf("the campaign already lists %d domains", MaxCampaignDomainIDs))
		}
		var n int64
		if err := tx.Model(&Domain{}).Where("id = ? AND client_id = ? AND purpose = ?", domainID, c.ClientID, PurposeLinkShortening).Count(&n).Error; err != nil {
			return nil, internal("check campaign domain", err)
		}
		if n == 0 {
			return nil, Invalid("unknown_domain", "domain_id", "not a link-shortening domain of the campaign's client")
		}
		return append(ids, domainID), nil
	})
}

// RemoveCampaignDomain takes a domain out of the campaign's domain_ids; a
// domain that is not listed there is 404.
func (s *Store) RemoveCampaignDomain(ctx context.Context, sc Scope, campaignID, domainID string) error {
	_, _, err := s.changeCampaignDomains(ctx, sc, campaignID, func(_ *gorm.DB, _ *Campaign, ids []string) ([]string, error) {
		i := slices.Index(ids, domainID)
		if i < 0 {
			return nil, &Error{Kind: KindNotFound, Code: "not_found", Detail: "domain not found in the campaign's domains"}
		}
		return slices.Delete(ids, i, i+1), nil
	})
	return err
}

// changeCampaignDomains runs change on the campaign's domain list in a
// transaction and stores the list it returns (nil: no change), with the
// campaign's version (a concurrent edit is ErrStale, 409).
func (s *Store) changeCampaignDomains(ctx context.Context, sc Scope, campaignID string,
	change func(tx *gorm.DB, c *Campaign, ids []string) ([]string, error)) (*Campaign, bool, error) {
	var out *Campaign
	changed := false
	err := s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := s.campaignTx(tx, sc, campaignID)
		if err != nil {
			return err
		}
		if err := CampaignDomainsChangeable.Check(c.Status, "given or relieved of domains"); err != nil {
			return err
		}
		ids, err := change(tx, c, c.DomainIDList())
		if err != nil {
			return err
		}
		if ids == nil {
			out = c
			return nil
		}
		res := tx.Model(&Campaign{}).Where("id = ? AND version = ?", c.ID, c.Version).Updates(map[string]any{
			"domain_ids": encodeJSON(nonNil(ids)), "updated_at": s.Now(), "version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return internal("update campaign domains", res.Error)
		}
		if res.RowsAffected == 0 {
			return &Error{Kind: KindConflict, Code: "invalid_state", Detail: "the campaign changed meanwhile; try again", Err: ErrStale}
		}
		changed = true
		if out, err = s.campaignTx(tx, Scope{}, c.ID); err != nil {
			return err
		}
		return s.campaignChangedTx(tx, c.ID)
	})
	if err != nil {
		return nil, false, err
	}
	return out, changed, nil
}
