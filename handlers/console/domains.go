package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// domainsView is the Domains page: every domain the user may see, with
// filters, a keyset pager and the bulk action bar.
type domainsView struct {
	consoleBase
	Rows     []domainRow
	Status   string
	Statuses []statusFilter
	// AnyStatusURL is the list with the other filters and any status.
	AnyStatusURL string
	Q            string
	PoolID       string
	// ClientID narrows the list to one client (a link from the client's
	// page); Client is its name, AllClientsURL the list without it.
	ClientID      string
	Client        string
	AllClientsURL string
	Pools         []poolOption // the pool filter and the pool actions
	NextURL       string
	FirstURL      string
	Back          string // this page's path and query, where the actions return
	Results       *results
	Confirm       bool // the delete confirmation was ticked (re-render)
	Errors        map[string]string
}

// domainRow is one domain of the list.
type domainRow struct {
	D        *models.Domain
	Client   string // the client's name (admins)
	Usage    string // "1,234 / 5,000"
	Pools    []string
	Selected bool
}

// statusFilter is one choice of the status filter.
type statusFilter struct {
	Value   models.Status
	Label   string
	URL     string
	Current bool
}

// poolOption is a pool in a select: "Acme: Main" for admins.
type poolOption struct {
	ID, Label string
}

// consoleDomainsPage is how many domains the Domains page lists at once.
const consoleDomainsPage = 50

const domainsPath = consolePrefix + "/domains"

// consoleDomains: GET /console/domains.
func (h *Handler) consoleDomains(c *gin.Context) {
	v, err := h.domainsView(c, c.Request.URL.Query(), nil)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	v.Results = h.takeResults(c)
	h.pages.Render(c, http.StatusOK, "domains", v)
}

// domainsView lists the domains the query asks for (status, q, pool_id,
// cursor); selected ticks the rows of a form being shown again.
func (h *Handler) domainsView(c *gin.Context, q url.Values, selected map[string]bool) (domainsView, error) {
	ctx := c.Request.Context()
	who := signedIn(c)
	sc := who.scope()
	v := domainsView{consoleBase: h.consoleBase(c, "Domains", "domains"),
		Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q")), PoolID: q.Get("pool_id"), ClientID: q.Get("client_id")}
	query := models.DomainQuery{ClientID: v.ClientID, Status: models.Status(v.Status), Q: v.Q, PoolID: v.PoolID,
		PageQuery: models.PageQuery{Limit: consoleDomainsPage, Cursor: q.Get("cursor")}}
	page, err := h.cfg.Store.ListDomains(ctx, sc, query)
	if err != nil {
		return v, err
	}
	filter := url.Values{}
	for _, k := range []string{"client_id", "status", "q", "pool_id"} {
		if s := strings.TrimSpace(q.Get(k)); s != "" {
			filter.Set(k, s)
		}
	}
	v.Back = withQuery(domainsPath, filter)
	if q.Get("cursor") != "" {
		v.FirstURL = v.Back
		cur := url.Values{}
		for k, vs := range filter {
			cur[k] = vs
		}
		cur.Set("cursor", q.Get("cursor"))
		v.Back = withQuery(domainsPath, cur)
	}
	if page.Next != "" {
		next := url.Values{}
		for k, vs := range filter {
			next[k] = vs
		}
		next.Set("cursor", page.Next)
		v.NextURL = withQuery(domainsPath, next)
	}
	anyStatus := url.Values{}
	for k, vs := range filter {
		if k != "status" {
			anyStatus[k] = vs
		}
	}
	v.AnyStatusURL = withQuery(domainsPath, anyStatus)
	allClients := url.Values{}
	for k, vs := range filter {
		if k != "client_id" && k != "pool_id" {
			allClients[k] = vs
		}
	}
	v.AllClientsURL = withQuery(domainsPath, allClients)
	for _, s := range models.Statuses {
		f := url.Values{}
		for k, vs := range filter {
			f[k] = vs
		}
		f.Set("status", string(s))
		v.Statuses = append(v.Statuses, statusFilter{Value: s, Label: handlers.StatusLabel(s), URL: withQuery(domainsPath, f),
			Current: string(s) == v.Status})
	}

	// The clients of the rows (names, limits) and their pools.
	clients := map[string]*models.Client{}
	var order []string
	addClient := func(id string) error {
		if _, ok := clients[id]; ok {
			return nil
		}
		cl, err := h.cfg.Store.GetClient(ctx, sc, id)
		if err != nil {
			return err
		}
		clients[id] = cl
		order = append(order, id)
		return nil
	}
	if !who.admin() {
		if err := addClient(sc.ClientID); err != nil {
			return v, err
		}
	}
	if v.ClientID != "" {
		if err := addClient(v.ClientID); err != nil {
			return v, err
		}
		v.Client = clients[v.ClientID].Name
	}
	if v.PoolID != "" {
		p, err := h.cfg.Store.GetPool(ctx, sc, v.PoolID)
		if err != nil {
			return v, err
		}
		if err := addClient(p.ClientID); err != nil {
			return v, err
		}
	}
	for _, d := range page.Domains {
		if err := addClient(d.ClientID); err != nil {
			return v, err
		}
	}
	poolNames := map[string]string{}
	for _, id := range order {
		pools, err := h.cfg.Store.ListPools(ctx, sc, models.PoolQuery{ClientID: id, PageQuery: models.PageQuery{Limit: models.MaxPageLimit}})
		if err != nil {
			return v, err
		}
		for _, p := range pools.Pools {
			label := p.Name
			if who.admin() {
				label = clients[id].Name + ": " + p.Name
			}
			poolNames[p.ID] = p.Name
			v.Pools = append(v.Pools, poolOption{ID: p.ID, Label: label})
		}
	}
	for _, d := range page.Domains {
		cl := clients[d.ClientID]
		row := domainRow{D: d, Client: cl.Name, Usage: usage(d.MessagesSent, cl.DomainLimit), Selected: selected[d.ID]}
		for _, id := range d.PoolIDs {
			row.Pools = append(row.Pools, poolNames[id])
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

// withQuery is path?query (just path when the query is empty).
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
