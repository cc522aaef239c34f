package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// deleteOriginator: DELETE /api/v1/originators/{id} → 204.
func (h *Handler) deleteOriginator(c *gin.Context) {
	if err := h.cfg.Store.DeleteOriginator(c.Request.Context(), handlers.Scope(c), c.Param("id")); err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
