package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type originatorCreateRequest struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// createOriginator: POST /api/v1/clients/{id}/originators → 201; a bad
// type or value is 422 naming it, the same sender twice 409.
func (h *Handler) createOriginator(c *gin.Context) {
	var in originatorCreateRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	o, err := h.cfg.Store.CreateOriginator(c.Request.Context(), handlers.Scope(c), c.Param("id"),
		models.OriginatorInput{Type: models.OriginatorType(in.Type), Value: in.Value})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, o.View())
}
