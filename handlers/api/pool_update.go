package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type poolUpdateRequest struct {
	Name *string `json:"name"`
	// DomainIDs is the pool's whole new list, in rotation order.
	DomainIDs *[]string `json:"domain_ids"`
}

// updatePool: PATCH /api/v1/pools/{id}.
func (h *Handler) updatePool(c *gin.Context) {
	var in poolUpdateRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	p, err := h.cfg.Store.UpdatePool(c.Request.Context(), handlers.Scope(c), c.Param("id"),
		models.PoolPatch{Name: in.Name, DomainIDs: in.DomainIDs})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p.View())
}
