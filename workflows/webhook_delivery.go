package workflows

// Webhook delivery (DESIGN §7). Events are written to the outbox
// (webhook_events) in the transaction of the change they report. A
// dispatcher loop in every process claims undispatched events and writes
// one delivery per (event, matching endpoint), due at once. A delivery
// loop in every process (webhook_loop.go) claims due deliveries in batches
// under a lease, signs each event (Standard Webhooks; the webhook-id is the
// event id, the same on every attempt and on a replay), POSTs it through
// the SSRF-guarded client with bounded concurrency (and a per-endpoint
// cap), and records the attempts and outcomes in batches. Failures retry
// on the schedule (the delivery is due again then), honouring Retry-After
// on 429/503; 410 disables the endpoint; an endpoint whose deliveries have
// all failed for the failure window is disabled and its owner e-mailed.
// Delivery is at least once (a crash after the POST and before the record
// repeats the attempt once the lease ends) and unordered. River keeps the
// owner's notice; the hot path does not go through it.

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/webhooks"
)

// QueueWebhooks is the River queue the delivery jobs had (kept for those
// left from before the delivery loop).
const QueueWebhooks = "webhooks"

// DefaultWebhookFailureWindow is how long an endpoint may fail every
// delivery before it is disabled.
const DefaultWebhookFailureWindow = 5 * 24 * time.Hour

// dispatchBatch is how many events one dispatch transaction claims.
const dispatchBatch = 500

// dispatchGather is how long the dispatcher waits after a wake-up before
// it claims: events a moment apart go out in one claim.
const dispatchGather = 20 * time.Millisecond

// DeliverWebhookArgs was one delivery's job before the delivery loop;
// the kind stays registered so that jobs left from then complete.
type DeliverWebhookArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (DeliverWebhookArgs) Kind() string { return "webhook_deliver" }

// InsertOpts puts deliveries on their own queue.
func (DeliverWebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueWebhooks}
}

// WebhookDisabledArgs tells an endpoint's owner it was disabled.
type WebhookDisabledArgs struct {
	EndpointID string `json:"endpoint_id"`
	Reason     string `json:"reason"`
}

// Kind implements river.JobArgs.
func (WebhookDisabledArgs) Kind() string { return "webhook_disabled_notice" }

// WebhookPolicy is the delivery client's policy, which endpoint URLs are
// checked against when they are stored.
func (e *Engine) WebhookPolicy() webhooks.ClientConfig { return e.cfg.WebhookClient }

// DispatchWebhooks fans out one batch of undispatched events and returns
// how many it claimed. The dispatcher loop calls it; tests may too.
func (e *Engine) DispatchWebhooks(ctx context.Context) (int, error) {
	var n int
	err := e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
		var err error
		n, err = e.store.DispatchWebhookEventsTx(tx, dispatchBatch, nil)
		return err
	})
	if err == nil && n > 0 {
		e.hookWake.deliveries()
	}
	return n, err
}

// dispatchLoop dispatches until ctx ends: dispatchGather after an event
// is committed (wake-up), every WebhookPoll, and at once again while
// batches come back full.
func (e *Engine) dispatchLoop(ctx context.Context) {
	t := time.NewTicker(e.cfg.Intervals.WebhookPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.hookWake.dispatch:
			// Let the events committed right after this one (every
			// replica's, on PostgreSQL) share its claim: a claim per event
			// was a quarter of PostgreSQL's time in the onboarding
			// benchmark. Wake-ups until the claim are part of it.
			g := time.NewTimer(dispatchGather)
			select {
			case <-ctx.Done():
				g.Stop()
				return
			case <-g.C:
			}
			select {
			case <-e.hookWake.dispatch:
			default:
			}
		}
		for ctx.Err() == nil {
			n, err := e.DispatchWebhooks(ctx)
			if err != nil {
				if ctx.Err() == nil {
					e.log.Error("webhook dispatch failed", slog.String("error", err.Error()))
				}
				break
			}
			if n < dispatchBatch {
				break
			}
		}
	}
}

// ReplayWebhookDelivery sends a delivery's event to its endpoint again as
// a new delivery with the same webhook-id.
func (e *Engine) ReplayWebhookDelivery(ctx context.Context, sc models.Scope, id string) (*models.WebhookDeliveryView, error) {
	return e.queueDelivery(ctx, sc, func(tx *gorm.DB) (*models.WebhookDelivery, error) {
		return e.store.ReplayWebhookDeliveryTx(tx, sc, id)
	})
}

