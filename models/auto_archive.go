package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Auto-archive (API.md "Domain management"): a configured domain not used
// to send for a while is archived by the system, after its client was
// warned once, ArchiveWarning ahead.

// ArchiveWarning is how long before an auto-archive the client is warned.
const ArchiveWarning = 7 * 24 * time.Hour

// DefaultAutoArchiveAfter is how long a domain may stay unused (90 days).
const DefaultAutoArchiveAfter = 2160 * time.Hour

// lastUseSQL is when a domain was last used: its last message, else when
// it became configured (else its last change, for rows older than the
// column).
const lastUseSQL = "COALESCE(last_used_at, configured_at, updated_at)"

// DomainsToWarn returns configured domains unused since before whose
// client has not been warned yet, oldest use first, at most limit.
func (s *Store) DomainsToWarn(ctx context.Context, before time.Time, limit int) ([]*Domain, error) {
	var ds []*Domain
	err := s.gorm(ctx).Where("status = ? AND archive_warned_at IS NULL AND "+lastUseSQL+" <= ?", StatusConfigured, before).
		Order(lastUseSQL + ", id").Limit(limit).Find(&ds).Error
	return ds, internal("domains to warn", err)
}

// DomainsToArchive returns configured domains unused since before whose
// client was warned at or before warnedBefore, at most limit.
func (s *Store) DomainsToArchive(ctx context.Context, before, warnedBefore time.Time, limit int) ([]*Domain, error) {
	var ds []*Domain
	err := s.gorm(ctx).Where("status = ? AND archive_warned_at <= ? AND "+lastUseSQL+" <= ?", StatusConfigured, warnedBefore, before).
		Order(lastUseSQL + ", id").Limit(limit).Find(&ds).Error
	return ds, internal("domains to archive", err)
}

// WarnArchiveTx records, inside tx, that d's client is being warned of its
// auto-archive at archiveAt, and emits domain.archive_warning; it reports
// false (and writes nothing) when the domain was used, changed or warned
// meanwhile, so a warning goes out once.
func (s *Store) WarnArchiveTx(tx *gorm.DB, d *Domain, unusedSince, archiveAt time.Time) (bool, error) {
	now := s.Now()
	res := tx.Model(&Domain{}).
		Where("id = ? AND status = ? AND archive_warned_at IS NULL AND "+lastUseSQL+" <= ?", d.ID, StatusConfigured, unusedSince).
		Update("archive_warned_at", now)
	if res.Error != nil {
		return false, internal("warn archive", res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	d.ArchiveWarnedAt = &now
	sids, err := messagingSIDsTx(tx, d.ID)
	if err != nil {
		return false, err
	}
	d.MessagingServiceSIDs = sids
	data := map[string]any{"domain": d.View(), "archive_at": archiveAt.UTC(), "last_used_at": d.LastUse().UTC()}
	return true, s.EmitTx(tx, EventDomainArchiveWarning, d.ClientID, data)
}

// AutoArchiveTx archives d as the system when, read again inside tx
// (locked on PostgreSQL, so that a TakeQuota cannot slip in between), it
// is still configured, warned and unused since unusedSince.
func (s *Store) AutoArchiveTx(tx *gorm.DB, d *Domain, unusedSince time.Time) (bool, error) {
	q := tx
	if s.db.Dialect == Postgres {
		q = tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var cur Domain
	if err := q.Where("id = ?", d.ID).Take(&cur).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return false, nil // deleted meanwhile
		}
		return false, internal("read domain", err)
	}
	if cur.Status != StatusConfigured || cur.LastUse().After(unusedSince) || cur.ArchiveWarnedAt == nil {
		return false, nil // used or changed since it was listed
	}
	reason := "not used to send since " + cur.LastUse().UTC().Format(time.RFC3339) + ": archived automatically"
	if err := s.ApplyTx(tx, &cur, Change{To: StatusArchived, Reason: reason, Actor: ActorSystem}); err != nil {
		return false, err
	}
	*d = cur
	return true, nil
}
