package handlers

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

const keyContextKey = "linkgate.api_key"

// Authenticate requires "Authorization: Bearer <key>" and remembers the
// key (APIKey, Scope, Actor).
func (s *Server) Authenticate(c *gin.Context) {
	scheme, key, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
		Fail(c, models.ErrBadKey)
		return
	}
	k, err := s.cfg.Store.Authenticate(c.Request.Context(), strings.TrimSpace(key))
	if err != nil {
		Fail(c, err)
		return
	}
	c.Set(keyContextKey, k)
	SetActor(c, k.Actor())
	c.Next()
}

// APIKey returns the key Authenticate accepted.
func APIKey(c *gin.Context) *models.APIKey {
	return c.MustGet(keyContextKey).(*models.APIKey)
}

// Scope returns what the caller may see.
func Scope(c *gin.Context) models.Scope { return APIKey(c).Scope() }

// Actor names the caller in timelines.
func Actor(c *gin.Context) string { return APIKey(c).Actor() }

// RequireAdmin refuses client keys with 403.
func RequireAdmin(c *gin.Context) {
	if !Scope(c).Admin() {
		Fail(c, &models.Error{Kind: models.KindForbidden, Code: "admin_required", Detail: "this needs an admin API key"})
		return
	}
	c.Next()
}

// errAdminCredential answers a request without an admin credential where
// AdminOnly wants one.
var errAdminCredential = &models.Error{Kind: models.KindUnauthorized, Code: "unauthorized",
	Detail: "this needs an admin API key (Authorization: Bearer lgk_admin_...) or a signed-in admin console session"}

// AdminOnly guards next, a handler served beside the kit (the sandbox
// controls): it runs only for an admin, named by an admin API key
// ("Authorization: Bearer lgk_admin_...") or by the session cookie of a
// signed-in console admin. Anything else is answered 401 problem+json: no
// credential, an unknown key, a client key, a client user's session. A
// request that carries an Authorization header is judged by it alone. A
// session may only send JSON to unsafe methods (a cross-site form cannot),
// so a page elsewhere cannot drive the controls with an admin's cookie.
// The requests are logged as the kit's are.
func (s *Server) AdminOnly(next http.Handler) http.Handler {
	e := gin.New()
	e.ContextWithFallback = true
	e.Use(s.requestLog(), recoverFault, limitBody, s.requireAdminCredential)
	e.NoRoute(gin.WrapH(next))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.SecurityHeaders(w.Header())
		e.ServeHTTP(w, r)
	})
}

func (s *Server) requireAdminCredential(c *gin.Context) {
	ctx := c.Request.Context()
	if h := c.GetHeader("Authorization"); h != "" {
		scheme, key, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			Fail(c, errAdminCredential)
			return
		}
		k, err := s.cfg.Store.Authenticate(ctx, strings.TrimSpace(key))
		if err != nil && StatusOf(err, http.StatusInternalServerError) != http.StatusUnauthorized {
			Fail(c, err)
			return
		}
		if err != nil || !k.Scope().Admin() {
			Fail(c, errAdminCredential)
			return
		}
		c.Set(keyContextKey, k)
		SetActor(c, k.Actor())
		c.Next()
		return
	}
	sess, err := s.CurrentSession(c)
	if err != nil {
		Fail(c, err)
		return
	}
	if sess == nil {
		Fail(c, errAdminCredential)
		return
	}
	u, err := s.cfg.Store.UserByID(ctx, sess.UserID)
	if err != nil && StatusOf(err, http.StatusInternalServerError) != http.StatusNotFound {
		Fail(c, err)
		return
	}
	if err != nil || u.Role != models.RoleAdmin {
		Fail(c, errAdminCredential)
		return
	}
	if m := c.Request.Method; m != http.MethodGet && m != http.MethodHead {
		if ct := c.ContentType(); ct != "application/json" {
			Fail(c, &models.Error{Kind: models.KindUnauthorized, Code: "unauthorized",
				Detail: "with a console session, send the request as application/json (or use an admin API key)"})
			return
		}
	}
	SetActor(c, "user:"+u.ID)
	c.Next()
}
