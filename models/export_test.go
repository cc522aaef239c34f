package models

import "gorm.io/gorm"

// BumpCampaignStatsTx lets the tests count as the sending engine does.
func (s *Store) BumpCampaignStatsTx(tx *gorm.DB, campaignID string, d StatsDelta) error {
	return s.bumpCampaignStatsTx(tx, campaignID, d)
}
