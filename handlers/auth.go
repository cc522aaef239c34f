package handlers

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

const keyContextKey = "linkgate.api_key"

// Authenticate requires "Authorization: Bearer <key>" and remembers the
// key (APIKey, Scope, Actor).
func (s *Server) Authenticate(c *gin.Context) {
	scheme, key, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
		Fail(c, models.ErrBadKey)
		return
	}
	k, err := s.cfg.Store.Authenticate(c.Request.Context(), strings.TrimSpace(key))
	if err != nil {
		Fail(c, err)
		return
	}
	c.Set(keyContextKey, k)
	SetActor(c, k.Actor())
	c.Next()
}

// APIKey returns the key Authenticate accepted.
func APIKey(c *gin.Context) *models.APIKey {
	return c.MustGet(keyContextKey).(*models.APIKey)
}

// Scope returns what the caller may see.
func Scope(c *gin.Context) models.Scope { return APIKey(c).Scope() }

// Actor names the caller in timelines.
func Actor(c *gin.Context) string { return APIKey(c).Actor() }

// RequireAdmin refuses client keys with 403.
func RequireAdmin(c *gin.Context) {
	if !Scope(c).Admin() {
		Fail(c, &models.Error{Kind: models.KindForbidden, Code: "admin_required", Detail: "this needs an admin API key"})
		return
	}
	c.Next()
}
