package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// rotateWebhookSecret: POST /api/v1/webhooks/endpoints/{id}/rotate-secret
// → the endpoint with its new secret (shown once); the old secret keeps
// signing for 24 hours.
func (h *Handler) rotateWebhookSecret(c *gin.Context) {
	w, secret, err := h.cfg.Store.RotateWebhookSecret(c.Request.Context(), h.cfg.Keys, handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, webhookEndpointSecret{WebhookEndpointView: w.View(), Secret: secret})
}
