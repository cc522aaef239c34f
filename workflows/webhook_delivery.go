package workflows

// Webhook delivery (DESIGN §7). Events are written to the outbox
// (webhook_events) in the transaction of the change they report. A
// dispatcher loop in every process claims undispatched events, writes one
// delivery per (event, matching endpoint) and enqueues one River job per
// delivery in the same transaction. The job signs the event (Standard
// Webhooks; the webhook-id is the event id, the same on every attempt and
// on a replay) and POSTs it through the SSRF-guarded client; every attempt
// is recorded. Failures retry on the schedule (snoozing the job), honouring
// Retry-After on 429/503; 410 disables the endpoint; an endpoint whose
// deliveries have all failed for the failure window is disabled and its
// owner e-mailed. Delivery is at least once (a crash after the POST and
// before the record repeats the attempt) and unordered.

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

// QueueWebhooks is the River queue of deliveries, apart from onboarding so
// that slow receivers never hold up a domain.
const QueueWebhooks = "webhooks"

// DefaultWebhookFailureWindow is how long an endpoint may fail every
// delivery before it is disabled.
const DefaultWebhookFailureWindow = 5 * 24 * time.Hour

// dispatchBatch is how many events one dispatch transaction claims.
const dispatchBatch = 500

// DeliverWebhookArgs makes one attempt of a delivery (and, snoozing,
// the retries).
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
	err := e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		var err error
		n, err = e.store.DispatchWebhookEventsTx(tx, dispatchBatch, func(ds []*models.WebhookDelivery) error {
			params := make([]river.InsertManyParams, len(ds))
			for i, d := range ds {
				params[i] = river.InsertManyParams{Args: DeliverWebhookArgs{DeliveryID: d.ID}}
			}
			if _, err := e.client.InsertManyFastTx(ctx, sqlTx, params); err != nil {
				return fmt.Errorf("enqueue deliveries: %w", err)
			}
			return nil
		})
		return err
	})
	return n, err
}

