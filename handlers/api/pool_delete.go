package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// deletePool: DELETE /api/v1/pools/{id} (its domains stay).
func (h *Handler) deletePool(c *gin.Context) {
	if err := h.cfg.Store.DeletePool(c.Request.Context(), handlers.Scope(c), c.Param("id")); err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
