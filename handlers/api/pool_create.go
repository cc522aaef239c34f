package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type poolCreateRequest struct {
	Name      string   `json:"name"`
	DomainIDs []string `json:"domain_ids"`
}

// createPool: POST /api/v1/clients/{id}/pools.
func (h *Handler) createPool(c *gin.Context) {
	var in poolCreateRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	p, err := h.cfg.Store.CreatePool(c.Request.Context(), handlers.Scope(c), c.Param("id"),
		models.PoolInput{Name: in.Name, DomainIDs: in.DomainIDs})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/pools/"+p.ID)
	c.JSON(http.StatusCreated, p.View())
}
