// Package handlers is linkgate's HTTP layer (Gin): the /api/v1 JSON API,
// the operations endpoints, the console and the registration pages.
// Handlers are thin: bind the input, make one call, respond.
package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/webhooks"
	"github.com/linkgate/linkgate/workflows"
)

// Config is what the HTTP layer needs. Store and Logger are required.
type Config struct {
	Store  *models.Store
	Logger *slog.Logger
	// DNS is the CNAME target and TTL given to new domains.
	DNS models.DNSDefaults
	// Ready reports whether the service can do its work (database, job
	// engine); nil means only the database is checked.
	Ready func(ctx context.Context) error
	// Registry receives the HTTP and domain metrics; nil makes a new one.
	Registry *prometheus.Registry
	// Version is shown by /healthz.
	Version string
	// Workflows runs onboarding; without it the workflow endpoints answer
	// 503.
	Workflows *workflows.Engine
	// Keys encrypts webhook secrets at rest (the engine's key ring);
	// without it creating an endpoint or rotating its secret answers 503.
	Keys *models.KeyRing
	// Webhooks is the delivery client's policy: endpoint URLs are checked
	// against it (https only unless AllowHTTP; private and loopback
	// addresses refused unless AllowPrivate).
	Webhooks webhooks.ClientConfig

	// Registration pages. PublicURL is linkgate's public base URL: when
	// it is https, page cookies are Secure (and __Host- prefixed).
	// PlatformName is shown on the pages (default "linkgate"). SessionTTL
	// is how long a sign-in lasts (default DefaultSessionTTL). PageLimits
	// rate-limits the pages (zero fields: DefaultPageLimits).
	// TrustedProxies lists the reverse proxies (IPs or CIDRs) whose
	// X-Forwarded-For names the client for the per-address limit; empty
	// = the connection's peer is the client.
	PublicURL      string
	PlatformName   string
	SessionTTL     time.Duration
	PageLimits     PageLimits
	TrustedProxies []string

	// Console. Sandbox says linkgate runs on its built-in fakes: every
	// console page says so, and SandboxConsole's pages exist. DNSDoctor
	// checks a domain's CNAME for the console's manual setup (nil: the
	// console shows the workflow's last finding).
	Sandbox        bool
	SandboxConsole SandboxConsole
	DNSDoctor      func(ctx context.Context, host, apex, target string) (DNSDiagnosis, error)
}

// Handler serves linkgate's HTTP API.
type Handler struct {
	cfg     Config
	engine  *gin.Engine
	metrics *httpMetrics
	reg     *registerKit
	con     *consoleKit
}

// New validates the configuration and builds the routes.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("handlers: Store is required")
	}
	if cfg.Logger == nil {
		return nil, errors.New("handlers: Logger is required")
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.Ready == nil {
		cfg.Ready = cfg.Store.DB().Ping
	}
	gin.SetMode(gin.ReleaseMode)
	h := &Handler{cfg: cfg, engine: gin.New()}
	m, err := newHTTPMetrics(cfg.Registry, cfg.Store)
	if err != nil {
		return nil, err
	}
	h.metrics = m
	if err := h.setupPages(); err != nil {
		return nil, err
	}
	if err := h.setupConsole(); err != nil {
		return nil, err
	}
	h.routes()
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.engine.ServeHTTP(w, r) }

// Routes lists the registered routes as "METHOD /path" in OpenAPI's path
// syntax ({id} for :id).
func (h *Handler) Routes() []gin.RouteInfo { return h.engine.Routes() }

