package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// consoleOriginatorDelete: POST /console/originators/{id}/delete, with
// its row's confirmation ticked (Store.DeleteOriginator).
func (h *Handler) consoleOriginatorDelete(c *gin.Context) {
	ctx := c.Request.Context()
	sc := signedIn(c).scope()
	o, err := h.cfg.Store.GetOriginator(ctx, sc, c.Param("id"))
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	if c.PostForm("confirm") != "1" {
		err = models.Invalid("confirm_required", "confirm", "tick the box to confirm the deletion")
	} else {
		err = h.cfg.Store.DeleteOriginator(ctx, sc, o.ID)
	}
	if err != nil {
		errs, ok := fieldErrors(err, "confirm")
		if !ok {
			h.pages.Fail(c, err)
			return
		}
		msg := errs["confirm"]
		if msg == "" {
			msg = errs["form"]
		}
		h.renderOriginators(c, o.ClientID, handlers.StatusOf(err, http.StatusUnprocessableEntity), func(v *originatorsView) {
			v.ErrorFor, v.Errors["delete"] = o.ID, msg
		})
		return
	}
	handlers.SeeOther(c, originatorsPath(o.ClientID), "originator_deleted")
}
