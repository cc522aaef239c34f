package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// listRegistrations: GET /api/v1/registrations?domain=|domain_id=|user_id=.
func (h *Handler) listRegistrations(c *gin.Context) {
	regs, err := h.cfg.Store.ListRegistrations(c.Request.Context(), handlers.Scope(c), models.RegistrationQuery{
		DomainHost: c.Query("domain"), DomainID: c.Query("domain_id"), UserID: c.Query("user_id"),
	})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	views := make([]models.RegistrationView, len(regs))
	for i := range regs {
		views[i] = regs[i].View()
	}
	c.JSON(http.StatusOK, gin.H{"data": views})
}
