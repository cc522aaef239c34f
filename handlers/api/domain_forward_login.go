package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type forwardLoginRequest struct {
	Email     string `json:"email"`
	ShareLink bool   `json:"share_link"`
}

type forwardLoginResponse struct {
	Registration models.RegistrationView `json:"registration"`
	Link         *string                 `json:"link,omitempty"`
}

// forwardLogin: POST /api/v1/domains/{id}/forward-login → 202. The link
// is in the response only when share_link is true.
func (h *Handler) forwardLogin(c *gin.Context) {
	var in forwardLoginRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	res, err := h.cfg.Workflows.ForwardLogin(c.Request.Context(), handlers.Scope(c), c.Param("id"), in.Email, handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	out := forwardLoginResponse{Registration: res.Registration.View()}
	if in.ShareLink {
		out.Link = &res.Link
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusAccepted, out)
}
