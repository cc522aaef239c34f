package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The per-domain messaging quota (DESIGN §10): a message takes one unit of
// its domain's quota in the same statement that checks it, so replicas
// sending for one client can never overshoot the limit.

// QuotaResult is what TakeQuota did.
type QuotaResult struct {
	// Taken is true when the message may go out through this domain.
	Taken bool
	// MessagesSent is the domain's count after the call.
	MessagesSent int64
	// Limit is the client's domain_limit (nil: none).
	Limit *int64
	// Status is the domain's status after the call: reached_limit when
	// this take used the last unit or the limit was already reached;
	// another status when the domain is not usable for sending.
	Status Status
	// ReachedLimit is true for the one call that moved the domain to
	// reached_limit.
	ReachedLimit bool
}

// takeQuotaSQL is the take: one UPDATE whose WHERE checks the status and
// the client's limit (a subquery of the same statement) and whose
// RETURNING gives the new count and the limit. Both engines (PostgreSQL,
// SQLite ≥ 3.35) accept it.
const takeQuotaSQL = `UPDATE domains SET messages_sent = messages_sent + 1, last_used_at = ?, archive_warned_at = NULL
WHERE id = ? AND status = ?
  AND ((SELECT c.domain_limit FROM clients c WHERE c.id = domains.client_id) IS NULL
       OR messages_sent < (SELECT c.domain_limit FROM clients c WHERE c.id = domains.client_id))
RETURNING messages_sent, (SELECT c.domain_limit FROM clients c WHERE c.id = domains.client_id)`

// TakeQuota takes one message's unit of the domain's quota. It is one
// statement (no read-then-write). When it takes the last unit (the count
// reaches the client's domain_limit), the domain becomes reached_limit
// then, so that the next message rotates; when nothing could be taken
// because the limit is already reached, the domain is moved to
// reached_limit (once, whatever the concurrency: ApplyTx's version check
// lets one mover win). A domain that is not configured takes nothing:
// Taken false with its Status. A missing domain is NotFound.
//
// onReached, when given, runs in the transaction that moves the domain to
// reached_limit (only in the call that moved it): the sending engine
// records there the campaign's switch to its next domain, so that both
// changes commit together.
func (s *Store) TakeQuota(ctx context.Context, domainID string, onReached ...func(tx *gorm.DB, d *Domain) error) (QuotaResult, error) {
	var (
		sent  int64
		limit *int64
	)
	now := s.Now()
	err := s.gorm(ctx).Raw(takeQuotaSQL, now, domainID, StatusConfigured).Row().Scan(&sent, &limit)
	switch {
	case err == nil:
		r := QuotaResult{Taken: true, MessagesSent: sent, Limit: limit, Status: StatusConfigured}
		if limit != nil && sent >= *limit {
			moved, st, err := s.reachLimit(ctx, domainID, onReached)
			if err != nil {
				return r, err
			}
			r.ReachedLimit, r.Status = moved, st
		}
		return r, nil
	case !errors.Is(err, sql.ErrNoRows):
		return QuotaResult{}, internal("take quota", err)
	}
	// Nothing taken: not configured, or the limit is reached.
	d, err := s.DomainByID(ctx, nil, domainID)
	if err != nil {
		return QuotaResult{}, err
	}
	r := QuotaResult{MessagesSent: d.MessagesSent, Status: d.Status}
	if r.Limit, err = s.clientDomainLimit(ctx, s.gorm(ctx), d.ClientID); err != nil {
		return r, err
	}
	if d.Status != StatusConfigured {
		return r, nil
	}
	moved, st, err := s.reachLimit(ctx, domainID, onReached)
	if err != nil {
		return r, err
	}
	r.ReachedLimit, r.Status = moved, st
	return r, nil
}

