package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// Twilio's error codes for a message that a carrier would not deliver
// because of its content: 30007 (message filtered) and 30110 (blocked by
// the carrier's content filter), the evidence that a link domain is
// blocked.
const (
	ErrorCodeFiltered       = 30007
	ErrorCodeCarrierBlocked = 30110
)

// DefaultCarrierBlockThreshold is how many filtered messages carrying a
// domain make it blocked.
const DefaultCarrierBlockThreshold = 20

// Blockable: carriers' filtering moves the domain to blocked.
var Blockable = StatusSet{StatusConfigured, StatusReachedLimit}

// RecordCarrierFiltered counts one message carrying the domain that Twilio
// reported failed with code (only ErrorCodeFiltered and
// ErrorCodeCarrierBlocked count: any other code is ignored). The count is
// one row update; when it reaches threshold (DefaultCarrierBlockThreshold
// when 0) a configured or reached_limit domain becomes blocked, once, with
// the evidence in its status_reason, its timeline entry and the
// domain.blocked event, and the count starts again. It reports whether
// this call blocked the domain.
func (s *Store) RecordCarrierFiltered(ctx context.Context, domainID string, code int, threshold int64) (bool, error) {
	if code != ErrorCodeFiltered && code != ErrorCodeCarrierBlocked {
		return false, nil
	}
	if threshold <= 0 {
		threshold = DefaultCarrierBlockThreshold
	}
	var n int64
	err := s.gorm(ctx).Raw(`UPDATE domains SET carrier_filtered = carrier_filtered + 1 WHERE id = ? RETURNING carrier_filtered`, domainID).
		Row().Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return false, NotFound("domain")
	}
	if err != nil {
		return false, internal("count a filtered message", err)
	}
	if n < threshold {
		return false, nil
	}
	blocked := false
	err = s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		// The reset takes the row's lock and decides who blocks: a
		// concurrent call finds the count reset (or the status changed)
		// and leaves it.
		res := tx.Model(&Domain{}).Where("id = ? AND carrier_filtered >= ? AND status IN ?", domainID, threshold, []Status(Blockable)).
			Update("carrier_filtered", 0)
		if res.Error != nil {
			return internal("reset the filtered count", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		d, err := s.DomainByID(ctx, tx, domainID)
		if err != nil {
			return err
		}
		reason := fmt.Sprintf("carriers filtered %d messages carrying %s (Twilio errors %d/%d): links on it are blocked",
			n, d.Host, ErrorCodeFiltered, ErrorCodeCarrierBlocked)
		blocked = true
		return s.ApplyTx(tx, d, Change{To: StatusBlocked, Reason: reason, Actor: "carriers", StatusReason: &reason,
			EventData: map[string]any{"filtered_messages": n}})
	})
	if err != nil {
		return false, err
	}
	return blocked, nil
}
