package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/workflows"
)

type domainConfigureRequest struct {
	Mode        models.SetupMode  `json:"mode"`
	Provider    string            `json:"provider"`
	Credentials map[string]string `json:"credentials"`
}

// configureDomain: POST /api/v1/domains/{id}/configure → 202.
func (h *Handler) configureDomain(c *gin.Context) {
	var in domainConfigureRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	d, err := h.cfg.Workflows.Configure(c.Request.Context(), handlers.Scope(c), c.Param("id"),
		workflows.ConfigureInput{Mode: in.Mode, Provider: in.Provider, Credentials: in.Credentials}, handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, d.View())
}
