package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

type linkShorteningRequest struct {
	DomainID string `json:"domain_id"`
}

// setLinkShortening: PUT /api/v1/campaigns/{id}/connectors/link-shortening
// {"domain_id"} → 200 campaign: its Messaging Service attached to the
// domain at Twilio (moved if attached elsewhere), the domain its active
// one.
func (h *Handler) setLinkShortening(c *gin.Context) {
	var in linkShorteningRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	cmp, err := h.cfg.Workflows.ConnectLinkShortening(c.Request.Context(), handlers.Scope(c), c.Param("id"), in.DomainID, handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cmp.View())
}
