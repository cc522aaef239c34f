package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// The deliveries page (attempts, replay) is console_webhook_deliveries.go.

// webhooksView lists the webhook endpoints in scope, with the form to add
// one. Secret is set right after a create or a rotation: the only time it
// is shown.
type webhooksView struct {
	consoleBase
	Endpoints  []*models.WebhookEndpoint
	More       bool
	EventTypes []string
	NoKeys     bool // no key ring: endpoints cannot be made
	CanPing    bool // the workflow engine runs: ping works
	Form       webhookForm
	Secret     string
	SecretFor  string // the endpoint id the secret belongs to
	Errors     map[string]string
	// Clients (admins) are the clients the form may choose, those whose
	// plan has webhooks; ClientNames name the endpoints' clients.
	Clients     []poolOption
	ClientNames map[string]string
	// NoPlan: the signed-in client's plan has no webhooks, so the form is
	// replaced by a sentence saying so; Plan is that plan.
	NoPlan bool
	Plan   models.Plan
}

type webhookForm struct {
	URL      string
	Events   string
	ClientID string
}

// consoleWebhookLimit is how many endpoints the page lists.
const consoleWebhookLimit = 200

// consoleWebhooks: GET /console/webhooks.
func (h *Handler) consoleWebhooks(c *gin.Context) {
	v, err := h.webhooksView(c)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	if f := h.takeFlash(c); f["secret"] != "" {
		v.Secret, v.SecretFor = f["secret"], f["endpoint"]
		c.Header("Cache-Control", "no-store")
	}
	h.pages.Render(c, http.StatusOK, "webhooks", v)
}

func (h *Handler) webhooksView(c *gin.Context) (webhooksView, error) {
	page, err := h.cfg.Store.ListWebhookEndpoints(c.Request.Context(), signedIn(c).scope(),
		models.WebhookEndpointQuery{PageQuery: models.PageQuery{Limit: consoleWebhookLimit}})
	if err != nil {
		return webhooksView{}, err
	}
	v := webhooksView{consoleBase: h.consoleBase(c, "Webhooks", "webhooks"), Endpoints: page.Endpoints, More: page.Next != "",
		EventTypes: models.EventTypes, NoKeys: h.cfg.Keys == nil, CanPing: h.cfg.Workflows != nil, Form: webhookForm{Events: "domain.*"}}
	if err := h.webhookClients(c, &v); err != nil {
		return webhooksView{}, err
	}
	return v, nil
}

// webhookClients fills the client choice and names (admins: the first
// models.MaxPageLimit clients, as the campaigns page) or, for a client
// user, whether their plan has webhooks.
func (h *Handler) webhookClients(c *gin.Context, v *webhooksView) error {
	ctx := c.Request.Context()
	who := signedIn(c)
	v.ClientNames = map[string]string{}
	if !who.admin() {
		cl, err := h.cfg.Store.GetClient(ctx, who.scope(), who.scope().ClientID)
		if err != nil {
			return err
		}
		v.ClientNames[cl.ID], v.NoPlan, v.Plan = cl.Name, !cl.Plan.HasWebhooks(), cl.Plan
		return nil
	}
	page, err := h.cfg.Store.ListClients(ctx, who.scope(), models.ClientQuery{PageQuery: models.PageQuery{Limit: models.MaxPageLimit}})
	if err != nil {
		return err
	}
	for _, cl := range page.Clients {
		v.ClientNames[cl.ID] = cl.Name
		if cl.Plan.HasWebhooks() {
			v.Clients = append(v.Clients, poolOption{ID: cl.ID, Label: cl.Name})
		}
	}
	return nil
}

// consoleWebhookCreate: POST /console/webhooks; the list then shows the
// new secret once.
func (h *Handler) consoleWebhookCreate(c *gin.Context) {
	who := signedIn(c)
	f := webhookForm{URL: strings.TrimSpace(c.PostForm("url")), Events: c.PostForm("events"), ClientID: strings.TrimSpace(c.PostForm("client_id"))}
	if h.cfg.Keys == nil {
		h.pages.Fail(c, &models.Error{Kind: models.KindUnavailable, Code: "secrets_unavailable", Detail: "no key ring to encrypt secrets with"})
		return
	}
	in := models.WebhookEndpointInput{URL: f.URL, Events: splitEvents(f.Events), ClientID: f.ClientID, CheckURL: h.checkURL}
	if !who.admin() {
		in.ClientID = ""
	}
	w, secret, err := h.cfg.Store.CreateWebhookEndpoint(c.Request.Context(), h.cfg.Keys, who.scope(), in)
	h.webhookResult(c, w, secret, err, f)
}

// webhookResult answers a create or rotation: a redirect to the list,
// which shows the new secret once (a sealed flash), or the list with the
// form's errors.
func (h *Handler) webhookResult(c *gin.Context, w *models.WebhookEndpoint, secret string, err error, f webhookForm) {
	if err == nil && h.setFlash(c, map[string]string{"secret": secret, "endpoint": w.ID}) {
		handlers.SeeOther(c, consolePrefix+"/webhooks", "")
		return
	}
	status := http.StatusOK
	var errs map[string]string
	if err != nil {
		var ok bool
		if errs, ok = fieldErrors(err, "url", "events", "client_id"); !ok {
			h.pages.Fail(c, err)
			return
		}
		status = handlers.StatusOf(err, http.StatusUnprocessableEntity)
	}
	v, verr := h.webhooksView(c)
	if verr != nil {
		h.pages.Fail(c, verr)
		return
	}
	if err != nil {
		v.Form, v.Errors = f, errs
	} else {
		v.Secret, v.SecretFor = secret, w.ID
	}
	h.pages.Render(c, status, "webhooks", v)
}

// splitEvents reads the event filter field: types separated by commas,
// spaces or lines.
func splitEvents(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// consoleWebhookDelete: POST /console/webhooks/{id}/delete.
func (h *Handler) consoleWebhookDelete(c *gin.Context) {
	if err := h.cfg.Store.DeleteWebhookEndpoint(c.Request.Context(), signedIn(c).scope(), c.Param("id")); err != nil {
		h.pages.Fail(c, err)
		return
	}
	handlers.SeeOther(c, consolePrefix+"/webhooks", "webhook")
}

// consoleWebhookRotate: POST /console/webhooks/{id}/rotate. The old secret
// keeps working for models.SecretRotationOverlap; the new one is shown
// once.
func (h *Handler) consoleWebhookRotate(c *gin.Context) {
	if h.cfg.Keys == nil {
		h.pages.Fail(c, &models.Error{Kind: models.KindUnavailable, Code: "secrets_unavailable", Detail: "no key ring to encrypt secrets with"})
		return
	}
	w, secret, err := h.cfg.Store.RotateWebhookSecret(c.Request.Context(), h.cfg.Keys, signedIn(c).scope(), c.Param("id"))
	if err != nil {
		var e *models.Error
		if !errors.As(err, &e) || e.Kind == models.KindNotFound {
			h.pages.Fail(c, err)
			return
		}
	}
	h.webhookResult(c, w, secret, err, webhookForm{Events: "domain.*"})
}
