package register

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// registerAccount: POST /register/{token}/account. Creates the client's
// account (or signs them in), starts a session and goes on to the DNS
// step. Field errors re-render the landing page next to their field.
func (h *Handler) registerAccount(c *gin.Context) {
	token := c.Param("token")
	ctx := c.Request.Context()
	if err := h.srv.CheckPreSessionCSRF(c); err != nil {
		h.pages.Fail(c, err)
		return
	}
	if ok, wait := h.signIn.Allow(models.HashKey(token), time.Now()); !ok {
		h.pages.TooMany(c, wait)
		return
	}
	st, err := h.cfg.Workflows.OpenRegistration(ctx, token)
	if err != nil {
		h.registrationFail(c, token, err)
		return
	}
	password := c.PostForm("password")
	errs := map[string]string{}
	switch {
	case password == "":
		errs["password"] = "Enter a password."
	case !st.UserExists && password != c.PostForm("password_confirm"):
		errs["password_confirm"] = "The two passwords are not the same."
	}
	var u *models.User
	if len(errs) == 0 {
		u, err = h.cfg.Workflows.RegistrationAccount(ctx, token, password)
		var e *models.Error
		if errors.As(err, &e) && e.Kind == models.KindInvalid {
			errs = accountErrors(e)
		} else if err != nil {
			h.registrationFail(c, token, err)
			return
		}
	}
	if len(errs) > 0 {
		v, err := h.landingView(c, token, st)
		if err != nil {
			h.pages.Fail(c, err)
			return
		}
		v.Continue, v.Errors = "", errs
		if v.CSRF == "" {
			v.CSRF = h.srv.PreSessionCSRF(c)
		}
		h.pages.Render(c, http.StatusUnprocessableEntity, "landing", v)
		return
	}
	if _, err := h.srv.StartSession(c, u.ID); err != nil {
		h.pages.Fail(c, err)
		return
	}
	handlers.Redirect(c, landingPath(token)+"/dns")
}

// accountErrors puts an account error next to its field.
func accountErrors(e *models.Error) map[string]string {
	out := map[string]string{}
	switch e.Code {
	case "wrong_password":
		out["password"] = "This password is not right."
		return out
	case "wrong_account":
		out["form"] = "This e-mail address belongs to another account. Ask for a link sent to another address."
		return out
	}
	for _, f := range e.Fields {
		switch f.Field {
		case "password":
			out["password"] = handlers.Sentence("the password " + f.Message)
		default:
			out["form"] = handlers.Sentence(f.Message)
		}
	}
	if len(out) == 0 {
		out["form"] = handlers.Sentence(e.Detail)
	}
	return out
}
