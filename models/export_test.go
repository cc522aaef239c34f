package models

import (
	"context"

	"gorm.io/gorm"
)

// BumpCampaignStatsTx lets the tests count as the sending engine does.
func (s *Store) BumpCampaignStatsTx(tx *gorm.DB, campaignID string, d StatsDelta) error {
	return s.bumpCampaignStatsTx(tx, campaignID, d)
}

// BumpCampaignDomainStatsTx lets the tests count per domain as the sending
// engine does.
func (s *Store) BumpCampaignDomainStatsTx(tx *gorm.DB, campaignID, domainID string, sent, clicks int64) error {
	return s.bumpCampaignDomainStatsTx(tx, campaignID, domainID, sent, clicks)
}

// KeyCacheUsable says whether Authenticate may answer from the key cache
// (on PostgreSQL: the key listener is connected), starting it if need be.
func (db *DB) KeyCacheUsable() bool { return db.keyCacheUsable() }

// DomainPageWalk is the walk ListDomains tries first for q ("" if none).
func (s *Store) DomainPageWalk(ctx context.Context, sc Scope, q DomainQuery) (string, []any, error) {
	p, err := s.domainPage(ctx, sc, q)
	return p.walk, p.walkArgs, err
}
