package workflows

// Sending campaigns (DESIGN §10, API.md "Campaigns"). One River job per
// campaign, unique by campaign, runs one batch of recipients and snoozes
// to run the next; between batches a person's pause or abort takes
// effect. Within a batch:
//
//  1. Rows left sending by a crash or by an unclear Twilio failure are
//     resolved first: Twilio is asked for messages to that number since
//     the attempt (ListTo); one found → sent, none → pending again.
//  2. The campaign's active domain is made sure of (the first sendable
//     domain in rotation order when it has none or it stopped being
//     configured) and its Messaging Service attached to it at Twilio.
//  3. Pending recipients take the active domain's quota one message at a
//     time (models.Store.TakeQuota: one UPDATE). A chunk of taken rows is
//     marked sending in one transaction, then sent, paced per Messaging
//     Service, and each recorded sent (or failed) in its own transaction.
//  4. When the domain is spent, the take that spent it moves the domain to
//     reached_limit and, in the same transaction, the campaign to its
//     next domain (campaign.domain_switched); the Messaging Service is
//     then moved at Twilio. No domain left, or rotation off: the campaign
//     is suspended, its client e-mailed.
//
// A recipient is never sent twice: the mark to sending is guarded by
// pending, the record by sending, and a sending row is only ever sent
// again after Twilio said it has no such message.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/time/rate"
	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
)

// QueueCampaigns is the River queue of the sending jobs.
const QueueCampaigns = "campaigns"

// StatusPath is where Twilio posts message status callbacks.
const StatusPath = "/twilio/status"

// Sending defaults.
const (
	DefaultSendRate      = 10.0 // messages per second per Messaging Service
	DefaultCampaignBatch = 200  // recipients per job run
	sendChunk            = 50   // recipients marked sending at once
	sendParallel         = 16   // sends in flight per run at most
)

const (
	kindCampaignSend  = "campaign_send"
	kindCampaignStart = "campaign_start"
	kindCampaignSweep = "campaign_sweep"
)

