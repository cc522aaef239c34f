package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// apiKeyCreated is a new key: the key itself appears in this answer only.
type apiKeyCreated struct {
	ID        string     `json:"id"`
	Key       string     `json:"key"`
	Prefix    string     `json:"prefix"`
	ClientID  string     `json:"client_id"`
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func newAPIKeyCreated(key string, k *models.APIKey) apiKeyCreated {
	v := k.View(k.CreatedAt)
	return apiKeyCreated{ID: k.ID, Key: key, Prefix: k.Prefix, ClientID: *k.ClientID, Name: k.Name, ExpiresAt: v.ExpiresAt}
}

// createClientAPIKey: POST /api/v1/clients/{id}/api-keys. The body is
// optional ({"name": "...", "expires_at": "..."}). The key is in this
// response only.
func (h *Handler) createClientAPIKey(c *gin.Context) {
	var in models.APIKeyInput
	if err := handlers.BindOptional(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	key, k, err := h.cfg.Store.CreateClientKey(c.Request.Context(), handlers.Scope(c), c.Param("id"), in)
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, newAPIKeyCreated(key, k))
}
