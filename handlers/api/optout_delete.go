package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// deleteOptOut: DELETE /api/v1/clients/{id}/opt-outs/{phone} → 204: the
// client may message the number again. A number that is not opted out
// is 404.
func (h *Handler) deleteOptOut(c *gin.Context) {
	if err := h.cfg.Store.DeleteOptOut(c.Request.Context(), handlers.Scope(c), c.Param("id"), c.Param("phone")); err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