// CampaignSendArgs runs the next batch of a campaign. Unique by campaign:
// one runner per campaign at a time.
type CampaignSendArgs struct {
	CampaignID string `json:"campaign_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (CampaignSendArgs) Kind() string { return kindCampaignSend }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (CampaignSendArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueCampaigns} }

// CampaignStartArgs starts a scheduled campaign at its time.
type CampaignStartArgs struct {
	CampaignID string `json:"campaign_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (CampaignStartArgs) Kind() string { return kindCampaignStart }

// CampaignSweepArgs is the periodic pass that starts scheduled campaigns
// whose time has come and gives every running campaign a sending job
// (a no-op for those that have one).
type CampaignSweepArgs struct{}

// Kind implements river.JobArgs.
func (CampaignSweepArgs) Kind() string { return kindCampaignSweep }

// sendJobTx is the hook that enqueues a campaign's sending job in the
// transaction that let it send.
func (e *Engine) sendJobTx(ctx context.Context) models.CampaignTxHook {
	return func(tx *sqlTxAlias, c *models.Campaign) error {
		return e.insertTx(ctx, tx, CampaignSendArgs{CampaignID: c.ID})
	}
}

// StartCampaign starts a ready or scheduled campaign now: started, and
// its sending job enqueued in the same transaction.
func (e *Engine) StartCampaign(ctx context.Context, sc models.Scope, id, actor string) (*models.Campaign, error) {
	return e.store.StartCampaign(ctx, sc, id, actor, e.sendJobTx(ctx))
}

// ResumeCampaign lets a paused or suspended campaign send again (a
// suspended one only when one of its domains can send: 409
// no_domain_available).
func (e *Engine) ResumeCampaign(ctx context.Context, sc models.Scope, id, actor string) (*models.Campaign, error) {
	return e.store.ResumeCampaign(ctx, sc, id, actor, e.sendJobTx(ctx))
}

// SubmitCampaign runs the content checks; a campaign that comes out
// scheduled gets a job that starts it at scheduled_at.
func (e *Engine) SubmitCampaign(ctx context.Context, sc models.Scope, id, actor string) (*models.Campaign, error) {
	return e.store.SubmitCampaignScreened(ctx, sc, id, actor, e.screenLinks(ctx, sc, id), func(tx *sqlTxAlias, c *models.Campaign) error {
		if c.Status != models.CampaignScheduled || c.ScheduledAt == nil {
			return nil
		}
		return e.enqueue(ctx, tx, river.InsertManyParams{Args: CampaignStartArgs{CampaignID: c.ID},
			InsertOpts: &river.InsertOpts{ScheduledAt: *c.ScheduledAt, UniqueOpts: uniqueStep}})
	})
}

// screenLinks asks the reputation sources about the hosts the campaign
// links to, before the submit's transaction (no provider call inside
// one), and returns the verdicts as a screen: the first host listed
// rejects the campaign. A source that cannot answer lets the link pass
// (logged), as when a domain is added.
func (e *Engine) screenLinks(ctx context.Context, sc models.Scope, id string) models.LinkScreen {
	if e.cfg.Reputation == nil {
		return nil
	}
	c, err := e.store.GetCampaign(ctx, sc, id)
	if err != nil {
		return nil // the submit answers the same error
	}
	listed := map[string]string{}
	for _, h := range c.CampaignLinkHosts() {
		v, err := e.cfg.Reputation.Check(ctx, h)
		if err != nil {
			e.log.WarnContext(ctx, "reputation check of a campaign link failed; the link passes", "host", h, "error", err.Error())
			continue
		}
		if v.Listed {
			listed[h] = fmt.Sprintf("a message links to %s, which is flagged as malicious: %s", h, v)
		}
	}
	return func(hosts []string) string {
		for _, h := range hosts {
			if why, ok := listed[h]; ok {
				return why
			}
		}
		return ""
	}
}

// sendingNow: the statuses in which a campaign's job sends.
var sendingNow = models.CampaignStatusSet{models.CampaignStarted, models.CampaignSending}

type campaignSendWorker struct {
	river.WorkerDefaults[CampaignSendArgs]
	e *Engine
}

func (w *campaignSendWorker) Work(ctx context.Context, job *river.Job[CampaignSendArgs]) error {
	e := w.e
	wait, err := e.sendBatch(ctx, job.Args.CampaignID)
	if errors.Is(err, models.ErrNotFound) {
		return nil // the campaign is gone
	}
	if err != nil {
		return err
	}
	again := false
	err = e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		c, err := e.store.LockCampaignTx(tx, job.Args.CampaignID)
		if err != nil {
			return err
		}
		if sendingNow.Has(c.Status) {
			left, err := e.store.CampaignUnfinished(ctx, tx, c.ID)
			if err != nil {
				return err
			}
			if left {
				again = true // not completed: snoozed below
				return nil
			}
			if err := e.store.ApplyCampaignTx(tx, c, models.CampaignChange{To: models.CampaignFinished,
				Reason: "every recipient attempted", Actor: models.ActorSender}); err != nil {
				return err
			}
		}
		return completeTx(ctx, sqlTx, job)
	})
	if err != nil || !again {
		return err
	}
	return river.JobSnooze(wait)
}

// sendBatch sends one batch of the campaign and says how long to wait
// before the next (0: at once).
func (e *Engine) sendBatch(ctx context.Context, id string) (time.Duration, error) {
	if e.cfg.Messaging == nil {
		return 0, river.JobCancel(errors.New("no Messaging provider configured"))
	}
	c, err := e.store.GetCampaign(ctx, models.Scope{}, id)
	if err != nil {
		return 0, err
	}
	if !sendingNow.Has(c.Status) {
		return 0, nil
	}
	if c.Status == models.CampaignStarted {
		if err := e.campaignTx(ctx, c, func(tx *gorm.DB, c *models.Campaign) error {
			return e.store.ApplyCampaignTx(tx, c, models.CampaignChange{To: models.CampaignSending, Reason: "sending", Actor: models.ActorSender})
		}); err != nil {
			return 0, err
		}
	}
	r := &sendRun{e: e, c: c, pacer: e.pacer(canonicalSID(c.MessagingServiceSID))}
	if c.MessagingServiceSID == "" { // started by its schedule without one
		return 0, r.suspend(ctx, "the campaign has no Messaging Service to send through")
	}
	if c.OriginatorID != nil {
		o, err := e.store.GetOriginator(ctx, models.Scope{}, *c.OriginatorID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return 0, err
		}
		if o != nil {
			r.from = o.Value
		}
	}
	if wait, err := r.resolveUnclear(ctx); err != nil || wait > 0 {
		return wait, err
	}
	// Nothing left to send: the run ends (finished), whatever the domains.
	pending, err := e.store.RecipientsIn(ctx, c.ID, models.MessagePending, e.batchSize())
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	ok, wait, err := r.ensureDomain(ctx)
	if err != nil || !ok {
		return wait, err
	}
	return r.send(ctx, pending)
}

