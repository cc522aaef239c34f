package handlers

// The client's registration pages (forward login, DESIGN §8, API.md
// "Registrations"): server-rendered html/template sets embedded per page
// and checked at start-up, forms with CSRF tokens, sessions in HttpOnly
// SameSite cookies, POST-redirect-GET, rate limits per client address and
// per link. One small file per action: register_landing.go,
// register_account.go, register_dns.go, register_finish.go,
// register_done.go.
//
// The link's token is a secret: it is never logged (the request log has
// the route pattern, errors never carry the URL), never sent on as a
// Referer (Referrer-Policy: no-referrer) and never cached (no-store).

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

//go:embed templates
var embeddedPages embed.FS

// pageFS holds the templates and assets (a variable so that a test can
// hand New a broken set).
var pageFS fs.FS = embeddedPages

// pageNames are the page template sets; each is the layout, the shared
// partials and the page's own file.
var pageNames = []string{"landing", "dns", "finish", "done", "message"}

// registerKit is what the registration pages need beyond Config.
type registerKit struct {
	pages  map[string]*template.Template
	doctor *template.Template // the DNS doctor fragment alone
	assets assetSet           // stylesheet and scripts, with their version

	secure   bool   // public URL is https: Secure, __Host- cookies
	platform string // shown on every page

	ip, token, signIn *limiterSet
	clientIP          func(c *gin.Context) string
}

// setupPages parses and checks the page templates and prepares the rate
// limiters; New fails when it does.
func (h *Handler) setupPages() error {
	pages, doctor, err := parsePages(pageFS)
	if err != nil {
		return err
	}
	assets, err := newAssetSet(pageFS, "templates/static", "register.css", "register.js", "copy.js")
	if err != nil {
		return err
	}
	if h.cfg.SessionTTL <= 0 {
		h.cfg.SessionTTL = DefaultSessionTTL
	}
	h.cfg.PageLimits = h.cfg.PageLimits.withDefaults()
	platform := h.cfg.PlatformName
	if platform == "" {
		platform = "linkgate"
	}
	clientIP := (*gin.Context).RemoteIP
	if len(h.cfg.TrustedProxies) > 0 {
		if err := h.engine.SetTrustedProxies(h.cfg.TrustedProxies); err != nil {
			return fmt.Errorf("handlers: TrustedProxies: %w", err)
		}
		clientIP = (*gin.Context).ClientIP
	}
	h.reg = &registerKit{
		pages:    pages,
		doctor:   doctor,
		assets:   assets,
		secure:   strings.HasPrefix(strings.ToLower(h.cfg.PublicURL), "https://"),
		platform: platform,
		ip:       newLimiterSet(h.cfg.PageLimits.PerIP),
		token:    newLimiterSet(h.cfg.PageLimits.PerToken),
		signIn:   newLimiterSet(h.cfg.PageLimits.SignInPerToken),
		clientIP: clientIP,
	}
	return nil
}

// parsePages parses every page set from fsys and runs each with sample
// data: html/template finds escaping problems, and both find fields that
// do not exist, only when a template runs.
func parsePages(fsys fs.FS) (map[string]*template.Template, *template.Template, error) {
	pages, err := templateSets{kind: "page", names: pageNames, samples: pageSamples(),
		shared:   []string{"templates/layout.html", "templates/doctor.html"},
		pageFile: func(name string) string { return "templates/" + name + ".html" },
		required: []string{"layout", "content", "record", "doctor"},
	}.parse(fsys)
	if err != nil {
		return nil, nil, err
	}
	doctor, err := template.New("doctor").ParseFS(fsys, "templates/doctor.html")
	if err != nil {
		return nil, nil, fmt.Errorf("handlers: doctor template: %w", err)
	}
	for i, d := range doctorSamples() {
		if err := doctor.ExecuteTemplate(io.Discard, "doctor", d); err != nil {
			return nil, nil, fmt.Errorf("handlers: doctor template (sample %d): %w", i, err)
		}
	}
	return pages, doctor, nil
}

// registrationRoutes adds the registration pages under /register.
func (h *Handler) registrationRoutes() {
	g := h.engine.Group("/register", pageHeaders, h.pageRateLimit)
	g.GET("/assets/:file", h.pageAsset)
	g.GET("/done/:id", h.registerDone)
	g.GET("/done/:id/status", h.registerDoneStatus)
	t := g.Group("/:token", h.needWorkflowsPage)
	t.GET("", h.registerLanding)
	t.POST("/account", h.registerAccount)
	t.GET("/dns", h.registerDNSPage)
	t.POST("/dns", h.registerDNS)
	t.GET("/doctor", h.registerDoctor)
	t.GET("/finish", h.registerFinishPage)
	t.POST("/finish", h.registerFinish)
}

