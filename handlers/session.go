package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// Browser sessions (registration pages; later the console). The cookie
// holds a random 256-bit id; the database keeps only its SHA-256 (models.
// Session). The cookie is HttpOnly and SameSite=Lax, and when linkgate is
// served over https it is Secure with the __Host- prefix (no Domain, Path
// /), so no sibling host can plant or read it.

// DefaultSessionTTL is how long a sign-in lasts when Config.SessionTTL is
// zero.
const DefaultSessionTTL = 12 * time.Hour

const sessionContextKey = "linkgate.session"

func (h *Handler) cookieName(base string) string {
	if h.reg.secure {
		return "__Host-" + base
	}
	return base
}

func (h *Handler) sessionCookieName() string { return h.cookieName("lg_session") }

// setCookie writes a host-only, path-/ cookie; maxAge < 0 deletes it.
func (h *Handler) setCookie(c *gin.Context, name, value string, maxAge time.Duration, sameSite http.SameSite) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: h.reg.secure, SameSite: sameSite}
	switch {
	case maxAge < 0:
		ck.MaxAge = -1
	case maxAge > 0:
		ck.MaxAge = int(maxAge / time.Second)
		ck.Expires = time.Now().Add(maxAge)
	}
	http.SetCookie(c.Writer, ck)
}

// startSession signs the user in: a new session (never a reused id, so a
// planted cookie is worthless) in a new cookie.
func (h *Handler) startSession(c *gin.Context, userID string) (*models.Session, error) {
	ctx := c.Request.Context()
	if old, err := c.Cookie(h.sessionCookieName()); err == nil && old != "" {
		_ = h.cfg.Store.DeleteSession(ctx, old)
	}
	id, sess, err := h.cfg.Store.CreateSession(ctx, userID, h.cfg.SessionTTL)
	if err != nil {
		return nil, err
	}
	// Housekeeping: sign-ins are rare enough to carry it.
	if _, err := h.cfg.Store.DeleteExpiredSessions(ctx); err != nil {
		logger(c).WarnContext(ctx, "deleting expired sessions", "error", err.Error())
	}
	h.setCookie(c, h.sessionCookieName(), id, h.cfg.SessionTTL, http.SameSiteLaxMode)
	c.Set(sessionContextKey, sess)
	return sess, nil
}

// currentSession returns the request's live session, or nil when there
// is none (no cookie, unknown or expired). Database faults are errors.
func (h *Handler) currentSession(c *gin.Context) (*models.Session, error) {
	if v, ok := c.Get(sessionContextKey); ok {
		return v.(*models.Session), nil
	}
	id, err := c.Cookie(h.sessionCookieName())
	if err != nil || id == "" {
		return nil, nil
	}
	sess, err := h.cfg.Store.SessionByID(c.Request.Context(), id)
	if errors.Is(err, models.ErrNoSession) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.Set(sessionContextKey, sess)
	return sess, nil
}
