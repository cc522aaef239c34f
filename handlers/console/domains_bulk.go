package console

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// domainsBulkView is "Add domains": many names at once, one a line.
type domainsBulkView struct {
	consoleBase
	Client  *models.Client
	Action  string
	Names   string // the textarea, as typed
	Sub     string
	Max     int
	Results *results
	Errors  map[string]string
}

// consoleDomainsBulkPage: GET /console/clients/{id}/domains/bulk.
func (h *Handler) consoleDomainsBulkPage(c *gin.Context) {
	v, err := h.domainsBulkView(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	v.Results = h.takeResults(c)
	h.pages.Render(c, http.StatusOK, "domains_bulk", v)
}

func (h *Handler) domainsBulkView(c *gin.Context) (domainsBulkView, error) {
	cl, err := h.cfg.Store.GetClient(c.Request.Context(), signedIn(c).scope(), c.Param("id"))
	if err != nil {
		return domainsBulkView{}, err
	}
	return domainsBulkView{consoleBase: h.consoleBase(c, "Add domains for "+cl.Name, clientNav(c)), Client: cl,
		Action: clientPath(cl.ID) + "/domains/bulk", Sub: "ls", Max: models.MaxBulkItems}, nil
}

// screen is the reputation check of new names (none without an engine),
// as the API's bulk add uses.
func (h *Handler) screen() func(context.Context, string) error {
	if h.cfg.Workflows == nil {
		return nil
	}
	return h.cfg.Workflows.ScreenHost
}

// clientNav is the section of a client's pages: Clients for admins, My
// domains for client users.
func clientNav(c *gin.Context) string {
	if signedIn(c).admin() {
		return "clients"
	}
	return "client"
}

// consoleDomainsBulk: POST /console/clients/{id}/domains/bulk. The
// textarea "domains" is the one console field that may hold line breaks
// (the route mounts handlers.PageTextLines for it alone); each non-empty
// line is a name, and the list goes to Store.CreateDomains as POST
// /api/v1/clients/{id}/domains/bulk sends it. One outcome per name.
func (h *Handler) consoleDomainsBulk(c *gin.Context) {
	who := signedIn(c)
	raw := c.PostForm("domains")
	sub := strings.TrimSpace(c.PostForm("subdomain"))
	var names []string
	for _, line := range strings.Split(raw, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			names = append(names, line)
		}
	}
	fail := func(err error) {
		errs, ok := fieldErrors(err, "domains", "subdomain")
		if !ok {
			h.pages.Fail(c, err)
			return
		}
		v, verr := h.domainsBulkView(c)
		if verr != nil {
			h.pages.Fail(c, verr)
			return
		}
		v.Names, v.Sub, v.Errors = raw, sub, errs
		h.pages.Render(c, handlers.StatusOf(err, http.StatusUnprocessableEntity), "domains_bulk", v)
	}
	switch {
	case len(names) == 0:
		fail(models.Invalid("invalid_domains", "domains", "enter at least one domain name, one a line"))
		return
	case len(names) > models.MaxBulkItems:
		fail(models.Invalid("invalid_domains", "domains", fmt.Sprintf("enter at most %d names at once (this list has %d)", models.MaxBulkItems, len(names))))
		return
	}
	var subp *string
	if sub != "" {
		subp = &sub
	}
	rows, err := h.cfg.Store.CreateDomains(c.Request.Context(), who.scope(), c.Param("id"), names, subp, h.screen(), h.cfg.DNS, who.actor())
	if err != nil {
		fail(err)
		return
	}
	res := &results{}
	for _, r := range rows {
		o := outcome{Name: r.Input, OK: r.Err == nil, Text: "added"}
		if r.Err != nil {
			f := failure("not added", r.Err)
			o.Text, o.Code = f.Text, f.Code
		} else {
			o.Name, o.ID = r.Domain.Host, r.Domain.ID
		}
		res.Rows = append(res.Rows, o)
	}
	res.Summary = summary("Add domains", res.Rows)
	if h.seeResults(c, clientPath(c.Param("id"))+"/domains/bulk", res) {
		return
	}
	v, verr := h.domainsBulkView(c)
	if verr != nil {
		h.pages.Fail(c, verr)
		return
	}
	v.Results = res
	h.renderResults(c, "domains_bulk", v)
}
