package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// listOriginators: GET /api/v1/clients/{id}/originators?limit=&cursor=.
func (h *Handler) listOriginators(c *gin.Context) {
	page, err := h.cfg.Store.ListOriginators(c.Request.Context(), handlers.Scope(c),
		models.OriginatorQuery{ClientID: c.Param("id"), PageQuery: handlers.PageQuery(c)})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	views := make([]models.OriginatorView, len(page.Originators))
	for i, o := range page.Originators {
		views[i] = o.View()
	}
	c.JSON(http.StatusOK, handlers.NewList(views, page.Next))
}
