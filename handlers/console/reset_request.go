package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// resetRequestView is the "forgot your password?" page.
type resetRequestView struct {
	consoleBase
	Email   string
	Minutes int
	Errors  map[string]string
}

// resetSentNotice is the one answer to a reset request, whether or not an
// account has the address.
const resetSentNotice = "reset_sent"

// consoleResetRequestPage: GET /console/reset. The form asking for the
// e-mail address of the account.
func (h *Handler) consoleResetRequestPage(c *gin.Context) {
	h.renderResetRequest(c, http.StatusOK, "", nil)
}

func (h *Handler) renderResetRequest(c *gin.Context, status int, email string, errs map[string]string) {
	v := resetRequestView{consoleBase: h.consoleBase(c, "Reset your password", ""), Email: email,
		Minutes: int(models.PasswordResetTTL / time.Minute), Errors: errs}
	v.CSRF = h.srv.PreSessionCSRF(c)
	h.pages.Render(c, status, "reset_request", v)
}

// consoleResetRequest: POST /console/reset (pre-session CSRF). Queues a
// reset link (workflows.RequestPasswordReset) and goes to the sign-in
// page with one notice ("if an account exists for that address, we sent
// a link"): the same answer, through the same code path, whether or not
// the address has an account. Requests are limited per client address
// and per e-mail address (PageLimits.ResetPerAddress, ResetPerAccount;
// 429 with Retry-After); a malformed address is 422 next to the field.
func (h *Handler) consoleResetRequest(c *gin.Context) {
	if err := h.srv.CheckPreSessionCSRF(c); err != nil {
		h.pages.Fail(c, err)
		return
	}
	now := time.Now()
	if ok, wait := h.resetAddr.Allow(h.srv.ClientAddressKey(c), now); !ok {
		h.resetTooMany(c, wait)
		return
	}
	email := strings.TrimSpace(c.PostForm("email"))
	var fields []models.FieldError
	if models.NormalizeEmail("email", email, &fields); len(fields) > 0 {
		msg := "Enter an e-mail address such as owner@acme.com."
		if email == "" {
			msg = "Enter your e-mail address."
		}
		h.renderResetRequest(c, http.StatusUnprocessableEntity, email, map[string]string{"email": msg})
		return
	}
	if ok, wait := h.resetAccount.Allow(handlers.SignInAccount(email), now); !ok {
		h.resetTooMany(c, wait)
		return
	}
	err := h.cfg.Workflows.RequestPasswordReset(c.Request.Context(), email)
	var e *models.Error
	if errors.As(err, &e) && e.Kind == models.KindInvalid {
		h.renderResetRequest(c, http.StatusUnprocessableEntity, email, map[string]string{"email": "Enter an e-mail address such as owner@acme.com."})
		return
	}
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	handlers.SeeOther(c, "/login", resetSentNotice)
}

// resetTooMany answers a reset request over a limit: 429, the form again
// with the wait.
func (h *Handler) resetTooMany(c *gin.Context, wait time.Duration) {
	c.Header("Retry-After", handlers.RetryAfterSeconds(wait))
	mins := strconv.Itoa(max(1, int((wait+time.Minute-1)/time.Minute)))
	h.renderResetRequest(c, http.StatusTooManyRequests, strings.TrimSpace(c.PostForm("email")), map[string]string{
		"form": "Too many reset requests. Wait " + mins + " minutes and try again."})
}
