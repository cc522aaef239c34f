package models

// Campaign stats (API.md "GET /campaigns/{id}/stats"): counters kept up to
// date as messages are sent (the sending engine) and as Twilio reports on
// them (the status and click callbacks), so reading them never scans the
// messages. A change adds a delta in one upsert, in the transaction of the
// change it counts.

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"gorm.io/gorm"
)

// CampaignStatsRow is a campaign's counters (table campaign_stats).
type CampaignStatsRow struct {
	CampaignID      string `gorm:"primaryKey"`
	Sent            int64  `gorm:"not null"`
	Delivered       int64  `gorm:"not null"`
	Failed          int64  `gorm:"not null"`
	Undelivered     int64  `gorm:"not null"`
	Segments        int64  `gorm:"not null"`
	CostMicros      int64  `gorm:"not null"` // what Twilio charged, in millionths of Currency
	Currency        string `gorm:"not null"`
	Clicks          int64  `gorm:"not null"` // human clicks
	UniqueClicks    int64  `gorm:"not null"` // messages with at least one human click
	AutomatedClicks int64  `gorm:"not null"`
}

// TableName implements GORM's Tabler.
func (CampaignStatsRow) TableName() string { return "campaign_stats" }

// CampaignDomainStatsRow is what one campaign sent through one domain
// (table campaign_domain_stats).
type CampaignDomainStatsRow struct {
	CampaignID string `gorm:"primaryKey"`
	DomainID   string `gorm:"primaryKey"`
	Sent       int64  `gorm:"not null"`
	Clicks     int64  `gorm:"not null"` // human clicks
}

// TableName implements GORM's Tabler.
func (CampaignDomainStatsRow) TableName() string { return "campaign_domain_stats" }

// StatsDelta is a change of a campaign's counters; zero fields leave
// theirs. Currency is recorded when CostMicros is not zero.
type StatsDelta struct {
	Sent, Delivered, Failed, Undelivered, Segments int64
	CostMicros                                     int64
	Currency                                       string
	Clicks, UniqueClicks, AutomatedClicks          int64
}

// bumpCampaignStatsTx adds d to the campaign's counters (creating them),
// and tells the campaign's watchers.
func (s *Store) bumpCampaignStatsTx(tx *gorm.DB, campaignID string, d StatsDelta) error {
	err := tx.Exec(`INSERT INTO campaign_stats (campaign_id, sent, delivered, failed, undelivered, segments,
  cost_micros, currency, clicks, unique_clicks, automated_clicks)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (campaign_id) DO UPDATE SET
  sent = campaign_stats.sent + excluded.sent,
  delivered = campaign_stats.delivered + excluded.delivered,
  failed = campaign_stats.failed + excluded.failed,
  undelivered = campaign_stats.undelivered + excluded.undelivered,
  segments = campaign_stats.segments + excluded.segments,
  cost_micros = campaign_stats.cost_micros + excluded.cost_micros,
  currency = CASE WHEN excluded.currency = '' THEN campaign_stats.currency ELSE excluded.currency END,
  clicks = campaign_stats.clicks + excluded.clicks,
  unique_clicks = campaign_stats.unique_clicks + excluded.unique_clicks,
  automated_clicks = campaign_stats.automated_clicks + excluded.automated_clicks`,
		campaignID, d.Sent, d.Delivered, d.Failed, d.Undelivered, d.Segments, d.CostMicros, d.Currency,
		d.Clicks, d.UniqueClicks, d.AutomatedClicks).Error
	if err != nil {
		return internal("count campaign stats", err)
	}
	return s.campaignCountedTx(tx, campaignID)
}

// bumpCampaignDomainStatsTx adds sent messages and human clicks to what
// the campaign did through the domain.
func (s *Store) bumpCampaignDomainStatsTx(tx *gorm.DB, campaignID, domainID string, sent, clicks int64) error {
	err := tx.Exec(`INSERT INTO campaign_domain_stats (campaign_id, domain_id, sent, clicks) VALUES (?, ?, ?, ?)
ON CONFLICT (campaign_id, domain_id) DO UPDATE SET
  sent = campaign_domain_stats.sent + excluded.sent,
  clicks = campaign_domain_stats.clicks + excluded.clicks`, campaignID, domainID, sent, clicks).Error
	if err != nil {
		return internal("count campaign domain stats", err)
	}
	return nil
}

// PriceMicros reads a Twilio price ("-0.00790": negative, what was
// charged) as a positive amount in millionths. "" or unreadable is 0.
func PriceMicros(price string) int64 {
	price = strings.TrimPrefix(strings.TrimSpace(price), "-")
	r, ok := new(big.Rat).SetString(price)
	if !ok || r.Sign() < 0 {
		return 0
	}
	r.Mul(r, big.NewRat(1_000_000, 1))
	n := new(big.Int).Quo(r.Num(), r.Denom())
	if !n.IsInt64() {
		return 0
	}
	return n.Int64()
}

// MoneyView is an amount of money as the API shows it: a decimal string
// with four places and an ISO 4217 currency.
type MoneyView struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

func moneyFromMicros(micros int64, currency string) MoneyView {
	if currency == "" {
		currency = "USD"
	}
	// Round half up to four places.
	tenThousandths := (micros + 50) / 100
	return MoneyView{Amount: fmt.Sprintf("%d.%04d", tenThousandths/10000, tenThousandths%10000), Currency: currency}
}

