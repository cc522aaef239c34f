package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// getClient: GET /api/v1/clients/{id}.
func (h *Handler) getClient(c *gin.Context) {
	cl, err := h.cfg.Store.GetClient(c.Request.Context(), handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cl.View())
}