// dispatchLoop dispatches until ctx ends: every WebhookPoll, and at once
// again while batches come back full.
func (e *Engine) dispatchLoop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(e.cfg.Intervals.WebhookPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
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

// queueDelivery writes a delivery with create and enqueues its job in the
// same transaction, then returns it as the API shows it.
func (e *Engine) queueDelivery(ctx context.Context, sc models.Scope, create func(tx *gorm.DB) (*models.WebhookDelivery, error)) (*models.WebhookDeliveryView, error) {
	var d *models.WebhookDelivery
	err := e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		var err error
		if d, err = create(tx); err != nil {
			return err
		}
		_, err = e.client.InsertTx(ctx, sqlTx, DeliverWebhookArgs{DeliveryID: d.ID}, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return e.store.GetWebhookDelivery(ctx, sc, d.ID)
}

type deliverWebhookWorker struct {
	river.WorkerDefaults[DeliverWebhookArgs]
	e *Engine
}

// Timeout bounds the job a little above one HTTP attempt.
func (w *deliverWebhookWorker) Timeout(*river.Job[DeliverWebhookArgs]) time.Duration {
	return w.e.hookTimeout + 30*time.Second
}

func (w *deliverWebhookWorker) Work(ctx context.Context, job *river.Job[DeliverWebhookArgs]) error {
	e := w.e
	work, err := e.store.WebhookDeliveryForAttempt(ctx, job.Args.DeliveryID)
	var merr *models.Error
	if errors.As(err, &merr) && merr.Kind == models.KindNotFound {
		return nil // its endpoint was deleted, and the delivery with it
	}
	if err != nil {
		return err
	}
	d, ep := &work.Delivery, &work.Endpoint
	if d.Status.Terminal() {
		return nil
	}
	if !ep.Enabled {
		reason := "not sent: the endpoint is disabled"
		if ep.DisabledReason != "" {
			reason += " (" + ep.DisabledReason + ")"
		}
		return e.store.Tx(ctx, func(tx *gorm.DB, _ *sqlTxAlias) error {
			return e.store.FailWebhookDeliveryTx(tx, d.ID, reason)
		})
	}
	if !e.busy.acquire(ep.ID) {
		return river.JobSnooze(busyDelay()) // this endpoint is at its cap here
	}
	defer e.busy.release(ep.ID)
	secrets, err := ep.Secrets(e.cfg.Keys, e.store.Now())
	if err != nil {
		return err
	}
	startedAt := e.store.Now()
	res := webhooks.Send(ctx, e.hooks, webhooks.Message{URL: ep.URL, ID: work.Event.ID, Body: []byte(work.Event.Payload),
		Secrets: secrets, UserAgent: "linkgate-webhooks/1"}, time.Now())
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: River runs the job again
	}
	n := d.Attempts + 1
	result := models.AttemptResult{Attempt: models.WebhookAttempt{Attempt: n, StartedAt: startedAt, StatusCode: res.StatusCode,
		LatencyMS: int(res.Latency.Milliseconds()), ResponseBody: string(res.Body), Error: attemptError(res, e.hookTimeout)}}
	outcome := res.Outcome()
	var snooze time.Duration
	disable := ""
	switch outcome {
	case webhooks.OutcomeSuccess:
		result.Status = models.DeliverySucceeded
	case webhooks.OutcomeDisable:
		result.Status = models.DeliveryFailed
		disable = "the receiver answered 410 Gone"
		result.Error = "410 Gone: the endpoint is now disabled"
	default:
		delay, ok := webhooks.ScheduleDelay(e.schedule, n, nil)
		if ra, has := webhooks.RetryAfter(res.Header, time.Now()); has && outcome == webhooks.OutcomeRetryAfter && ok {
			delay = min(ra, 24*time.Hour)
		}
		why := describeAttempt(res, result.Attempt.Error)
		if !ok {
			result.Status = models.DeliveryFailed
			result.Error = fmt.Sprintf("gave up after %d attempts; last: %s", n, why)
		} else {
			next := e.store.Now().Add(delay)
			result.Status, result.NextAttemptAt, result.Error = models.DeliveryRetrying, &next, why
			snooze = max(delay, time.Millisecond)
		}
	}
	err = e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		var since *time.Time
		if ok := outcome == webhooks.OutcomeSuccess; !ok || ep.FailingSince != nil {
			// A success on an endpoint with no failure streak (as read
			// above) changes nothing: skip the write. Should a failure
			// have started a streak meanwhile, the next success clears it.
			var err error
			if since, err = e.store.NoteEndpointResultTx(tx, ep.ID, ok); err != nil {
				return err
			}
		}
		if disable == "" && since != nil && e.store.Now().Sub(*since) >= e.failureWindow {
			disable = fmt.Sprintf("every delivery failed for %s (since %s)", humanWindow(e.failureWindow), since.UTC().Format(time.RFC3339))
			result.Status, result.NextAttemptAt, snooze = models.DeliveryFailed, nil, 0
			result.Error = describeAttempt(res, result.Attempt.Error) + "; the endpoint is now disabled: " + disable
		}
		if disable != "" {
			changed, err := e.store.DisableWebhookEndpointTx(tx, ep.ID, disable)
			if err != nil {
				return err
			}
			if changed {
				e.log.Warn("webhook endpoint disabled", slog.String("endpoint_id", ep.ID), slog.String("reason", disable))
				if _, err := e.client.InsertTx(ctx, sqlTx, WebhookDisabledArgs{EndpointID: ep.ID, Reason: disable}, nil); err != nil {
					return err
				}
			}
		}
		// The job is completed by River (batched) when Work returns: a
		// rerun after a crash finds the delivery terminal and stops.
		return e.store.RecordWebhookAttemptTx(tx, d, result)
	})
	if err != nil {
		return err
	}
	e.hookMetrics.attempts.WithLabelValues(string(result.Status)).Inc()
	e.hookMetrics.latency.Observe(res.Latency.Seconds())
	if outcome != webhooks.OutcomeSuccess {
		e.log.Info("webhook attempt failed", slog.String("delivery_id", d.ID), slog.String("endpoint_id", ep.ID),
			slog.Int("attempt", n), slog.Int("status_code", res.StatusCode), slog.String("delivery_status", string(result.Status)))
	}
	if snooze > 0 {
		return river.JobSnooze(snooze)
	}
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
