package console

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
)

// consoleDomainLive: GET /console/domains/{id}/live: the parts of the
// domain page that change with its status (the status card, the failure
// and its remedies, the next step's form, the timeline), rendered by the
// page's own templates as one HTML fragment. The page's script swaps them
// in when the status JSON reports a new version, so no reload is needed.
func (h *Handler) consoleDomainLive(c *gin.Context) {
	v, err := h.domainView(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	var buf bytes.Buffer
	if err := h.sets["domain"].ExecuteTemplate(&buf, "domain_fragment", v); err != nil {
		handlers.Logger(c).ErrorContext(c.Request.Context(), "render domain fragment", "error", err.Error())
		h.pages.Fail(c, err)
		return
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}
