package workflows

// The webhook delivery loop (issue 18). One per process:
//
//   - the claimer takes due deliveries in batches (models.ClaimWebhookDeliveries:
//     FOR UPDATE SKIP LOCKED on PostgreSQL, one UPDATE … RETURNING on
//     SQLite) under a lease, as many as there are free places in the
//     pipeline, and loads their payloads and endpoints in two queries;
//   - WebhookWorkers goroutines sign and POST them (the per-endpoint cap
//     gives a delivery over it back for a moment, without an attempt);
//   - the writer records what came back in batches: every attempt, the
//     deliveries' new states, the endpoints' failure streaks, in one
//     transaction per batch, and frees the places.
//
// The claimer sleeps until a wake-up (an event or delivery committed:
// NOTIFY on PostgreSQL, the commit hook on SQLite; models/webhook_wake.go)
// or the poll interval, which also finds the retries that came due. A
// replica that dies leaves its claims leased: they are due again when the
// lease ends. Stopping stops the claims and lets the attempts under way
// finish and be recorded.

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/riverqueue/river"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/webhooks"
)

// claimBatch is the most deliveries one claim takes.
const claimBatch = 128

// writeBatch is the most outcomes one transaction records.
const writeBatch = 256

// hookWakeups are the loops' wake-up signals (buffered: a wake-up that
// comes while the loop works is kept for its next wait).
type hookWakeups struct {
	once               sync.Once
	dispatch, delivery chan struct{}
}

func (w *hookWakeups) init() {
	w.once.Do(func() {
		w.dispatch, w.delivery = make(chan struct{}, 1), make(chan struct{}, 1)
	})
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// deliveries wakes this process's delivery loop.
func (w *hookWakeups) deliveries() { w.init(); signal(w.delivery) }

// events wakes this process's dispatcher.
func (w *hookWakeups) events() { w.init(); signal(w.dispatch) }

// runWebhooks runs the wake-up listener, the dispatcher and the delivery
// loop until ctx ends and the attempts under way are recorded.
func (e *Engine) runWebhooks(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	e.hookWake.init()
	e.store.ListenWebhooks(ctx, func(table string) {
		switch table {
		case models.WakeEvents:
			e.hookWake.events()
		case models.WakeDeliveries:
			e.hookWake.deliveries()
		}
	})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); e.dispatchLoop(ctx) }()
	go func() { defer wg.Done(); e.deliveryLoop(ctx) }()
	wg.Wait()
}

// deliveryItem is a claimed delivery with what its attempt needs.
type deliveryItem struct {
	claim   models.ClaimedDelivery
	ep      *models.WebhookEndpoint // nil: deleted
	payload string
	secrets []string // the endpoint's signing secrets (decrypted once per claim)
	secErr  error
}

// hookOutcome is an attempt's outcome on its way to the writer.
type hookOutcome struct {
	out     models.DeliveryOutcome
	ep      *models.WebhookEndpoint
	res     webhooks.Result
	outcome webhooks.Outcome
	disable string // set: disable the endpoint for this reason
	skip    bool   // nothing to record (the delivery is gone)
}

// hookLease is how long a claim holds its deliveries: long enough for
// them to wait for a worker and be attempted (one that waited too long is
// given back unattempted); a crashed replica's claims are due again after
// it (on SQLite, at the next start).
func (e *Engine) hookLease() time.Duration { return 2*e.hookTimeout + 30*time.Second }

