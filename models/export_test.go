package models

import (
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

// EncodeCursor is the cursor of a page that ends at id.
func EncodeCursor(id string) string { return encodeCursor(id) }
