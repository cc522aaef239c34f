package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// deleteClient: DELETE /api/v1/clients/{id} (admin; refused while the
// client has domains).
func (h *Handler) deleteClient(c *gin.Context) {
	if err := h.cfg.Store.DeleteClient(c.Request.Context(), scope(c), c.Param("id")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
