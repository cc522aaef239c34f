package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// pauseCampaign: POST /api/v1/campaigns/{id}/pause → 202 campaign; a status
// that does not allow it is 409 invalid_state.
func (h *Handler) pauseCampaign(c *gin.Context) {
	cmp, err := h.cfg.Store.PauseCampaign(c.Request.Context(), handlers.Scope(c), c.Param("id"), handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, cmp.View())
}
