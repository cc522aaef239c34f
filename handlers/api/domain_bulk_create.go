package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type domainBulkCreateRequest struct {
	Domains   []string `json:"domains"`
	Subdomain *string  `json:"subdomain"`
}

// domainBulkRow is one name's outcome: domain when added, error (the
// problem a single add would have answered) when not.
type domainBulkRow struct {
	Input  string             `json:"input"`
	Domain *models.DomainView `json:"domain"`
	Error  *handlers.Problem  `json:"error"`
}

type domainBulkResult struct {
	Data []domainBulkRow `json:"data"`
}

// createDomains: POST /api/v1/clients/{id}/domains/bulk → 200, one row
// per name in order.
func (h *Handler) createDomains(c *gin.Context) {
	var in domainBulkCreateRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	rows, err := h.cfg.Store.CreateDomains(c.Request.Context(), handlers.Scope(c), c.Param("id"),
		in.Domains, in.Subdomain, h.screen(), h.cfg.DNS, handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	out := domainBulkResult{Data: make([]domainBulkRow, len(rows))}
	for i, r := range rows {
		out.Data[i] = domainBulkRow{Input: r.Input, Error: handlers.ProblemOf(c, r.Err)}
		if r.Domain != nil {
			v := r.Domain.View()
			out.Data[i].Domain = &v
		}
	}
	c.JSON(http.StatusOK, out)
}
