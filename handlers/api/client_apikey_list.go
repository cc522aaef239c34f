package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// listClientAPIKeys: GET /api/v1/clients/{id}/api-keys?limit=&cursor=,
// newest first, with their status; never the keys themselves.
func (h *Handler) listClientAPIKeys(c *gin.Context) {
	keys, next, err := h.cfg.Store.ListClientKeys(c.Request.Context(), handlers.Scope(c), c.Param("id"), handlers.PageQuery(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	now := h.cfg.Store.Now()
	out := make([]models.APIKeyView, len(keys))
	for i := range keys {
		out[i] = keys[i].View(now)
	}
	c.JSON(http.StatusOK, handlers.NewList(out, next))
}
