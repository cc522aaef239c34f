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

// DomainEventView is the API representation of a timeline entry.
type DomainEventView struct {
	At     time.Time `json:"at"`
	From   *Status   `json:"from"`
	To     Status    `json:"to"`
	Reason string    `json:"reason"`
	Actor  string    `json:"actor"`
}

// View returns the API representation.
func (e *DomainEvent) View() DomainEventView {
	return DomainEventView{At: e.At.UTC(), From: nonEmpty(e.From), To: e.To, Reason: e.Reason, Actor: e.Actor}
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
