// Package register is the client's registration pages (forward login,
// DESIGN §8, API.md "Registrations") under /register: server-rendered
// html/template sets embedded per page and checked at start-up, forms
// with CSRF tokens, sessions in HttpOnly SameSite cookies,
// POST-redirect-GET, rate limits per client address and per link. One
// small file per action: landing.go, account.go, dns.go, finish.go,
// done.go.
//
// The link's token is a secret: it is never logged (the request log has
// the route pattern, errors never carry the URL), never sent on as a
// Referer (Referrer-Policy: no-referrer) and never cached (no-store).
//
// The rule: the pages are thin over the workflow engine's registration
// calls, and all page plumbing (sessions, CSRF, rendering, error pages,
// limits) is the kit's (handlers); the package never imports another
// audience.
package register

import (
	"embed"
	"errors"
	"io/fs"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/workflows"
)

//go:embed templates
var embeddedPages embed.FS

// pageFS holds the templates and assets, kitFS the kit's shared files
// (variables so that a test can hand New a broken set).
var (
	pageFS fs.FS = embeddedPages
	kitFS        = handlers.SharedFiles
)

// pageNames are the page template sets; each is the layout, the shared
// partials and the page's own file.
var pageNames = []string{"landing", "dns", "finish", "done", "message"}

// Config is what the registration pages need. Store is required.
type Config struct {
	Store *models.Store
	// Workflows runs the registrations; without it the pages of a link
	// answer 503.
	Workflows *workflows.Engine
	// PlatformName is shown on the pages (default
	// handlers.DefaultPlatformName).
	PlatformName string
}

// Handler serves the registration pages; mount it on the kit with
// handlers.New.
type Handler struct {
	cfg    Config
	pages  *handlers.Pages
	doctor *handlers.Doctor     // the DNS doctor fragment alone
	assets handlers.AssetSet    // stylesheet and scripts, with their version
	srv    *handlers.Server     // sessions, cookies, CSRF (set by Mount)
	signIn *handlers.LimiterSet // account and sign-in attempts per link
}

// New validates the configuration and parses and checks the page
// templates and assets; it fails when they are broken.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("register: Store is required")
	}
	if cfg.PlatformName == "" {
		cfg.PlatformName = handlers.DefaultPlatformName
	}
	h := &Handler{cfg: cfg}
	sets, err := handlers.TemplateSets{Kind: "page", Names: pageNames, Samples: pageSamples(),
		Shared:   []string{"templates/layout.html"},
		KitFiles: []string{"templates/doctor.html"}, KitFS: kitFS,
		PageFile: func(name string) string { return "templates/" + name + ".html" },
		Required: []string{"layout", "content", "record", "doctor"},
	}.Parse(pageFS)
	if err != nil {
		return nil, err
	}
	if h.pages, err = handlers.NewPages(handlers.PagesConfig{Kind: "page", Sets: sets, Message: h.messageView, Explain: explain}); err != nil {
		return nil, err
	}
	if h.doctor, err = handlers.NewDoctor(kitFS); err != nil {
		return nil, err
	}
	if h.assets, err = handlers.NewAssetSet(pageFS, "templates/static", kitFS, "register.css", "register.js", "copy.js"); err != nil {
		return nil, err
	}
	return h, nil
}

// Mount adds the registration pages under /register.
func (h *Handler) Mount(s *handlers.Server) error {
	h.srv = s
	h.signIn = handlers.NewLimiterSet(s.PageLimits().SignInPerToken)
	g := s.Router().Group("/register", handlers.PageHeaders("no-referrer"), s.PageRateLimit(h.pages), handlers.PageText(h.pages.Fail))
	g.GET("/assets/:file", h.pageAsset)
	g.GET("/done/:id", h.registerDone)
	g.GET("/done/:id/status", h.registerDoneStatus)
	t := g.Group("/:token", handlers.NeedWorkflows(h.cfg.Workflows != nil, h.pages.Fail))
	t.GET("", h.registerLanding)
	t.POST("/account", h.registerAccount)
	t.GET("/dns", h.registerDNSPage)
	t.POST("/dns", h.registerDNS)
	t.GET("/doctor", h.registerDoctor)
	t.GET("/finish", h.registerFinishPage)
	t.POST("/finish", h.registerFinish)
	return nil
}