func (h *Handler) routes() {
	e := h.engine
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	e.Use(h.requestLog(), h.recoverFault(), h.metrics.middleware(), limitBody)
	e.NoRoute(func(c *gin.Context) {
		if isConsolePath(c.Request.URL.Path) && !wantsJSON(c) {
			h.consoleFail(c, models.NotFound("page"))
			return
		}
		fail(c, models.NotFound("route"))
	})
	e.NoMethod(func(c *gin.Context) {
		fail(c, &models.Error{Kind: models.KindMethod, Code: "method_not_allowed", Detail: "this path does not accept " + c.Request.Method})
	})

	e.GET("/healthz", h.healthz)
	e.GET("/readyz", h.readyz)
	e.GET("/metrics", h.metrics.handler())
	e.GET("/openapi.json", serveOpenAPI)

	api := e.Group("/api/v1", h.authenticate)
	api.POST("/clients", requireAdmin, h.createClient)
	api.GET("/clients", h.listClients)
	api.GET("/clients/:id", h.getClient)
	api.PATCH("/clients/:id", h.updateClient)
	api.DELETE("/clients/:id", h.deleteClient)
	api.POST("/clients/:id/api-keys", h.createClientAPIKey)
	api.POST("/clients/:id/domains", h.createDomain)
	api.GET("/clients/:id/domains", h.listClientDomains)
	api.GET("/domains", h.listDomains)
	api.GET("/domains/:id", h.getDomain)
	api.DELETE("/domains/:id", h.deleteDomain)
	api.GET("/domains/:id/events", h.listDomainEvents)
	api.POST("/domains/:id/configure", h.needWorkflows, h.configureDomain)
	api.POST("/domains/:id/domain-sid", h.needWorkflows, h.submitDomainSID)
	api.POST("/domains/:id/retry", h.needWorkflows, h.retryDomain)
	api.POST("/domains/:id/messaging-services", h.needWorkflows, h.attachMessagingService)
	api.DELETE("/domains/:id/messaging-services/:sid", h.needWorkflows, h.detachMessagingService)
	api.POST("/domains/:id/forward-login", h.needWorkflows, h.forwardLogin)
	api.GET("/registrations", h.listRegistrations)
	api.POST("/webhooks/endpoints", h.needKeys, h.createWebhookEndpoint)
	api.GET("/webhooks/endpoints", h.listWebhookEndpoints)
	api.GET("/webhooks/endpoints/:id", h.getWebhookEndpoint)
	api.PATCH("/webhooks/endpoints/:id", h.updateWebhookEndpoint)
	api.DELETE("/webhooks/endpoints/:id", h.deleteWebhookEndpoint)
	api.POST("/webhooks/endpoints/:id/rotate-secret", h.needKeys, h.rotateWebhookSecret)
	api.POST("/webhooks/endpoints/:id/ping", h.needWorkflows, h.pingWebhookEndpoint)
	api.GET("/webhooks/deliveries", h.listWebhookDeliveries)
	api.GET("/webhooks/deliveries/:id", h.getWebhookDelivery)
	api.POST("/webhooks/deliveries/:id/replay", h.needWorkflows, h.replayWebhookDelivery)

	h.registrationRoutes()
	h.consoleRoutes()
}

func (h *Handler) needWorkflows(c *gin.Context) {
	if h.cfg.Workflows == nil {
		fail(c, &models.Error{Kind: models.KindUnavailable, Code: "workflows_unavailable", Detail: "the workflow engine is not running"})
		return
	}
	c.Next()
}

func (h *Handler) needKeys(c *gin.Context) {
	if h.cfg.Keys == nil {
		fail(c, &models.Error{Kind: models.KindUnavailable, Code: "secrets_unavailable", Detail: "no key ring to encrypt secrets with"})
		return
	}
	c.Next()
}

// webhookURLProblem judges an endpoint URL by the delivery client's
// policy: "" when it may be used, else the url field's message.
func (h *Handler) webhookURLProblem(raw string) string {
	err := webhooks.ValidateURL(raw, h.cfg.Webhooks)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, webhooks.ErrForbiddenAddress):
		return "must not point at a private, loopback, link-local or otherwise internal address"
	case h.cfg.Webhooks.AllowHTTP:
		return "must be an absolute http or https URL without credentials or fragment, such as https://acme.com/hooks"
	}
	return "must be an absolute https URL without credentials or fragment, such as https://acme.com/hooks"
}

func limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes)
	}
	c.Next()
}