// pageCSP allows the pages' own stylesheet and script and nothing else;
// no framing, forms post only here.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// pageHeaders are sent with every /register response.
func pageHeaders(c *gin.Context) {
	hd := c.Writer.Header()
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Content-Security-Policy", pageCSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	c.Next()
}

// pageRateLimit applies the per-address limit to every /register request
// and the per-link limit to those naming a link.
func (h *Handler) pageRateLimit(c *gin.Context) {
	now := time.Now()
	if ok, wait := h.reg.ip.allow(ipKey(h.reg.clientIP(c)), now); !ok {
		h.tooMany(c, wait)
		return
	}
	if tok := c.Param("token"); tok != "" {
		if ok, wait := h.reg.token.allow(models.HashKey(tok), now); !ok {
			h.tooMany(c, wait)
			return
		}
	}
	c.Next()
}

func (h *Handler) tooMany(c *gin.Context, wait time.Duration) {
	c.Header("Retry-After", retryAfterSeconds(wait))
	if wantsJSON(c) {
		c.Header("Content-Type", "application/problem+json")
		c.AbortWithStatusJSON(http.StatusTooManyRequests, Problem{Type: problemTypeBase + "rate_limited", Title: http.StatusText(http.StatusTooManyRequests),
			Status: 429, Code: "rate_limited", Detail: "too many requests; try again in " + retryAfterSeconds(wait) + " seconds"})
		return
	}
	h.message(c, http.StatusTooManyRequests, messageView{Heading: "Too many requests",
		Paragraphs: []string{"This page was asked for too often. Wait " + retryAfterSeconds(wait) + " seconds, then reload it."}})
	c.Abort()
}

func (h *Handler) needWorkflowsPage(c *gin.Context) {
	if h.cfg.Workflows == nil {
		h.pageFail(c, &models.Error{Kind: models.KindUnavailable, Code: "workflows_unavailable", Detail: "the workflow engine is not running"})
		c.Abort()
		return
	}
	c.Next()
}

// pageAsset serves the pages' stylesheet and scripts. Their addresses
// carry their hash (?v=), so a browser may keep them.
func (h *Handler) pageAsset(c *gin.Context) {
	if !h.reg.assets.serve(c) {
		h.pageFail(c, models.NotFound("file"))
	}
}

// ---- views ----

// pageBase is what the layout shows on every page.
type pageBase struct {
	Title    string
	Platform string
	Step     int    // 1 account, 2 DNS, 3 finish, 4 done; 0 hides the steps
	Assets   string // version of the stylesheet and script
}

// recordView is the CNAME the client needs.
type recordView struct {
	Type, Name, Host, Value, Apex string
	TTL                           int
}

func recordOf(d *models.Domain) recordView {
	return recordView{Type: "CNAME", Name: d.Subdomain, Host: d.Host, Value: d.CNAMETarget, Apex: d.Apex, TTL: d.CNAMETTL}
}

// messageView is a page that only says something (errors, 404, 410, 429).
type messageView struct {
	pageBase
	Heading    string
	Paragraphs []string
	Link       string
	LinkText   string
}

func (h *Handler) base(title string, step int) pageBase {
	return pageBase{Title: title, Platform: h.reg.platform, Step: step, Assets: h.reg.assets.version}
}

