package console

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// deliveriesView lists webhook deliveries with their attempts, filtered by
// endpoint and status, newest first.
type deliveriesView struct {
	consoleBase
	Deliveries []models.WebhookDeliveryView
	Endpoint   string // the endpoint_id filter
	Status     string // the status filter
	Statuses   []models.DeliveryStatus
	NextURL    string
	FirstURL   string
	CanReplay  bool
	// Endpoints are the endpoints in scope for the filter's choice, and
	// URLs their URLs by id (a delivery shows its endpoint's URL).
	Endpoints []poolOption
	URLs      map[string]string
}

// consoleDeliveriesLimit is how many deliveries one page shows.
const consoleDeliveriesLimit = 50

// consoleWebhookDeliveries: GET /console/webhooks/deliveries?endpoint_id=&status=&cursor=.
func (h *Handler) consoleWebhookDeliveries(c *gin.Context) {
	q := models.WebhookDeliveryQuery{PageQuery: models.PageQuery{Limit: consoleDeliveriesLimit, Cursor: c.Query("cursor")},
		EndpointID: c.Query("endpoint_id"), Status: c.Query("status")}
	page, err := h.cfg.Store.ListWebhookDeliveries(c.Request.Context(), signedIn(c).scope(), q)
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	v := deliveriesView{consoleBase: h.consoleBase(c, "Webhook deliveries", "webhooks"), Deliveries: page.Deliveries,
		Endpoint: q.EndpointID, Status: q.Status, Statuses: models.DeliveryStatuses, CanReplay: h.cfg.Workflows != nil,
		URLs: map[string]string{}}
	eps, err := h.cfg.Store.ListWebhookEndpoints(c.Request.Context(), signedIn(c).scope(),
		models.WebhookEndpointQuery{PageQuery: models.PageQuery{Limit: consoleWebhookLimit}})
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	for _, ep := range eps.Endpoints {
		v.URLs[ep.ID] = ep.URL
		v.Endpoints = append(v.Endpoints, poolOption{ID: ep.ID, Label: ep.URL})
	}
	filter := url.Values{}
	if q.EndpointID != "" {
		filter.Set("endpoint_id", q.EndpointID)
	}
	if q.Status != "" {
		filter.Set("status", q.Status)
	}
	if q.Cursor != "" {
		v.FirstURL = deliveriesURL(filter)
	}
	if page.Next != "" {
		next := url.Values{"cursor": {page.Next}}
		for k, vs := range filter {
			next[k] = vs
		}
		v.NextURL = deliveriesURL(next)
	}
	h.pages.Render(c, http.StatusOK, "webhook_deliveries", v)
}

func deliveriesURL(q url.Values) string {
	u := consolePrefix + "/webhooks/deliveries"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// consoleWebhookReplay: POST /console/webhooks/deliveries/{id}/replay
// sends the delivery's event again (same webhook-id).
func (h *Handler) consoleWebhookReplay(c *gin.Context) {
	d, err := h.cfg.Workflows.ReplayWebhookDelivery(c.Request.Context(), signedIn(c).scope(), c.Param("id"))
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	handlers.Redirect(c, deliveriesURL(url.Values{"endpoint_id": {d.EndpointID}, "done": {"replay"}}))
}

// consoleWebhookPing: POST /console/webhooks/{id}/ping sends a
// webhook.ping event to the endpoint.
func (h *Handler) consoleWebhookPing(c *gin.Context) {
	d, err := h.cfg.Workflows.PingWebhookEndpoint(c.Request.Context(), signedIn(c).scope(), c.Param("id"))
	if err != nil {
		h.pages.Fail(c, err)
		return
	}
	handlers.Redirect(c, deliveriesURL(url.Values{"endpoint_id": {d.EndpointID}, "done": {"ping"}}))
}
