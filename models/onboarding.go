package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// DNSCredential is a client's DNS provider credentials for one domain,
// encrypted with the KeyRing (row id = domain id as associated data). Kept
// only while the domain's setup needs them.
type DNSCredential struct {
	DomainID   string    `gorm:"primaryKey"`
	Provider   string    `gorm:"not null"`
	KeyID      string    `gorm:"not null"`
	Ciphertext []byte    `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null"`
}

// DomainMessagingService records that a Messaging Service is attached to a
// domain. A Messaging Service belongs to one domain at most.
type DomainMessagingService struct {
	MessagingServiceSID string    `gorm:"column:messaging_service_sid;primaryKey"`
	DomainID            string    `gorm:"not null"`
	AttachedAt          time.Time `gorm:"not null"`
}

// Tx runs fn in one transaction, giving it the GORM handle and the
// underlying *sql.Tx (River inserts and completes jobs on it).
func (s *Store) Tx(ctx context.Context, fn func(tx *gorm.DB, sqlTx *sql.Tx) error) error {
	return s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
		if !ok {
			return errors.New("models: transaction is not a *sql.Tx")
		}
		return fn(tx, sqlTx)
	})
}

// Change is what a workflow step does to a domain: an optional new status
// and sub-status fields, with the timeline entry that explains it.
type Change struct {
	To           Status // "" keeps the status (a step within it)
	Reason       string
	Actor        string
	DNSStatus    DNSStatus
	SSLStatus    SSLStatus
	SetupMode    SetupMode
	DomainSID    *string
	StatusReason *string // nil leaves it; "" clears it
	FailedStep   *string
	CertExpires  *time.Time
	// Event is a webhook event type to emit even without a status change
	// (a messaging service attached or detached); EventData adds keys to
	// the event's data.
	Event     string
	EventData map[string]any
}

// ApplyTx applies c to d inside tx, provided the domain is still the
// version d was read at (otherwise a conflict: a concurrent step or person
// changed it, and the caller must read it again). It
// checks the transition table, updates the row and writes the timeline
// event and the webhook events (models/webhook.go emitDomainTx) in the same
// transaction. d is updated in memory.
func (s *Store) ApplyTx(tx *gorm.DB, d *Domain, c Change) error {
	from, prevDNS, prevSSL := d.Status, d.DNSStatus, d.SSLStatus
	to := from
	if c.To != "" && c.To != from {
		if err := from.CheckTransition(c.To); err != nil {
			return err
		}
		to = c.To
	}
	now := s.Now()
	upd := map[string]any{"status": to, "updated_at": now, "version": gorm.Expr("version + 1")}
	if c.DNSStatus != "" {
		upd["dns_status"] = c.DNSStatus
	}
	if c.SSLStatus != "" {
		upd["ssl_status"] = c.SSLStatus
	}
	if c.SetupMode != "" {
		upd["setup_mode"] = c.SetupMode
	}
	if c.DomainSID != nil {
		upd["domain_sid"] = *c.DomainSID
	}
	if c.StatusReason != nil {
		upd["status_reason"] = *c.StatusReason
	}
	if c.FailedStep != nil {
		upd["failed_step"] = *c.FailedStep
	}
	if c.CertExpires != nil {
		upd["cert_expires_at"] = *c.CertExpires
	}
	res := tx.Model(&Domain{}).Where("id = ? AND status = ? AND version = ?", d.ID, from, d.Version).Updates(upd)
	if res.Error != nil {
		return internal("update domain", res.Error)
	}
	if res.RowsAffected == 0 {
		return &Error{Kind: KindConflict, Code: "invalid_state", Detail: "the domain changed meanwhile; try again"}
	}
	if err := tx.Create(&DomainEvent{ID: NewID(PrefixEvent), DomainID: d.ID, From: from, To: to,
		Reason: c.Reason, Actor: c.Actor, At: now}).Error; err != nil {
		return internal("write event", err)
	}
	d.Status, d.UpdatedAt = to, now
	d.Version++
	if c.DNSStatus != "" {
		d.DNSStatus = c.DNSStatus
	}
	if c.SSLStatus != "" {
		d.SSLStatus = c.SSLStatus
	}
	if c.SetupMode != "" {
		d.SetupMode = c.SetupMode
	}
	if c.DomainSID != nil {
		d.DomainSID = *c.DomainSID
	}
	if c.StatusReason != nil {
		d.StatusReason = *c.StatusReason
	}
	if c.FailedStep != nil {
		d.FailedStep = *c.FailedStep
	}
	if c.CertExpires != nil {
		d.CertExpiresAt = c.CertExpires
	}
	return s.emitDomainTx(tx, d, from, prevDNS, prevSSL, c)
}

// SetStatusReason records the latest problem (or "" when it cleared)
// without a timeline entry: retries and polls update it often.
func (s *Store) SetStatusReason(ctx context.Context, domainID, reason string) error {
	err := s.gorm(ctx).Model(&Domain{}).Where("id = ?", domainID).
		Updates(map[string]any{"status_reason": reason, "updated_at": s.Now()}).Error
	return internal("set status reason", err)
}

