package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// getDomain: GET /api/v1/domains/{id}.
func (h *Handler) getDomain(c *gin.Context) {
	d, err := h.cfg.Store.GetDomain(c.Request.Context(), handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d.View())
}
