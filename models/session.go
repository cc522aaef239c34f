package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Session is a signed-in browser (registration pages, later the console).
// The cookie carries a random id; only its SHA-256 is kept, so a copy of
// the table signs nobody in. CSRFToken is the session's synchronizer token:
// every form posted within the session must carry it.
type Session struct {
	IDHash    string    `gorm:"column:id_hash;primaryKey"`
	UserID    string    `gorm:"not null"`
	CSRFToken string    `gorm:"column:csrf_token;not null"`
	ExpiresAt time.Time `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// ErrNoSession is returned for a session id that is unknown or expired.
var ErrNoSession = &Error{Kind: KindUnauthorized, Code: "session_required", Detail: "sign in to continue"}

// CreateSession starts a session for the user lasting ttl and returns the
// session id to put in the cookie (never stored) with the row.
func (s *Store) CreateSession(ctx context.Context, userID string, ttl time.Duration) (string, *Session, error) {
	if ttl <= 0 {
		return "", nil, errors.New("models: session ttl must be positive")
	}
	id := NewToken()
	now := s.Now()
	sess := &Session{IDHash: HashKey(id), UserID: userID, CSRFToken: NewToken(), ExpiresAt: now.Add(ttl), CreatedAt: now}
	if err := s.gorm(ctx).Create(sess).Error; err != nil {
		if isForeignKeyViolation(err) {
			return "", nil, NotFound("user")
		}
		return "", nil, internal("create session", err)
	}
	return id, sess, nil
}

// SessionByID returns the live session with this id; an unknown, expired
// or malformed id is ErrNoSession.
func (s *Store) SessionByID(ctx context.Context, id string) (*Session, error) {
	if len(id) < 16 || len(id) > 200 {
		return nil, ErrNoSession
	}
	var sess Session
	err := s.gorm(ctx).Where("id_hash = ? AND expires_at > ?", HashKey(id), s.Now()).Take(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, internal("find session", err)
	}
	return &sess, nil
}

// DeleteSession ends a session (signing out); an unknown id is no error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return internal("delete session", s.gorm(ctx).Where("id_hash = ?", HashKey(id)).Delete(&Session{}).Error)
}

// DeleteExpiredSessions removes sessions that ended before now and
// reports how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res := s.gorm(ctx).Where("expires_at <= ?", s.Now()).Delete(&Session{})
	return res.RowsAffected, internal("delete expired sessions", res.Error)
}
