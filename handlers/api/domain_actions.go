package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type domainActionsRequest struct {
	Action    models.DomainAction `json:"action"`
	DomainIDs []string            `json:"domain_ids"`
	PoolID    string              `json:"pool_id"`
}

// domainActionRow is one domain's outcome: domain as it is afterwards
// (null once deleted) when done, error when not.
type domainActionRow struct {
	DomainID string             `json:"domain_id"`
	Domain   *models.DomainView `json:"domain"`
	Error    *handlers.Problem  `json:"error"`
}

type domainActionsResult struct {
	Data []domainActionRow `json:"data"`
}

// domainAction does a bulk action on one domain, which it must find
// visible in sc (not found otherwise), and returns the domain as it is
// afterwards (nil once deleted). A status that does not allow the action
// is a 409 invalid_state and changes nothing.
type domainAction func(ctx context.Context, sc models.Scope, id, actor string) (*models.Domain, error)

// perDomainActions are the bulk actions done one domain at a time, each
// the single-domain call (the pool actions are done for the whole list at
// once by the store). Without a workflow engine restore and delete do
// what they can without providers.
func (h *Handler) perDomainActions() map[models.DomainAction]domainAction {
	wf := h.cfg.Workflows
	return map[models.DomainAction]domainAction{
		models.ActionArchive: h.cfg.Store.ArchiveDomain,
		models.ActionRestore: func(ctx context.Context, sc models.Scope, id, actor string) (*models.Domain, error) {
			if wf == nil {
				return nil, errNoWorkflows
			}
			return wf.RestoreDomain(ctx, sc, id, actor)
		},
		models.ActionDelete: func(ctx context.Context, sc models.Scope, id, actor string) (*models.Domain, error) {
			if wf == nil {
				return nil, h.cfg.Store.DeleteDomain(ctx, sc, id, actor)
			}
			_, err := wf.DeleteDomain(ctx, sc, id, actor)
			return nil, err
		},
	}
}

var errNoWorkflows = &models.Error{Kind: models.KindUnavailable, Code: "unavailable",
	Detail: "the job engine is not running"}

// domainActions: POST /api/v1/domains/actions → 200, one row per id in
// order.
func (h *Handler) domainActions(c *gin.Context) {
	var in domainActionsRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	req := models.DomainActionsInput{Action: in.Action, DomainIDs: in.DomainIDs, PoolID: in.PoolID}
	rows, err := h.runDomainActions(c.Request.Context(), handlers.Scope(c), handlers.Actor(c), req)
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	out := domainActionsResult{Data: make([]domainActionRow, len(rows))}
	for i, r := range rows {
		out.Data[i] = domainActionRow{DomainID: r.DomainID, Error: handlers.ProblemOf(c, r.Err)}
		if r.Domain != nil {
			v := r.Domain.View()
			out.Data[i].Domain = &v
		}
	}
	c.JSON(http.StatusOK, out)
}

// runDomainActions does a checked bulk action: the pool actions in the
// store, the others one domain at a time through h.actions.
func (h *Handler) runDomainActions(ctx context.Context, sc models.Scope, actor string, in models.DomainActionsInput) ([]models.DomainActionResult, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	if in.Action.OnPool() {
		return h.cfg.Store.PoolDomainsAction(ctx, sc, in)
	}
	if in.Action == models.ActionArchive { // one transaction for the list
		return h.cfg.Store.ArchiveDomains(ctx, sc, in.DomainIDs, actor)
	}
	act, ok := h.actions[in.Action]
	if !ok { // Check refuses unknown actions: a table out of step with it
		return nil, &models.Error{Kind: models.KindInternal, Code: "internal", Detail: "no handler for action " + string(in.Action)}
	}
	rows := make([]models.DomainActionResult, len(in.DomainIDs))
	var done []*models.Domain
	for i, id := range in.DomainIDs {
		d, err := act(ctx, sc, id, actor)
		rows[i] = models.DomainActionResult{DomainID: id, Domain: d, Err: err}
		if d != nil && err == nil {
			done = append(done, d)
		}
	}
	if err := h.cfg.Store.FillDomains(ctx, done); err != nil {
		return nil, err
	}
	return rows, nil
}
