package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type webhookEndpointCreateRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// ClientID: a client key may omit it (its own client); an admin key
	// without it makes an admin-wide endpoint.
	ClientID string `json:"client_id"`
}

// webhookEndpointSecret is an endpoint with its secret: only the create
// and rotate-secret responses show it.
type webhookEndpointSecret struct {
	models.WebhookEndpointView
	Secret string `json:"secret"`
}

// createWebhookEndpoint: POST /api/v1/webhooks/endpoints (premium and
// enterprise clients; admins for any client or admin-wide).
func (h *Handler) createWebhookEndpoint(c *gin.Context) {
	var in webhookEndpointCreateRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	w, secret, err := h.cfg.Store.CreateWebhookEndpoint(c.Request.Context(), h.cfg.Keys, handlers.Scope(c),
		models.WebhookEndpointInput{URL: in.URL, Events: in.Events, ClientID: in.ClientID, CheckURL: h.checkURL})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/webhooks/endpoints/"+w.ID)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, webhookEndpointSecret{WebhookEndpointView: w.View(), Secret: secret})
}