func (e *Engine) deliveryLoop(ctx context.Context) {
	if err := e.store.PrepareWebhookDelivery(ctx); err != nil && ctx.Err() == nil {
		e.log.Error("webhook delivery: prepare", slog.String("error", err.Error()))
	}
	if n, err := e.store.ResumeWebhookClaims(ctx, time.Now()); err != nil && ctx.Err() == nil {
		e.log.Error("webhook delivery: resume claims", slog.String("error", err.Error()))
	} else if n > 0 {
		e.log.Info("webhook deliveries claimed by a process that ended are due again", slog.Int64("deliveries", n))
	}
	workers := e.cfg.WebhookWorkers
	places := make(chan struct{}, 4*workers) // claimed, not yet recorded
	for range cap(places) {
		places <- struct{}{}
	}
	work := make(chan deliveryItem, workers)
	results := make(chan hookOutcome, cap(places))
	// Attempts under way finish when the loop stops (the client's timeout
	// bounds them) so that they are recorded.
	postCtx := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				if ctx.Err() != nil {
					// Stopping: what has not started is given back.
					results <- hookOutcome{out: models.DeliveryOutcome{Claim: it.claim, Release: true, DueAt: time.Now()}}
					continue
				}
				results <- e.attemptDelivery(postCtx, it)
			}
		}()
	}
	// Two writers on PostgreSQL, so that a batch is written while the
	// previous one commits; SQLite has one writer (one connection).
	writers := 1
	if e.store.DB().Dialect == models.Postgres {
		writers = 2
	}
	var ww sync.WaitGroup
	for range writers {
		ww.Add(1)
		go func() {
			defer ww.Done()
			e.outcomeWriter(postCtx, results, places)
		}()
	}
	written := make(chan struct{})
	go func() { ww.Wait(); close(written) }()
	e.claimLoop(ctx, places, work, results)
	close(work)
	wg.Wait()
	close(results)
	<-written
}

// claimLoop claims while there are free places, and sleeps until a
// wake-up or the poll when nothing is due.
func (e *Engine) claimLoop(ctx context.Context, places chan struct{}, work chan<- deliveryItem, results chan<- hookOutcome) {
	poll := time.NewTicker(e.cfg.Intervals.WebhookPoll)
	defer poll.Stop()
	sleep := func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-e.hookWake.delivery:
		case <-poll.C:
		}
		return true
	}
	for ctx.Err() == nil {
		n := takePlaces(ctx, places, claimBatch)
		if n == 0 {
			return
		}
		claims, err := e.store.ClaimWebhookDeliveries(ctx, time.Now(), e.hookLease(), n)
		for range n - len(claims) {
			places <- struct{}{}
		}
		if err != nil {
			if ctx.Err() == nil {
				e.log.Error("webhook delivery: claim", slog.String("error", err.Error()))
			}
			if !sleep() {
				return
			}
			continue
		}
		if len(claims) > 0 {
			wk, err := e.store.WebhookWorkFor(context.WithoutCancel(ctx), claims)
			if err != nil {
				// Give them back for a moment, without an attempt.
				e.log.Error("webhook delivery: load", slog.String("error", err.Error()))
				for _, c := range claims {
					results <- hookOutcome{out: models.DeliveryOutcome{Claim: c, Release: true, DueAt: time.Now().Add(busyDelay())}}
				}
			} else {
				type keys struct {
					secrets []string
					err     error
				}
				byEndpoint := map[string]keys{}
				for id, ep := range wk.Endpoints {
					secrets, err := ep.Secrets(e.cfg.Keys, e.store.Now())
					byEndpoint[id] = keys{secrets, err}
				}
				for _, c := range claims {
					payload, ok := wk.Payloads[c.EventID]
					ep := wk.Endpoints[c.EndpointID]
					if !ok {
						ep = nil // the event is gone, and the delivery with it
					}
					k := byEndpoint[c.EndpointID]
					work <- deliveryItem{claim: c, ep: ep, payload: payload, secrets: k.secrets, secErr: k.err}
				}
			}
		}
		if len(claims) < n && !sleep() {
			return
		}
	}
}

// takePlaces waits for one free place, then takes up to max, waiting a
// few milliseconds for more while the pipeline is full, so that claims
// stay batches. It returns 0 when ctx ends.
func takePlaces(ctx context.Context, places chan struct{}, max int) int {
	select {
	case <-places:
	case <-ctx.Done():
		return 0
	}
	n := 1
	var timer <-chan time.Time
	for n < max {
		select {
		case <-places:
			n++
			continue
		default:
		}
		if n >= max/2 {
			break
		}
		if timer == nil {
			timer = time.After(5 * time.Millisecond)
		}
		select {
		case <-places:
			n++
			continue
		case <-timer:
		case <-ctx.Done():
		}
		break
	}
	return n
}

