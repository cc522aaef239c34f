package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type clientUpdateRequest struct {
	Name  *string      `json:"name"`
	Email *string      `json:"email"`
	Plan  *models.Plan `json:"plan"`
	// FallbackURL "" removes it.
	FallbackURL *string `json:"fallback_url"`
	// DomainLimit null removes the limit.
	DomainLimit models.Optional[int64] `json:"domain_limit"`
	// Rotation is on_limit or off.
	Rotation *models.Rotation `json:"rotation"`
}

// updateClient: PATCH /api/v1/clients/{id} (admin).
func (h *Handler) updateClient(c *gin.Context) {
	var in clientUpdateRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	cl, err := h.cfg.Store.UpdateClient(c.Request.Context(), handlers.Scope(c), c.Param("id"),
		models.ClientPatch{Name: in.Name, Email: in.Email, Plan: in.Plan, FallbackURL: in.FallbackURL, DomainLimit: in.DomainLimit, Rotation: in.Rotation})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cl.View())
}
