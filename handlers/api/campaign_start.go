package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// startCampaign: POST /api/v1/campaigns/{id}/start → 202 campaign; a status
// that does not allow it is 409 invalid_state.
func (h *Handler) startCampaign(c *gin.Context) {
	cmp, err := h.cfg.Workflows.StartCampaign(c.Request.Context(), handlers.Scope(c), c.Param("id"), handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, cmp.View())
}