// DomainByID reads a domain for the workflows, in tx when given.
func (s *Store) DomainByID(ctx context.Context, tx *gorm.DB, id string) (*Domain, error) {
	if tx == nil {
		tx = s.gorm(ctx)
	}
	var d Domain
	err := tx.Where("id = ?", id).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("domain")
	}
	if err != nil {
		return nil, internal("get domain", err)
	}
	return &d, nil
}

// ClientFallbackURL returns the client's fallback URL ("" for none).
func (s *Store) ClientFallbackURL(ctx context.Context, clientID string) (string, error) {
	var c Client
	if err := s.gorm(ctx).Select("fallback_url").Where("id = ?", clientID).Take(&c).Error; err != nil {
		return "", internal("client fallback url", err)
	}
	return c.FallbackURL, nil
}

// SaveDNSCredentialsTx encrypts and stores credentials for a domain,
// replacing earlier ones.
func (s *Store) SaveDNSCredentialsTx(tx *gorm.DB, kr *KeyRing, domainID, provider string, creds map[string]string) error {
	plain, err := json.Marshal(creds)
	if err != nil {
		return internal("encode credentials", err)
	}
	keyID, ct := kr.Seal(domainID, plain)
	if err := tx.Where("domain_id = ?", domainID).Delete(&DNSCredential{}).Error; err != nil {
		return internal("replace credentials", err)
	}
	err = tx.Create(&DNSCredential{DomainID: domainID, Provider: provider, KeyID: keyID, Ciphertext: ct, CreatedAt: s.Now()}).Error
	return internal("store credentials", err)
}

// DNSCredentials decrypts a domain's credentials; none is NotFound.
func (s *Store) DNSCredentials(ctx context.Context, kr *KeyRing, domainID string) (string, map[string]string, error) {
	var c DNSCredential
	err := s.gorm(ctx).Where("domain_id = ?", domainID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil, NotFound("dns credentials")
	}
	if err != nil {
		return "", nil, internal("load credentials", err)
	}
	plain, err := kr.Open(c.KeyID, domainID, c.Ciphertext)
	if err != nil {
		return "", nil, internal("decrypt credentials", err)
	}
	var creds map[string]string
	if err := json.Unmarshal(plain, &creds); err != nil {
		return "", nil, internal("decode credentials", err)
	}
	return c.Provider, creds, nil
}

// DeleteDNSCredentialsTx forgets a domain's credentials.
func (s *Store) DeleteDNSCredentialsTx(tx *gorm.DB, domainID string) error {
	return internal("delete credentials", tx.Where("domain_id = ?", domainID).Delete(&DNSCredential{}).Error)
}

// MessagingServiceOwner returns the domain a Messaging Service is
// attached to, or NotFound.
func (s *Store) MessagingServiceOwner(ctx context.Context, sid string) (*Domain, error) {
	var m DomainMessagingService
	err := s.gorm(ctx).Where("messaging_service_sid = ?", sid).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("messaging service")
	}
	if err != nil {
		return nil, internal("messaging service owner", err)
	}
	return s.DomainByID(ctx, nil, m.DomainID)
}

// AttachMessagingServiceTx records the attachment (moving it from another
// domain if it was there) and writes a timeline entry.
func (s *Store) AttachMessagingServiceTx(tx *gorm.DB, d *Domain, sid, actor string) error {
	if err := tx.Where("messaging_service_sid = ?", sid).Delete(&DomainMessagingService{}).Error; err != nil {
		return internal("attach messaging service", err)
	}
	if err := tx.Create(&DomainMessagingService{MessagingServiceSID: sid, DomainID: d.ID, AttachedAt: s.Now()}).Error; err != nil {
		return internal("attach messaging service", err)
	}
	return s.ApplyTx(tx, d, Change{Reason: fmt.Sprintf("messaging service %s attached", sid), Actor: actor,
		Event: EventDomainMessagingServiceAttached, EventData: map[string]any{"messaging_service_sid": sid}})
}

// DetachMessagingServiceTx removes the attachment; it reports whether
// there was one.
func (s *Store) DetachMessagingServiceTx(tx *gorm.DB, d *Domain, sid, actor string) (bool, error) {
	res := tx.Where("messaging_service_sid = ? AND domain_id = ?", sid, d.ID).Delete(&DomainMessagingService{})
	if res.Error != nil {
		return false, internal("detach messaging service", res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	return true, s.ApplyTx(tx, d, Change{Reason: fmt.Sprintf("messaging service %s detached", sid), Actor: actor,
		Event: EventDomainMessagingServiceDetached, EventData: map[string]any{"messaging_service_sid": sid}})
}

func (s *Store) fillMessagingServices(ctx context.Context, ds []*Domain) error {
	if len(ds) == 0 {
		return nil
	}
	ids := make([]string, len(ds))
	byID := make(map[string]*Domain, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
		byID[d.ID] = d
		d.MessagingServiceSIDs = nil
	}
	var rows []DomainMessagingService
	if err := s.gorm(ctx).Where("domain_id IN ?", ids).Order("attached_at, messaging_service_sid").Find(&rows).Error; err != nil {
		return internal("messaging services", err)
	}
	for _, r := range rows {
		d := byID[r.DomainID]
		d.MessagingServiceSIDs = append(d.MessagingServiceSIDs, r.MessagingServiceSID)
	}
	return nil
}