// reachLimit moves a configured domain whose count is at or past its
// client's limit to reached_limit, with its timeline entry and events.
// It reports whether this call moved it, and the status after.
func (s *Store) reachLimit(ctx context.Context, domainID string, onReached []func(tx *gorm.DB, d *Domain) error) (bool, Status, error) {
	for attempt := 0; ; attempt++ {
		var (
			moved bool
			st    Status
		)
		err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			d, err := s.DomainByID(ctx, tx, domainID)
			if err != nil {
				return err
			}
			st = d.Status
			if d.Status != StatusConfigured {
				return nil
			}
			limit, err := s.clientDomainLimit(ctx, tx, d.ClientID)
			if err != nil {
				return err
			}
			if limit == nil || d.MessagesSent < *limit {
				return nil // the limit was raised meanwhile
			}
			reason := fmt.Sprintf("sent %d messages: the client's per-domain limit of %d is reached", d.MessagesSent, *limit)
			if err := s.ApplyTx(tx, d, Change{To: StatusReachedLimit, Reason: reason, StatusReason: &reason, Actor: ActorSystem}); err != nil {
				return err
			}
			for _, f := range onReached {
				if err := f(tx, d); err != nil {
					return err
				}
			}
			moved, st = true, d.Status
			return nil
		})
		if errors.Is(err, ErrConflict) && attempt < 5 {
			continue // another mover or a person changed it: look again
		}
		return moved, st, err
	}
}

// clientDomainLimit reads a client's domain_limit (nil: none).
func (s *Store) clientDomainLimit(_ context.Context, tx *gorm.DB, clientID string) (*int64, error) {
	var c Client
	if err := tx.Select("domain_limit").Where("id = ?", clientID).Take(&c).Error; err != nil {
		return nil, internal("client domain limit", err)
	}
	return c.DomainLimit, nil
}

// ActorSystem is the actor of changes linkgate makes by itself (limits,
// auto-archive).
const ActorSystem = "system"

// LastUse is when the domain was last used to send, or when it became
// configured when it never was.
func (d *Domain) LastUse() time.Time {
	if d.LastUsedAt != nil {
		return *d.LastUsedAt
	}
	if d.ConfiguredAt != nil {
		return *d.ConfiguredAt
	}
	return d.UpdatedAt
}

// TakeAndMark takes the domain's quota for a sending chunk and marks the
// chunk's rows sending through it, in one transaction: a unit is taken
// for each row marked and for nothing else, so a crash or a stop at any
// point leaves no unit taken without its row (the units and the rows
// commit together or not at all). Rows are taken in order, as many as
// the client's limit leaves; a row another runner took meanwhile is
// skipped. used is how many of rows were looked at (marked or skipped):
// the caller's next chunk starts there. The domain's row is locked while
// it counts, so concurrent senders never overshoot the limit, and the
// call that uses the last unit moves the domain to reached_limit as
// TakeQuota does (onReached runs in that transaction).
func (s *Store) TakeAndMark(ctx context.Context, c *Campaign, domainID string, rows []CampaignRecipient,
	onReached ...func(tx *gorm.DB, d *Domain) error) (r QuotaResult, marked []CampaignRecipient, used int, err error) {
	if len(rows) == 0 {
		return QuotaResult{}, nil, 0, nil
	}
	now := s.Now()
	err = s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		marked, used = marked[:0], 0
		q := tx
		if s.db.Dialect == Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var d Domain
		if err := q.Select("id, client_id, status, messages_sent").Where("id = ?", domainID).Take(&d).Error; err != nil {
			return TranslateError(err)
		}
		limit, err := s.clientDomainLimit(ctx, tx, d.ClientID)
		if err != nil {
			return err
		}
		r = QuotaResult{MessagesSent: d.MessagesSent, Limit: limit, Status: d.Status}
		if d.Status != StatusConfigured {
			return nil
		}
		want := int64(len(rows))
		if limit != nil {
			want = min(want, max(*limit-d.MessagesSent, 0))
		}
		for used < len(rows) && int64(len(marked)) < want {
			row, ok, err := markSendingTx(tx, c, domainID, rows[used], now)
			used++
			if err != nil {
				return err
			}
			if ok {
				marked = append(marked, row)
			}
		}
		if len(marked) == 0 {
			return nil
		}
		if err := tx.Exec(`UPDATE domains SET messages_sent = messages_sent + ?, last_used_at = ?, archive_warned_at = NULL WHERE id = ?`,
			len(marked), now, domainID).Error; err != nil {
			return internal("take quota", err)
		}
		r.Taken, r.MessagesSent = true, d.MessagesSent+int64(len(marked))
		return nil
	})
	if err != nil {
		return QuotaResult{}, nil, 0, err
	}
	if r.Status == StatusConfigured && r.Limit != nil && r.MessagesSent >= *r.Limit {
		moved, st, err := s.reachLimit(ctx, domainID, onReached)
		if err != nil {
			return r, marked, used, err
		}
		r.ReachedLimit, r.Status = moved, st
	}
	return r, marked, used, nil
}
