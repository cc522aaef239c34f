package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// revokeAPIKey: DELETE /api/v1/api-keys/{id}. The key stops working at
// once; it stays listed as revoked.
func (h *Handler) revokeAPIKey(c *gin.Context) {
	if _, err := h.cfg.Store.RevokeAPIKey(c.Request.Context(), handlers.Scope(c), c.Param("id")); err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
