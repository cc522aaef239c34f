package models

// Twilio's status callbacks (POST /twilio/status): a message's status
// only moves forward (queued < sending < sent < delivered, undelivered or
// failed), so callbacks that arrive late, out of order or twice change
// nothing. Entering a final status counts it in the campaign's stats once,
// in the transaction of the change, and enqueues (in that transaction) the
// fetch of the message's price, which Twilio's callback does not carry.

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// EnqueueTxFunc enqueues follow-up work for the message (recipient) in
// the caller's transaction (the workflow engine's River jobs).
type EnqueueTxFunc func(ctx context.Context, tx *sql.Tx, recipientID string) error

// Final reports whether s is a final message status (delivered,
// undelivered or failed).
func (s MessageStatus) Final() bool {
	return s == MessageDelivered || s == MessageUndelivered || s == MessageFailed
}

// rank orders the statuses a message passes through; the final ones
// share the highest rank (none follows another).
func (s MessageStatus) rank() int {
	switch s {
	case MessagePending:
		return 0
	case MessageQueued:
		return 1
	case MessageSending:
		return 2
	case MessageSent:
		return 3
	case MessageDelivered, MessageUndelivered, MessageFailed:
		return 4
	}
	return -1
}

// below returns the statuses a message may leave for s: those of a lower
// rank.
func (s MessageStatus) below() []MessageStatus {
	var out []MessageStatus
	for _, x := range MessageStatuses {
		if x.rank() < s.rank() {
			out = append(out, x)
		}
	}
	return out
}

// MessageStatusFromTwilio maps a status Twilio reports (MessageStatus of
// a status callback) to a message status; ok is false for a status that
// says nothing about an outbound message (received, read...).
func MessageStatusFromTwilio(s string) (MessageStatus, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "accepted", "scheduled", "queued":
		return MessageQueued, true
	case "sending":
		return MessageSending, true
	case "sent":
		return MessageSent, true
	case "delivered":
		return MessageDelivered, true
	case "undelivered":
		return MessageUndelivered, true
	case "failed", "canceled":
		return MessageFailed, true
	}
	return "", false
}

// MessageStatusUpdate is one status callback.
type MessageStatusUpdate struct {
	SID       string        // MessageSid
	Status    MessageStatus // MessageStatusFromTwilio
	ErrorCode string        // ErrorCode ("" when none)
}

// MessageStatusResult says what a status callback did.
type MessageStatusResult struct {
	// Found: a campaign's message has this SID (otherwise nothing was
	// done).
	Found       bool
	RecipientID string
	CampaignID  string
	// Changed: the status moved on (false for a repeat or an older
	// status); Final: it entered a final status now (counted once).
	Changed, Final bool
	Status         MessageStatus // the message's status after the callback
	// Blocked: the filtered message (30007, 30110) made its domain
	// blocked.
	Blocked bool
}

