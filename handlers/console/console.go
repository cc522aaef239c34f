package handlers

// The console (DESIGN §8, API.md "Console"): server-rendered pages for
// admins and clients. Each page is an html/template set (the console
// layout, its partials and the page's own file) embedded and checked at
// start-up, like the registration pages. Forms carry the session's CSRF
// token, answer with POST-redirect-GET, and re-render with errors next to
// their fields. Every action calls the same Store and workflow functions
// as the JSON API, with the Scope of the signed-in user: an admin sees
// everything, a client user only their own client (anything else is 404).
//
// One small file per action: console_login.go, console_logout.go,
// console_clients.go, console_client.go, console_client_create.go,
// console_client_user.go,
// console_domain_new.go, console_domain_create.go, console_domain.go,
// console_domain_configure.go, console_domain_forward.go,
// console_domain_sid.go, console_domain_ms.go, console_domain_retry.go,
// console_webhooks.go, console_sandbox.go.

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// consolePageNames are the console's page template sets.
var consolePageNames = []string{"login", "clients", "client", "domain_new", "domain", "webhooks", "webhook_deliveries",
	"sandbox", "sandbox_outbox", "message"}

// consolePrefix is where the console's pages live (besides / and /login).
const consolePrefix = "/console"

// SandboxConsole is what the console's sandbox pages need from sandbox
// mode. cmd/linkgate fills it from the fakes (handlers never import them).
// A nil func hides its page.
type SandboxConsole struct {
	// Outbox lists the mail sent, oldest first.
	Outbox func() []SandboxMail
	// RegisterTwilioDomain does what creating and verifying a domain in
	// the Twilio Console does, and returns its Domain SID.
	RegisterTwilioDomain func(ctx context.Context, host string) (string, error)
	// CreateCloudflareZone makes a zone in the fake Cloudflare and a token
	// that may edit it.
	CreateCloudflareZone func(ctx context.Context, name string) (zoneID, apiToken string, err error)
}

// SandboxMail is one message of the sandbox outbox.
type SandboxMail struct {
	To, Subject, Text string
	SentAt            time.Time
}

// DNSDiagnosis is what a DNS check found about a domain's CNAME.
type DNSDiagnosis struct {
	OK       bool
	Findings []DNSFinding
}

// DNSFinding is one thing a DNS check found, in words a client reads.
type DNSFinding struct{ Code, Message string }

// consoleKit is what the console needs beyond Config.
type consoleKit struct {
	pages  map[string]*template.Template
	assets assetSet // stylesheet and scripts, with their version
	login  *limiterSet
}

const consoleUserKey = "linkgate.console_user"

// setupConsole parses and checks the console templates.
func (h *Handler) setupConsole() error {
	pages, err := parseConsolePages(pageFS)
	if err != nil {
		return err
	}
	assets, err := newAssetSet(pageFS, "templates/console/static", "console.css", "console.js", "copy.js")
	if err != nil {
		return err
	}
	h.con = &consoleKit{pages: pages, assets: assets,
		login: newLimiterSet(h.cfg.PageLimits.SignInPerToken)}
	return nil
}

