package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// deleteDomain: DELETE /api/v1/domains/{id}.
func (h *Handler) deleteDomain(c *gin.Context) {
	if err := h.cfg.Store.DeleteDomain(c.Request.Context(), handlers.Scope(c), c.Param("id")); err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
