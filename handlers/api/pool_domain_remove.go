package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// removePoolDomain: DELETE /api/v1/pools/{id}/domains/{domain_id} → 204;
// a domain that is not in the pool is 404.
func (h *Handler) removePoolDomain(c *gin.Context) {
	if err := h.cfg.Store.RemovePoolDomain(c.Request.Context(), handlers.Scope(c), c.Param("id"), c.Param("domain_id")); err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