// consoleFuncs are the helpers the console templates use.
var consoleFuncs = template.FuncMap{
	"statusLabel": func(s models.Status) string { return label(statusLabels, s) },
	"dnsLabel":    func(s models.DNSStatus) string { return label(dnsLabels, s) },
	"sslLabel":    func(s models.SSLStatus) string { return label(sslLabels, s) },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 Jan 2006 15:04 UTC")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}

// parseConsolePages parses every console page set from fsys and runs each
// with sample data, so that a broken template stops the start.
func parseConsolePages(fsys fs.FS) (map[string]*template.Template, error) {
	return templateSets{kind: "console", names: consolePageNames, funcs: consoleFuncs, samples: consoleSamples(),
		shared:   []string{"templates/console/layout.html", "templates/console/partials.html", "templates/doctor.html"},
		pageFile: func(name string) string { return "templates/console/" + name + ".html" },
		required: []string{"layout", "content", "badges", "field_error", "doctor"},
	}.parse(fsys)
}

// consoleRoutes adds the console: /, /login, /logout and /console/...
func (h *Handler) consoleRoutes() {
	e := h.engine
	e.GET("/", consoleHeaders, h.consoleHome)
	e.GET("/login", consoleHeaders, h.consoleLoginPage)
	e.POST("/login", consoleHeaders, h.pageRateLimit, h.consoleLogin)
	e.POST("/logout", consoleHeaders, h.consoleUser, h.consoleLogout)

	g := e.Group(consolePrefix, consoleHeaders)
	g.GET("/assets/:file", h.consoleAsset)
	u := g.Group("", h.consoleUser)
	u.GET("/clients", h.consoleAdmin, h.consoleClients)
	u.POST("/clients", h.consoleAdmin, h.consoleClientCreate)
	u.GET("/clients/:id", h.consoleClient)
	u.POST("/clients/:id/users", h.consoleAdmin, h.consoleClientUser)
	u.GET("/clients/:id/domains/new", h.consoleDomainNew)
	u.POST("/clients/:id/domains", h.consoleDomainCreate)
	u.GET("/domains/:id", h.consoleDomain)
	u.GET("/domains/:id/status", h.consoleDomainStatus)
	u.GET("/domains/:id/doctor", h.consoleDomainDoctor)
	w := u.Group("/domains/:id", h.consoleNeedWorkflows)
	w.POST("/configure", h.consoleDomainConfigure)
	w.POST("/forward-login", h.consoleDomainForward)
	w.POST("/domain-sid", h.consoleDomainSID)
	w.POST("/messaging-services", h.consoleDomainAttach)
	w.POST("/messaging-services/:sid/detach", h.consoleDomainDetach)
	w.POST("/retry", h.consoleDomainRetry)
	u.GET("/webhooks", h.consoleWebhooks)
	u.POST("/webhooks", h.consoleWebhookCreate)
	u.POST("/webhooks/:id/delete", h.consoleWebhookDelete)
	u.POST("/webhooks/:id/rotate", h.consoleWebhookRotate)
	u.GET("/webhooks/deliveries", h.consoleWebhookDeliveries)
	u.POST("/webhooks/deliveries/:id/replay", h.consoleNeedWorkflows, h.consoleWebhookReplay)
	u.POST("/webhooks/:id/ping", h.consoleNeedWorkflows, h.consoleWebhookPing)
	s := u.Group("/sandbox", h.consoleNeedSandbox)
	s.GET("", h.consoleSandbox)
	s.GET("/outbox", h.consoleAdmin, h.consoleSandboxOutbox)
	s.POST("/twilio", h.consoleSandboxTwilio)
	s.POST("/cloudflare", h.consoleAdmin, h.consoleSandboxCloudflare)
}

// isConsolePath reports whether a route path is one of the console's HTML
// pages (not part of the JSON API).
func isConsolePath(path string) bool {
	return path == "/" || path == "/login" || path == "/logout" || strings.HasPrefix(path, consolePrefix+"/")
}

// consoleHeaders are sent with every console response. The console's own
// links are not secret, but the pages are private: never cached, never
// framed.
func consoleHeaders(c *gin.Context) {
	hd := c.Writer.Header()
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Content-Security-Policy", pageCSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	c.Next()
}

// consoleSignedIn is the signed-in user and their session.
type consoleSignedIn struct {
	User    *models.User
	Session *models.Session
}

// scope is what the user may see: everything for an admin, their own
// client for a client user.
func (s *consoleSignedIn) scope() models.Scope {
	if s.admin() {
		return models.Scope{}
	}
	if s.User.ClientID == nil {
		// consoleUser refuses such accounts; should one get here, it sees
		// nothing rather than everything.
		return models.Scope{ClientID: "-"}
	}
	return models.Scope{ClientID: *s.User.ClientID}
}

// actor names the user in timelines.
func (s *consoleSignedIn) actor() string { return "user:" + s.User.ID }

func (s *consoleSignedIn) admin() bool { return s.User.Role == models.RoleAdmin }

// consoleUser requires a signed-in user: without one a page goes to
// /login. A POST must carry the session's CSRF token (403 otherwise).
func (h *Handler) consoleUser(c *gin.Context) {
	sess, err := h.currentSession(c)
	if err != nil {
		h.consoleFail(c, err)
		return
	}
	if sess == nil {
		if wantsJSON(c) || c.Request.Method != http.MethodGet {
			if c.Request.Method == http.MethodPost {
				h.consoleFail(c, errCSRF)
				return
			}
			fail(c, models.ErrNoSession)
			return
		}
		c.Redirect(http.StatusFound, "/login")
		c.Abort()
		return
	}
	u, err := h.cfg.Store.UserByID(c.Request.Context(), sess.UserID)
	if err != nil {
		h.consoleFail(c, err)
		return
	}
	if u.Role != models.RoleAdmin && u.ClientID == nil {
		h.consoleFail(c, &models.Error{Kind: models.KindForbidden, Code: "no_client", Detail: "this account belongs to no client"})
		return
	}
	who := &consoleSignedIn{User: u, Session: sess}
	c.Set(consoleUserKey, who)
	if c.Request.Method == http.MethodPost {
		if err := checkSessionCSRF(c, sess); err != nil {
			h.consoleFail(c, err)
			return
		}
	}
	c.Next()
}

// signedIn returns the user consoleUser found.
func signedIn(c *gin.Context) *consoleSignedIn {
	return c.MustGet(consoleUserKey).(*consoleSignedIn)
}

// consoleAdmin hides admin pages from client users (404: they are not
// theirs to know about).
func (h *Handler) consoleAdmin(c *gin.Context) {
	if !signedIn(c).admin() {
		h.consoleFail(c, models.NotFound("page"))
		return
	}
	c.Next()
}

func (h *Handler) consoleNeedWorkflows(c *gin.Context) {
	if h.cfg.Workflows == nil {
		h.consoleFail(c, &models.Error{Kind: models.KindUnavailable, Code: "workflows_unavailable", Detail: "the workflow engine is not running"})
		return
	}
	c.Next()
}

func (h *Handler) consoleNeedSandbox(c *gin.Context) {
	if !h.cfg.Sandbox {
		h.consoleFail(c, models.NotFound("page"))
		return
	}
	c.Next()
}

// consoleHome: GET /. Signed out: to /login. An admin lands on the
// clients, a client user on their own client.
func (h *Handler) consoleHome(c *gin.Context) {
	sess, err := h.currentSession(c)
	if err != nil {
		h.consoleFail(c, err)
		return
	}
	if sess == nil {
		c.Redirect(http.StatusFound, "/login")
		return
	}
	u, err := h.cfg.Store.UserByID(c.Request.Context(), sess.UserID)
	if err != nil {
		// The user is gone: end the session, or /login would send the
		// browser back here.
		if id, cerr := c.Cookie(h.sessionCookieName()); cerr == nil {
			_ = h.cfg.Store.DeleteSession(c.Request.Context(), id)
		}
		h.setCookie(c, h.sessionCookieName(), "", -1, http.SameSiteLaxMode)
		c.Redirect(http.StatusFound, "/login")
		return
	}
	if u.Role == models.RoleAdmin {
		c.Redirect(http.StatusFound, consolePrefix+"/clients")
		return
	}
	if u.ClientID == nil {
		h.consoleFail(c, &models.Error{Kind: models.KindForbidden, Code: "no_client", Detail: "this account belongs to no client"})
		return
	}
	c.Redirect(http.StatusFound, clientPath(*u.ClientID))
}

func clientPath(id string) string { return consolePrefix + "/clients/" + id }
func domainPath(id string) string { return consolePrefix + "/domains/" + id }

// consoleAsset serves the console's stylesheet and scripts.
func (h *Handler) consoleAsset(c *gin.Context) {
	if !h.con.assets.serve(c) {
		h.consoleFail(c, models.NotFound("file"))
	}
}

// ---- views ----

// consoleBase is what the console layout shows on every page.
type consoleBase struct {
	Title    string
	Platform string
	Assets   string
	Sandbox  bool
	Nav      string // the current section: clients, webhooks, outbox, twilio
	User     *consoleUserView
	CSRF     string
	Notice   string // a confirmation after a redirect
}

// consoleUserView is the signed-in user in the header.
type consoleUserView struct {
	Email    string
	Admin    bool
	ClientID string
	Outbox   bool // the sandbox outbox page exists (and is theirs to see)
	Twilio   bool // the fake Twilio Console page exists
}

// consoleBase builds the layout's data; c may be signed out.
func (h *Handler) consoleBase(c *gin.Context, title, nav string) consoleBase {
	b := consoleBase{Title: title, Platform: h.reg.platform, Assets: h.con.assets.version, Sandbox: h.cfg.Sandbox, Nav: nav}
	if v, ok := c.Get(consoleUserKey); ok {
		who := v.(*consoleSignedIn)
		u := &consoleUserView{Email: who.User.Email, Admin: who.admin()}
		if who.User.ClientID != nil {
			u.ClientID = *who.User.ClientID
		}
		sb := h.cfg.SandboxConsole
		u.Outbox = h.cfg.Sandbox && u.Admin && sb.Outbox != nil
		u.Twilio = h.cfg.Sandbox && sb.RegisterTwilioDomain != nil
		b.User, b.CSRF = u, who.Session.CSRFToken
	}
	b.Notice = consoleNotices[c.Query("done")]
	return b
}

// consoleNotices are the confirmations a redirect may ask for (?done=):
// fixed texts, so a link cannot put words on the page.
var consoleNotices = map[string]string{
	"client":     "Client created.",
	"user":       "User added. Pass the password on to them.",
	"domain":     "Domain added. Choose how to set it up below.",
	"configure":  "Setup started. The status below updates by itself.",
	"sid":        "Domain SID accepted.",
	"attach":     "Messaging Service attached.",
	"detach":     "Messaging Service detached.",
	"retry":      "Retrying from the step that failed.",
	"forward":    "Registration link sent to the client.",
	"webhook":    "Webhook endpoint deleted.",
	"replay":     "Delivery queued again, with the same webhook-id.",
	"ping":       "Ping queued: a webhook.ping event is on its way.",
	"signed_out": "You are signed out.",
}

// consoleMessage is a page that only says something (404, 403, faults).
type consoleMessage struct {
	consoleBase
	Heading    string
	Paragraphs []string
	Link       string
	LinkText   string
}

// renderConsole writes a console page; a template that fails is a logged
// 500.
func (h *Handler) renderConsole(c *gin.Context, status int, page string, data any) {
	var buf bytes.Buffer
	if err := h.con.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		logger(c).ErrorContext(c.Request.Context(), "render console page", "page", page, "error", err.Error())
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Something went wrong on our side. Please try again later.\n"))
		c.Abort()
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// consoleFail shows err as a console page (or problem+json to a script
// that asked for JSON) and stops the chain.
func (h *Handler) consoleFail(c *gin.Context, err error) {
	if wantsJSON(c) {
		fail(c, err)
		return
	}
	var e *models.Error
	if !errors.As(err, &e) || e.Kind == models.KindInternal {
		logger(c).ErrorContext(c.Request.Context(), "console page failed", "route", c.FullPath(), "error", err.Error())
		e = &models.Error{Kind: models.KindInternal}
	}
	status, ok := statusOf[e.Kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	v := consoleMessage{Heading: "This did not work", Paragraphs: []string{sentence(e.Detail)}}
	switch e.Kind {
	case models.KindInternal:
		v = consoleMessage{Heading: "Something went wrong", Paragraphs: []string{
			"Something went wrong on our side; it has been logged. Please try again in a few minutes."}}
	case models.KindNotFound:
		v = consoleMessage{Heading: "Not found", Paragraphs: []string{
			"There is nothing here, or it is not yours to see. Check the address, or start again from the home page."}}
	case models.KindForbidden:
		v = consoleMessage{Heading: "Please try again", Paragraphs: []string{sentence(e.Detail),
			"If this keeps happening, check that your browser accepts cookies from this site."}}
	case models.KindUnavailable:
		v = consoleMessage{Heading: "Please try again shortly", Paragraphs: []string{
			"A service we depend on did not answer. Nothing was lost: go back and try again in a minute."}}
	}
	v.Link, v.LinkText = "/", "Home"
	v.consoleBase = h.consoleBase(c, v.Heading, "")
	v.Notice = ""
	h.renderConsole(c, status, "message", v)
	c.Abort()
}

// fieldErrors puts a models.Error's field errors next to their fields;
// known lists the form's fields, and anything else goes to "form".
func fieldErrors(err error, known ...string) (map[string]string, bool) {
	var e *models.Error
	if !errors.As(err, &e) {
		return nil, false
	}
	switch e.Kind {
	case models.KindInvalid, models.KindConflict, models.KindBadRequest, models.KindForbidden:
	default:
		return nil, false
	}
	out := map[string]string{}
	for _, f := range e.Fields {
		field := "form"
		for _, k := range known {
			if f.Field == k || strings.HasPrefix(f.Field, k+".") {
				field = k
			}
		}
		msg := f.Message
		if field == "form" && f.Field != "" {
			msg = f.Field + " " + msg
		}
		if out[field] == "" {
			out[field] = sentence(msg)
		}
	}
	if len(out) == 0 {
		out["form"] = sentence(e.Detail)
	}
	return out, true
}

// seeOther redirects a form post to its page (POST-redirect-GET), with an
// optional notice key.
func seeOther(c *gin.Context, path, notice string) {
	if notice != "" {
		path += "?done=" + notice
	}
	redirect(c, path)
}

// statusFor is the HTTP status of a form error (def when err has none).
func statusFor(err error, def int) int {
	var e *models.Error
	if errors.As(err, &e) {
		if s, ok := statusOf[e.Kind]; ok {
			return s
		}
	}
	return def
}

// mapFields renames field errors whose field starts with from (e.g.
// "credentials.api_token") to the form field to.
func mapFields(err error, from, to string) error {
	var e *models.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = make([]models.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		if f.Field == from || strings.HasPrefix(f.Field, from+".") {
			f.Field = to
		}
		c.Fields[i] = f
	}
	return &c
}
