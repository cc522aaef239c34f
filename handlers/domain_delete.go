package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// deleteDomain: DELETE /api/v1/domains/{id}.
func (h *Handler) deleteDomain(c *gin.Context) {
	if err := h.cfg.Store.DeleteDomain(c.Request.Context(), scope(c), c.Param("id")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
