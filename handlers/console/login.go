package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// loginView is the sign-in page.
type loginView struct {
	consoleBase
	Email  string
	Errors map[string]string
}

// consoleLoginPage: GET /login. A signed-in visitor goes home.
func (h *Handler) consoleLoginPage(c *gin.Context) {
	if sess, err := h.srv.CurrentSession(c); err == nil && sess != nil {
		c.Redirect(http.StatusFound, "/")
		return
	}
	h.renderLogin(c, http.StatusOK, "", nil)
}

func (h *Handler) renderLogin(c *gin.Context, status int, email string, errs map[string]string) {
	v := loginView{consoleBase: h.consoleBase(c, "Sign in", ""), Email: email, Errors: errs}
	v.CSRF = h.srv.PreSessionCSRF(c)
	h.pages.Render(c, status, "login", v)
}

// consoleLogin: POST /login. Checks the pre-session CSRF token, slows
// guessing per account and address (handlers.SignInGuard: never a lockout
// of the owner), signs the user in and goes to /.
func (h *Handler) consoleLogin(c *gin.Context) {
	if err := h.srv.CheckPreSessionCSRF(c); err != nil {
		h.pages.Fail(c, err)
		return
	}
	email := strings.TrimSpace(c.PostForm("email"))
	password := c.PostForm("password")
	errs := map[string]string{}
	if email == "" {
		errs["email"] = "Enter your e-mail address."
	}
	if password == "" {
		errs["password"] = "Enter your password."
	}
	if len(errs) > 0 {
		h.renderLogin(c, http.StatusUnprocessableEntity, email, errs)
		return
	}
	account, addr := handlers.SignInAccount(email), h.srv.ClientAddress(c)
	now := h.cfg.Store.Now() // the store's clock: tests inject one
	if wait := h.login.Wait(account, addr, now); wait > 0 {
		c.Header("Retry-After", handlers.RetryAfterSeconds(wait))
		h.renderLogin(c, http.StatusTooManyRequests, email, map[string]string{
			"form": "Too many wrong passwords for this account. Wait " + handlers.RetryAfterSeconds(wait) + " seconds and try again."})
		return
	}
	u, err := h.cfg.Store.VerifyPassword(c.Request.Context(), email, password)
	var e *models.Error
	if errors.As(err, &e) && e.Kind == models.KindInvalid {
		h.login.Failed(account, addr, now)
		h.renderLogin(c, http.StatusUnprocessableEntity, email, map[string]string{"password": "The e-mail address or password is not right."})
		return
	}
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	h.login.Succeeded(account, addr)
	if _, err := h.srv.StartSession(c, u.ID); err != nil {
		h.pages.Fail(c, err)
		return
	}
	handlers.Redirect(c, "/")
}