// attemptDelivery makes one attempt of a claimed delivery and decides
// what the delivery becomes.
func (e *Engine) attemptDelivery(ctx context.Context, it deliveryItem) hookOutcome {
	c, ep := it.claim, it.ep
	if ep == nil {
		return hookOutcome{skip: true} // its endpoint was deleted, and the delivery with it
	}
	o := hookOutcome{ep: ep, out: models.DeliveryOutcome{Claim: c}}
	if !ep.Enabled {
		reason := "not sent: the endpoint is disabled"
		if ep.DisabledReason != "" {
			reason += " (" + ep.DisabledReason + ")"
		}
		o.out.Result = models.AttemptResult{Status: models.DeliveryFailed, Error: reason}
		return o
	}
	// A claim that waited so long that its lease could end during the
	// attempt is given back rather than risk a second claimer.
	if time.Until(time.UnixMilli(c.Lease)) < e.hookTimeout+10*time.Second {
		o.out.Release, o.out.DueAt = true, time.Now()
		return o
	}
	if !e.busy.acquire(ep.ID) {
		o.out.Release, o.out.DueAt = true, time.Now().Add(busyDelay()) // this endpoint is at its cap here
		return o
	}
	defer e.busy.release(ep.ID)
	secrets := it.secrets
	if err := it.secErr; err != nil {
		e.log.Error("webhook delivery: endpoint secret", slog.String("endpoint_id", ep.ID), slog.String("error", err.Error()))
		o.out.Release, o.out.DueAt = true, time.Now().Add(time.Minute)
		return o
	}
	startedAt := e.store.Now()
	res := webhooks.Send(ctx, e.hooks, webhooks.Message{URL: ep.URL, ID: c.EventID, Body: []byte(it.payload),
		Secrets: secrets, UserAgent: "linkgate-webhooks/1"}, time.Now())
	n := c.Attempts + 1
	a := &models.WebhookAttempt{Attempt: n, StartedAt: startedAt, StatusCode: res.StatusCode,
		LatencyMS: int(res.Latency.Milliseconds()), ResponseBody: string(res.Body), Error: attemptError(res, e.hookTimeout)}
	o.out.Attempt, o.res, o.outcome = a, res, res.Outcome()
	r := &o.out.Result
	switch o.outcome {
	case webhooks.OutcomeSuccess:
		r.Status = models.DeliverySucceeded
	case webhooks.OutcomeDisable:
		r.Status = models.DeliveryFailed
		o.disable = "the receiver answered 410 Gone"
		r.Error = "410 Gone: the endpoint is now disabled"
	default:
		delay, ok := webhooks.ScheduleDelay(e.schedule, n, nil)
		if ra, has := webhooks.RetryAfter(res.Header, time.Now()); has && o.outcome == webhooks.OutcomeRetryAfter && ok {
			delay = min(ra, 24*time.Hour)
		}
		why := describeAttempt(res, a.Error)
		if !ok {
			r.Status = models.DeliveryFailed
			r.Error = fmt.Sprintf("gave up after %d attempts; last: %s", n, why)
		} else {
			next := e.store.Now().Add(delay)
			r.Status, r.NextAttemptAt, r.Error = models.DeliveryRetrying, &next, why
			o.out.RetryAt = time.Now().Add(max(delay, time.Millisecond))
		}
	}
	return o
}

// outcomeWriter records outcomes in batches until results is closed,
// freeing a place per outcome.
func (e *Engine) outcomeWriter(ctx context.Context, results <-chan hookOutcome, places chan<- struct{}) {
	batch := make([]hookOutcome, 0, writeBatch)
	for first := range results {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < writeBatch {
			select {
			case o, ok := <-results:
				if !ok {
					break fill
				}
				batch = append(batch, o)
			default:
				break fill
			}
		}
		e.writeOutcomes(ctx, batch)
		for range batch {
			places <- struct{}{}
		}
	}
}

