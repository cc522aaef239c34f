package console

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// The domain page's own management actions (API.md "Domain
// management"), each the call its API endpoint makes.

// consoleDomainArchive: POST /console/domains/{id}/archive
// (Store.ArchiveDomain).
func (h *Handler) consoleDomainArchive(c *gin.Context) {
	who := signedIn(c)
	d, err := h.cfg.Store.ArchiveDomain(c.Request.Context(), who.scope(), c.Param("id"), who.actor())
	if err != nil {
		h.renderDomainErrors(c, err, "manage", nil)
		return
	}
	handlers.SeeOther(c, domainPath(d.ID), "archived")
}

// consoleDomainRestore: POST /console/domains/{id}/restore
// (Engine.RestoreDomain). A reached_limit domain whose client's limit was
// not raised stays, and the page says why (409 limit_not_raised).
func (h *Handler) consoleDomainRestore(c *gin.Context) {
	who := signedIn(c)
	d, err := h.cfg.Workflows.RestoreDomain(c.Request.Context(), who.scope(), c.Param("id"), who.actor())
	if err != nil {
		h.renderDomainErrors(c, restoreError(err), "manage", nil)
		return
	}
	handlers.SeeOther(c, domainPath(d.ID), "restored")
}

// consoleDomainReview: POST /console/domains/{id}/review (admins;
// Store.ReviewDomain): clear or decline an under_review domain, with a
// note.
func (h *Handler) consoleDomainReview(c *gin.Context) {
	who := signedIn(c)
	decision, note := models.ReviewDecision(c.PostForm("decision")), c.PostForm("note")
	d, err := h.cfg.Store.ReviewDomain(c.Request.Context(), who.scope(), c.Param("id"), decision, note, who.actor())
	if err != nil {
		h.renderDomainErrors(c, err, "review", func(v *domainView) { v.Note = note }, "decision", "note")
		return
	}
	handlers.SeeOther(c, domainPath(d.ID), "reviewed")
}

// consoleDomainDelete: POST /console/domains/{id}/delete, with the
// confirmation box ticked (Engine.DeleteDomain; Store.DeleteDomain
// without an engine, as the API). To the client's page, which says what
// became of the DNS record.
func (h *Handler) consoleDomainDelete(c *gin.Context) {
	who := signedIn(c)
	ctx := c.Request.Context()
	if c.PostForm("confirm") == "" {
		h.renderDeleteErrors(c, models.Invalid("confirm_required", "confirm", "deleting cannot be undone: tick the box to confirm"))
		return
	}
	d, err := h.cfg.Store.GetDomain(ctx, who.scope(), c.Param("id"))
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	o := outcome{Name: d.Host, OK: true, Text: "deleted"}
	if h.cfg.Workflows != nil {
		res, err := h.cfg.Workflows.DeleteDomain(ctx, who.scope(), d.ID, who.actor())
		if err != nil {
			h.renderDeleteErrors(c, err)
			return
		}
		o.Text = "deleted; " + dnsCleanupWords(res)
	} else if err := h.cfg.Store.DeleteDomain(ctx, who.scope(), d.ID, who.actor()); err != nil {
		h.renderDeleteErrors(c, err)
		return
	}
	res := &results{Summary: "Deleted " + d.Host + ".", Rows: []outcome{o}}
	if !h.seeResults(c, clientPath(d.ClientID), res) {
		handlers.SeeOther(c, clientPath(d.ClientID), "deleted")
	}
}

// restoreError words the API's limit_not_raised for the console, where
// the limit is the client page's "Global domain limit"; other errors are
// as they are.
func restoreError(err error) error {
	var e *models.Error
	if errors.As(err, &e) && e.Code == "limit_not_raised" {
		c := *e
		c.Detail = "this domain has sent its client's global domain limit; raise the limit on the client's page above the messages it has sent, then restore it (409 " + e.Code + ")"
		return &c
	}
	return err
}

// renderDeleteErrors shows a refused delete on its confirmation page: the
// box not ticked next to it, a provider outage (503) or conflict above
// the form; faults and 404s as an error page.
func (h *Handler) renderDeleteErrors(c *gin.Context, err error) {
	errs, ok := fieldErrors(err, "confirm")
	var e *models.Error
	if !ok && (!errors.As(err, &e) || e.Kind != models.KindUnavailable) {
		h.pages.Fail(c, err)
		return
	}
	v, verr := h.deleteView(c)
	if verr != nil {
		h.pages.Fail(c, verr)
		return
	}
	if errs == nil {
		errs = map[string]string{"form": "A provider did not answer, so nothing more was deleted; try again shortly."}
	}
	if msg, ok := errs["form"]; ok {
		delete(errs, "form")
		errs["delete"] = msg
	}
	v.Errors = errs
	h.pages.Render(c, handlers.StatusOf(err, http.StatusUnprocessableEntity), "domain_delete", v)
}
