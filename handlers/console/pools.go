package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// poolsView is a client's pools: ordered lists of its domains that
// campaigns rotate through.
type poolsView struct {
	consoleBase
	Client  *models.Client
	Pools   []poolCard
	Domains []*models.Domain // the client's domains
	More    bool             // more domains than listed
	Name    string           // the create form, shown again
	Errors  map[string]string
}

// poolMember is a domain of a pool, in its place.
type poolMember struct {
	D           *models.Domain
	First, Last bool
}

// poolCard is one pool with its domains in rotation order and the
// client's domains not yet in it.
type poolCard struct {
	P       *models.Pool
	Members []poolMember
	Addable []*models.Domain
	Rename  string // the rename form's value
	Error   string // the error of one of this pool's forms
}

func poolsPath(clientID string) string { return clientPath(clientID) + "/pools" }

// consolePools: GET /console/clients/{id}/pools.
func (h *Handler) consolePools(c *gin.Context) {
	v, err := h.poolsView(c, c.Param("id"))
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	h.pages.Render(c, http.StatusOK, "pools", v)
}

func (h *Handler) poolsView(c *gin.Context, clientID string) (poolsView, error) {
	ctx := c.Request.Context()
	sc := signedIn(c).scope()
	cl, err := h.cfg.Store.GetClient(ctx, sc, clientID)
	if err != nil {
		return poolsView{}, err
	}
	pools, err := h.cfg.Store.ListPools(ctx, sc, models.PoolQuery{ClientID: cl.ID, PageQuery: models.PageQuery{Limit: models.MaxPageLimit}})
	if err != nil {
		return poolsView{}, err
	}
	page, err := h.cfg.Store.ListDomains(ctx, sc, models.DomainQuery{ClientID: cl.ID, PageQuery: models.PageQuery{Limit: models.MaxPageLimit}})
	if err != nil {
		return poolsView{}, err
	}
	byID := map[string]*models.Domain{}
	for _, d := range page.Domains {
		byID[d.ID] = d
	}
	v := poolsView{consoleBase: h.consoleBase(c, "Pools of "+cl.Name, clientNav(c)), Client: cl, Domains: page.Domains,
		More: page.Next != "", Errors: map[string]string{}}
	for _, p := range pools.Pools {
		card := poolCard{P: p, Rename: p.Name}
		in := map[string]bool{}
		for _, id := range p.DomainIDs {
			in[id] = true
			d := byID[id]
			if d == nil { // beyond the listed page
				if d, err = h.cfg.Store.GetDomain(ctx, sc, id); err != nil {
					return poolsView{}, err
				}
			}
			card.Members = append(card.Members, poolMember{D: d})
		}
		if n := len(card.Members); n > 0 {
			card.Members[0].First, card.Members[n-1].Last = true, true
		}
		for _, d := range page.Domains {
			if !in[d.ID] {
				card.Addable = append(card.Addable, d)
			}
		}
		v.Pools = append(v.Pools, card)
	}
	return v, nil
}

// renderPoolsErrors shows the pools page again after a refused form: the
// error next to the field of the create form, or on the pool's card.
func (h *Handler) renderPoolsErrors(c *gin.Context, clientID, poolID string, err error, edit func(v *poolsView)) {
	errs, ok := fieldErrors(err, "name")
	if !ok {
		h.pages.Fail(c, err)
		return
	}
	v, verr := h.poolsView(c, clientID)
	if verr != nil {
		h.pages.Fail(c, verr)
		return
	}
	if poolID == "" {
		v.Errors = errs
	} else {
		msg := errs["name"]
		if msg == "" {
			msg = errs["form"]
		}
		for i := range v.Pools {
			if v.Pools[i].P.ID == poolID {
				v.Pools[i].Error = msg
			}
		}
	}
	if edit != nil {
		edit(&v)
	}
	h.pages.Render(c, handlers.StatusOf(err, http.StatusUnprocessableEntity), "pools", v)
}

// consolePoolCreate: POST /console/clients/{id}/pools (Store.CreatePool).
func (h *Handler) consolePoolCreate(c *gin.Context) {
	name := c.PostForm("name")
	p, err := h.cfg.Store.CreatePool(c.Request.Context(), signedIn(c).scope(), c.Param("id"), models.PoolInput{Name: name})
	if err != nil {
		h.renderPoolsErrors(c, c.Param("id"), "", err, func(v *poolsView) { v.Name = name })
		return
	}
	handlers.SeeOther(c, poolsPath(p.ClientID), "pool")
}