// campaignTx runs fn on the campaign read again under its row lock; c is
// refreshed with what fn left.
func (e *Engine) campaignTx(ctx context.Context, c *models.Campaign, fn func(tx *gorm.DB, c *models.Campaign) error) error {
	return e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		cur, err := e.store.LockCampaignTx(tx, c.ID)
		if err != nil {
			return err
		}
		if err := fn(tx, cur); err != nil {
			return err
		}
		*c = *cur
		return nil
	})
}

func (e *Engine) batchSize() int {
	if e.cfg.CampaignBatch > 0 {
		return e.cfg.CampaignBatch
	}
	return DefaultCampaignBatch
}

// sendRun is one batch of one campaign.
type sendRun struct {
	e     *Engine
	c     *models.Campaign
	from  string
	pacer *pacer
	// active is the domain the Messaging Service sends through.
	active *models.Domain
	// tracked are the bodies of the chunk being sent with linkgate's own
	// short links in them (the campaign's tracking on), by recipient id.
	tracked map[string]string
}

// resolveUnclear settles the rows left sending: sent when Twilio has the
// message, pending again when it has not.
func (r *sendRun) resolveUnclear(ctx context.Context) (time.Duration, error) {
	e := r.e
	for {
		rows, err := e.store.RecipientsIn(ctx, r.c.ID, models.MessageSending, e.batchSize())
		if err != nil || len(rows) == 0 {
			return 0, err
		}
		for i := range rows {
			row := &rows[i]
			since := row.UpdatedAt
			if row.AttemptedAt != nil {
				since = *row.AttemptedAt
			}
			found, err := e.cfg.Messaging.ListTo(ctx, row.Phone, r.c.MessagingServiceSID, since.Add(-2*time.Second))
			if err != nil {
				return transientWait(err), transientOnly(err)
			}
			if m := r.match(row, found); m != nil {
				_, err = e.store.RecordSend(ctx, r.c, row, models.SendOutcome{SID: m.SID, Segments: r.segments(row, m)})
			} else {
				err = e.store.ReturnToPending(ctx, row)
			}
			if err != nil {
				return 0, err
			}
			e.log.InfoContext(ctx, "unclear send resolved", "campaign_id", r.c.ID, "recipient_id", row.ID, "found", len(found) > 0)
		}
	}
}

// match picks, among the messages Twilio holds for the number, the one
// this row's attempt created: its text before the first link is the
// row's (links may have been shortened).
func (r *sendRun) match(row *models.CampaignRecipient, found []providers.Sent) *providers.Sent {
	want := beforeLink(r.body(row))
	for i := range found {
		if beforeLink(found[i].Body) == want {
			return &found[i]
		}
	}
	return nil
}

func beforeLink(s string) string {
	if i := strings.Index(s, "http"); i >= 0 {
		return s[:i]
	}
	return s
}

// body is the row's message: its variant's body with its variables (and
// its tracked links, when the campaign tracks them).
func (r *sendRun) body(row *models.CampaignRecipient) string {
	if b, ok := r.tracked[row.ID]; ok {
		return b
	}
	return r.plainBody(row)
}

// plainBody is the row's variant's body with its variables.
func (r *sendRun) plainBody(row *models.CampaignRecipient) string {
	var v *models.CampaignVariant
	if row.VariantID != nil {
		for i := range r.c.Variants {
			if r.c.Variants[i].ID == *row.VariantID {
				v = &r.c.Variants[i]
			}
		}
	}
	if v == nil {
		v = r.c.PickVariant(row.ID)
	}
	if v == nil {
		return ""
	}
	return models.RenderBody(v.Body, row)
}

