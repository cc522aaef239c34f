package models

import (
	"context"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Limits of a key's lifetime settings.
const (
	// MaxKeyLifetime bounds expires_at at creation (two years).
	MaxKeyLifetime = 2 * 365 * 24 * time.Hour
	// DefaultRotationGrace is how long a rotated key keeps working.
	DefaultRotationGrace = 24 * time.Hour
	// MaxRotationGrace bounds the grace period of a rotation.
	MaxRotationGrace = 7 * 24 * time.Hour
)

// APIKeyInput is what a client key is created with.
type APIKeyInput struct {
	Name string `json:"name"`
	// ExpiresAt, optional, must be in the future and within
	// MaxKeyLifetime.
	ExpiresAt *time.Time `json:"expires_at"`
}

// APIKeyView is a key as the API lists it: never the key itself.
type APIKeyView struct {
	ID         string     `json:"id"`
	Prefix     string     `json:"prefix"`
	Role       Role       `json:"role"`
	ClientID   *string    `json:"client_id"`
	Name       string     `json:"name"`
	Status     KeyStatus  `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// View returns the API representation at now.
func (k *APIKey) View(now time.Time) APIKeyView {
	utc := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.UTC()
		return &u
	}
	return APIKeyView{ID: k.ID, Prefix: k.Prefix, Role: k.Role, ClientID: k.ClientID, Name: k.Name, Status: k.Status(now),
		CreatedAt: k.CreatedAt.UTC(), LastUsedAt: utc(k.LastUsedAt), ExpiresAt: utc(k.ExpiresAt), RevokedAt: utc(k.RevokedAt)}
}

// CreateClientKey makes a new key for a client visible in sc. The key is
// returned once and never stored.
func (s *Store) CreateClientKey(ctx context.Context, sc Scope, clientID string, in APIKeyInput) (string, *APIKey, error) {
	if _, err := s.GetClient(ctx, sc, clientID); err != nil {
		return "", nil, err
	}
	if in.ExpiresAt != nil {
		now := s.Now()
		switch {
		case !in.ExpiresAt.After(now):
			return "", nil, Invalid("invalid_expires_at", "expires_at", "must be in the future")
		case in.ExpiresAt.Sub(now) > MaxKeyLifetime:
			return "", nil, Invalid("invalid_expires_at", "expires_at", "must be within two years")
		}
	}
	key := newKeyValue(ClientKeyPrefix)
	k, err := s.storeKeyTx(s.gorm(ctx), key, RoleClient, clientID, in.Name, in.ExpiresAt)
	if err != nil {
		return "", nil, err
	}
	return key, k, nil
}

// ListClientKeys returns a page of a client's keys, newest first, revoked
// and expired ones included, and the cursor of the next page ("" on the
// last).
func (s *Store) ListClientKeys(ctx context.Context, sc Scope, clientID string, q PageQuery) ([]APIKey, string, error) {
	limit, err := q.limit()
	if err != nil {
		return nil, "", err
	}
	if _, err := s.GetClient(ctx, sc, clientID); err != nil {
		return nil, "", err
	}
	tx := s.gorm(ctx).Where("client_id = ?", clientID)
	if q.Cursor != "" {
		after, err := decodeCursor(PrefixAPIKey, q.Cursor)
		if err != nil {
			return nil, "", err
		}
		tx = tx.Where("id < ?", after)
	}
	var keys []APIKey
	if err := tx.Order("id DESC").Limit(limit + 1).Find(&keys).Error; err != nil {
		return nil, "", internal("list keys", err)
	}
	if len(keys) > limit {
		return keys[:limit], encodeCursor(keys[limit-1].ID), nil
	}
	return keys, "", nil
}

// keyInScope loads a key a caller in sc may manage: an admin any key, a
// client its own client's keys; others are NotFound.
func (s *Store) keyInScope(tx *gorm.DB, sc Scope, id string) (*APIKey, error) {
	var k APIKey
	q := tx.Where("id = ?", id)
	if !sc.Admin() {
		q = q.Where("client_id = ?", sc.ClientID)
	}
	err := q.Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("api key")
	}
	return &k, internal("find key", err)
}

// RevokeAPIKey revokes a key at once; revoking a revoked key is a no-op.
// The last active admin key cannot be revoked (nobody could sign in to the
// API again): 409 last_admin_key.
func (s *Store) RevokeAPIKey(ctx context.Context, sc Scope, id string) (*APIKey, error) {
	var out *APIKey
	err := s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		k, err := s.keyInScope(tx, sc, id)
		if err != nil {
			return err
		}
		if k.RevokedAt != nil {
			out = k
			return nil
		}
		now := s.Now()
		if k.Role == RoleAdmin {
			// The active admin keys are locked (PostgreSQL; SQLite's one
			// connection serialises anyway), so two revocations at once
			// cannot both see the other key as the one that remains.
			q := tx.Select("id").Where("role = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)", RoleAdmin, now)
			if s.db.Dialect == Postgres {
				q = q.Clauses(clause.Locking{Strength: "UPDATE"})
			}
			var active []APIKey
			if err := q.Find(&active).Error; err != nil {
				return internal("lock admin keys", err)
			}
			if !slices.ContainsFunc(active, func(a APIKey) bool { return a.ID != k.ID }) {
				return Conflict("last_admin_key", "", "this is the last active admin key; create another (linkgate admin create-key) before revoking it")
			}
		}
		res := tx.Model(&APIKey{}).Where("id = ? AND revoked_at IS NULL", k.ID).Update("revoked_at", now)
		if res.Error != nil {
			return internal("revoke key", res.Error)
		}
		k.RevokedAt = &now
		out = k
		return s.keysChangedTx(tx)
	})
	s.keysChanged()
	return out, err
}

// RotateClientKey makes a new key for the same client and name and lets
// the old one work for grace more (DefaultRotationGrace when zero; 0 <
// grace <= MaxRotationGrace, or negative for "stop now"). It returns the
// new key once, the new row and the old row as it is now. Only active
// client keys rotate.
func (s *Store) RotateClientKey(ctx context.Context, sc Scope, id string, grace time.Duration) (string, *APIKey, *APIKey, error) {
	if grace > MaxRotationGrace {
		return "", nil, nil, Invalid("invalid_grace", "grace_seconds", "must be at most 604800 (7 days)")
	}
	if grace == 0 {
		grace = DefaultRotationGrace
	}
	var key string
	var fresh, old *APIKey
	err := s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		k, err := s.keyInScope(tx, sc, id)
		if err != nil {
			return err
		}
		now := s.Now()
		if k.Role != RoleClient || k.ClientID == nil {
			return Conflict("admin_key", "", "admin keys are not rotated through the API; create one with linkgate admin create-key and revoke the old one")
		}
		if st := k.Status(now); st != KeyActive {
			return Conflict("key_"+string(st), "", "this key is "+string(st)+"; create a new one instead")
		}
		until := now.Add(max(grace, 0))
		if k.ExpiresAt == nil || until.Before(*k.ExpiresAt) {
			if err := tx.Model(&APIKey{}).Where("id = ?", k.ID).Update("expires_at", until).Error; err != nil {
				return internal("expire old key", err)
			}
			k.ExpiresAt = &until
		}
		key = newKeyValue(ClientKeyPrefix)
		if fresh, err = s.storeKeyTx(tx, key, RoleClient, *k.ClientID, k.Name, nil); err != nil {
			return err
		}
		old = k
		return s.keysChangedTx(tx)
	})
	s.keysChanged()
	if err != nil {
		return "", nil, nil, err
	}
	return key, fresh, old, nil
}
