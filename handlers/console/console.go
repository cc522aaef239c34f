// Package console is linkgate's web console for admins and clients
// (DESIGN §8, API.md "Console"): /, /login, /logout and /console/....
// Each page is an html/template set (the console layout, its partials
// and the page's own file) embedded and checked at start-up. Forms carry
// the session's CSRF token, answer with POST-redirect-GET, and re-render
// with errors next to their fields. Every action calls the same Store
// and workflow functions as the JSON API, with the Scope of the
// signed-in user: an admin sees everything, a client user only their
// own client (anything else is 404).
//
// One small file per action: attention.go (the Attention page, an admin's
// home, and the nav's count), login.go, logout.go, reset_request.go
// (forgot your password?), reset.go (the e-mailed link), clients.go, client.go,
// client_create.go, client_user.go, domain_new.go, domain_create.go,
// domain.go, domain_configure.go, domain_forward.go, domain_sid.go,
// domain_ms.go, domain_retry.go, webhooks.go, webhook_deliveries.go,
// sandbox.go; domain management (API.md "Domain management"): domains.go
// (the Domains page), domain_actions.go (its bulk actions), domains_bulk.go
// (bulk add), domain_manage.go (archive, restore, review, delete),
// client_limit.go (the global domain limit), pools.go, and results.go
// (the per-row outcomes of the bulk forms); campaigns (API.md
// "Campaigns"): campaigns.go (the list, and what the campaign pages
// share), campaign_new.go (the create steps' pages), campaign_create.go
// (step 1), campaign_variants.go (step 2), campaign_recipients.go (step
// 3, a CSV upload), campaign_submit.go (step 4), campaign.go (a
// campaign's tabbed page), campaign_start.go, campaign_pause.go,
// campaign_resume.go, campaign_abort.go, campaign_ratios.go,
// campaign_domain_add.go, campaign_connector.go; originators.go, originator_create.go and
// originator_delete.go; campaign_live.go (the realtime campaigns page
// and its event stream); tracked links (API.md "Tracked links"):
// client_tracking.go (the client's settings) and
// client_tracking_preview.go (a message as they would rewrite it); a
// domain's remedies and tools (issue 17): domain_failure.go (a failure's
// reason in people's words), domain_delete_page.go (what deleting
// removes), domain_registration.go (the registration links panel and
// Revoke), domain_live.go (the page's changing parts as a fragment),
// sandbox_dns.go and sandbox_faults.go (the sandbox DNS and fault tools).
//
// The rule: the console is thin over models and workflows, and all page
// plumbing (sessions, CSRF, rendering, error pages, limits) is the
// kit's (handlers); it never imports another audience, nor the sandbox's
// fakes (cmd/linkgate hands it SandboxConsole).
package console

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/webhooks"
	"github.com/linkgate/linkgate/workflows"
)

//go:embed templates
var embeddedPages embed.FS

// pageFS holds the templates and assets, kitFS the kit's shared files.
var (
	pageFS fs.FS = embeddedPages
	kitFS        = handlers.SharedFiles
)

// pageNames are the console's page template sets.
var pageNames = []string{"attention", "login", "clients", "client", "domain_new", "domain", "webhooks", "webhook_deliveries",
	"sandbox", "sandbox_outbox", "message", "reset_request", "reset", "domains", "domains_bulk", "pools",
	"campaigns", "campaign_new", "campaign", "originators", "campaigns_live",
	// issue 17 part C: housekeeping
	"client_edit", "client_delete", "client_users", "client_keys",
	"domain_delete"} // part B (issue 17)

// consolePrefix is where the console's pages live (besides / and /login).
const consolePrefix = "/console"

