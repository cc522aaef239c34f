package models

import (
	"context"
	"errors"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// PasswordResetTTL is how long a password reset link works.
const PasswordResetTTL = 30 * time.Minute

// PrefixPasswordReset prefixes password reset ids.
const PrefixPasswordReset = "pwr_"

// PasswordReset is a single-use link e-mailed to a console user who forgot
// their password. Only the SHA-256 of the token is kept, so a copy of the
// table resets nothing. A link works until ExpiresAt, once (UsedAt), and
// only while it is the user's newest (RevokedAt is set when a newer one is
// made or the password changes).
type PasswordReset struct {
	ID        string    `gorm:"primaryKey"`
	UserID    string    `gorm:"not null"`
	TokenHash string    `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null"`
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time `gorm:"not null"`
}

// Open reports whether the link still works at now.
func (r *PasswordReset) Open(now time.Time) bool {
	return r.UsedAt == nil && r.RevokedAt == nil && now.Before(r.ExpiresAt)
}

// ErrPasswordResetGone is returned for a reset link that was used,
// replaced by a newer one or has expired: nothing changes, and the user
// asks for a new link.
var ErrPasswordResetGone = &Error{Kind: KindGone, Code: "password_reset_gone",
	Detail: "this link was already used, replaced by a newer one, or has expired; ask for a new link"}

// passwordFieldErrors checks a new password against the rules every
// password follows (CreateUser's): 10 to 72 bytes (bcrypt's limit).
func passwordFieldErrors(field, password string, fields *[]FieldError) {
	if len(password) < MinPasswordLength || len(password) > 72 {
		*fields = append(*fields, FieldError{field, "must be 10 to 72 characters"})
	}
}

// CheckPassword returns the KindInvalid error (field "password") a new
// password gets, or nil when it follows the rules.
func CheckPassword(password string) error {
	var fields []FieldError
	passwordFieldErrors("password", password, &fields)
	return invalidFields("invalid_password", fields)
}

// UserByEmail finds the user with this e-mail (normalised as CreateUser
// does); an unknown or malformed address is NotFound("user").
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	var fields []FieldError
	email = NormalizeEmail("email", email, &fields)
	if len(fields) > 0 {
		return nil, NotFound("user")
	}
	var u User
	err := s.gorm(ctx).Where("email = ?", email).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("user")
	}
	if err != nil {
		return nil, internal("find user", err)
	}
	return &u, nil
}

// CreatePasswordResetTx revokes the user's open reset links and makes a
// new one lasting ttl; it returns the row and its token (never stored: 256
// random bits, URL-safe). Links that expired more than a day ago, anyone's,
// are deleted on the way.
func (s *Store) CreatePasswordResetTx(tx *gorm.DB, userID string, ttl time.Duration) (*PasswordReset, string, error) {
	if ttl <= 0 {
		return nil, "", errors.New("models: password reset ttl must be positive")
	}
	now := s.Now()
	if err := revokePasswordResetsTx(tx, userID, now); err != nil {
		return nil, "", err
	}
	if err := tx.Where("expires_at < ?", now.Add(-24*time.Hour)).Delete(&PasswordReset{}).Error; err != nil {
		return nil, "", internal("prune password resets", err)
	}
	token := NewToken()
	r := &PasswordReset{ID: NewID(PrefixPasswordReset), UserID: userID, TokenHash: HashKey(token), ExpiresAt: now.Add(ttl), CreatedAt: now}
	if err := tx.Create(r).Error; err != nil {
		if isForeignKeyViolation(err) {
			return nil, "", NotFound("user")
		}
		return nil, "", internal("create password reset", err)
	}
	return r, token, nil
}

// CreatePasswordReset is CreatePasswordResetTx in a transaction of its own.
func (s *Store) CreatePasswordReset(ctx context.Context, userID string, ttl time.Duration) (*PasswordReset, string, error) {
	var r *PasswordReset
	var token string
	err := s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		r, token, err = s.CreatePasswordResetTx(tx, userID, ttl)
		return err
	})
	return r, token, err
}

func revokePasswordResetsTx(tx *gorm.DB, userID string, now time.Time) error {
	err := tx.Model(&PasswordReset{}).Where("user_id = ? AND used_at IS NULL AND revoked_at IS NULL", userID).
		Update("revoked_at", now).Error
	return internal("revoke password resets", err)
}

// PasswordResetByToken finds a reset link by its token, whatever its
// state (callers ask Open); an unknown or malformed token is
// NotFound("password_reset").
func (s *Store) PasswordResetByToken(ctx context.Context, token string) (*PasswordReset, error) {
	if len(token) < 16 || len(token) > 200 {
		return nil, NotFound("password_reset")
	}
	var r PasswordReset
	err := s.gorm(ctx).Where("token_hash = ?", HashKey(token)).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("password_reset")
	}
	if err != nil {
		return nil, internal("find password reset", err)
	}
	return &r, nil
}

// ResetPassword spends a reset link: it checks the new password (KindInvalid
// on field "password", the link unspent), then in one transaction consumes
// the link with one conditional UPDATE (of two concurrent uses exactly one
// wins; the other, and any used, revoked or expired link, gets
// ErrPasswordResetGone), stores the bcrypt hash, revokes the user's other
// links and ends every session of the user. An unknown token is
// NotFound("password_reset"). It returns the user.
func (s *Store) ResetPassword(ctx context.Context, token, password string) (*User, error) {
	r, err := s.PasswordResetByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if !r.Open(s.Now()) {
		return nil, ErrPasswordResetGone
	}
	if err := CheckPassword(password); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return nil, internal("hash password", err)
	}
	var u User
	err = s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.Now()
		res := tx.Model(&PasswordReset{}).
			Where("id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?", r.ID, now).
			Update("used_at", now)
		if res.Error != nil {
			return internal("use password reset", res.Error)
		}
		if res.RowsAffected != 1 {
			return ErrPasswordResetGone
		}
		res = tx.Model(&User{}).Where("id = ?", r.UserID).
			Updates(map[string]any{"password_hash": string(hash), "updated_at": now})
		if res.Error != nil {
			return internal("set password", res.Error)
		}
		if res.RowsAffected != 1 {
			return ErrPasswordResetGone // the user was deleted meanwhile
		}
		if err := revokePasswordResetsTx(tx, r.UserID, now); err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", r.UserID).Delete(&Session{}).Error; err != nil {
			return internal("end sessions", err)
		}
		return internal("find user", tx.Where("id = ?", r.UserID).Take(&u).Error)
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}
