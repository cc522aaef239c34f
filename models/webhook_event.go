package models

// Webhook events: the outbox rows that the transition engine (and EmitTx)
// write in the changing transaction, delivered by the webhook workflows.

import (
	"context"
	"time"
)

// WebhookEvent is one event in the outbox: written in the transaction of
// the change it reports, dispatched (fanned out to endpoints) later.
type WebhookEvent struct {
	ID       string `gorm:"primaryKey"`
	Type     string `gorm:"not null"`
	ClientID string `gorm:"not null"`
	// Payload is the body sent: {"type","timestamp","data"}.
	Payload      string    `gorm:"not null"`
	CreatedAt    time.Time `gorm:"not null"`
	DispatchedAt *time.Time
}

// WebhookPayload is the body of every webhook.
type WebhookPayload struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// WebhookEvents lists outbox rows of a client ("" = all), oldest first
// (for tests and the dispatcher).
func (s *Store) WebhookEvents(ctx context.Context, clientID string) ([]WebhookEvent, error) {
	tx := s.gorm(ctx)
	if clientID != "" {
		tx = tx.Where("client_id = ?", clientID)
	}
	var evs []WebhookEvent
	if err := tx.Order("id ASC").Find(&evs).Error; err != nil {
		return nil, internal("webhook events", err)
	}
	return evs, nil
}

// ---- endpoints ----
