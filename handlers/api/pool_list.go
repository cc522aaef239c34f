package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// listPools: GET /api/v1/clients/{id}/pools?limit=&cursor=.
func (h *Handler) listPools(c *gin.Context) {
	page, err := h.cfg.Store.ListPools(c.Request.Context(), handlers.Scope(c),
		models.PoolQuery{ClientID: c.Param("id"), PageQuery: handlers.PageQuery(c)})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	views := make([]models.PoolView, len(page.Pools))
	for i, p := range page.Pools {
		views[i] = p.View()
	}
	c.JSON(http.StatusOK, handlers.NewList(views, page.Next))
}
