package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type domainCreateRequest struct {
	Domain    string         `json:"domain"`
	Subdomain *string        `json:"subdomain"`
	Purpose   models.Purpose `json:"purpose"`
}

// createDomain: POST /api/v1/clients/{id}/domains.
func (h *Handler) createDomain(c *gin.Context) {
	var in domainCreateRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	d, err := h.cfg.Store.CreateDomain(c.Request.Context(), handlers.Scope(c), c.Param("id"),
		models.DomainInput{Domain: in.Domain, Subdomain: in.Subdomain, Purpose: in.Purpose, Screen: h.screen()}, h.cfg.DNS, handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/domains/"+d.ID)
	c.JSON(http.StatusCreated, d.View())
}

// screen is the reputation check new hosts pass (none without workflows).
func (h *Handler) screen() func(ctx context.Context, host string) error {
	if h.cfg.Workflows == nil {
		return nil
	}
	return h.cfg.Workflows.ScreenHost
}
