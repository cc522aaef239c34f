package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// listOptOuts: GET /api/v1/clients/{id}/opt-outs?limit=&cursor=, in the
// order of the numbers.
func (h *Handler) listOptOuts(c *gin.Context) {
	page, err := h.cfg.Store.ListOptOuts(c.Request.Context(), handlers.Scope(c),
		models.OptOutQuery{ClientID: c.Param("id"), PageQuery: handlers.PageQuery(c)})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	views := make([]models.OptOutView, len(page.OptOuts))
	for i, o := range page.OptOuts {
		views[i] = o.View()
	}
	c.JSON(http.StatusOK, handlers.NewList(views, page.Next))
}
