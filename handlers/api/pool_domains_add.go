package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

type poolDomainsAddRequest struct {
	DomainIDs []string `json:"domain_ids"`
}

// addPoolDomains: POST /api/v1/pools/{id}/domains → 200 pool. Appends in
// the order given; ids already in the pool keep their place.
func (h *Handler) addPoolDomains(c *gin.Context) {
	var in poolDomainsAddRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	p, err := h.cfg.Store.AddPoolDomains(c.Request.Context(), handlers.Scope(c), c.Param("id"), in.DomainIDs)
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p.View())
}