// CampaignDomainUseView is one domain's line of a campaign's stats.
type CampaignDomainUseView struct {
	DomainID string `json:"domain_id"`
	Host     string `json:"host"`
	Sent     int64  `json:"sent"`
	Clicks   int64  `json:"clicks"`
}

// CampaignStatsView is GET /campaigns/{id}/stats.
type CampaignStatsView struct {
	Recipients      int64                   `json:"recipients"`
	Sent            int64                   `json:"sent"`
	Delivered       int64                   `json:"delivered"`
	Failed          int64                   `json:"failed"`
	Undelivered     int64                   `json:"undelivered"`
	Segments        int64                   `json:"segments"`
	Cost            MoneyView               `json:"cost"`
	Clicks          int64                   `json:"clicks"`
	UniqueClicks    int64                   `json:"unique_clicks"`
	AutomatedClicks int64                   `json:"automated_clicks"`
	ClickRate       float64                 `json:"click_rate"`
	ByDomain        []CampaignDomainUseView `json:"by_domain"`
}

// CampaignStats returns a campaign's stats from its counters.
// click_rate is unique human clicks / delivered (0 before a delivery).
func (s *Store) CampaignStats(ctx context.Context, sc Scope, id string) (*CampaignStatsView, error) {
	c, err := s.GetCampaign(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	var row CampaignStatsRow
	if err := s.gorm(ctx).Where("campaign_id = ?", c.ID).Limit(1).Find(&row).Error; err != nil {
		return nil, internal("campaign stats", err)
	}
	v := &CampaignStatsView{Recipients: c.RecipientCount, Sent: row.Sent, Delivered: row.Delivered, Failed: row.Failed,
		Undelivered: row.Undelivered, Segments: row.Segments, Cost: moneyFromMicros(row.CostMicros, row.Currency),
		Clicks: row.Clicks, UniqueClicks: row.UniqueClicks, AutomatedClicks: row.AutomatedClicks,
		ByDomain: []CampaignDomainUseView{}}
	if row.Delivered > 0 {
		v.ClickRate = float64(row.UniqueClicks) / float64(row.Delivered)
	}
	err = s.gorm(ctx).Table("campaign_domain_stats AS s").
		Select("s.domain_id, COALESCE(d.host, '') AS host, s.sent, s.clicks").
		Joins("LEFT JOIN domains d ON d.id = s.domain_id").
		Where("s.campaign_id = ?", c.ID).Order("s.domain_id").Scan(&v.ByDomain).Error
	if err != nil {
		return nil, internal("campaign stats by domain", err)
	}
	return v, nil
}

// CampaignDomainView is one domain of a campaign's Domains tab: the
// domain and the messages of this campaign sent through it.
type CampaignDomainView struct {
	DomainView
	CampaignMessagesSent int64 `json:"campaign_messages_sent"`
}

// CampaignDomains returns the campaign's domains in rotation order (its
// pool's, then its own list), each with the messages of this campaign
// sent through it. Domains that are gone are left out.
func (s *Store) CampaignDomains(ctx context.Context, sc Scope, id string) ([]CampaignDomainView, error) {
	c, err := s.GetCampaign(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	ids, err := s.campaignDomainOrderTx(s.gorm(ctx), c)
	if err != nil {
		return nil, err
	}
	out := make([]CampaignDomainView, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []CampaignDomainStatsRow
	if err := s.gorm(ctx).Where("campaign_id = ?", c.ID).Find(&rows).Error; err != nil {
		return nil, internal("campaign domain stats", err)
	}
	sent := make(map[string]int64, len(rows))
	for _, r := range rows {
		sent[r.DomainID] = r.Sent
	}
	domains, err := s.domainsByIDs(ctx, c.ClientID, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if d, ok := domains[id]; ok {
			out = append(out, CampaignDomainView{DomainView: d.View(), CampaignMessagesSent: sent[id]})
		}
	}
	return out, nil
}

// campaignDomainOrderTx is the campaign's domains in rotation order: its
// pool's by position, then its own list, each domain once.
func (s *Store) campaignDomainOrderTx(tx *gorm.DB, c *Campaign) ([]string, error) {
	var ids []string
	if c.PoolID != nil {
		if err := tx.Model(&PoolDomain{}).Where("pool_id = ?", *c.PoolID).Order("position").
			Pluck("domain_id", &ids).Error; err != nil {
			return nil, internal("campaign pool domains", err)
		}
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		seen[id] = true
	}
	for _, id := range c.DomainIDList() {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// domainsByIDs reads the client's domains among ids, with their Messaging
// Services, by id.
func (s *Store) domainsByIDs(ctx context.Context, clientID string, ids []string) (map[string]*Domain, error) {
	var ds []*Domain
	if err := s.gorm(ctx).Where("client_id = ? AND id IN ?", clientID, ids).Find(&ds).Error; err != nil {
		return nil, internal("campaign domains", err)
	}
	if err := s.fillMessagingServices(ctx, ds); err != nil {
		return nil, err
	}
	out := make(map[string]*Domain, len(ds))
	for _, d := range ds {
		out[d.ID] = d
	}
	return out, nil
}