// render writes a page; a template that fails is a logged 500.
func (h *Handler) render(c *gin.Context, status int, page string, data any) {
	var buf bytes.Buffer
	if err := h.reg.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		logger(c).ErrorContext(c.Request.Context(), "render page", "page", page, "error", err.Error())
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Something went wrong on our side. Please try again later.\n"))
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func (h *Handler) message(c *gin.Context, status int, v messageView) {
	if v.Title == "" {
		v.pageBase = h.base(v.Heading, 0)
	}
	h.render(c, status, "message", v)
}

// redirect answers a form post or a page that must be seen elsewhere
// (POST-redirect-GET). Locations are paths: never built from Host.
func redirect(c *gin.Context, path string) {
	c.Redirect(http.StatusSeeOther, path)
	c.Abort()
}

func landingPath(token string) string { return "/register/" + token }

// wantsJSON reports whether the caller asked for JSON (the pages' script
// does for the live status).
func wantsJSON(c *gin.Context) bool {
	return strings.Contains(c.GetHeader("Accept"), "application/json")
}

// pageFail shows err as a page (or as problem+json to a caller that
// asked for JSON). Faults are logged without the URL: it holds the token.
func (h *Handler) pageFail(c *gin.Context, err error) {
	if wantsJSON(c) {
		fail(c, err)
		return
	}
	var e *models.Error
	if !errors.As(err, &e) || e.Kind == models.KindInternal {
		logger(c).ErrorContext(c.Request.Context(), "page failed", "route", c.FullPath(), "error", err.Error())
		h.message(c, http.StatusInternalServerError, messageView{Heading: "Something went wrong",
			Paragraphs: []string{"Something went wrong on our side; it has been logged. Please try again in a few minutes."}})
		c.Abort()
		return
	}
	status, ok := statusOf[e.Kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	v := messageView{Heading: "This did not work", Paragraphs: []string{sentence(e.Detail)}}
	switch e.Kind {
	case models.KindNotFound:
		v = messageView{Heading: "This link is not valid", Paragraphs: []string{
			"We do not know this link. Check that you opened the whole link from the e-mail; some e-mail programs cut long links in two.",
			"If it still does not work, ask the person who sent it for a new link."}}
	case models.KindGone:
		v = messageView{Heading: "This link can no longer be used", Paragraphs: []string{
			"It was already used, replaced by a newer link, or it has expired.",
			"Ask the person who sent it for a new link."}}
	case models.KindForbidden:
		v = messageView{Heading: "Please try again", Paragraphs: []string{sentence(e.Detail),
			"If this keeps happening, check that your browser accepts cookies from this site."}}
	case models.KindUnavailable:
		v = messageView{Heading: "Please try again shortly", Paragraphs: []string{
			"A service we depend on did not answer. Nothing was lost: go back and try again in a minute."}}
	}
	h.message(c, status, v)
	c.Abort()
}

// sentence capitalizes a detail and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// pageSamples are data that run every branch worth checking of each page
// at start-up.
func pageSamples() map[string][]any {
	b := pageBase{Title: "t", Platform: "p", Step: 1}
	rec := recordView{Type: "CNAME", Name: "ls", Host: "ls.example.com", Value: "target.example.", Apex: "example.com", TTL: 600}
	doc := &doctorView{Host: "ls.example.com", Target: "target.example.", Findings: []findingView{{Code: "c", Message: "m"}}, CheckedAt: "now"}
	errs := map[string]string{"password": "e", "password_confirm": "e", "api_token": "e", "mode": "e", "form": "e"}
	land := landingView{pageBase: b, Host: "ls.example.com", Email: "a@example.com", Record: rec, CSRF: "x", Action: "/a",
		Expires: "never", MinPassword: models.MinPasswordLength}
	signIn, cont, withErrs := land, land, land
	signIn.UserExists = true
	cont.Continue = "/c"
	withErrs.Errors = errs
	signInErrs := signIn
	signInErrs.Errors = errs
	dns := dnsView{pageBase: b, Host: "ls.example.com", Apex: "example.com", Record: rec, CSRF: "x", Action: "/a",
		DoctorURL: "/d", CheckURL: "/c"}
	dnsDoc := dns
	dnsDoc.Doctor, dnsDoc.Errors, dnsDoc.ManualOpen = doc, errs, true
	fin := finishView{pageBase: b, Host: "ls.example.com", Apex: "example.com", Record: rec, CSRF: "x", Action: "/a", BackURL: "/b"}
	finSelf, finManual := fin, fin
	finSelf.Method, finManual.Method, finManual.Error = "self", "manual", "e"
	done := doneView{pageBase: b, Host: "ls.example.com", StatusURL: "/s", Status: statusView{Status: "s", Label: "l", Reason: "r"}}
	msg := messageView{pageBase: b, Heading: "h", Paragraphs: []string{"p"}, Link: "/l", LinkText: "t"}
	return map[string][]any{
		"landing": {land, signIn, cont, withErrs, signInErrs},
		"dns":     {dns, dnsDoc},
		"finish":  {fin, finSelf, finManual},
		"done":    {done, doneView{pageBase: b, StatusURL: "/s"}},
		"message": {msg, messageView{pageBase: b}},
	}
}

func doctorSamples() []*doctorView {
	return []*doctorView{
		{Host: "h", Target: "t", OK: true, CheckedAt: "now"},
		{Host: "h", Target: "t", Findings: []findingView{{Code: "c", Message: "m"}}, CheckedAt: "now"},
		{Error: "e", CheckedAt: "now"},
	}
}
