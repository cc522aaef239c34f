package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

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
	if err := bind(c, &in); err != nil {
		fail(c, err)
		return
	}
	d, err := h.cfg.Store.CreateDomain(c.Request.Context(), scope(c), c.Param("id"),
		models.DomainInput{Domain: in.Domain, Subdomain: in.Subdomain, Purpose: in.Purpose}, h.cfg.DNS, actor(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/domains/"+d.ID)
	c.JSON(http.StatusCreated, d.View())
}
