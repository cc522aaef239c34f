package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

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
	if err := bind(c, &in); err != nil {
		fail(c, err)
		return
	}
	d, err := h.cfg.Workflows.Configure(c.Request.Context(), scope(c), c.Param("id"),
		workflows.ConfigureInput{Mode: in.Mode, Provider: in.Provider, Credentials: in.Credentials}, actor(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, d.View())
}