// writeOutcomes records a batch, trying a few times; what cannot be
// recorded is attempted again once its lease ends (at least once).
func (e *Engine) writeOutcomes(ctx context.Context, batch []hookOutcome) {
	var err error
	for try := range 4 {
		if try > 0 {
			time.Sleep(time.Duration(try) * 200 * time.Millisecond)
		}
		if err = e.recordOutcomes(ctx, batch); err == nil {
			break
		}
	}
	if err != nil {
		e.log.Error("webhook delivery: record", slog.Int("outcomes", len(batch)), slog.String("error", err.Error()))
		return
	}
	for _, o := range batch {
		if o.skip || o.out.Release || o.out.Attempt == nil {
			continue
		}
		st := o.out.Result.Status
		e.hookMetrics.attempts.WithLabelValues(string(st)).Inc()
		e.hookMetrics.latency.Observe(o.res.Latency.Seconds())
		if o.outcome != webhooks.OutcomeSuccess {
			e.log.Info("webhook attempt failed", slog.String("delivery_id", o.out.Claim.ID), slog.String("endpoint_id", o.ep.ID),
				slog.Int("attempt", o.out.Attempt.Attempt), slog.Int("status_code", o.res.StatusCode), slog.String("delivery_status", string(st)))
		}
	}
}

// recordOutcomes writes a batch in one transaction: the endpoints'
// failure streaks (and disabling) first, as each attempt decides, then
// the attempts and the deliveries.
func (e *Engine) recordOutcomes(ctx context.Context, batch []hookOutcome) error {
	outs := make([]models.DeliveryOutcome, 0, len(batch))
	return e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		outs = outs[:0]
		// The streak of each endpoint as this batch left it (unknown:
		// as read with the claim).
		type streak struct {
			known bool
			since *time.Time
		}
		streaks := map[string]*streak{}
		for i := range batch {
			o := batch[i] // a copy: a retried transaction starts again from the attempts' decisions
			if o.skip {
				continue
			}
			if o.out.Attempt != nil {
				st := streaks[o.ep.ID]
				if st == nil {
					st = &streak{}
					streaks[o.ep.ID] = st
				}
				ok := o.outcome == webhooks.OutcomeSuccess
				running := st.since != nil || (!st.known && o.ep.FailingSince != nil)
				// A success on an endpoint with no failure streak changes
				// nothing: skip the write (should a failure have started
				// one meanwhile, the next success clears it); a failure
				// while a streak known here runs neither.
				if (ok && running) || (!ok && st.since == nil) {
					since, err := e.store.NoteEndpointResultTx(tx, o.ep.ID, ok)
					if err != nil {
						return err
					}
					st.known, st.since = true, since
				}
				if o.disable == "" && !ok && st.since != nil && e.store.Now().Sub(*st.since) >= e.failureWindow {
					o.disable = fmt.Sprintf("every delivery failed for %s (since %s)", humanWindow(e.failureWindow), st.since.UTC().Format(time.RFC3339))
					o.out.Result.Status, o.out.Result.NextAttemptAt = models.DeliveryFailed, nil
					o.out.Result.Error = describeAttempt(o.res, o.out.Attempt.Error) + "; the endpoint is now disabled: " + o.disable
				}
				if o.disable != "" {
					changed, err := e.store.DisableWebhookEndpointTx(tx, o.ep.ID, o.disable)
					if err != nil {
						return err
					}
					if changed {
						e.log.Warn("webhook endpoint disabled", slog.String("endpoint_id", o.ep.ID), slog.String("reason", o.disable))
						if err := e.enqueue(ctx, sqlTx, river.InsertManyParams{Args: WebhookDisabledArgs{EndpointID: o.ep.ID, Reason: o.disable}}); err != nil {
							return err
						}
					}
				}
				batch[i].out.Result = o.out.Result // the metrics count what was recorded
			}
			outs = append(outs, o.out)
		}
		return e.store.RecordWebhookOutcomesTx(ctx, tx, outs)
	})
}