func (r *sendRun) segments(row *models.CampaignRecipient, m *providers.Sent) int {
	if m != nil && m.Segments > 0 {
		return m.Segments
	}
	_, n := models.SMSSegments(r.body(row))
	return n
}

// ensureDomain makes sure the campaign has an active domain that may send
// and that its Messaging Service is attached to it. false: the campaign
// cannot send now (suspended, or wait and try again).
func (r *sendRun) ensureDomain(ctx context.Context) (bool, time.Duration, error) {
	e := r.e
	if r.c.ActiveDomainID != nil {
		d, err := e.store.DomainByID(ctx, nil, *r.c.ActiveDomainID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return false, 0, err
		}
		if d != nil && models.Sendable.Has(d.Status) {
			r.active = d
		}
	}
	if r.active == nil {
		ok, err := r.rotate(ctx, "")
		if err != nil || !ok {
			return false, 0, err
		}
	}
	return r.attach(ctx)
}

// attach moves the campaign's Messaging Service to the active domain at
// Twilio unless it is there already.
func (r *sendRun) attach(ctx context.Context) (bool, time.Duration, error) {
	e := r.e
	owner, err := e.store.MessagingServiceOwner(ctx, canonicalSID(r.c.MessagingServiceSID))
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return false, 0, err
	}
	if owner != nil && owner.ID == r.active.ID {
		return true, 0, nil
	}
	_, _, err = e.AttachMessagingService(ctx, models.Scope{}, r.active.ID, r.c.MessagingServiceSID, true, models.ActorSender)
	if err == nil {
		return true, 0, nil
	}
	var me *models.Error
	if errors.As(err, &me) && me.Kind == models.KindUnavailable {
		return false, time.Second, nil // Twilio is busy: the next run tries again
	}
	reason := fmt.Sprintf("the Messaging Service could not be attached to %s: %v", r.active.Host, err)
	return false, 0, r.suspend(ctx, reason)
}

// rotate moves the campaign off the domain spent (its id; "" when it has
// none) to its next sendable domain, or suspends it when there is none or
// the client's rotation is off. It reports whether the campaign may go on.
func (r *sendRun) rotate(ctx context.Context, spent string) (bool, error) {
	e := r.e
	var next *models.Domain
	var reason string
	err := e.campaignTx(ctx, r.c, func(tx *gorm.DB, c *models.Campaign) error {
		if spent != "" && c.ActiveDomainID != nil && *c.ActiveDomainID != spent {
			// Switched already (in the transaction that spent the domain).
			d, err := e.store.DomainByID(ctx, tx, *c.ActiveDomainID)
			if err != nil {
				return err
			}
			next = d
			return nil
		}
		if spent != "" {
			rot, err := e.store.ClientRotationTx(tx, c.ClientID)
			if err != nil {
				return err
			}
			if rot == models.RotationOff {
				reason = "the domain reached its messaging limit and the client's rotation is off"
				return nil
			}
		}
		d, err := e.store.NextCampaignDomainTx(tx, c, spent)
		if err != nil || d == nil {
			reason = models.CampaignSuspendedAllSpent
			if c.ActiveDomainID == nil && spent == "" {
				reason = "none of the campaign's domains can send (configured and under the limit)"
			}
			return err
		}
		next = d
		return e.store.SwitchCampaignDomainTx(tx, c, d, "the previous domain cannot send any more")
	})
	if err != nil {
		return false, err
	}
	if next == nil {
		return false, r.suspend(ctx, reason)
	}
	r.active = next
	return true, nil
}

