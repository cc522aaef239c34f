package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// consoleClientLimit: POST /console/clients/{id}/limit (admins): the
// client's "global domain limit", how many messages one of its domains
// may send, through Store.UpdateClient as PATCH /api/v1/clients/{id}
// {"domain_limit"} does. Empty is no limit.
func (h *Handler) consoleClientLimit(c *gin.Context) {
	who := signedIn(c)
	raw := strings.TrimSpace(c.PostForm("domain_limit"))
	patch := models.ClientPatch{DomainLimit: models.Optional[int64]{Set: true}}
	var err error
	if raw != "" {
		n, perr := strconv.ParseInt(strings.ReplaceAll(raw, ",", ""), 10, 64)
		if perr != nil {
			err = models.Invalid("invalid_client", "domain_limit", "must be a whole number from 1 to 1,000,000,000, or empty for no limit")
		} else {
			patch.DomainLimit.Value = &n
		}
	}
	if err == nil {
		_, err = h.cfg.Store.UpdateClient(c.Request.Context(), who.scope(), c.Param("id"), patch)
	}
	if err == nil {
		handlers.SeeOther(c, clientPath(c.Param("id")), "limit")
		return
	}
	errs, ok := fieldErrors(err, "domain_limit")
	if !ok {
		h.pages.Fail(c, err)
		return
	}
	if msg := errs["domain_limit"]; msg != "" {
		errs["domain_limit"] = strings.ReplaceAll(msg, "null (no limit)", "empty (no limit)")
	}
	v, verr := h.clientView(c)
	if verr != nil {
		h.pages.Fail(c, verr)
		return
	}
	v.Limit, v.Errors = raw, errs
	h.pages.Render(c, handlers.StatusOf(err, http.StatusUnprocessableEntity), "client", v)
}
