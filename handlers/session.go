package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// Browser sessions (registration pages and console). The cookie
// holds a random 256-bit id; the database keeps only its SHA-256 (models.
// Session). The cookie is HttpOnly and SameSite=Lax, and when linkgate is
// served over https it is Secure with the __Host- prefix (no Domain, Path
// /), so no sibling host can plant or read it.

// DefaultSessionTTL is how long a sign-in lasts when Config.SessionTTL is
// zero.
const DefaultSessionTTL = 12 * time.Hour

const sessionContextKey = "linkgate.session"

// CookieName is the name of a page cookie: __Host- prefixed when the
// public URL is https.
func (s *Server) CookieName(base string) string {
	if s.secure {
		return "__Host-" + base
	}
	return base
}

// SessionCookieName is the session cookie's name.
func (s *Server) SessionCookieName() string { return s.CookieName("lg_session") }

// SetCookie writes a host-only, path-/, HttpOnly cookie (Secure over
// https); maxAge < 0 deletes it.
func (s *Server) SetCookie(c *gin.Context, name, value string, maxAge time.Duration, sameSite http.SameSite) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: sameSite}
	switch {
	case maxAge < 0:
		ck.MaxAge = -1
	case maxAge > 0:
		ck.MaxAge = int(maxAge / time.Second)
		ck.Expires = time.Now().Add(maxAge)
	}
	http.SetCookie(c.Writer, ck)
}

// StartSession signs the user in: a new session (never a reused id, so a
// planted cookie is worthless) in a new cookie.
func (s *Server) StartSession(c *gin.Context, userID string) (*models.Session, error) {
	ctx := c.Request.Context()
	if old, err := c.Cookie(s.SessionCookieName()); err == nil && old != "" {
		_ = s.cfg.Store.DeleteSession(ctx, old)
	}
	id, sess, err := s.cfg.Store.CreateSession(ctx, userID, s.cfg.SessionTTL)
	if err != nil {
		return nil, err
	}
	// Housekeeping: sign-ins are rare enough to carry it.
	if _, err := s.cfg.Store.DeleteExpiredSessions(ctx); err != nil {
		Logger(c).WarnContext(ctx, "deleting expired sessions", "error", err.Error())
	}
	s.SetCookie(c, s.SessionCookieName(), id, s.cfg.SessionTTL, http.SameSiteLaxMode)
	c.Set(sessionContextKey, sess)
	return sess, nil
}

// CurrentSession returns the request's live session, or nil when there
// is none (no cookie, unknown or expired). Database faults are errors.
func (s *Server) CurrentSession(c *gin.Context) (*models.Session, error) {
	if v, ok := c.Get(sessionContextKey); ok {
		return v.(*models.Session), nil
	}
	id, err := c.Cookie(s.SessionCookieName())
	if err != nil || id == "" {
		return nil, nil
	}
	sess, err := s.cfg.Store.SessionByID(c.Request.Context(), id)
	if errors.Is(err, models.ErrNoSession) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.Set(sessionContextKey, sess)
	return sess, nil
}
