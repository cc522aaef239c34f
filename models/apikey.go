package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Key prefixes say what a key may do before it is even looked up.
const (
	AdminKeyPrefix  = "lgk_admin_"
	ClientKeyPrefix = "lgk_cli_"
)

// lastUsedGranularity bounds how often last_used_at is written: at most
// once per key per minute, so authentication is not a write per request.
const lastUsedGranularity = time.Minute

// APIKey is a stored API key: only the SHA-256 of the key is kept, and a
// short prefix for display.
type APIKey struct {
	ID         string `gorm:"primaryKey"`
	KeyHash    string `gorm:"not null"`
	Prefix     string `gorm:"not null"`
	Role       Role   `gorm:"not null"`
	ClientID   *string
	Name       string    `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null"`
	LastUsedAt *time.Time
	// ExpiresAt, when set, is when the key stops working (set at creation,
	// or a grace period after a rotation).
	ExpiresAt *time.Time
	// RevokedAt, when set, is when the key was revoked: it works no more.
	RevokedAt *time.Time
}

// KeyStatus says whether a key still authenticates.
type KeyStatus string

const (
	KeyActive  KeyStatus = "active"
	KeyExpired KeyStatus = "expired"
	KeyRevoked KeyStatus = "revoked"
)

// Status returns the key's status at now.
func (k *APIKey) Status(now time.Time) KeyStatus {
	switch {
	case k.RevokedAt != nil:
		return KeyRevoked
	case k.ExpiresAt != nil && !now.Before(*k.ExpiresAt):
		return KeyExpired
	}
	return KeyActive
}

// Scope returns what the key may see.
func (k *APIKey) Scope() Scope {
	if k.Role == RoleAdmin || k.ClientID == nil {
		return Scope{}
	}
	return Scope{ClientID: *k.ClientID}
}

// Actor names the key in timelines and logs without revealing it.
func (k *APIKey) Actor() string { return "api_key:" + k.ID }

// HashKey returns the hex SHA-256 of a key, as stored.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newKeyValue(prefix string) string {
	b := make([]byte, 32) // 256 bits
	_, _ = rand.Read(b)
	return prefix + strings.ToLower(keyEncoding.EncodeToString(b))
}

func displayPrefix(key string) string {
	if len(key) > 16 {
		return key[:16]
	}
	return key
}

// CreateAPIKey makes a new random key. clientID is required for client keys
// and must be empty for admin keys. The key is returned once and never
// stored.
func (s *Store) CreateAPIKey(ctx context.Context, role Role, clientID, name string) (string, *APIKey, error) {
	prefix := AdminKeyPrefix
	if role == RoleClient {
		prefix = ClientKeyPrefix
	}
	key := newKeyValue(prefix)
	k, err := s.storeKey(ctx, key, role, clientID, name)
	if err != nil {
		return "", nil, err
	}
	return key, k, nil
}

// EnsureAdminKey stores key as an admin key unless it exists already. It
// reports whether it created one. The key must start with "lgk_admin_" and
// carry at least 128 bits (26 more characters).
func (s *Store) EnsureAdminKey(ctx context.Context, key, name string) (bool, error) {
	if !strings.HasPrefix(key, AdminKeyPrefix) || len(key) < len(AdminKeyPrefix)+26 {
		return false, Invalid("invalid_key", "LINKGATE_BOOTSTRAP_ADMIN_KEY",
			"must start with lgk_admin_ and have at least 26 more characters")
	}
	var n int64
	if err := s.gorm(ctx).Model(&APIKey{}).Where("key_hash = ?", HashKey(key)).Count(&n).Error; err != nil {
		return false, internal("find key", err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := s.storeKey(ctx, key, RoleAdmin, "", name); err != nil {
		if errors.Is(err, ErrConflict) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// CountAdminKeys returns how many admin keys exist.
func (s *Store) CountAdminKeys(ctx context.Context) (int64, error) {
	var n int64
	err := s.gorm(ctx).Model(&APIKey{}).Where("role = ?", RoleAdmin).Count(&n).Error
	return n, internal("count keys", err)
}

func (s *Store) storeKey(ctx context.Context, key string, role Role, clientID, name string) (*APIKey, error) {
	return s.storeKeyTx(s.gorm(ctx), key, role, clientID, name, nil)
}

func (s *Store) storeKeyTx(tx *gorm.DB, key string, role Role, clientID, name string, expires *time.Time) (*APIKey, error) {
	k := &APIKey{ID: NewID(PrefixAPIKey), KeyHash: HashKey(key), Prefix: displayPrefix(key), Role: role, Name: name,
		CreatedAt: s.Now(), ExpiresAt: expires}
	switch role {
	case RoleAdmin:
		if clientID != "" {
			return nil, Invalid("invalid_key", "client_id", "admin keys belong to no client")
		}
	case RoleClient:
		if clientID == "" {
			return nil, Invalid("invalid_key", "client_id", "client keys need a client")
		}
		k.ClientID = &clientID
	default:
		return nil, Invalid("invalid_key", "role", "must be admin or client")
	}
	if err := tx.Create(k).Error; err != nil {
		if isUniqueViolation(err) {
			return nil, Conflict("key_exists", "", "this key exists already")
		}
		if isForeignKeyViolation(err) {
			return nil, NotFound("client")
		}
		return nil, internal("store key", err)
	}
	return k, nil
}

// ErrBadKey is returned by Authenticate for a missing or unknown key.
var ErrBadKey = &Error{Kind: KindUnauthorized, Code: "unauthorized", Detail: "missing or invalid API key"}

// Authenticate finds the key, records its use (at most once a minute), and
// returns it; an unknown key is ErrBadKey. Keys are read through the
// DB's key cache (apikey_cache.go), so a request usually costs no query.
func (s *Store) Authenticate(ctx context.Context, key string) (*APIKey, error) {
	if !strings.HasPrefix(key, AdminKeyPrefix) && !strings.HasPrefix(key, ClientKeyPrefix) {
		return nil, ErrBadKey
	}
	hash := HashKey(key)
	cache := &s.db.keys
	k, hit, gen := cache.get(hash, s.db.keyCacheUsable())
	if !hit {
		read := time.Now()
		err := s.gorm(ctx).Where("key_hash = ?", hash).Take(&k).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrBadKey
		}
		if err != nil {
			return nil, internal("authenticate", err)
		}
		cache.put(hash, k, gen, read)
	}
	now := s.Now()
	if k.Status(now) != KeyActive {
		return nil, ErrBadKey
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= lastUsedGranularity {
		err := s.gorm(ctx).Model(&APIKey{}).Where("id = ?", k.ID).Update("last_used_at", now).Error
		if err != nil {
			return nil, internal("record key use", err)
		}
		k.LastUsedAt = &now
		cache.touch(hash, now)
	}
	return &k, nil
}