// Config is what the console needs. Store is required.
type Config struct {
	Store *models.Store
	// Workflows runs onboarding; without it the workflow actions answer
	// 503.
	Workflows *workflows.Engine
	// Keys encrypts webhook secrets and the flashes that carry a secret
	// across a redirect; without it endpoints cannot be made.
	Keys *models.KeyRing
	// DNS is the CNAME target and TTL given to new domains.
	DNS models.DNSDefaults
	// Webhooks is the delivery client's policy for endpoint URLs.
	Webhooks webhooks.ClientConfig
	// PlatformName is shown on every page (default
	// handlers.DefaultPlatformName).
	PlatformName string
	// Sandbox says linkgate runs on its built-in fakes: every page says
	// so, and SandboxConsole's pages exist.
	Sandbox        bool
	SandboxConsole SandboxConsole
	// DNSDoctor checks a domain's CNAME for the manual setup (nil: the
	// console shows the workflow's last finding).
	DNSDoctor func(ctx context.Context, host, apex, target string) (handlers.DNSDiagnosis, error)
}

// SandboxConsole is what the console's sandbox pages need from sandbox
// mode. cmd/linkgate fills it from the fakes (the console never imports
// them). A nil func hides its page.
type SandboxConsole struct {
	// Outbox lists the mail sent, oldest first.
	Outbox func() []SandboxMail
	// RegisterTwilioDomain does what creating and verifying a domain in
	// the Twilio Console does, and returns its Domain SID.
	RegisterTwilioDomain func(ctx context.Context, host string) (string, error)
	// CreateCloudflareZone makes a zone in the fake Cloudflare and a token
	// that may edit it.
	CreateCloudflareZone func(ctx context.Context, name string) (zoneID, apiToken string, err error)
	// AddDNSRecord adds a record to the sandbox DNS server by hand (as a
	// client does at their own DNS provider): typ is CNAME, A, AAAA, TXT
	// or CAA. An error about the record itself is shown next to the form.
	AddDNSRecord func(name, typ, value string) error
	// InjectFault makes the next count calls to a fake ("twilio" or
	// "cloudflare") answer with the HTTP status; ClearFaults drops the
	// faults not yet taken (provider "" for all), and PendingFaults counts
	// them per fake.
	InjectFault   func(provider string, status, count int) error
	ClearFaults   func(provider string)
	PendingFaults func() map[string]int
}

// SandboxMail is one message of the sandbox outbox.
type SandboxMail struct {
	To, Subject, Text string
	SentAt            time.Time
}

// Handler serves the console; mount it on the kit with handlers.New.
type Handler struct {
	cfg      Config
	pages    *handlers.Pages
	doctor   *handlers.Doctor        // the DNS doctor fragment alone
	assets   handlers.AssetSet       // stylesheet and scripts, with their version
	checkURL func(raw string) string // the webhook URL policy
	srv      *handlers.Server        // sessions, cookies, CSRF (set by Mount)
	login    *handlers.SignInGuard   // wrong passwords per account and address
	// password reset requests per client address and per e-mail address
	resetAddr, resetAccount *handlers.LimiterSet
	// sets are the page sets, for a fragment of a page (domain_live.go).
	sets map[string]*template.Template
}

const consoleUserKey = "linkgate.console_user"

// New validates the configuration and parses and checks the console
// templates and assets; it fails when they are broken.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("console: Store is required")
	}
	if cfg.PlatformName == "" {
		cfg.PlatformName = handlers.DefaultPlatformName
	}
	h := &Handler{cfg: cfg, checkURL: handlers.WebhookURLCheck(cfg.Webhooks)}
	sets, err := parsePages(pageFS, kitFS)
	if err != nil {
		return nil, err
	}
	h.sets = sets
	if h.pages, err = handlers.NewPages(handlers.PagesConfig{Kind: "console page", Sets: sets, Message: h.messageView, Explain: explain}); err != nil {
		return nil, err
	}
	if h.doctor, err = handlers.NewDoctor(kitFS); err != nil {
		return nil, err
	}
	if h.assets, err = handlers.NewAssetSet(pageFS, "templates/static", kitFS, "console.css", "console.js", "copy.js"); err != nil {
		return nil, err
	}
	return h, nil
}

// parsePages parses every console page set (with the kit's doctor
// fragment) and runs each with sample data, so that a broken template
// stops the start.
func parsePages(fsys, kit fs.FS) (map[string]*template.Template, error) {
	return handlers.TemplateSets{Kind: "console", Names: pageNames, Funcs: consoleFuncs, Samples: consoleSamples(),
		Shared:   []string{"templates/layout.html", "templates/partials.html"},
		KitFiles: []string{"templates/doctor.html"}, KitFS: kit,
		PageFile: func(name string) string { return "templates/" + name + ".html" },
		Required: []string{"layout", "content", "badges", "field_error", "doctor"},
	}.Parse(fsys)
}