// pageAsset serves the pages' stylesheet and scripts. Their addresses
// carry their hash (?v=), so a browser may keep them.
func (h *Handler) pageAsset(c *gin.Context) {
	if !h.assets.Serve(c) {
		h.pages.Fail(c, models.NotFound("file"))
	}
}

// explain words the errors of a link; the kit words the rest.
func explain(e *models.Error) handlers.Message {
	switch e.Kind {
	case models.KindNotFound:
		return handlers.Message{Heading: "This link is not valid", Paragraphs: []string{
			"We do not know this link. Check that you opened the whole link from the e-mail; some e-mail programs cut long links in two.",
			"If it still does not work, ask the person who sent it for a new link."}}
	case models.KindGone:
		return handlers.Message{Heading: "This link can no longer be used", Paragraphs: []string{
			"It was already used, replaced by a newer link, or it has expired.",
			"Ask the person who sent it for a new link."}}
	}
	return handlers.Explain(e)
}

// ---- views ----

// pageBase is what the layout shows on every page.
type pageBase struct {
	Title    string
	Platform string
	Step     int    // 1 account, 2 DNS, 3 finish, 4 done; 0 hides the steps
	Assets   string // version of the stylesheet and script
}

// messageView is a page that only says something (errors, 404, 410, 429).
type messageView struct {
	pageBase
	handlers.Message
}

func (h *Handler) messageView(_ *gin.Context, m handlers.Message) any {
	return messageView{pageBase: h.base(m.Heading, 0), Message: m}
}

func (h *Handler) base(title string, step int) pageBase {
	return pageBase{Title: title, Platform: h.cfg.PlatformName, Step: step, Assets: h.assets.Version()}
}

func landingPath(token string) string { return "/register/" + token }

// pageSamples are data that run every branch worth checking of each page
// at start-up.
func pageSamples() map[string][]any {
	b := pageBase{Title: "t", Platform: "p", Step: 1}
	rec := handlers.RecordView{Type: "CNAME", Name: "ls", Host: "ls.example.com", Value: "target.example.", Apex: "example.com", TTL: 600}
	doc := &handlers.DoctorView{Host: "ls.example.com", Target: "target.example.", Findings: []handlers.DNSFinding{{Code: "c", Message: "m"}}, CheckedAt: "now"}
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
	dns.Hosts = handlers.DNSHostForms(handlers.SampleDNSHosts, "", nil)
	dnsDoc.Doctor, dnsDoc.Errors, dnsDoc.ManualOpen = doc, errs, true
	dnsDoc.Hosts = handlers.DNSHostForms(handlers.SampleDNSHosts, "two", map[string]string{"api_token": "e", "one-api_token": "e", "two-api_token": "e", "key": "e"})
	fin := finishView{pageBase: b, Host: "ls.example.com", Apex: "example.com", Record: rec, CSRF: "x", Action: "/a", BackURL: "/b"}
	finSelf, finManual := fin, fin
	finSelf.Method, finManual.Method, finManual.Error = "self", "manual", "e"
	finSelf.HostLabel = "Host"
	done := doneView{pageBase: b, Host: "ls.example.com", StatusURL: "/s", Status: statusView{Status: "s", Label: "l", Reason: "r"}}
	msg := messageView{pageBase: b, Message: handlers.Message{Heading: "h", Paragraphs: []string{"p"}, Link: "/l", LinkText: "t"}}
	return map[string][]any{
		"landing": {land, signIn, cont, withErrs, signInErrs},
		"dns":     {dns, dnsDoc},
		"finish":  {fin, finSelf, finManual},
		"done":    {done, doneView{pageBase: b, StatusURL: "/s"}},
		"message": {msg, messageView{pageBase: b}},
	}
}
