package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/workflows"
)

// DomainDeleted is the answer to a delete that leaves the domain's DNS
// record to see to.
type DomainDeleted struct {
	Deleted    bool                   `json:"deleted"`
	DNSCleanup workflows.DNSCleanup   `json:"dns_cleanup"`
	DNSRecords []models.DNSRecordView `json:"dns_records"`
}

// deleteDomain: DELETE /api/v1/domains/{id} → 204 when no DNS record was
// ever set up, else 200 DomainDeleted. Without a workflow engine (no
// providers) only the row goes.
func (h *Handler) deleteDomain(c *gin.Context) {
	ctx, sc, id, actor := c.Request.Context(), handlers.Scope(c), c.Param("id"), handlers.Actor(c)
	if h.cfg.Workflows == nil {
		if err := h.cfg.Store.DeleteDomain(ctx, sc, id, actor); err != nil {
			handlers.Fail(c, err)
			return
		}
		c.Status(http.StatusNoContent)
		return
	}
	res, err := h.cfg.Workflows.DeleteDomain(ctx, sc, id, actor)
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	if res.DNSCleanup == workflows.DNSCleanupNone {
		c.Status(http.StatusNoContent)
		return
	}
	c.JSON(http.StatusOK, DomainDeleted{Deleted: true, DNSCleanup: res.DNSCleanup, DNSRecords: res.Records})
}
