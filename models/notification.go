package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// E-mail notifications (issue 17): events a client is told about by
// e-mail, each once. NotificationsDue finds the events nobody was told
// about yet; the workflow records each (RecordNotificationTx) in the
// transaction that enqueues its e-mails, so an event is mailed once even
// when two passes overlap.

// NotificationKind is what a notification is about.
type NotificationKind string

// The notifications.
const (
	// NotifyDomainFailed: a domain failed; the subject is the timeline
	// event of the failure.
	NotifyDomainFailed NotificationKind = "domain_failed"
	// NotifyCertExpiring: a live domain's certificate expires within
	// CertExpiryNotice; the subject is the domain and the expiry.
	NotifyCertExpiring NotificationKind = "cert_expiring"
	// NotifyRegistrationExpired: a registration link expired unused; the
	// subject is the registration.
	NotifyRegistrationExpired NotificationKind = "registration_expired"
)

// CertExpiryNotice is how long before a certificate expires its client is
// told.
const CertExpiryNotice = 14 * 24 * time.Hour

// NotificationLookback bounds how old an event may be and still be told
// about (failures and expired links from before notifications existed
// are not mailed all at once).
const NotificationLookback = 7 * 24 * time.Hour

// PrefixNotification is the id prefix of a notification record.
const PrefixNotification = "ntf_"

// Notification records that an event was told about.
type Notification struct {
	ID         string           `gorm:"primaryKey"`
	Kind       NotificationKind `gorm:"not null"`
	SubjectKey string           `gorm:"not null"`
	ClientID   string           `gorm:"not null"`
	DomainID   string           `gorm:"not null"`
	CreatedAt  time.Time        `gorm:"not null"`
}

// NotificationDue is an event nobody was told about yet, with what its
// e-mail says.
type NotificationDue struct {
	Kind       NotificationKind
	SubjectKey string
	ClientID   string
	DomainID   string
	Host       string
	// Reason is the failure's reason (NotifyDomainFailed) or the address
	// the link went to (NotifyRegistrationExpired).
	Reason string
	// At is when the event happened, or when the certificate expires.
	At time.Time
}

// NotificationsDue lists up to limit events of each kind at now that were
// not told about: failures of domains that are still failed, certificates
// of live domains that expire within CertExpiryNotice (and have not yet),
// registration links that expired unused; none older than
// NotificationLookback.
func (s *Store) NotificationsDue(ctx context.Context, now time.Time, limit int) ([]NotificationDue, error) {
	since := now.Add(-NotificationLookback)
	db := s.gorm(ctx)
	told := func(kind NotificationKind, key string) *gorm.DB {
		return db.Table("notifications").Select("1").Where("notifications.kind = ? AND notifications.subject_key = "+key, kind)
	}
	var out []NotificationDue

	var failed []struct {
		EventID, DomainID, ClientID, Host, Reason string
		At                                        time.Time
	}
	err := db.Table("domain_events").
		Select("domain_events.id AS event_id, domains.id AS domain_id, domains.client_id, domains.host, domain_events.reason, domain_events.at").
		Joins("JOIN domains ON domains.id = domain_events.domain_id").
		Where("domain_events.to_status = ? AND domains.status = ? AND domain_events.at > ?", StatusFailed, StatusFailed, since).
		Where("NOT EXISTS (?)", told(NotifyDomainFailed, "domain_events.id")).
		Order("domain_events.id").Limit(limit).Scan(&failed).Error
	if err != nil {
		return nil, internal("failures to notify", err)
	}
	for _, f := range failed {
		out = append(out, NotificationDue{Kind: NotifyDomainFailed, SubjectKey: f.EventID, ClientID: f.ClientID, DomainID: f.DomainID,
			Host: f.Host, Reason: f.Reason, At: f.At})
	}

	var certs []Domain
	err = db.Where("status IN ? AND cert_expires_at IS NOT NULL AND cert_expires_at > ? AND cert_expires_at <= ?",
		Reconciled, now, now.Add(CertExpiryNotice)).Order("id").Limit(limit * 2).Find(&certs).Error
	if err != nil {
		return nil, internal("certificates to notify", err)
	}
	for _, d := range certs {
		key := CertNotificationKey(d.ID, *d.CertExpiresAt)
		var n int64
		if err := db.Model(&Notification{}).Where("kind = ? AND subject_key = ?", NotifyCertExpiring, key).Count(&n).Error; err != nil {
			return nil, internal("certificates to notify", err)
		}
		if n == 0 && len(out) < 3*limit {
			out = append(out, NotificationDue{Kind: NotifyCertExpiring, SubjectKey: key, ClientID: d.ClientID, DomainID: d.ID,
				Host: d.Host, At: d.CertExpiresAt.UTC()})
		}
	}

	var regs []struct {
		ID, DomainID, ClientID, Host, Email string
		ExpiresAt                           time.Time
	}
	err = db.Table("registrations").
		Select("registrations.id, registrations.domain_id, domains.client_id, domains.host, registrations.email, registrations.expires_at").
		Joins("JOIN domains ON domains.id = registrations.domain_id").
		Where("registrations.status = ? AND registrations.expires_at > ?", RegExpired, since).
		Where("NOT EXISTS (?)", told(NotifyRegistrationExpired, "registrations.id")).
		Order("registrations.id").Limit(limit).Scan(&regs).Error
	if err != nil {
		return nil, internal("registrations to notify", err)
	}
	for _, r := range regs {
		out = append(out, NotificationDue{Kind: NotifyRegistrationExpired, SubjectKey: r.ID, ClientID: r.ClientID, DomainID: r.DomainID,
			Host: r.Host, Reason: r.Email, At: r.ExpiresAt.UTC()})
	}
	return out, nil
}

// CertNotificationKey names a certificate's expiry: a renewed
// certificate's is another event.
func CertNotificationKey(domainID string, expires time.Time) string {
	return domainID + "@" + expires.UTC().Format(time.RFC3339)
}

// RecordNotificationTx records in tx that n was told about; false when it
// already was (by another pass), and the caller then sends nothing.
func (s *Store) RecordNotificationTx(tx *gorm.DB, n NotificationDue) (bool, error) {
	row := &Notification{ID: NewID(PrefixNotification), Kind: n.Kind, SubjectKey: n.SubjectKey, ClientID: n.ClientID,
		DomainID: n.DomainID, CreatedAt: s.Now()}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(row)
	if res.Error != nil {
		return false, internal("record notification", res.Error)
	}
	return res.RowsAffected == 1, nil
}
