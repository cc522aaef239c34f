package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// consoleOriginatorCreate: POST /console/clients/{id}/originators
// (Store.CreateOriginator); a refused value is the page again with the
// error next to its field.
func (h *Handler) consoleOriginatorCreate(c *gin.Context) {
	typ, value := c.PostForm("type"), c.PostForm("value")
	o, err := h.cfg.Store.CreateOriginator(c.Request.Context(), signedIn(c).scope(), c.Param("id"),
		models.OriginatorInput{Type: models.OriginatorType(typ), Value: value})
	if err != nil {
		errs, ok := fieldErrors(err, "type", "value")
		if !ok {
			h.pages.Fail(c, err)
			return
		}
		h.renderOriginators(c, c.Param("id"), handlers.StatusOf(err, http.StatusUnprocessableEntity), func(v *originatorsView) {
			v.Type, v.Value, v.Errors = typ, value, errs
		})
		return
	}
	handlers.SeeOther(c, originatorsPath(o.ClientID), "originator")
}
