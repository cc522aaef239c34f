package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// deleteClient: DELETE /api/v1/clients/{id} (admin; refused while the
// client has domains).
func (h *Handler) deleteClient(c *gin.Context) {
	if err := h.cfg.Store.DeleteClient(c.Request.Context(), handlers.Scope(c), c.Param("id")); err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
