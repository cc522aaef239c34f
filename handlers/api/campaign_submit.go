package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// submitCampaign: POST /api/v1/campaigns/{id}/submit → 202 campaign (its
// content checked: rejected, ready or scheduled).
func (h *Handler) submitCampaign(c *gin.Context) {
	cmp, err := h.cfg.Workflows.SubmitCampaign(c.Request.Context(), handlers.Scope(c), c.Param("id"), handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, cmp.View())
}