// RecordMessageStatus applies a status callback to the campaign message
// with that SID. A status that is not ahead of the message's is a no-op.
// Entering delivered, undelivered or failed counts it in the campaign's
// stats, stores the error code and calls enqueue (when not nil) in the
// same transaction: it happens once however often and concurrently the
// callback comes. A message filtered by carriers (30007, 30110) is then
// counted against its domain (RecordCarrierFiltered, after the commit).
func (s *Store) RecordMessageStatus(ctx context.Context, u MessageStatusUpdate, enqueue EnqueueTxFunc) (MessageStatusResult, error) {
	var res MessageStatusResult
	if !plausibleSID(u.SID) || u.Status.rank() < 0 {
		return res, nil
	}
	var r CampaignRecipient
	err := s.gorm(ctx).Select("id, campaign_id, status, domain_id").Where("twilio_sid = ?", u.SID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return res, nil
	}
	if err != nil {
		return res, internal("find message by sid", err)
	}
	u.ErrorCode = digitsOnly(u.ErrorCode)
	res = MessageStatusResult{Found: true, RecipientID: r.ID, CampaignID: r.CampaignID, Status: r.Status}
	if u.Status.rank() <= r.Status.rank() {
		return res, nil
	}
	err = s.Tx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		now := s.Now()
		upd := map[string]any{"status": u.Status, "updated_at": now}
		if u.Status.Final() {
			upd["error_code"] = u.ErrorCode
		}
		if u.Status == MessageDelivered {
			upd["delivered_at"] = now
		}
		// The condition makes the move once: of two callbacks racing,
		// one updates the row and the other finds it moved on.
		q := tx.Model(&CampaignRecipient{}).Where("id = ? AND status IN ?", r.ID, u.Status.below()).Updates(upd)
		if q.Error != nil {
			return internal("update message status", q.Error)
		}
		if q.RowsAffected == 0 {
			return nil
		}
		res.Changed, res.Status = true, u.Status
		if !u.Status.Final() {
			return s.campaignChangedTx(tx, r.CampaignID)
		}
		res.Final = true
		var d StatsDelta
		switch u.Status {
		case MessageDelivered:
			d.Delivered = 1
		case MessageUndelivered:
			d.Undelivered = 1
		case MessageFailed:
			d.Failed = 1
		}
		if err := s.bumpCampaignStatsTx(tx, r.CampaignID, d); err != nil {
			return err
		}
		if enqueue != nil {
			if err := enqueue(ctx, sqlTx, r.ID); err != nil {
				return internal("enqueue message price", err)
			}
		}
		return nil
	})
	if err != nil {
		return MessageStatusResult{}, err
	}
	if res.Final && r.DomainID != nil {
		if code, _ := strconv.Atoi(u.ErrorCode); code == ErrorCodeFiltered || code == ErrorCodeCarrierBlocked {
			// After the commit: RecordCarrierFiltered has its own
			// transaction (a crash in between loses one count of
			// evidence, never a status).
			res.Blocked, err = s.RecordCarrierFiltered(ctx, *r.DomainID, code, 0)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return res, err
			}
		}
	}
	return res, nil
}

// plausibleSID reports whether s can be a Twilio SID (letters and digits,
// at most 64): anything else is nobody's message.
func plausibleSID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// digitsOnly keeps a Twilio error code's digits (at most 10).
func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' && b.Len() < 10 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MessagePriceTarget is what the price job needs of a message.
type MessagePriceTarget struct {
	TwilioSID string
	Priced    bool // its price is already stored
}

// MessageForPrice returns the message's Twilio SID and whether its price
// is stored (not found: ErrNotFound).
func (s *Store) MessageForPrice(ctx context.Context, recipientID string) (MessagePriceTarget, error) {
	var r CampaignRecipient
	err := s.gorm(ctx).Select("id, twilio_sid, price").Where("id = ?", recipientID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return MessagePriceTarget{}, NotFound("message")
	}
	if err != nil {
		return MessagePriceTarget{}, internal("message for price", err)
	}
	return MessagePriceTarget{TwilioSID: r.TwilioSID, Priced: r.Price != ""}, nil
}

// RecordMessagePrice stores what Twilio charged for the message (price as
// Twilio writes it, "-0.00790", in unit) and adds it to its campaign's
// cost, once: a message that has a price keeps it and counts nothing
// again. It reports whether this call stored it.
func (s *Store) RecordMessagePrice(ctx context.Context, recipientID, price, unit string) (bool, error) {
	if strings.TrimSpace(price) == "" {
		return false, nil
	}
	stored := false
	err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		var r CampaignRecipient
		if err := tx.Select("id, campaign_id").Where("id = ?", recipientID).Take(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return NotFound("message")
			}
			return internal("message for price", err)
		}
		q := tx.Model(&CampaignRecipient{}).Where("id = ? AND price = ''", r.ID).
			Updates(map[string]any{"price": price, "updated_at": s.Now()})
		if q.Error != nil {
			return internal("store message price", q.Error)
		}
		if q.RowsAffected == 0 {
			return nil
		}
		stored = true
		return s.bumpCampaignStatsTx(tx, r.CampaignID, StatsDelta{CostMicros: PriceMicros(price), Currency: strings.ToUpper(unit)})
	})
	return stored, err
}
