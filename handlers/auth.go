package handlers

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

const keyContextKey = "linkgate.api_key"

// authenticate requires "Authorization: Bearer <key>" and remembers the key.
func (h *Handler) authenticate(c *gin.Context) {
	scheme, key, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
		fail(c, models.ErrBadKey)
		return
	}
	k, err := h.cfg.Store.Authenticate(c.Request.Context(), strings.TrimSpace(key))
	if err != nil {
		fail(c, err)
		return
	}
	c.Set(keyContextKey, k)
	c.Next()
}

// apiKey returns the authenticated key.
func apiKey(c *gin.Context) *models.APIKey {
	return c.MustGet(keyContextKey).(*models.APIKey)
}

// scope returns what the caller may see.
func scope(c *gin.Context) models.Scope { return apiKey(c).Scope() }

// actor names the caller in timelines.
func actor(c *gin.Context) string { return apiKey(c).Actor() }

// requireAdmin refuses client keys with 403.
func requireAdmin(c *gin.Context) {
	if !scope(c).Admin() {
		fail(c, &models.Error{Kind: models.KindForbidden, Code: "admin_required", Detail: "this needs an admin API key"})
		return
	}
	c.Next()
}