// switchOnReached is TakeQuota's hook: in the transaction that moves the
// spent domain to reached_limit, the campaign moves to its next domain
// (when it sends through the spent one and its client rotates).
func (r *sendRun) switchOnReached(ctx context.Context) func(tx *gorm.DB, d *models.Domain) error {
	return func(tx *gorm.DB, d *models.Domain) error {
		e := r.e
		c, err := e.store.LockCampaignTx(tx, r.c.ID)
		if err != nil {
			return err
		}
		if c.ActiveDomainID == nil || *c.ActiveDomainID != d.ID {
			return nil
		}
		rot, err := e.store.ClientRotationTx(tx, c.ClientID)
		if err != nil || rot == models.RotationOff {
			return err
		}
		next, err := e.store.NextCampaignDomainTx(tx, c, d.ID)
		if err != nil || next == nil {
			return err
		}
		return e.store.SwitchCampaignDomainTx(tx, c, next, fmt.Sprintf("%s reached its messaging limit (%d messages)", d.Host, d.MessagesSent))
	}
}

// suspend suspends the campaign with the reason and e-mails its client.
func (r *sendRun) suspend(ctx context.Context, reason string) error {
	e := r.e
	return e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		c, err := e.store.LockCampaignTx(tx, r.c.ID)
		if err != nil {
			return err
		}
		if !sendingNow.Has(c.Status) {
			return nil // paused or aborted meanwhile
		}
		if err := e.store.SuspendCampaignTx(tx, c, reason); err != nil {
			return err
		}
		*r.c = *c
		return e.noticeTx(ctx, sqlTx, DomainNoticeArgs{Notice: NoticeCampaignSuspended, ClientID: c.ClientID,
			DomainID: c.ID, Host: c.Name, Reason: reason})
	})
}

// send sends the pending rows chunk by chunk through the active domain,
// rotating when it is spent. It returns how long to wait before the next
// batch.
func (r *sendRun) send(ctx context.Context, pending []models.CampaignRecipient) (time.Duration, error) {
	e := r.e
	// The quota and the rows' marking commit together (TakeAndMark), so a
	// stop or a crash never leaves units taken without their rows.
	for len(pending) > 0 {
		q, marked, used, err := e.store.TakeAndMark(ctx, r.c, r.active.ID, pending[:min(sendChunk, len(pending))], r.switchOnReached(context.WithoutCancel(ctx)))
		if err != nil {
			return 0, err
		}
		pending = pending[used:]
		// Spent: nothing could be taken, or this take used the last unit.
		spent := !q.Taken || q.Status != models.StatusConfigured
		if len(marked) > 0 {
			if wait := r.sendChunk(ctx, marked); wait > 0 {
				return wait, nil
			}
		}
		if spent && len(pending) == 0 {
			// The batch is done; the next run rotates if anything is left,
			// and a campaign that used the last unit for its last message
			// finishes instead of being suspended.
			return 0, nil
		}
		if spent {
			spentID := r.active.ID
			ok, err := r.rotate(ctx, spentID)
			if err != nil || !ok {
				return 0, err
			}
			ok, wait, err := r.attach(ctx)
			if err != nil || !ok {
				return wait, err
			}
		}
		// A person may have paused or aborted meanwhile.
		c, err := e.store.GetCampaign(ctx, models.Scope{}, r.c.ID)
		if err != nil {
			return 0, err
		}
		if !sendingNow.Has(c.Status) {
			return 0, nil
		}
		r.c.Variants = c.Variants // ratios may change while it runs
	}
	return 0, nil
}