// pool reads the pool of the path (404 when it is not the user's).
func (h *Handler) pool(c *gin.Context) (*models.Pool, bool) {
	p, err := h.cfg.Store.GetPool(c.Request.Context(), signedIn(c).scope(), c.Param("id"))
	if err != nil {
		h.pages.Fail(c, err)
		return nil, false
	}
	return p, true
}

// consolePoolRename: POST /console/pools/{id}/rename (Store.UpdatePool
// with a name).
func (h *Handler) consolePoolRename(c *gin.Context) {
	p, ok := h.pool(c)
	if !ok {
		return
	}
	name := c.PostForm("name")
	if _, err := h.cfg.Store.UpdatePool(c.Request.Context(), signedIn(c).scope(), p.ID, models.PoolPatch{Name: &name}); err != nil {
		h.renderPoolsErrors(c, p.ClientID, p.ID, err, func(v *poolsView) {
			for i := range v.Pools {
				if v.Pools[i].P.ID == p.ID {
					v.Pools[i].Rename = name
				}
			}
		})
		return
	}
	handlers.SeeOther(c, poolsPath(p.ClientID), "pool_renamed")
}

// consolePoolDelete: POST /console/pools/{id}/delete (its domains stay).
func (h *Handler) consolePoolDelete(c *gin.Context) {
	p, ok := h.pool(c)
	if !ok {
		return
	}
	if err := h.cfg.Store.DeletePool(c.Request.Context(), signedIn(c).scope(), p.ID); err != nil {
		h.renderPoolsErrors(c, p.ClientID, p.ID, err, nil)
		return
	}
	handlers.SeeOther(c, poolsPath(p.ClientID), "pool_deleted")
}

// consolePoolAdd: POST /console/pools/{id}/domains (Store.AddPoolDomains:
// after the last one, in the order chosen).
func (h *Handler) consolePoolAdd(c *gin.Context) {
	p, ok := h.pool(c)
	if !ok {
		return
	}
	ids := c.PostFormArray("domain_ids")
	if len(ids) == 0 {
		h.renderPoolsErrors(c, p.ClientID, p.ID, models.Invalid("invalid_pool", "domain_ids", "choose at least one domain to add"), nil)
		return
	}
	if _, err := h.cfg.Store.AddPoolDomains(c.Request.Context(), signedIn(c).scope(), p.ID, ids); err != nil {
		h.renderPoolsErrors(c, p.ClientID, p.ID, err, nil)
		return
	}
	handlers.SeeOther(c, poolsPath(p.ClientID), "pool_added")
}

// consolePoolRemove: POST /console/pools/{id}/domains/{domain_id}/remove
// (Store.RemovePoolDomain).
func (h *Handler) consolePoolRemove(c *gin.Context) {
	p, ok := h.pool(c)
	if !ok {
		return
	}
	if err := h.cfg.Store.RemovePoolDomain(c.Request.Context(), signedIn(c).scope(), p.ID, c.Param("domain_id")); err != nil {
		h.renderPoolsErrors(c, p.ClientID, p.ID, err, nil)
		return
	}
	handlers.SeeOther(c, poolsPath(p.ClientID), "pool_removed")
}

// consolePoolMove: POST /console/pools/{id}/domains/{domain_id}/move
// (direction up or down): Store.UpdatePool with the new order, as PATCH
// /api/v1/pools/{id} {"domain_ids"} sets it.
func (h *Handler) consolePoolMove(c *gin.Context) {
	p, ok := h.pool(c)
	if !ok {
		return
	}
	order := append([]string(nil), p.DomainIDs...)
	at := -1
	for i, id := range order {
		if id == c.Param("domain_id") {
			at = i
		}
	}
	to := at - 1
	if strings.EqualFold(c.PostForm("direction"), "down") {
		to = at + 1
	}
	if at < 0 || to < 0 || to >= len(order) {
		h.renderPoolsErrors(c, p.ClientID, p.ID, models.Invalid("invalid_pool", "domain_id", "cannot move that domain that way"), nil)
		return
	}
	order[at], order[to] = order[to], order[at]
	if _, err := h.cfg.Store.UpdatePool(c.Request.Context(), signedIn(c).scope(), p.ID, models.PoolPatch{DomainIDs: &order}); err != nil {
		h.renderPoolsErrors(c, p.ClientID, p.ID, err, nil)
		return
	}
	handlers.SeeOther(c, poolsPath(p.ClientID), "pool_moved")
}
