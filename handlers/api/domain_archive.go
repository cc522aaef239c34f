package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// archiveDomain: POST /api/v1/domains/{id}/archive → 200 domain.
func (h *Handler) archiveDomain(c *gin.Context) {
	d, err := h.cfg.Store.ArchiveDomain(c.Request.Context(), handlers.Scope(c), c.Param("id"), handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d.View())
}
