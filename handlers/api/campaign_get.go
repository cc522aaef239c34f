package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// getCampaign: GET /api/v1/campaigns/{id}.
func (h *Handler) getCampaign(c *gin.Context) {
	cmp, err := h.cfg.Store.GetCampaign(c.Request.Context(), handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cmp.View())
}
