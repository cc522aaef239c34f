// Package api is linkgate's JSON API under /api/v1 (DESIGN §8, API.md):
// clients, domains and their workflow actions, pools, originators and
// opt-outs, registrations, webhook endpoints and deliveries, and its
// OpenAPI document at /openapi.json.
// One small file per action; the views are models' (webhook payloads
// share them).
//
// The rule: a handler binds its input, makes one call and responds,
// answering errors as problem+json through the kit (handlers); the API
// never renders HTML and never imports another audience.
package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/webhooks"
	"github.com/linkgate/linkgate/workflows"
)

// Config is what the JSON API needs. Store is required.
type Config struct {
	Store *models.Store
	// Workflows runs onboarding; without it the workflow endpoints answer
	// 503.
	Workflows *workflows.Engine
	// Keys encrypts webhook secrets at rest (the engine's key ring);
	// without it creating an endpoint or rotating its secret answers 503.
	Keys *models.KeyRing
	// DNS is the CNAME target and TTL given to new domains.
	DNS models.DNSDefaults
	// Webhooks is the delivery client's policy: endpoint URLs are checked
	// against it (https only unless AllowHTTP; private and loopback
	// addresses refused unless AllowPrivate).
	Webhooks webhooks.ClientConfig
}

// Handler serves the JSON API; mount it on the kit with handlers.New.
type Handler struct {
	cfg      Config
	checkURL func(raw string) string // the webhook URL policy
	// actions are the bulk actions done one domain at a time
	// (perDomainActions).
	actions map[models.DomainAction]domainAction
	// optedOut tells a recipients upload which numbers opted out (STOP
	// replies): the client's opt-out list.
	optedOut models.OptedOutFunc
}

// New validates the configuration.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("api: Store is required")
	}
	h := &Handler{cfg: cfg, checkURL: handlers.WebhookURLCheck(cfg.Webhooks), optedOut: cfg.Store.OptedOut}
	h.actions = h.perDomainActions()
	return h, nil
}

