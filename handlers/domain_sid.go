package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type domainSIDRequest struct {
	DomainSID string `json:"domain_sid"`
}

// submitDomainSID: POST /api/v1/domains/{id}/domain-sid → 202.
func (h *Handler) submitDomainSID(c *gin.Context) {
	var in domainSIDRequest
	if err := bind(c, &in); err != nil {
		fail(c, err)
		return
	}
	d, err := h.cfg.Workflows.SubmitDomainSID(c.Request.Context(), scope(c), c.Param("id"), in.DomainSID, actor(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, d.View())
}
