package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

type domainSIDRequest struct {
	DomainSID string `json:"domain_sid"`
}

// submitDomainSID: POST /api/v1/domains/{id}/domain-sid → 202.
func (h *Handler) submitDomainSID(c *gin.Context) {
	var in domainSIDRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	d, err := h.cfg.Workflows.SubmitDomainSID(c.Request.Context(), handlers.Scope(c), c.Param("id"), in.DomainSID, handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, d.View())
}
