package api

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// listDomains: GET /api/v1/domains?client_id=&status=&pool_id=&q=&limit=&cursor=.
// A client key sees only its own domains.
func (h *Handler) listDomains(c *gin.Context) {
	h.respondDomains(c, c.Query("client_id"))
}

// listClientDomains: GET /api/v1/clients/{id}/domains.
func (h *Handler) listClientDomains(c *gin.Context) {
	if _, err := h.cfg.Store.GetClient(c.Request.Context(), handlers.Scope(c), c.Param("id")); err != nil {
		handlers.Fail(c, err)
		return
	}
	h.respondDomains(c, c.Param("id"))
}

func (h *Handler) respondDomains(c *gin.Context, clientID string) {
	page, err := h.cfg.Store.ListDomains(c.Request.Context(), handlers.Scope(c), models.DomainQuery{
		ClientID: clientID, Status: models.Status(c.Query("status")), PoolID: c.Query("pool_id"), Q: c.Query("q"), PageQuery: handlers.PageQuery(c),
	})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	// Written by hand, as c.JSON(handlers.NewList(views, page.Next))
	// would (TestDomainListJSONAsEncodingJSON), without its reflection,
	// into a buffer used again by later requests.
	buf := listBuffers.Get().(*[]byte)
	defer listBuffers.Put(buf)
	b := append((*buf)[:0], `{"data":[`...)
	for i, d := range page.Domains {
		if i > 0 {
			b = append(b, ',')
		}
		v := d.View()
		b = v.AppendJSON(b)
	}
	b = append(b, `],"next_cursor":`...)
	if page.Next == "" {
		b = append(b, "null"...)
	} else {
		b = models.AppendJSONString(b, page.Next)
	}
	b = append(b, '}')
	// Its length, so that net/http sends it whole rather than chunked.
	c.Header("Content-Length", strconv.Itoa(len(b)))
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
	if cap(b) <= maxListBuffer {
		*buf = b
	}
}

// listBuffers hold the domain list's JSON between requests: the response
// writer has copied or sent it when c.Data returns. A buffer grown past
// maxListBuffer (a page of 200 large domains) is not kept.
var listBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

const maxListBuffer = 1 << 20
