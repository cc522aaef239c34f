package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// restoreDomain: POST /api/v1/domains/{id}/restore → 200 domain.
func (h *Handler) restoreDomain(c *gin.Context) {
	d, err := h.cfg.Workflows.RestoreDomain(c.Request.Context(), handlers.Scope(c), c.Param("id"), handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d.View())
}
