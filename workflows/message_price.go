package workflows

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
)

// Message prices. Twilio's status callback carries no price, so when a
// message reaches a final status (models.RecordMessageStatus) a job is
// enqueued in that transaction that fetches the message from Twilio and
// stores its price, adding it to the campaign's cost once
// (models.RecordMessagePrice). Twilio often knows the price a little
// after the final status: until it does the job looks again every
// PriceRetry, for at most priceDeadline (a message that failed before
// leaving Twilio is charged nothing and has no price to wait for).

const kindMessagePrice = "message_price"

// priceDeadline is how long after the final status a price is waited
// for; then the message stays unpriced (logged).
const priceDeadline = 6 * time.Hour

// MessagePriceArgs fetches one message's price.
type MessagePriceArgs struct {
	RecipientID string `json:"recipient_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (MessagePriceArgs) Kind() string { return kindMessagePrice }

// EnqueueMessagePriceTx enqueues the price fetch of the message in the
// caller's transaction (models.EnqueueTxFunc). Without a Messaging
// provider nothing is enqueued: there is nobody to ask.
func (e *Engine) EnqueueMessagePriceTx(ctx context.Context, tx *sql.Tx, recipientID string) error {
	if e.cfg.Messaging == nil {
		return nil
	}
	return e.insertTx(ctx, tx, MessagePriceArgs{RecipientID: recipientID})
}

type messagePriceWorker struct {
	river.WorkerDefaults[MessagePriceArgs]
	e *Engine
}

// Work fetches the message and stores its price. A transient Twilio error
// is retried (after its Retry-After when given); a message Twilio no
// longer has, or one that is gone here, ends the job.
func (w *messagePriceWorker) Work(ctx context.Context, job *river.Job[MessagePriceArgs]) error {
	e := w.e
	log := e.log.With("recipient_id", job.Args.RecipientID)
	m, err := e.store.MessageForPrice(ctx, job.Args.RecipientID)
	if errors.Is(err, models.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if m.Priced || m.TwilioSID == "" || e.cfg.Messaging == nil {
		return nil
	}
	sent, err := e.cfg.Messaging.Fetch(ctx, m.TwilioSID)
	if err != nil {
		if providers.IsTransient(err) && job.Attempt < job.MaxAttempts {
			if wait, ok := providers.RetryAfter(err); ok {
				return river.JobSnooze(wait)
			}
			return err
		}
		log.WarnContext(ctx, "message price: fetch failed; the message stays unpriced", "twilio_sid", m.TwilioSID, "error", err)
		return river.JobCancel(fmt.Errorf("fetch message %s: %w", m.TwilioSID, err))
	}
	if sent.Price == nil || *sent.Price == "" {
		if sent.Status == providers.MessageFailed || sent.Status == providers.MessageCanceled {
			return nil // never left Twilio: nothing is charged
		}
		if time.Since(job.CreatedAt) < priceDeadline {
			return river.JobSnooze(e.cfg.PriceRetry)
		}
		log.WarnContext(ctx, "message price: Twilio never gave one; the message stays unpriced", "twilio_sid", m.TwilioSID)
		return nil
	}
	_, err = e.store.RecordMessagePrice(ctx, job.Args.RecipientID, *sent.Price, sent.PriceUnit)
	return err
}
