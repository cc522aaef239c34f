package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// domainsView is the Domains page: every domain the user may see across
// clients, with filters by status and sub-status, search, sorting,
// numbered pages (Previous, Next, the total) and the bulk action bar.
type domainsView struct {
	consoleBase
	Rows     []domainRow
	Status   string
	Statuses []statusFilter
	// DNS and SSL filter by sub-status; Sort orders the list.
	DNS, SSL, Sort string
	DNSOptions     []filterOption
	SSLOptions     []filterOption
	SortOptions    []filterOption
	// Total matches the filters; From and To number this page's rows.
	Total, From, To int64
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
	PrevURL       string
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

// filterOption is one choice of a select.
type filterOption struct {
	Value, Label string
	Current      bool
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

// domainsFilters are the query keys the Domains page keeps from page to
// page (page itself apart).
var domainsFilters = []string{"client_id", "status", "dns_status", "ssl_status", "q", "pool_id", "sort"}

// domainsView lists the domains the query asks for (status, dns_status,
// ssl_status, q, pool_id, client_id, sort, page); selected ticks the rows
// of a form being shown again.
func (h *Handler) domainsView(c *gin.Context, q url.Values, selected map[string]bool) (domainsView, error) {
	ctx := c.Request.Context()
	who := signedIn(c)
	sc := who.scope()
	v := domainsView{consoleBase: h.consoleBase(c, "Domains", "domains"),
		Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q")), PoolID: q.Get("pool_id"), ClientID: q.Get("client_id"),
		DNS: q.Get("dns_status"), SSL: q.Get("ssl_status"), Sort: q.Get("sort")}
	pageNo := 1
	if raw := strings.TrimSpace(q.Get("page")); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return v, models.Invalid("invalid_page", "page", "must be a whole number from 1")
		}
		pageNo = n
	}
	query := models.DomainQuery{ClientID: v.ClientID, Status: models.Status(v.Status), Q: v.Q, PoolID: v.PoolID,
		DNSStatus: models.DNSStatus(v.DNS), SSLStatus: models.SSLStatus(v.SSL),
		PageQuery: models.PageQuery{Limit: consoleDomainsPage}}
	page, err := h.cfg.Store.ListDomainsPage(ctx, sc, query, models.DomainSort(v.Sort), pageNo)
	if err != nil {
		return v, err
	}
	v.Total = page.Total
	if n := int64(len(page.Domains)); n > 0 {
		v.From = int64(pageNo-1)*consoleDomainsPage + 1
		v.To = v.From + n - 1
	}
	filter := url.Values{}
	for _, k := range domainsFilters {
		if s := strings.TrimSpace(q.Get(k)); s != "" {
			filter.Set(k, s)
		}
	}
	at := func(n int) string {
		f := url.Values{}
		for k, vs := range filter {
			f[k] = vs
		}
		if n > 1 {
			f.Set("page", strconv.Itoa(n))
		}
		return withQuery(domainsPath, f)
	}
	v.Back = at(pageNo)
	if pageNo > 1 {
		v.PrevURL = at(pageNo - 1)
	}
	if int64(pageNo)*consoleDomainsPage < page.Total {
		v.NextURL = at(pageNo + 1)
	}
	for _, s := range models.DNSStatuses {
		v.DNSOptions = append(v.DNSOptions, filterOption{Value: string(s), Label: handlers.DNSLabel(s), Current: string(s) == v.DNS})
	}
	for _, s := range models.SSLStatuses {
		v.SSLOptions = append(v.SSLOptions, filterOption{Value: string(s), Label: handlers.SSLLabel(s), Current: string(s) == v.SSL})
	}
	for _, s := range models.DomainSorts {
		v.SortOptions = append(v.SortOptions, filterOption{Value: string(s), Label: domainSortLabels[s], Current: string(s) == v.Sort})
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
		v.Statuses = append(v.Statuses, statusFilter{Value: s, Label: handlers.StatusLabelFor(s, handlers.ReaderOf(who.admin())), URL: withQuery(domainsPath, f),
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

// domainSortLabels are the Domains page's orders in words.
var domainSortLabels = map[models.DomainSort]string{
	models.SortNewest: "Newest first",
	models.SortAge:    "Longest in its step first",
	models.SortHost:   "Host, A to Z",
}

// withQuery is path?query (just path when the query is empty).
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
