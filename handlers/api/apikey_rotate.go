package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type apiKeyRotateRequest struct {
	// GraceSeconds is how long the old key keeps working (default 86400;
	// 0 < n <= 604800; -1 stops it at once).
	GraceSeconds *int `json:"grace_seconds"`
}

// apiKeyRotated is the new key (shown in this answer only) and the old
// one as it is now.
type apiKeyRotated struct {
	ID        string            `json:"id"`
	Key       string            `json:"key"`
	Prefix    string            `json:"prefix"`
	ClientID  string            `json:"client_id"`
	Name      string            `json:"name"`
	ExpiresAt *time.Time        `json:"expires_at"`
	Previous  models.APIKeyView `json:"previous"`
}

// rotateAPIKey: POST /api/v1/api-keys/{id}/rotate. A new key for the same
// client and name, shown in this response only; the old one works until
// previous.expires_at.
func (h *Handler) rotateAPIKey(c *gin.Context) {
	var in apiKeyRotateRequest
	if err := handlers.BindOptional(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	var grace time.Duration
	if in.GraceSeconds != nil {
		switch n := *in.GraceSeconds; {
		case n == -1:
			grace = -1
		case n <= 0:
			handlers.Fail(c, models.Invalid("invalid_grace", "grace_seconds", "must be between 1 and 604800, or -1 to stop the old key at once"))
			return
		default:
			grace = time.Duration(n) * time.Second
		}
	}
	key, fresh, old, err := h.cfg.Store.RotateClientKey(c.Request.Context(), handlers.Scope(c), c.Param("id"), grace)
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	n := newAPIKeyCreated(key, fresh)
	c.JSON(http.StatusCreated, apiKeyRotated{ID: n.ID, Key: n.Key, Prefix: n.Prefix, ClientID: n.ClientID, Name: n.Name,
		ExpiresAt: n.ExpiresAt, Previous: old.View(h.cfg.Store.Now())})
}
