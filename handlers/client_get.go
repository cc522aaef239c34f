package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// getClient: GET /api/v1/clients/{id}.
func (h *Handler) getClient(c *gin.Context) {
	cl, err := h.cfg.Store.GetClient(c.Request.Context(), scope(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cl.View())
}
