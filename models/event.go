package models

import (
	"context"
	"time"
)

// DomainEvent is one entry of a domain's timeline: a status change, or a
// step within a status (From == To), with why and by whom.
type DomainEvent struct {
	ID       string    `gorm:"primaryKey"`
	DomainID string    `gorm:"not null"`
	From     Status    `gorm:"column:from_status;not null"`
	To       Status    `gorm:"column:to_status;not null"`
	Reason   string    `gorm:"not null"`
	Actor    string    `gorm:"not null"`
	At       time.Time `gorm:"not null"`
}

// DomainEvents returns a domain's timeline, oldest first.
func (s *Store) DomainEvents(ctx context.Context, sc Scope, domainID string) ([]DomainEvent, error) {
	if _, err := s.GetDomain(ctx, sc, domainID); err != nil {
		return nil, err
	}
	var evs []DomainEvent
	if err := s.gorm(ctx).Where("domain_id = ?", domainID).Order("id ASC").Find(&evs).Error; err != nil {
		return nil, internal("domain events", err)
	}
	return evs, nil
}
