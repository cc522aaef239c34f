package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type domainReviewRequest struct {
	Decision models.ReviewDecision `json:"decision"`
	Note     string                `json:"note"`
}

// reviewDomain: POST /api/v1/domains/{id}/review (admin) → 200 domain.
func (h *Handler) reviewDomain(c *gin.Context) {
	var in domainReviewRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	d, err := h.cfg.Store.ReviewDomain(c.Request.Context(), handlers.Scope(c), c.Param("id"), in.Decision, in.Note, handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d.View())
}
