package console

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/workflows"
)

// resetView is the page of a reset link: the new password, twice.
type resetView struct {
	consoleBase
	Email       string
	Action      string
	Expires     string
	MinPassword int
	Errors      map[string]string
}

// passwordResetNotice confirms a reset on the first page after it.
const passwordResetNotice = "password_reset"

// consoleResetPage: GET /console/reset/{token}. The form for a working
// link; a used, replaced or expired link is 410 and an unknown one 404,
// both offering a new link. Opening the link spends nothing (mail
// scanners fetch links before people do).
func (h *Handler) consoleResetPage(c *gin.Context) {
	token := c.Param("token")
	r, u, err := h.openReset(c, token)
	if err != nil {
		h.resetFail(c, err)
		return
	}
	h.renderReset(c, http.StatusOK, token, r, u, nil)
}

// openReset finds a working link and its user.
func (h *Handler) openReset(c *gin.Context, token string) (*models.PasswordReset, *models.User, error) {
	ctx := c.Request.Context()
	r, err := h.cfg.Store.PasswordResetByToken(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	if !r.Open(h.cfg.Store.Now()) {
		return nil, nil, models.ErrPasswordResetGone
	}
	u, err := h.cfg.Store.UserByID(ctx, r.UserID)
	if err != nil {
		return nil, nil, err
	}
	return r, u, nil
}

func (h *Handler) renderReset(c *gin.Context, status int, token string, r *models.PasswordReset, u *models.User, errs map[string]string) {
	v := resetView{consoleBase: h.consoleBase(c, "Choose a new password", ""), Email: u.Email,
		Action: workflows.ResetPath + "/" + token, Expires: handlers.When(r.ExpiresAt),
		MinPassword: models.MinPasswordLength, Errors: errs}
	v.CSRF = h.srv.PreSessionCSRF(c)
	h.pages.Render(c, status, "reset", v)
}

// consoleReset: POST /console/reset/{token} (pre-session CSRF). Checks the
// two passwords agree and follow the rules (422 next to the field, the
// link unspent), then spends the link (models.Store.ResetPassword: the
// password is set and every session of the user ends, in one
// transaction), clears the sign-in guard's counts for the account from
// every address, and signs the user in here, landing on their home page
// with a notice. A link that is used, replaced or expired is 410, an
// unknown one 404; nothing changes.
func (h *Handler) consoleReset(c *gin.Context) {
	if err := h.srv.CheckPreSessionCSRF(c); err != nil {
		h.pages.Fail(c, err)
		return
	}
	token := c.Param("token")
	r, u, err := h.openReset(c, token)
	if err != nil {
		h.resetFail(c, err)
		return
	}
	password := c.PostForm("password")
	switch {
	case password == "":
		h.renderReset(c, http.StatusUnprocessableEntity, token, r, u, map[string]string{"password": "Enter a new password."})
		return
	case password != c.PostForm("password_confirm"):
		h.renderReset(c, http.StatusUnprocessableEntity, token, r, u, map[string]string{"password_confirm": "The two passwords are not the same."})
		return
	}
	done, err := h.cfg.Store.ResetPassword(c.Request.Context(), token, password)
	var e *models.Error
	if errors.As(err, &e) && e.Kind == models.KindInvalid {
		errs := map[string]string{}
		for _, f := range e.Fields {
			errs["password"] = handlers.Sentence("the password " + f.Message)
		}
		if len(errs) == 0 {
			errs["form"] = handlers.Sentence(e.Detail)
		}
		h.renderReset(c, http.StatusUnprocessableEntity, token, r, u, errs)
		return
	}
	if err != nil {
		h.resetFail(c, err)
		return
	}
	h.login.Forgive(handlers.SignInAccount(done.Email))
	if _, err := h.srv.StartSession(c, done.ID); err != nil {
		h.pages.Fail(c, err)
		return
	}
	handlers.SeeOther(c, homePath(done), passwordResetNotice)
}

// homePath is where a user's console starts: the clients for an admin,
// their own client for a client user.
func homePath(u *models.User) string {
	if u.Role != models.RoleAdmin && u.ClientID != nil {
		return clientPath(*u.ClientID)
	}
	if u.Role == models.RoleAdmin {
		return consolePrefix + "/clients"
	}
	return "/"
}

// resetFail answers a link that does not work: 410 for a used, replaced
// or expired one, 404 for an unknown one, each with a way to a new link.
func (h *Handler) resetFail(c *gin.Context, err error) {
	var e *models.Error
	if handlers.WantsJSON(c) || !errors.As(err, &e) || (e.Kind != models.KindGone && e.Kind != models.KindNotFound) {
		h.pages.Fail(c, err)
		return
	}
	m := handlers.Message{Heading: "This link does not work", Paragraphs: []string{
		"This password reset link was already used, replaced by a newer one, or has expired: a link works once, for " +
			strconv.Itoa(int(models.PasswordResetTTL/time.Minute)) + " minutes.",
		"Nothing was changed. Ask for a new link below."},
		Link: workflows.ResetPath, LinkText: "Ask for a new link"}
	status := http.StatusGone
	if e.Kind == models.KindNotFound {
		status = http.StatusNotFound
		m.Paragraphs[0] = "There is no password reset link at this address. Check that you copied the whole link from the e-mail."
	}
	h.pages.Message(c, status, m)
	c.Abort()
}
