package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/linkgate/linkgate/models"
)

// Config is what the kit itself uses. Store and Logger are required.
type Config struct {
	// Store authenticates API keys, keeps sessions, counts domains for
	// the metrics and, without Ready, answers /readyz.
	Store  *models.Store
	Logger *slog.Logger
	// Ready reports whether the service can do its work (database, job
	// engine); nil means only the database is checked.
	Ready func(ctx context.Context) error
	// Registry receives the HTTP and domain metrics; nil makes a new one.
	Registry *prometheus.Registry
	// Version is shown by /healthz.
	Version string
	// PublicURL is linkgate's public base URL: when it is https, the
	// page cookies are Secure (and __Host- prefixed) and every response
	// carries Strict-Transport-Security (SecurityHeaders).
	PublicURL string
	// SessionTTL is how long a sign-in lasts (default DefaultSessionTTL).
	SessionTTL time.Duration
	// PageLimits rate-limits the pages (zero fields: DefaultPageLimits).
	// The kit enforces PerIP and PerToken (PageRateLimit); the audiences
	// read SignInPerToken from Server.PageLimits for their sign-in forms.
	PageLimits PageLimits
	// TrustedProxies lists the reverse proxies (IPs or CIDRs) whose
	// X-Forwarded-For names the client for the per-address limit; empty
	// = the connection's peer is the client.
	TrustedProxies []string
}

// Audience is one application served by the kit (the JSON API, the
// console, the registration pages): Mount adds its routes.
type Audience interface {
	Mount(s *Server) error
}

// Server is the assembled HTTP layer: an http.Handler.
type Server struct {
	cfg     Config
	engine  *gin.Engine
	metrics *httpMetrics
	// metricsHTTP serves the registry (MetricsHandler).
	metricsHTTP http.Handler
	secure      bool // public URL is https: Secure, __Host- cookies
	clientIP    func(c *gin.Context) string
	ip          *LimiterSet // per client address, all pages
	token       *LimiterSet // per link token
	claims      []claim     // path prefixes whose 404 is an HTML page
}

// claim is a set of paths whose unknown routes an audience answers as a
// page.
type claim struct {
	match func(path string) bool
	pages *Pages
}

// New validates the configuration, builds the kit's router and mounts
// the audiences on it, in order.
func New(cfg Config, audiences ...Audience) (*Server, error) {
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
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	cfg.PageLimits = cfg.PageLimits.withDefaults()
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, engine: gin.New(),
		secure:   strings.HasPrefix(strings.ToLower(cfg.PublicURL), "https://"),
		clientIP: (*gin.Context).RemoteIP,
		ip:       NewLimiterSet(cfg.PageLimits.PerIP),
		token:    NewLimiterSet(cfg.PageLimits.PerToken),
	}
	if len(cfg.TrustedProxies) > 0 {
		if err := s.engine.SetTrustedProxies(cfg.TrustedProxies); err != nil {
			return nil, fmt.Errorf("handlers: TrustedProxies: %w", err)
		}
		s.clientIP = (*gin.Context).ClientIP
	}
	m, err := newHTTPMetrics(cfg.Registry, cfg.Store)
	if err != nil {
		return nil, err
	}
	s.metrics, s.metricsHTTP = m, m.handler()
	s.routes()
	for _, a := range audiences {
		if err := a.Mount(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.SecurityHeaders(w.Header())
	s.engine.ServeHTTP(w, r)
}

// HSTS is the Strict-Transport-Security value sent over https: a year.
const HSTS = "max-age=31536000"

// SecurityHeaders adds the headers every response carries, whoever
// serves it: Strict-Transport-Security when the public URL is https.
// ServeHTTP calls it; a handler served beside the kit (the sandbox) calls
// it too.
func (s *Server) SecurityHeaders(h http.Header) {
	if s.secure {
		h.Set("Strict-Transport-Security", HSTS)
	}
}

// MetricsHandler serves the Prometheus metrics of Config.Registry (the
// kit's HTTP and domain metrics and whatever else is registered there).
// The kit's router does not serve it: it belongs on a listener of its own,
// not the public one. Its own scrapes are counted as
// promhttp_metric_handler_requests_total.
func (s *Server) MetricsHandler() http.Handler { return s.metricsHTTP }

// Routes lists the registered routes.
func (s *Server) Routes() []gin.RouteInfo { return s.engine.Routes() }

// Router is where an audience adds its routes.
func (s *Server) Router() *gin.RouterGroup { return &s.engine.RouterGroup }

// ClaimPages makes the unknown routes of the paths that match an
// audience's: they answer with its HTML 404 page, unless the caller
// wants JSON (problem+json, as everywhere else).
func (s *Server) ClaimPages(match func(path string) bool, p *Pages) {
	s.claims = append(s.claims, claim{match: match, pages: p})
}

// PageLimits are the pages' rate limits, defaults filled in.
func (s *Server) PageLimits() PageLimits { return s.cfg.PageLimits }

func (s *Server) routes() {
	e := s.engine
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	e.Use(s.requestLog(), recoverFault, s.metrics.middleware(), limitBody)
	e.NoRoute(func(c *gin.Context) {
		if !WantsJSON(c) {
			for _, cl := range s.claims {
				if cl.match(c.Request.URL.Path) {
					cl.pages.Fail(c, models.NotFound("page"))
					return
				}
			}
		}
		Fail(c, models.NotFound("route"))
	})
	e.NoMethod(func(c *gin.Context) {
		Fail(c, &models.Error{Kind: models.KindMethod, Code: "method_not_allowed", Detail: "this path does not accept " + c.Request.Method})
	})
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
}

func limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		c.Set(rawBodyKey, c.Request.Body) // for LargeBody
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes)
	}
	c.Next()
}