// Mount adds /openapi.json and the /api/v1 routes.
func (h *Handler) Mount(s *handlers.Server) error {
	e := s.Router()
	e.GET("/openapi.json", serveOpenAPI)

	wf := handlers.NeedWorkflows(h.cfg.Workflows != nil, handlers.Fail)
	api := e.Group("/api/v1", s.Authenticate, handlers.CheckRequestText)
	api.POST("/clients", handlers.RequireAdmin, h.createClient)
	api.GET("/clients", h.listClients)
	api.GET("/clients/:id", h.getClient)
	api.PATCH("/clients/:id", h.updateClient)
	api.DELETE("/clients/:id", h.deleteClient)
	api.POST("/clients/:id/api-keys", h.createClientAPIKey)
	api.GET("/clients/:id/api-keys", h.listClientAPIKeys)
	api.DELETE("/api-keys/:id", h.revokeAPIKey)
	api.POST("/api-keys/:id/rotate", h.rotateAPIKey)
	api.POST("/clients/:id/domains", h.createDomain)
	api.GET("/clients/:id/domains", h.listClientDomains)
	api.POST("/clients/:id/domains/bulk", h.createDomains)
	api.POST("/clients/:id/pools", h.createPool)
	api.GET("/clients/:id/pools", h.listPools)
	api.GET("/pools/:id", h.getPool)
	api.PATCH("/pools/:id", h.updatePool)
	api.DELETE("/pools/:id", h.deletePool)
	api.POST("/pools/:id/domains", h.addPoolDomains)
	api.DELETE("/pools/:id/domains/:domain_id", h.removePoolDomain)
	api.POST("/clients/:id/originators", h.createOriginator)
	api.GET("/clients/:id/originators", h.listOriginators)
	api.DELETE("/originators/:id", h.deleteOriginator)
	api.GET("/clients/:id/opt-outs", h.listOptOuts)
	api.DELETE("/clients/:id/opt-outs/:phone", h.deleteOptOut)
	api.POST("/domains/actions", h.domainActions)
	api.GET("/domains", h.listDomains)
	api.GET("/domains/:id", h.getDomain)
	api.DELETE("/domains/:id", h.deleteDomain)
	api.GET("/domains/:id/events", h.listDomainEvents)
	api.POST("/domains/:id/configure", wf, h.configureDomain)
	api.POST("/domains/:id/domain-sid", wf, h.submitDomainSID)
	api.POST("/domains/:id/retry", wf, h.retryDomain)
	api.POST("/domains/:id/messaging-services", wf, h.attachMessagingService)
	api.DELETE("/domains/:id/messaging-services/:sid", wf, h.detachMessagingService)
	api.POST("/domains/:id/forward-login", wf, h.forwardLogin)
	api.POST("/domains/:id/archive", h.archiveDomain)
	api.POST("/domains/:id/restore", wf, h.restoreDomain)
	api.POST("/domains/:id/review", handlers.RequireAdmin, h.reviewDomain)
	api.POST("/clients/:id/campaigns", h.createCampaign)
	api.GET("/clients/:id/campaigns", h.listClientCampaigns)
	api.GET("/campaigns", h.listCampaigns)
	api.GET("/campaigns/live", h.liveCampaigns) // before /campaigns/:id
	api.GET("/campaigns/:id", h.getCampaign)
	api.PATCH("/campaigns/:id", h.updateCampaign)
	api.POST("/campaigns/:id/recipients", handlers.LargeBody(MaxRecipientsUpload, "text/csv"), h.addRecipients)
	api.POST("/campaigns/:id/submit", wf, h.submitCampaign)
	api.POST("/campaigns/:id/start", wf, h.startCampaign)
	api.POST("/campaigns/:id/pause", h.pauseCampaign)
	api.POST("/campaigns/:id/resume", wf, h.resumeCampaign)
	api.POST("/campaigns/:id/abort", h.abortCampaign)
	api.GET("/campaigns/:id/messages", h.listCampaignMessages)
	api.PUT("/campaigns/:id/connectors/link-shortening", wf, h.setLinkShortening)
	api.GET("/campaigns/:id/stats", h.getCampaignStats)
	api.GET("/campaigns/:id/links", h.listCampaignLinks)
	api.GET("/clients/:id/tracking", h.getTracking)
	api.PUT("/clients/:id/tracking", h.setTracking)
	api.POST("/links/rewrite", h.rewriteLinks)
	api.GET("/campaigns/:id/domains", h.listCampaignDomains)
	api.POST("/campaigns/:id/domains", h.addCampaignDomain)
	api.DELETE("/campaigns/:id/domains/:domain_id", h.removeCampaignDomain)
	api.GET("/registrations", h.listRegistrations)
	api.POST("/webhooks/endpoints", h.needKeys, h.createWebhookEndpoint)
	api.GET("/webhooks/endpoints", h.listWebhookEndpoints)
	api.GET("/webhooks/endpoints/:id", h.getWebhookEndpoint)
	api.PATCH("/webhooks/endpoints/:id", h.updateWebhookEndpoint)
	api.DELETE("/webhooks/endpoints/:id", h.deleteWebhookEndpoint)
	api.POST("/webhooks/endpoints/:id/rotate-secret", h.needKeys, h.rotateWebhookSecret)
	api.POST("/webhooks/endpoints/:id/ping", wf, h.pingWebhookEndpoint)
	api.GET("/webhooks/deliveries", h.listWebhookDeliveries)
	api.GET("/webhooks/deliveries/:id", h.getWebhookDelivery)
	api.POST("/webhooks/deliveries/:id/replay", wf, h.replayWebhookDelivery)
	return nil
}

// errNoKeys answers what needs the key ring when there is none.
var errNoKeys = &models.Error{Kind: models.KindUnavailable, Code: "secrets_unavailable", Detail: "no key ring to encrypt secrets with"}

func (h *Handler) needKeys(c *gin.Context) {
	if h.cfg.Keys == nil {
		handlers.Fail(c, errNoKeys)
		return
	}
	c.Next()
}

func serveOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", OpenAPI)
}
