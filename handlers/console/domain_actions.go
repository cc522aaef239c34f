package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/workflows"
)

// actionWords are the bulk actions as the page says them: the button,
// what a done row says, and the start of a failed row's message.
var actionWords = map[models.DomainAction]struct{ Title, Done, Failed string }{
	models.ActionArchive:        {"Archive", "archived", "cannot archive"},
	models.ActionRestore:        {"Restore", "restored", "cannot restore"},
	models.ActionAddToPool:      {"Add to pool", "added to the pool", "cannot add to the pool"},
	models.ActionRemoveFromPool: {"Remove from pool", "removed from the pool", "cannot remove from the pool"},
	models.ActionDelete:         {"Delete", "deleted", "cannot delete"},
}

// consoleDomainActions: POST /console/domains/actions: one action on the
// ticked domains, each row on its own as POST /api/v1/domains/actions
// does (the pool actions in the store for the whole list, the others
// one domain at a time through the single-domain call). Delete needs the
// confirmation box. Back to the list, with each row's outcome.
func (h *Handler) consoleDomainActions(c *gin.Context) {
	who := signedIn(c)
	ctx := c.Request.Context()
	back := c.PostForm("back")
	if back != domainsPath && !strings.HasPrefix(back, domainsPath+"?") {
		back = domainsPath
	}
	ids := c.PostFormArray("domain_ids")
	in := models.DomainActionsInput{Action: models.DomainAction(c.PostForm("action")), DomainIDs: ids, PoolID: c.PostForm("pool_id")}
	confirm := c.PostForm("confirm") != ""

	errs := map[string]string{}
	switch {
	case len(ids) == 0:
		errs["form"] = "Tick at least one domain first."
	case in.Action == models.ActionDelete && !confirm:
		errs["confirm"] = "Deleting cannot be undone: tick the box to confirm, then press Delete again."
	case in.Action.OnPool() && in.PoolID == "":
		errs["pool_id"] = "Choose the pool."
	}
	if len(errs) == 0 {
		if err := in.Check(); err != nil {
			var ok bool
			if errs, ok = fieldErrors(mapFields(err, "domain_ids", "form"), "action", "pool_id"); !ok {
				h.pages.Fail(c, err)
				return
			}
		}
	}
	if len(errs) > 0 {
		h.renderDomainsForm(c, back, ids, confirm, errs)
		return
	}

	words := actionWords[in.Action]
	var rows []outcome
	if in.Action.OnPool() {
		res, err := h.cfg.Store.PoolDomainsAction(ctx, who.scope(), in)
		if err != nil {
			if errs, ok := fieldErrors(err, "pool_id"); ok {
				h.renderDomainsForm(c, back, ids, confirm, errs)
				return
			}
			h.pages.Fail(c, err)
			return
		}
		for _, r := range res {
			rows = append(rows, h.actionOutcome(ctx, who.scope(), words.Done, words.Failed, r.DomainID, r.Domain, r.Err))
		}
	} else {
		for _, id := range ids {
			rows = append(rows, h.domainAction(ctx, who, in.Action, id))
		}
	}
	res := &results{Summary: summary(words.Title, rows), Rows: rows}
	if h.seeResults(c, back, res) {
		return
	}
	v, err := h.domainsView(c, backQuery(back), nil)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	v.Results = res
	h.renderResults(c, "domains", v)
}

// domainAction does one per-domain action with the call the API makes
// for it, and words the outcome.
func (h *Handler) domainAction(ctx context.Context, who *consoleSignedIn, a models.DomainAction, id string) outcome {
	sc, actor := who.scope(), who.actor()
	words := actionWords[a]
	switch a {
	case models.ActionArchive:
		d, err := h.cfg.Store.ArchiveDomain(ctx, sc, id, actor)
		return h.actionOutcome(ctx, sc, words.Done, words.Failed, id, d, err)
	case models.ActionRestore:
		if h.cfg.Workflows == nil {
			return h.actionOutcome(ctx, sc, words.Done, words.Failed, id, nil, errNoEngine)
		}
		d, err := h.cfg.Workflows.RestoreDomain(ctx, sc, id, actor)
		o := h.actionOutcome(ctx, sc, words.Done, words.Failed, id, d, restoreError(err))
		if d != nil && err == nil {
			o.Text = "restored (now " + string(d.Status) + ")"
		}
		return o
	case models.ActionDelete:
		if h.cfg.Workflows == nil {
			d, gerr := h.cfg.Store.GetDomain(ctx, sc, id)
			err := gerr
			if err == nil {
				err = h.cfg.Store.DeleteDomain(ctx, sc, id, actor)
			}
			o := h.actionOutcome(ctx, sc, words.Done, words.Failed, id, nil, err)
			if err == nil {
				o.Name = d.Host
			}
			return o
		}
		res, err := h.cfg.Workflows.DeleteDomain(ctx, sc, id, actor)
		o := h.actionOutcome(ctx, sc, words.Done, words.Failed, id, nil, err)
		if err == nil {
			o.Name, o.Text = res.Domain.Host, "deleted; "+dnsCleanupWords(res)
		}
		return o
	}
	return outcome{Name: id, Text: "unknown action"}
}

// actionOutcome words a row: done (with a link to the domain while it
// exists) or the failure, named by host where the user may see it.
func (h *Handler) actionOutcome(ctx context.Context, sc models.Scope, done, failed, id string, d *models.Domain, err error) outcome {
	if err != nil {
		o := failure(failed, err)
		o.Name = id
		if g, gerr := h.cfg.Store.GetDomain(ctx, sc, id); gerr == nil {
			o.Name, o.ID = g.Host, g.ID
		}
		return o
	}
	o := outcome{Name: id, OK: true, Text: done}
	if d != nil {
		o.Name, o.ID = d.Host, d.ID
	}
	return o
}

// dnsCleanupWords says what became of a deleted domain's DNS record, and
// what the client must do about it.
func dnsCleanupWords(res workflows.DeleteResult) string {
	switch res.DNSCleanup {
	case workflows.DNSCleanupRemoved:
		return "linkgate removed its DNS record"
	case workflows.DNSCleanupClientMustRemove:
		var recs []string
		for _, r := range res.Records {
			recs = append(recs, r.Type+" "+r.Host+" → "+r.Value)
		}
		return "linkgate could not remove the DNS record: the client must delete " + strings.Join(recs, ", ") +
			" at their DNS provider (they were e-mailed the details)"
	}
	return "it had no DNS record"
}

var errNoEngine = &models.Error{Kind: models.KindUnavailable, Code: "unavailable", Detail: "the job engine is not running"}

// renderDomainsForm shows the list again after a refused bulk form, with
// the rows still ticked and the errors next to the fields.
func (h *Handler) renderDomainsForm(c *gin.Context, back string, ids []string, confirm bool, errs map[string]string) {
	sel := make(map[string]bool, len(ids))
	for _, id := range ids {
		sel[id] = true
	}
	v, err := h.domainsView(c, backQuery(back), sel)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	v.Errors, v.Confirm = errs, confirm
	h.pages.Render(c, http.StatusUnprocessableEntity, "domains", v)
}

// backQuery is the query of the list a form came from.
func backQuery(back string) url.Values {
	_, raw, _ := strings.Cut(back, "?")
	q, _ := url.ParseQuery(raw)
	return q
}
