package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// getPool: GET /api/v1/pools/{id}.
func (h *Handler) getPool(c *gin.Context) {
	p, err := h.cfg.Store.GetPool(c.Request.Context(), handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p.View())
}
