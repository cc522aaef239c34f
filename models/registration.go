package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/linkgate/linkgate/models/hostname"
	"gorm.io/gorm"
)

// RegistrationStatus is where a forward-login registration stands.
type RegistrationStatus string

// Registration statuses (API.md "Registrations").
const (
	RegSent           RegistrationStatus = "sent"
	RegOpened         RegistrationStatus = "opened"
	RegAccountCreated RegistrationStatus = "account_created"
	RegAuthenticated  RegistrationStatus = "authenticated"
	RegCompleted      RegistrationStatus = "completed"
	RegExpired        RegistrationStatus = "expired"
	RegRevoked        RegistrationStatus = "revoked"
)

// RegistrationStatuses lists every registration status, in the order
// they happen.
var RegistrationStatuses = []RegistrationStatus{RegSent, RegOpened, RegAccountCreated, RegAuthenticated, RegCompleted, RegExpired, RegRevoked}

// RegistrationOpen lists the statuses in which a registration link still
// works.
var RegistrationOpen = []RegistrationStatus{RegSent, RegOpened, RegAccountCreated, RegAuthenticated}

// PrefixRegistration prefixes registration ids.
const PrefixRegistration = "reg_"

// Registration is a single-use link e-mailed to a client so that they
// finish a domain's setup themselves. Only the SHA-256 of the token is kept.
type Registration struct {
	ID             string             `gorm:"primaryKey"`
	DomainID       string             `gorm:"not null"`
	Email          string             `gorm:"not null"`
	TokenHash      string             `gorm:"not null"`
	Status         RegistrationStatus `gorm:"not null"`
	UserID         *string
	ExpiresAt      time.Time `gorm:"not null"`
	RemindersSent  int       `gorm:"not null"`
	LastReminderAt *time.Time
	OpenedAt       *time.Time
	CompletedAt    *time.Time
	CreatedAt      time.Time `gorm:"not null"`
	UpdatedAt      time.Time `gorm:"not null"`
}

// Open reports whether the link still works at now.
func (r *Registration) Open(now time.Time) bool {
	if now.After(r.ExpiresAt) {
		return false
	}
	for _, s := range RegistrationOpen {
		if r.Status == s {
			return true
		}
	}
	return false
}

// NewToken returns a random URL-safe token of 256 bits.
func NewToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CreateRegistrationTx revokes the domain's open registrations and makes a
// new one; it returns the registration and its token (never stored).
func (s *Store) CreateRegistrationTx(tx *gorm.DB, domainID, email string, ttl time.Duration) (*Registration, string, error) {
	now := s.Now()
	if err := tx.Model(&Registration{}).Where("domain_id = ? AND status IN ?", domainID, RegistrationOpen).
		Updates(map[string]any{"status": RegRevoked, "updated_at": now}).Error; err != nil {
		return nil, "", internal("revoke registrations", err)
	}
	token := NewToken()
	r := &Registration{ID: NewID(PrefixRegistration), DomainID: domainID, Email: email, TokenHash: HashKey(token),
		Status: RegSent, ExpiresAt: now.Add(ttl), CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(r).Error; err != nil {
		return nil, "", internal("create registration", err)
	}
	return r, token, nil
}

// RegistrationByToken finds a registration by its token, whatever its
// status (callers decide what an expired or used link shows).
func (s *Store) RegistrationByToken(ctx context.Context, token string) (*Registration, error) {
	if token == "" || len(token) > 200 {
		return nil, NotFound("registration")
	}
	var r Registration
	err := s.gorm(ctx).Where("token_hash = ?", HashKey(token)).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("registration")
	}
	return &r, internal("find registration", err)
}

// RegistrationByID reads one registration.
func (s *Store) RegistrationByID(ctx context.Context, tx *gorm.DB, id string) (*Registration, error) {
	if tx == nil {
		tx = s.gorm(ctx)
	}
	var r Registration
	err := tx.Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("registration")
	}
	return &r, internal("find registration", err)
}

// AdvanceRegistrationTx moves a registration to status "to" only if it is
// in one of "from" and not expired: one conditional UPDATE, so of two
// concurrent attempts exactly one wins. It reports whether this one did.
func (s *Store) AdvanceRegistrationTx(tx *gorm.DB, id string, from []RegistrationStatus, to RegistrationStatus, set map[string]any) (bool, error) {
	now := s.Now()
	upd := map[string]any{"status": to, "updated_at": now}
	for k, v := range set {
		upd[k] = v
	}
	switch to {
	case RegOpened:
		upd["opened_at"] = now
	case RegCompleted:
		upd["completed_at"] = now
	}
	res := tx.Model(&Registration{}).Where("id = ? AND status IN ? AND expires_at > ?", id, from, now).Updates(upd)
	if res.Error != nil {
		return false, internal("advance registration", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// RegistrationQuery selects registrations; one of the fields is set.
type RegistrationQuery struct {
	DomainHost string
	DomainID   string
	UserID     string
}

// ListRegistrations returns matching registrations visible in scope,
// newest first.
func (s *Store) ListRegistrations(ctx context.Context, sc Scope, q RegistrationQuery) ([]Registration, error) {
	tx := s.gorm(ctx).Model(&Registration{}).Joins("JOIN domains ON domains.id = registrations.domain_id")
	switch {
	case q.DomainHost != "":
		tx = tx.Where("domains.host = ?", hostname.Canonical(q.DomainHost))
	case q.DomainID != "":
		tx = tx.Where("registrations.domain_id = ?", q.DomainID)
	case q.UserID != "":
		tx = tx.Where("registrations.user_id = ?", q.UserID)
	default:
		return nil, Invalid("invalid_query", "domain", "give domain, domain_id or user_id")
	}
	if !sc.Admin() {
		tx = tx.Where("domains.client_id = ?", sc.ClientID)
	}
	var out []Registration
	if err := tx.Select("registrations.*").Order("registrations.id DESC").Limit(200).Find(&out).Error; err != nil {
		return nil, internal("list registrations", err)
	}
	return out, nil
}

// OpenRegistrationsDue returns open registrations created before cutoff
// (for reminders) or expired by now, oldest first, at most limit.
func (s *Store) OpenRegistrationsDue(ctx context.Context, createdBefore time.Time, limit int) ([]Registration, error) {
	var out []Registration
	now := s.Now()
	err := s.gorm(ctx).Where("status IN ? AND (created_at < ? OR expires_at <= ?)", RegistrationOpen, createdBefore, now).
		Order("id").Limit(limit).Find(&out).Error
	return out, internal("registrations due", err)
}