// consoleFuncs are the helpers the console templates use. Words for
// typed values come from the kit's one label table (handlers/labels.go).
var consoleFuncs = template.FuncMap{
	"statusLabel":   handlers.StatusLabel,
	"campaignLabel": handlers.CampaignStatusLabel,
	"count":         func(n int64) string { return thousands(n) },
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"dnsLabel": handlers.DNSLabel,
	"sslLabel": handlers.SSLLabel,
	"sslAt":    handlers.SSLLabelAt,
	// statusFor is a status in words for an admin (true) or a client.
	"statusFor": func(s models.Status, admin bool) string { return handlers.StatusLabelFor(s, handlers.ReaderOf(admin)) },
	// badges is what the "badges" partial shows of a domain.
	"badges": func(d *models.Domain, admin bool) badgesView {
		return badgesView{D: d, L: handlers.LabelsOf(d, handlers.ReaderOf(admin))}
	},
	"regLabel":      handlers.RegistrationLabel,
	"deliveryLabel": handlers.DeliveryLabel,
	// campaignLabels is every campaign status's words as JSON, for the
	// live campaigns script.
	"campaignLabels": func() string {
		m := map[models.CampaignStatus]string{}
		for _, s := range models.CampaignStatuses {
			m[s] = handlers.CampaignStatusLabel(s)
		}
		b, _ := json.Marshal(m)
		return string(b)
	},
	"when": handlers.When,
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"age":  func(t time.Time) string { return ageOf(time.Since(t)) },
}

// badgesView is a domain and its statuses in words.
type badgesView struct {
	D *models.Domain
	L handlers.DomainLabels
}

// ageOf is a duration in words, to the largest whole unit: "5 min",
// "3 h", "2 days".
func ageOf(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + " days"
}