// PingWebhookEndpoint sends a webhook.ping event to one endpoint.
func (e *Engine) PingWebhookEndpoint(ctx context.Context, sc models.Scope, endpointID string) (*models.WebhookDeliveryView, error) {
	return e.queueDelivery(ctx, sc, func(tx *gorm.DB) (*models.WebhookDelivery, error) {
		return e.store.PingWebhookEndpointTx(tx, sc, endpointID)
	})
}

// queueDelivery writes a delivery with create, wakes the delivery loops
// (here directly; on PostgreSQL every replica's by the insert's NOTIFY),
// then returns it as the API shows it.
func (e *Engine) queueDelivery(ctx context.Context, sc models.Scope, create func(tx *gorm.DB) (*models.WebhookDelivery, error)) (*models.WebhookDeliveryView, error) {
	var d *models.WebhookDelivery
	err := e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
		var err error
		d, err = create(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	e.hookWake.deliveries()
	return e.store.GetWebhookDelivery(ctx, sc, d.ID)
}

// deliverWebhookWorker runs the one-job-per-delivery jobs enqueued before
// the delivery loop: it does nothing, as the loop delivers every due
// delivery (migration 0023 made them due).
type deliverWebhookWorker struct {
	river.WorkerDefaults[DeliverWebhookArgs]
	e *Engine
}

func (w *deliverWebhookWorker) Work(context.Context, *river.Job[DeliverWebhookArgs]) error {
	return nil
}

// attemptError is the attempt's error in plain words, without the URL
// (net/http repeats it in every error).
func attemptError(res webhooks.Result, timeout time.Duration) string {
	err := res.Err
	if err == nil {
		return ""
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		if uerr.Timeout() {
			return fmt.Sprintf("no answer within %s (timeout)", timeout)
		}
		err = uerr.Err
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return fmt.Sprintf("no answer within %s (timeout)", timeout)
	}
	if errors.Is(err, webhooks.ErrForbiddenAddress) {
		return "refused: the URL points at a private, loopback or otherwise internal address"
	}
	return err.Error()
}

func describeAttempt(res webhooks.Result, errText string) string {
	if res.StatusCode == 0 {
		return errText
	}
	s := fmt.Sprintf("HTTP %d", res.StatusCode)
	if t := http.StatusText(res.StatusCode); t != "" {
		s += " " + t
	}
	if res.StatusCode >= 300 && res.StatusCode < 400 {
		s += " (redirects are not followed)"
	}
	return s
}

func humanWindow(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

type webhookDisabledWorker struct {
	river.WorkerDefaults[WebhookDisabledArgs]
	e *Engine
}

func (w *webhookDisabledWorker) Work(ctx context.Context, job *river.Job[WebhookDisabledArgs]) error {
	e := w.e
	ep, email, err := e.store.WebhookEndpointOwner(ctx, job.Args.EndpointID)
	var merr *models.Error
	if errors.As(err, &merr) && merr.Kind == models.KindNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if email == "" || e.cfg.Mailer == nil {
		e.log.Warn("webhook endpoint disabled; no owner address to tell", slog.String("endpoint_id", ep.ID))
		return nil
	}
	host := ep.URL
	if u, err := url.Parse(ep.URL); err == nil {
		host = u.Host
	}
	subject := fmt.Sprintf("%s: webhook endpoint disabled (%s)", e.cfg.PlatformName, host)
	var text strings.Builder
	fmt.Fprintf(&text, "Hello,\n\n%s stopped sending webhooks to your endpoint\n\n  %s\n\nbecause %s.\n\n", e.cfg.PlatformName, ep.URL, job.Args.Reason)
	fmt.Fprintf(&text, "Once the receiver answers with a 2xx status again, enable the endpoint (id %s) in the console or with\n", ep.ID)
	fmt.Fprintf(&text, "PATCH /api/v1/webhooks/endpoints/%s {\"enabled\": true}, then replay the failed deliveries\n(GET /api/v1/webhooks/deliveries?endpoint_id=%s&status=failed, POST .../replay).\n", ep.ID, ep.ID)
	body := "<p>Hello,</p><p>" + html.EscapeString(e.cfg.PlatformName) + " stopped sending webhooks to your endpoint <code>" + html.EscapeString(ep.URL) +
		"</code> because " + html.EscapeString(job.Args.Reason) + ".</p><p>Once the receiver answers with a 2xx status again, enable the endpoint (id <code>" +
		html.EscapeString(ep.ID) + "</code>) and replay the failed deliveries.</p>"
	if err := e.cfg.Mailer.Send(ctx, providers.Message{To: email, Subject: subject, Text: text.String(), HTML: body}); err != nil {
		return fmt.Errorf("webhook disabled notice: %w", err)
	}
	return nil
}
