package models

// The client's DNS provider credentials for self setup, encrypted at rest,
// kept only while the domain's setup needs them.

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"
)

// DNSCredential is a client's DNS provider credentials for one domain,
// encrypted with the KeyRing (row id = domain id as associated data), and
// the zone that holds the domain's host. Kept only while the domain's
// setup needs them.
type DNSCredential struct {
	DomainID   string    `gorm:"primaryKey"`
	Provider   string    `gorm:"not null"`
	KeyID      string    `gorm:"not null"`
	Ciphertext []byte    `gorm:"not null"`
	ZoneID     string    `gorm:"not null;default:''"`
	ZoneName   string    `gorm:"not null;default:''"`
	CreatedAt  time.Time `gorm:"not null"`
}

// DNSAccess is what self setup keeps for a domain: the provider, the
// client's credentials for it, and the zone found when they were checked
// at configure time, so that the job creating the record does not look it
// up again.
type DNSAccess struct {
	Provider    string
	Credentials map[string]string
	// ZoneID and ZoneName name the provider's zone that holds the host;
	// empty when unknown (kept before linkgate remembered zones): then
	// the job looks the zone up.
	ZoneID, ZoneName string
}

// SaveDNSCredentialsTx encrypts and stores a domain's DNS access,
// replacing earlier ones. Only the credentials are secret: the zone is
// stored in clear.
func (s *Store) SaveDNSCredentialsTx(tx *gorm.DB, kr *KeyRing, domainID string, a DNSAccess) error {
	plain, err := json.Marshal(a.Credentials)
	if err != nil {
		return internal("encode credentials", err)
	}
	keyID, ct := kr.Seal(domainID, plain)
	if err := tx.Where("domain_id = ?", domainID).Delete(&DNSCredential{}).Error; err != nil {
		return internal("replace credentials", err)
	}
	err = tx.Create(&DNSCredential{DomainID: domainID, Provider: a.Provider, KeyID: keyID, Ciphertext: ct,
		ZoneID: a.ZoneID, ZoneName: a.ZoneName, CreatedAt: s.Now()}).Error
	return internal("store credentials", err)
}

// DNSCredentials decrypts a domain's DNS access; none is NotFound.
func (s *Store) DNSCredentials(ctx context.Context, kr *KeyRing, domainID string) (DNSAccess, error) {
	var c DNSCredential
	err := s.gorm(ctx).Where("domain_id = ?", domainID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return DNSAccess{}, NotFound("dns credentials")
	}
	if err != nil {
		return DNSAccess{}, internal("load credentials", err)
	}
	plain, err := kr.Open(c.KeyID, domainID, c.Ciphertext)
	if err != nil {
		return DNSAccess{}, internal("decrypt credentials", err)
	}
	var creds map[string]string
	if err := json.Unmarshal(plain, &creds); err != nil {
		return DNSAccess{}, internal("decode credentials", err)
	}
	return DNSAccess{Provider: c.Provider, Credentials: creds, ZoneID: c.ZoneID, ZoneName: c.ZoneName}, nil
}

// DeleteDNSCredentialsTx forgets a domain's credentials.
func (s *Store) DeleteDNSCredentialsTx(tx *gorm.DB, domainID string) error {
	return internal("delete credentials", tx.Where("domain_id = ?", domainID).Delete(&DNSCredential{}).Error)
}
