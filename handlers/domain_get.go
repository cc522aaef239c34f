package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// getDomain: GET /api/v1/domains/{id}.
func (h *Handler) getDomain(c *gin.Context) {
	d, err := h.cfg.Store.GetDomain(c.Request.Context(), scope(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d.View())
}
