package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

// retryDomain: POST /api/v1/domains/{id}/retry → 202; a failed domain
// resumes from the step that failed.
func (h *Handler) retryDomain(c *gin.Context) {
	d, err := h.cfg.Workflows.Retry(c.Request.Context(), handlers.Scope(c), c.Param("id"), handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, d.View())
}
