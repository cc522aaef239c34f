package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// retryDomain: POST /api/v1/domains/{id}/retry → 202; a failed domain
// resumes from the step that failed.
func (h *Handler) retryDomain(c *gin.Context) {
	d, err := h.cfg.Workflows.Retry(c.Request.Context(), scope(c), c.Param("id"), actor(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, d.View())
}
