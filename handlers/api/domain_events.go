package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// listDomainEvents: GET /api/v1/domains/{id}/events, oldest first.
func (h *Handler) listDomainEvents(c *gin.Context) {
	evs, err := h.cfg.Store.DomainEvents(c.Request.Context(), handlers.Scope(c), c.Param("id"))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	views := make([]models.DomainEventView, len(evs))
	for i := range evs {
		views[i] = evs[i].View()
	}
	c.JSON(http.StatusOK, gin.H{"data": views})
}