// sendChunk sends the marked rows, paced, several at a time, recording
// each outcome. A transient failure leaves its row sending (resolved by
// the next run) and says how long to wait.
func (r *sendRun) sendChunk(ctx context.Context, rows []models.CampaignRecipient) time.Duration {
	var (
		mu   sync.Mutex
		wait time.Duration
		wg   sync.WaitGroup
	)
	sem := make(chan struct{}, sendParallel)
	stopped := false // rows were left unsent: wait before the next run
	if wait := r.track(ctx, rows); wait > 0 {
		r.giveBack(ctx, rows)
		return wait
	}
	for i := range rows {
		row := &rows[i]
		mu.Lock()
		stop := wait > 0
		mu.Unlock()
		if stop || r.pacer.wait(ctx) != nil {
			// Never sent: back in the queue, with the quota unit it took.
			r.giveBack(ctx, rows[i:])
			stopped = true
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if w := r.sendOne(ctx, row); w > 0 {
				mu.Lock()
				wait = max(wait, w)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if stopped && wait == 0 {
		wait = time.Second
	}
	if wait > 0 {
		r.pacer.slowDown()
	} else {
		r.pacer.speedUp()
	}
	return wait
}

// giveBack puts rows never sent back in the queue, with the quota units
// they took.
func (r *sendRun) giveBack(ctx context.Context, rows []models.CampaignRecipient) {
	for j := range rows {
		if err := r.e.store.ReturnToPending(context.WithoutCancel(ctx), &rows[j]); err != nil {
			r.e.log.WarnContext(ctx, "row left sending", "recipient_id", rows[j].ID, "error", err.Error())
		}
	}
}

// track makes the chunk's tracked links when the campaign tracks them
// (one transaction for the chunk; each message its own refs) and keeps
// the rewritten bodies for body. A setting that cannot work (no tracking
// domain) suspends the campaign with the reason; another error waits.
func (r *sendRun) track(ctx context.Context, rows []models.CampaignRecipient) time.Duration {
	r.tracked = nil
	if r.c.Tracking == "" || r.c.Tracking == models.TrackingOff || len(rows) == 0 {
		return 0
	}
	e := r.e
	msgs := make([]models.MessageToTrack, len(rows))
	for i := range rows {
		msgs[i] = models.MessageToTrack{Body: r.plainBody(&rows[i]), CampaignID: &r.c.ID, RecipientID: &rows[i].ID}
	}
	out, err := e.store.TrackMessages(ctx, r.c.ClientID, r.c.Tracking, msgs)
	if err != nil {
		var me *models.Error
		if errors.As(err, &me) && me.Kind == models.KindInvalid {
			if serr := r.suspend(ctx, "tracked links cannot be made: "+me.Detail); serr != nil {
				e.log.WarnContext(ctx, "suspending", "campaign_id", r.c.ID, "error", serr.Error())
			}
			return time.Second
		}
		e.log.WarnContext(ctx, "tracked links failed for now", "campaign_id", r.c.ID, "error", err.Error())
		return 5 * time.Second
	}
	r.tracked = make(map[string]string, len(rows))
	for i := range rows {
		r.tracked[rows[i].ID] = out[i].Body
	}
	return 0
}

// sendOne sends one row and records the outcome.
func (r *sendRun) sendOne(ctx context.Context, row *models.CampaignRecipient) time.Duration {
	e := r.e
	body := r.body(row)
	m, err := e.cfg.Messaging.Send(ctx, providers.SMS{To: row.Phone, MessagingServiceSID: r.c.MessagingServiceSID,
		From: r.from, Body: body, ShortenURLs: r.c.LinkShortening, StatusCallback: e.statusCallback()})
	var out models.SendOutcome
	switch {
	case err == nil:
		out = models.SendOutcome{SID: m.SID, Segments: r.segments(row, &m)}
	case providers.IsTransient(err) || ctx.Err() != nil:
		e.log.WarnContext(ctx, "send failed for now; resolved on the next run", "campaign_id", r.c.ID,
			"recipient_id", row.ID, "error", err.Error())
		return transientWait(err)
	default:
		out = models.SendOutcome{ErrorCode: strconv.Itoa(providers.CodeOf(err))}
		if errors.Is(err, providers.ErrOptedOut) {
			if err := e.store.AddOptOut(ctx, r.c.ClientID, row.Phone); err != nil {
				e.log.WarnContext(ctx, "opt-out not recorded", "error", err.Error())
			}
		}
		e.log.InfoContext(ctx, "message refused", "campaign_id", r.c.ID, "recipient_id", row.ID, "code", out.ErrorCode)
	}
	if _, err := e.store.RecordSend(ctx, r.c, row, out); err != nil {
		// The row stays sending: the next run asks Twilio.
		e.log.ErrorContext(ctx, "send not recorded", "campaign_id", r.c.ID, "recipient_id", row.ID, "error", err.Error())
		return time.Second
	}
	return 0
}

func (e *Engine) statusCallback() string {
	if e.cfg.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(e.cfg.PublicURL, "/") + StatusPath
}

// transientWait is how long a transient error asks to wait (Twilio's
// Retry-After, at least a second).
func transientWait(err error) time.Duration {
	var pe *providers.Error
	if errors.As(err, &pe) && pe.RetryAfter > 0 {
		return pe.RetryAfter
	}
	return time.Second
}

// transientOnly returns nil for a transient provider error (the caller
// waits) and the error otherwise.
func transientOnly(err error) error {
	if providers.IsTransient(err) {
		return nil
	}
	return err
}

// pacer paces one Messaging Service's sends in this process: the
// configured rate, halved on each batch Twilio pushed back on (429,
// 20429, 5xx) and doubled back (up to the rate) on each it did not.
type pacer struct {
	base float64
	lim  *rate.Limiter
}

func (p *pacer) wait(ctx context.Context) error { return p.lim.Wait(ctx) }

func (p *pacer) slowDown() { p.lim.SetLimit(max(p.lim.Limit()/2, rate.Limit(p.base/64))) }

func (p *pacer) speedUp() { p.lim.SetLimit(min(p.lim.Limit()*2, rate.Limit(p.base))) }

// pacer returns the Messaging Service's pacer.
func (e *Engine) pacer(msSID string) *pacer {
	rateCfg := e.cfg.SendRate
	if rateCfg <= 0 {
		rateCfg = DefaultSendRate
	}
	p, _ := e.pacers.LoadOrStore(msSID, &pacer{base: rateCfg, lim: rate.NewLimiter(rate.Limit(rateCfg), max(1, int(rateCfg/10)))})
	return p.(*pacer)
}

type campaignStartWorker struct {
	river.WorkerDefaults[CampaignStartArgs]
	e *Engine
}

// Work starts the campaign when it is still scheduled and its time has
// come; a campaign scheduled later meanwhile waits for it.
func (w *campaignStartWorker) Work(ctx context.Context, job *river.Job[CampaignStartArgs]) error {
	wait, err := w.e.startDue(ctx, job.Args.CampaignID)
	if err != nil || wait <= 0 {
		return err
	}
	return river.JobSnooze(wait)
}

// startDue starts a scheduled campaign whose time has come, or says how
// long until it comes.
func (e *Engine) startDue(ctx context.Context, id string) (time.Duration, error) {
	var wait time.Duration
	err := e.store.Tx(ctx, func(tx *gorm.DB, sqlTx *sqlTxAlias) error {
		c, err := e.store.LockCampaignTx(tx, id)
		if errors.Is(err, models.ErrNotFound) {
			return nil
		}
		if err != nil || c.Status != models.CampaignScheduled || c.ScheduledAt == nil {
			return err
		}
		if d := c.ScheduledAt.Sub(e.store.Now()); d > 0 {
			wait = d
			return nil
		}
		if err := e.store.ApplyCampaignTx(tx, c, models.CampaignChange{To: models.CampaignStarted,
			Reason: "started at its scheduled time", Actor: models.ActorSender}); err != nil {
			return err
		}
		return e.insertTx(ctx, sqlTx, CampaignSendArgs{CampaignID: c.ID})
	})
	return wait, err
}

type campaignSweepWorker struct {
	river.WorkerDefaults[CampaignSweepArgs]
	e *Engine
}

// Work starts the scheduled campaigns that are due and makes sure every
// running campaign has its sending job (after a crash, or a resume that
// raced the job's end).
func (w *campaignSweepWorker) Work(ctx context.Context, _ *river.Job[CampaignSweepArgs]) error {
	e := w.e
	due, err := e.store.ScheduledCampaignsDue(ctx, 1000)
	if err != nil {
		return err
	}
	for _, id := range due {
		if _, err := e.startDue(ctx, id); err != nil {
			return err
		}
	}
	running, err := e.store.CampaignsIn(ctx, sendingNow, 10000)
	if err != nil {
		return err
	}
	for _, id := range running {
		if err := e.store.Tx(ctx, func(_ *gorm.DB, sqlTx *sqlTxAlias) error {
			return e.insertTx(ctx, sqlTx, CampaignSendArgs{CampaignID: id})
		}); err != nil {
			return err
		}
	}
	return nil
}