// Mount adds the console: /, /login, /logout and /console/..., and
// claims their unknown paths for its 404 page.
func (h *Handler) Mount(s *handlers.Server) error {
	h.srv = s
	h.login = handlers.NewSignInGuard()
	h.resetAddr = handlers.NewLimiterSet(s.PageLimits().ResetPerAddress)
	h.resetAccount = handlers.NewLimiterSet(s.PageLimits().ResetPerAccount)
	s.ClaimPages(Owns, h.pages)
	headers := handlers.PageHeaders("same-origin")
	text := handlers.PageText(h.pages.Fail)
	wf := handlers.NeedWorkflows(h.cfg.Workflows != nil, h.pages.Fail)
	e := s.Router()
	e.GET("/", headers, text, h.consoleHome)
	e.GET("/login", headers, text, h.consoleLoginPage)
	e.POST("/login", headers, s.PageRateLimit(h.pages), text, h.consoleLogin)
	e.POST("/logout", headers, text, h.consoleUser, h.consoleLogout)
	// Password reset: the links carry a token, so no Referer leaves them.
	reset := e.Group(workflows.ResetPath, handlers.PageHeaders("no-referrer"), s.PageRateLimit(h.pages), text)
	reset.GET("", h.consoleResetRequestPage)
	reset.POST("", wf, h.consoleResetRequest)
	reset.GET("/:token", h.consoleResetPage)
	reset.POST("/:token", h.consoleReset)

	// Bulk add: its textarea "domains" is the one console field that may
	// hold line breaks, so this route has its own text rules (and is
	// outside the group, which applies PageText to everything else).
	e.POST(consolePrefix+"/clients/:id/domains/bulk", headers, handlers.PageTextLines(h.pages.Fail, "domains"), h.consoleUser, h.consoleDomainsBulk)
	// Likewise a campaign's message bodies and its pasted CSV.
	e.POST(consolePrefix+"/campaigns/:id/variants", headers, handlers.PageTextLines(h.pages.Fail, "body"), h.consoleUser, h.consoleCampaignVariants)
	e.POST(consolePrefix+"/campaigns/:id/recipients", headers, handlers.PageTextLines(h.pages.Fail, "csv"), h.consoleUser, h.consoleCampaignRecipients)
	// And the sample message of the link tracking form (saved or previewed).
	e.POST(consolePrefix+"/clients/:id/tracking", headers, handlers.PageTextLines(h.pages.Fail, "sample"), h.consoleUser, h.consoleClientTracking)
	e.POST(consolePrefix+"/clients/:id/tracking/preview", headers, handlers.PageTextLines(h.pages.Fail, "sample"), h.consoleUser, h.consoleClientTrackingPreview)

	// Issue 17 part A: the favicon, and the Attention page (an admin's home).
	e.GET("/favicon.ico", handlers.Favicon)
	e.GET(attentionPath, headers, text, h.consoleUser, h.consoleAdmin, h.consoleAttention)

	g := e.Group(consolePrefix, headers, text)
	g.GET("/assets/:file", h.consoleAsset)
	u := g.Group("", h.consoleUser)
	u.GET("/clients", h.consoleAdmin, h.consoleClients)
	u.POST("/clients", h.consoleAdmin, h.consoleClientCreate)
	u.GET("/clients/:id", h.consoleClient)
	u.POST("/clients/:id/users", h.consoleClientUser)
	u.GET("/clients/:id/domains/new", h.consoleDomainNew)
	u.POST("/clients/:id/domains", h.consoleDomainCreate)
	u.GET("/clients/:id/domains/bulk", h.consoleDomainsBulkPage)
	u.POST("/clients/:id/limit", h.consoleAdmin, h.consoleClientLimit)
	u.GET("/clients/:id/pools", h.consolePools)
	u.POST("/clients/:id/pools", h.consolePoolCreate)
	u.POST("/pools/:id/rename", h.consolePoolRename)
	u.POST("/pools/:id/delete", h.consolePoolDelete)
	u.POST("/pools/:id/domains", h.consolePoolAdd)
	u.POST("/pools/:id/domains/:domain_id/remove", h.consolePoolRemove)
	u.POST("/pools/:id/domains/:domain_id/move", h.consolePoolMove)
	u.GET("/domains", h.consoleDomains)
	u.POST("/domains/actions", h.consoleDomainActions)
	u.GET("/domains/:id", h.consoleDomain)
	u.POST("/domains/:id/archive", h.consoleDomainArchive)
	u.POST("/domains/:id/review", h.consoleAdmin, h.consoleDomainReview)
	u.POST("/domains/:id/delete", h.consoleDomainDelete)
	u.GET("/domains/:id/status", h.consoleDomainStatus)
	u.GET("/domains/:id/doctor", h.consoleDomainDoctor)
	w := u.Group("/domains/:id", wf)
	w.POST("/configure", h.consoleDomainConfigure)
	w.POST("/forward-login", h.consoleDomainForward)
	w.POST("/domain-sid", h.consoleDomainSID)
	w.POST("/messaging-services", h.consoleDomainAttach)
	w.POST("/messaging-services/:sid/detach", h.consoleDomainDetach)
	w.POST("/retry", h.consoleDomainRetry)
	w.POST("/restore", h.consoleDomainRestore)
	u.GET("/campaigns/live", h.consoleCampaignsLive)
	u.GET("/campaigns/live/events", h.consoleCampaignsLiveEvents)
	u.GET("/clients/:id/originators", h.consoleOriginators)
	u.POST("/clients/:id/originators", h.consoleOriginatorCreate)
	u.POST("/originators/:id/delete", h.consoleOriginatorDelete)
	u.GET("/campaigns", h.consoleCampaigns)
	u.GET("/campaigns/new", h.consoleCampaignNewFor)
	u.GET("/clients/:id/campaigns/new", h.consoleCampaignNew)
	u.POST("/clients/:id/campaigns", h.consoleCampaignCreate)
	u.GET("/campaigns/:id", h.consoleCampaign)
	u.GET("/campaigns/:id/setup", h.consoleCampaignSetup)
	u.POST("/campaigns/:id/ratios", h.consoleCampaignRatios)
	u.POST("/campaigns/:id/domains", h.consoleCampaignDomainAdd)
	u.POST("/campaigns/:id/pause", h.consoleCampaignPause)
	u.POST("/campaigns/:id/abort", h.consoleCampaignAbort)
	cw := u.Group("/campaigns/:id", wf)
	cw.POST("/submit", h.consoleCampaignSubmit)
	cw.POST("/start", h.consoleCampaignStart)
	cw.POST("/resume", h.consoleCampaignResume)
	cw.POST("/connectors", h.consoleCampaignConnector)
	u.GET("/webhooks", h.consoleWebhooks)
	u.POST("/webhooks", h.consoleWebhookCreate)
	u.POST("/webhooks/:id/delete", h.consoleWebhookDelete)
	u.POST("/webhooks/:id/rotate", h.consoleWebhookRotate)
	u.GET("/webhooks/deliveries", h.consoleWebhookDeliveries)
	u.POST("/webhooks/deliveries/:id/replay", wf, h.consoleWebhookReplay)
	u.POST("/webhooks/:id/ping", wf, h.consoleWebhookPing)
	// Issue 17 part C: housekeeping (edit and delete a client, its users and API keys).
	u.GET("/clients/:id/edit", h.consoleAdmin, h.consoleClientEditPage)
	u.POST("/clients/:id/edit", h.consoleAdmin, h.consoleClientEdit)
	u.GET("/clients/:id/delete", h.consoleAdmin, h.consoleClientDeletePage)
	u.POST("/clients/:id/delete", h.consoleAdmin, h.consoleClientDelete)
	u.GET("/clients/:id/users", h.consoleClientUsers)
	u.POST("/clients/:id/users/:user_id/delete", h.consoleClientUserDelete)
	u.POST("/clients/:id/users/:user_id/reset", wf, h.consoleClientUserReset)
	u.GET("/clients/:id/api-keys", h.consoleClientKeys)
	u.POST("/clients/:id/api-keys", h.consoleClientKeyCreate)
	u.POST("/clients/:id/api-keys/:key_id/revoke", h.consoleClientKeyRevoke)
	sb := u.Group("/sandbox", h.consoleNeedSandbox)
	sb.GET("", h.consoleSandbox)
	sb.GET("/outbox", h.consoleAdmin, h.consoleSandboxOutbox)
	sb.POST("/twilio", h.consoleSandboxTwilio)
	sb.POST("/cloudflare", h.consoleAdmin, h.consoleSandboxCloudflare)
	// Part B (issue 17): the domain page's delete confirmation, live
	// fragments and registration links; the sandbox's DNS and fault tools.
	u.GET("/domains/:id/delete", h.consoleDomainDeletePage)
	u.GET("/domains/:id/live", h.consoleDomainLive)
	w.POST("/registrations/:reg/revoke", h.consoleDomainRegistrationRevoke)
	sb.POST("/dns", h.consoleAdmin, h.consoleSandboxDNS)
	sb.POST("/faults", h.consoleAdmin, h.consoleSandboxFault)
	sb.POST("/faults/clear", h.consoleAdmin, h.consoleSandboxFaultsClear)
	return nil
}

