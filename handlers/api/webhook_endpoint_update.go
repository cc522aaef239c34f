package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type webhookEndpointUpdateRequest struct {
	URL *string `json:"url"`
	// Events replaces the filter when given.
	Events []string `json:"events"`
	// Enabled true also clears a failure streak.
	Enabled *bool `json:"enabled"`
}

// updateWebhookEndpoint: PATCH /api/v1/webhooks/endpoints/{id}.
func (h *Handler) updateWebhookEndpoint(c *gin.Context) {
	var in webhookEndpointUpdateRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	w, err := h.cfg.Store.UpdateWebhookEndpoint(c.Request.Context(), handlers.Scope(c), c.Param("id"),
		models.WebhookEndpointPatch{URL: in.URL, Events: in.Events, Enabled: in.Enabled, CheckURL: h.checkURL})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, w.View())
}
