package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// listClients: GET /api/v1/clients?q=&limit=&cursor=. A client key sees
// only its own client.
func (h *Handler) listClients(c *gin.Context) {
	page, err := h.cfg.Store.ListClients(c.Request.Context(), handlers.Scope(c),
		models.ClientQuery{Q: c.Query("q"), PageQuery: handlers.PageQuery(c)})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	views := make([]models.ClientView, len(page.Clients))
	for i, cl := range page.Clients {
		views[i] = cl.View()
	}
	c.JSON(http.StatusOK, handlers.NewList(views, page.Next))
}
