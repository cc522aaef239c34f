package redirect

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// TLSAsk is GET /tls/ask?domain=<host> (at the root, no key): 200 when
// host is a tracking host (the platform's or a configured url_tracking
// domain, alone or behind a prefix word), 404 otherwise. A fronting
// proxy (Caddy's on_demand_tls ask) gets a certificate only on a 200.
type TLSAsk struct{ Store *models.Store }

// Mount adds GET /tls/ask.
func (a TLSAsk) Mount(s *handlers.Server) error {
	s.Router().GET("/tls/ask", func(c *gin.Context) {
		ok, err := a.Store.IsTrackingHost(c.Request.Context(), c.Query("domain"))
		if err != nil {
			handlers.Fail(c, err)
			return
		}
		if !ok {
			handlers.Fail(c, &models.Error{Kind: models.KindNotFound, Code: "not_found", Detail: "not a tracking host"})
			return
		}
		c.String(http.StatusOK, "ok\n")
	})
	return nil
}
