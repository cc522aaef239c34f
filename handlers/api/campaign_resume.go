package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// resumeCampaign: POST /api/v1/campaigns/{id}/resume → 202 campaign; a status
// that does not allow it is 409 invalid_state.
func (h *Handler) resumeCampaign(c *gin.Context) {
	cmp, err := h.cfg.Workflows.ResumeCampaign(c.Request.Context(), handlers.Scope(c), c.Param("id"), handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, cmp.View())
}
