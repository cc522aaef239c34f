package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type clientCreateRequest struct {
	Name  string      `json:"name"`
	Email string      `json:"email"`
	Plan  models.Plan `json:"plan"`
	// FallbackURL is where a broken short link sends people.
	FallbackURL string `json:"fallback_url"`
}

// createClient: POST /api/v1/clients (admin).
func (h *Handler) createClient(c *gin.Context) {
	var in clientCreateRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	cl, err := h.cfg.Store.CreateClient(c.Request.Context(), models.ClientInput{Name: in.Name, Email: in.Email, Plan: in.Plan, FallbackURL: in.FallbackURL})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/clients/"+cl.ID)
	c.JSON(http.StatusCreated, cl.View())
}
