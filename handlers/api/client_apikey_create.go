package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type apiKeyCreateRequest struct {
	Name string `json:"name"`
}

type apiKeyCreated struct {
	ID       string `json:"id"`
	Key      string `json:"key"`
	Prefix   string `json:"prefix"`
	ClientID string `json:"client_id"`
	Name     string `json:"name"`
}

// createClientAPIKey: POST /api/v1/clients/{id}/api-keys. The body is
// optional ({"name": "..."}). The key is in this response only.
func (h *Handler) createClientAPIKey(c *gin.Context) {
	var in apiKeyCreateRequest
	if err := handlers.BindOptional(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	ctx := c.Request.Context()
	cl, err := h.cfg.Store.GetClient(ctx, handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	key, k, err := h.cfg.Store.CreateAPIKey(ctx, models.RoleClient, cl.ID, in.Name)
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, apiKeyCreated{ID: k.ID, Key: key, Prefix: k.Prefix, ClientID: cl.ID, Name: k.Name})
}