// Owns reports whether a path is one of the console's HTML pages or its
// icon (not part of the JSON API).
func Owns(path string) bool {
	return path == "/" || path == "/login" || path == "/logout" || path == "/favicon.ico" || strings.HasPrefix(path, consolePrefix+"/")
}

// explain words what the console says differently from the kit: a 404
// never tells whether the thing exists.
func explain(e *models.Error) handlers.Message {
	if e.Kind == models.KindNotFound {
		return handlers.Message{Heading: "Not found", Paragraphs: []string{
			"There is nothing here, or it is not yours to see. Check the address, or start again from the home page."}}
	}
	return handlers.Explain(e)
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
	sess, err := h.srv.CurrentSession(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	if sess == nil {
		if handlers.WantsJSON(c) || c.Request.Method != http.MethodGet {
			if c.Request.Method == http.MethodPost {
				h.pages.Fail(c, handlers.ErrCSRF)
				return
			}
			handlers.Fail(c, models.ErrNoSession)
			return
		}
		c.Redirect(http.StatusFound, "/login")
		c.Abort()
		return
	}
	u, err := h.cfg.Store.UserByID(c.Request.Context(), sess.UserID)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	if u.Role != models.RoleAdmin && u.ClientID == nil {
		h.pages.Fail(c, &models.Error{Kind: models.KindForbidden, Code: "no_client", Detail: "this account belongs to no client"})
		return
	}
	who := &consoleSignedIn{User: u, Session: sess}
	c.Set(consoleUserKey, who)
	handlers.SetActor(c, who.actor())
	if c.Request.Method == http.MethodPost {
		if err := handlers.CheckSessionCSRF(c, sess); err != nil {
			h.pages.Fail(c, err)
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
		h.pages.Fail(c, models.NotFound("page"))
		return
	}
	c.Next()
}

func (h *Handler) consoleNeedSandbox(c *gin.Context) {
	if !h.cfg.Sandbox {
		h.pages.Fail(c, models.NotFound("page"))
		return
	}
	c.Next()
}

// consoleHome: GET /. Signed out: to /login. An admin lands on the
// Attention page, a client user on their own client.
func (h *Handler) consoleHome(c *gin.Context) {
	sess, err := h.srv.CurrentSession(c)
	if err != nil {
		h.pages.Fail(c, err)
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
		if id, cerr := c.Cookie(h.srv.SessionCookieName()); cerr == nil {
			_ = h.cfg.Store.DeleteSession(c.Request.Context(), id)
		}
		h.srv.SetCookie(c, h.srv.SessionCookieName(), "", -1, http.SameSiteLaxMode)
		c.Redirect(http.StatusFound, "/login")
		return
	}
	if u.Role == models.RoleAdmin {
		c.Redirect(http.StatusFound, attentionPath)
		return
	}
	if u.ClientID == nil {
		h.pages.Fail(c, &models.Error{Kind: models.KindForbidden, Code: "no_client", Detail: "this account belongs to no client"})
		return
	}
	c.Redirect(http.StatusFound, clientPath(*u.ClientID))
}

func clientPath(id string) string { return consolePrefix + "/clients/" + id }
func domainPath(id string) string { return consolePrefix + "/domains/" + id }

// attentionCount is the nav's count of what needs an admin; a failed
// count is logged and shows no badge rather than failing the page.
func (h *Handler) attentionCount(c *gin.Context) int64 {
	counts, err := h.cfg.Store.AttentionCounts(c.Request.Context(), models.Scope{}, h.cfg.Store.Now())
	if err != nil {
		handlers.Logger(c).WarnContext(c.Request.Context(), "console attention count", "error", err.Error())
		return 0
	}
	var n int64
	for _, k := range counts {
		n += k
	}
	return n
}

// consoleAsset serves the console's stylesheet and scripts.
func (h *Handler) consoleAsset(c *gin.Context) {
	if !h.assets.Serve(c) {
		h.pages.Fail(c, models.NotFound("file"))
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

// Admin reports whether the signed-in user is an admin (false signed out).
func (b consoleBase) Admin() bool { return b.User != nil && b.User.Admin }

// consoleUserView is the signed-in user in the header.
type consoleUserView struct {
	Email    string
	Admin    bool
	ClientID string
	Outbox   bool // the sandbox outbox page exists (and is theirs to see)
	// Attention is how many things need an admin (the nav's badge; 0
	// for client users).
	Attention int64
	Twilio    bool // the fake Twilio Console page exists
}

// consoleBase builds the layout's data; c may be signed out.
func (h *Handler) consoleBase(c *gin.Context, title, nav string) consoleBase {
	b := consoleBase{Title: title, Platform: h.cfg.PlatformName, Assets: h.assets.Version(), Sandbox: h.cfg.Sandbox, Nav: nav}
	if v, ok := c.Get(consoleUserKey); ok {
		who := v.(*consoleSignedIn)
		u := &consoleUserView{Email: who.User.Email, Admin: who.admin()}
		if who.User.ClientID != nil {
			u.ClientID = *who.User.ClientID
		}
		sb := h.cfg.SandboxConsole
		u.Outbox = h.cfg.Sandbox && u.Admin && sb.Outbox != nil
		u.Twilio = h.cfg.Sandbox && sb.RegisterTwilioDomain != nil
		if u.Admin {
			u.Attention = h.attentionCount(c)
		}
		b.User, b.CSRF = u, who.Session.CSRFToken
	}
	b.Notice = consoleNotices[c.Query("done")]
	return b
}

// consoleNotices are the confirmations a redirect may ask for (?done=):
// fixed texts, so a link cannot put words on the page.
var consoleNotices = map[string]string{
	"client":             "Client created.",
	"user":               "User added. Pass the password on to them.",
	"domain":             "Domain added. Choose how to set it up below.",
	"configure":          "Setup started. The status below updates by itself.",
	"sid":                "Domain SID accepted.",
	"attach":             "Messaging Service attached.",
	"detach":             "Messaging Service detached.",
	"moved":              "Messaging Service moved here; the other domain no longer uses it.",
	"revoked":            "Registration link revoked: it no longer works.",
	"sandbox_dns":        "Record added to the sandbox DNS.",
	"sandbox_fault":      "Fault queued: the next calls to that fake fail.",
	"sandbox_clear":      "Faults cleared: the fakes answer normally again.",
	"retry":              "Retrying from the step that failed.",
	"forward":            "Registration link sent to the client.",
	"webhook":            "Webhook endpoint deleted.",
	"replay":             "Delivery queued again, with the same webhook-id.",
	"ping":               "Ping queued: a webhook.ping event is on its way.",
	"signed_out":         "You are signed out.",
	"limit":              "Global domain limit saved.",
	"tracking":           "Link tracking saved.",
	"archived":           "Domain archived. It is never used to send while archived.",
	"restored":           "Domain restored.",
	"reviewed":           "Review recorded.",
	"deleted":            "Domain deleted.",
	"pool":               "Pool created.",
	"pool_renamed":       "Pool renamed.",
	"pool_deleted":       "Pool deleted. Its domains stay.",
	"pool_added":         "Added to the pool.",
	"pool_removed":       "Removed from the pool.",
	"pool_moved":         "Rotation order changed.",
	"originator":         "Originator added.",
	"originator_deleted": "Originator deleted.",
	"campaign_start":     "Campaign started: the first messages are on their way.",
	"campaign_pause":     "Campaign paused. Nothing more is sent until you resume it.",
	"campaign_resume":    "Campaign resumed.",
	"campaign_abort":     "Campaign cancelled. Nothing more is sent.",
	"campaign_ratios":    "Ratios saved; they apply to the messages not sent yet.",
	"campaign_domain":    "Domain added to the campaign.",
	"campaign_connector": "The Messaging Service now sends through that domain.",
	// issue 17 part C: housekeeping
	"client_saved":   "Client saved.",
	"client_deleted": "Client deleted, with its users, API keys, webhook endpoints and campaigns.",
	"user_removed":   "User removed. Their sessions are signed out.",
	"user_reset":     "A link to choose a new password is on its way to them. It works once, for 30 minutes.",
	"key_revoked":    "API key revoked. It stops working at once.",
	resetSentNotice: "If an account exists for that address, we sent it a link to choose a new password. " +
		"The link works once, for 30 minutes.",
	passwordResetNotice: "Your password was changed, and every other session of your account was signed out.",
}

// consoleMessage is a page that only says something (404, 403, faults).
type consoleMessage struct {
	consoleBase
	handlers.Message
}

// messageView puts a message in the console's layout, with a way home.
func (h *Handler) messageView(c *gin.Context, m handlers.Message) any {
	if m.Link == "" {
		m.Link, m.LinkText = "/", "Home"
	}
	v := consoleMessage{consoleBase: h.consoleBase(c, m.Heading, ""), Message: m}
	v.Notice = ""
	return v
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
			out[field] = handlers.Sentence(msg)
		}
	}
	if len(out) == 0 {
		out["form"] = handlers.Sentence(e.Detail)
	}
	return out, true
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
