package handlers

import (
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// CSRF protection for the HTML forms, in two layers:
//
//  1. Fetch metadata: a browser marks every request with Sec-Fetch-Site;
//     a POST that says it comes from another site (or a sibling host:
//     "same-site") is refused before anything else.
//  2. A synchronizer token in every form, compared in constant time:
//     within a session, the session's own random token (models.Session.
//     CSRFToken, made with it and stored server-side); before sign-in (the
//     account form), a random token kept in an HttpOnly SameSite=Strict
//     cookie (__Host- prefixed over https) that the form must repeat.
//
// Origin and Referer are not used: the pages send Referrer-Policy:
// no-referrer, under which browsers omit Referer and send "Origin: null".

// CSRFField is the name of the hidden form field.
const CSRFField = "csrf_token"

// csrfCookieLifetime is how long the pre-sign-in token cookie lasts.
const csrfCookieLifetime = 24 * time.Hour

// ErrCSRF refuses a form that fails the CSRF checks.
var ErrCSRF = &models.Error{Kind: models.KindForbidden, Code: "csrf_failed",
	Detail: "this form has expired or did not come from this site; go back, reload the page and try again"}

// CSRFCookieName is the pre-sign-in token cookie's name.
func (s *Server) CSRFCookieName() string { return s.CookieName("lg_csrf") }

// PreSessionCSRF returns the token of the pre-sign-in cookie, setting a
// new cookie when there is none.
func (s *Server) PreSessionCSRF(c *gin.Context) string {
	if v, err := c.Cookie(s.CSRFCookieName()); err == nil && len(v) >= 43 && len(v) <= 64 {
		return v
	}
	v := models.NewToken()
	s.SetCookie(c, s.CSRFCookieName(), v, csrfCookieLifetime, http.SameSiteStrictMode)
	return v
}

// crossSite reports whether the browser says the request comes from
// another site (or another host of this one).
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return false
	}
	return true
}

// CheckPreSessionCSRF checks a form posted before sign-in.
func (s *Server) CheckPreSessionCSRF(c *gin.Context) error {
	if crossSite(c.Request) {
		return ErrCSRF
	}
	ck, err := c.Cookie(s.CSRFCookieName())
	if err != nil || len(ck) < 43 || !tokensEqual(ck, c.PostForm(CSRFField)) {
		return ErrCSRF
	}
	return nil
}

// CheckSessionCSRF checks a form posted within a session.
func CheckSessionCSRF(c *gin.Context, sess *models.Session) error {
	if crossSite(c.Request) || sess == nil || !tokensEqual(sess.CSRFToken, c.PostForm(CSRFField)) {
		return ErrCSRF
	}
	return nil
}

func tokensEqual(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
