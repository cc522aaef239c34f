package models

// What the sending engine (workflows/campaign_send.go) records, DESIGN
// §10. A recipient is marked sending (with its domain and variant) in a
// transaction before Twilio is called and sent (with the Message SID)
// after, so a row found sending later is a send whose outcome is unknown:
// the engine asks Twilio before ever sending it again. Every mark is
// guarded by the status it expects, so two runners can never both send
// one row.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CampaignSuspendedAllSpent is the status_reason of a campaign whose
// domains all reached their messaging limit (API.md "Campaigns").
const CampaignSuspendedAllSpent = "all domains reached their messaging limit"

// ActorSender is the timeline actor of the sending engine's changes.
const ActorSender = "linkgate"

// RecipientsIn returns up to limit of the campaign's recipients in the
// status, oldest first.
func (s *Store) RecipientsIn(ctx context.Context, campaignID string, st MessageStatus, limit int) ([]CampaignRecipient, error) {
	var rows []CampaignRecipient
	err := s.gorm(ctx).Where("campaign_id = ? AND status = ?", campaignID, st).Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, internal("campaign recipients", err)
	}
	return rows, nil
}

// CampaignUnfinished reports whether some recipient is still pending or
// sending.
func (s *Store) CampaignUnfinished(ctx context.Context, tx *gorm.DB, campaignID string) (bool, error) {
	if tx == nil {
		tx = s.gorm(ctx)
	}
	var ids []string
	err := tx.Model(&CampaignRecipient{}).Where("campaign_id = ? AND status IN ?", campaignID,
		[]MessageStatus{MessagePending, MessageSending}).Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return false, internal("campaign recipients", err)
	}
	return len(ids) > 0, nil
}

// LockCampaignTx reads the campaign inside tx, holding its row until tx
// ends on PostgreSQL (SQLite has one writer: the transaction is enough),
// so that a decision taken on its status cannot cross a person's action.
func (s *Store) LockCampaignTx(tx *gorm.DB, id string) (*Campaign, error) {
	q := tx
	if s.db.Dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var c Campaign
	if err := q.Where("id = ?", id).Take(&c).Error; err != nil {
		return nil, TranslateError(err)
	}
	if err := fillVariantsTx(tx, []*Campaign{&c}); err != nil {
		return nil, err
	}
	return &c, nil
}

// PickVariant chooses a recipient's variant by the current ratios: the
// recipient's id hashed onto 0..99, then the variant whose share covers
// it. The same recipient always gets the same variant for given ratios.
func (c *Campaign) PickVariant(recipientID string) *CampaignVariant {
	if len(c.Variants) == 0 {
		return nil
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(recipientID))
	at, sum := int(h.Sum32()%100), 0
	for i := range c.Variants {
		sum += c.Variants[i].Ratio
		if at < sum {
			return &c.Variants[i]
		}
	}
	return &c.Variants[len(c.Variants)-1]
}

// RenderBody fills a body's {{name}} placeholders from the recipient's
// variables (names case-insensitive) and {{phone}} with the number.
func RenderBody(body string, r *CampaignRecipient) string {
	vars := map[string]string{}
	_ = json.Unmarshal([]byte(r.Vars), &vars)
	lower := make(map[string]string, len(vars)+1)
	for k, v := range vars {
		lower[strings.ToLower(k)] = v
	}
	if _, ok := lower["phone"]; !ok {
		lower["phone"] = r.Phone
	}
	return placeholderPattern.ReplaceAllStringFunc(body, func(m string) string {
		name := strings.ToLower(placeholderPattern.FindStringSubmatch(m)[1])
		if v, ok := lower[name]; ok {
			return v
		}
		return m
	})
}

// MarkSending marks the pending rows sending through the domain, each
// with its variant, in one transaction, and returns the rows it marked
// (a row another runner took meanwhile is left out). It takes no quota:
// the sender uses TakeAndMark; this is for settling and tests.
func (s *Store) MarkSending(ctx context.Context, c *Campaign, domainID string, rows []CampaignRecipient) ([]CampaignRecipient, error) {
	now := s.Now()
	var out []CampaignRecipient
	err := s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		out = out[:0]
		for _, r := range rows {
			row, ok, err := markSendingTx(tx, c, domainID, r, now)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, row)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// markSendingTx marks one pending row sending through the domain with its
// variant; ok is false when the row is no longer pending.
func markSendingTx(tx *gorm.DB, c *Campaign, domainID string, r CampaignRecipient, now time.Time) (CampaignRecipient, bool, error) {
	upd := map[string]any{"status": MessageSending, "domain_id": domainID, "attempted_at": now, "updated_at": now}
	if v := c.PickVariant(r.ID); v != nil {
		upd["variant_id"] = v.ID
		r.VariantID = &v.ID
	}
	res := tx.Model(&CampaignRecipient{}).Where("id = ? AND status = ?", r.ID, MessagePending).Updates(upd)
	if res.Error != nil {
		return r, false, internal("mark sending", res.Error)
	}
	if res.RowsAffected != 1 {
		return r, false, nil
	}
	r.Status, r.DomainID, r.AttemptedAt = MessageSending, &domainID, &now
	return r, true, nil
}

// SendOutcome is what became of one send.
type SendOutcome struct {
	// SID is the Message SID when Twilio took the message.
	SID      string
	Segments int
	// ErrorCode is Twilio's code when it refused the message for good
	// (the row becomes failed).
	ErrorCode string
}

// RecordSend records the outcome of a sending row: sent with its SID
// (counted as sent, with its segments, for the campaign and its domain),
// or failed with Twilio's code (counted as failed). A row no longer
// sending is left alone (resolved meanwhile): it reports false.
func (s *Store) RecordSend(ctx context.Context, c *Campaign, r *CampaignRecipient, out SendOutcome) (bool, error) {
	now := s.Now()
	done := false
	err := s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		upd := map[string]any{"updated_at": now}
		delta := StatsDelta{}
		if out.SID != "" {
			upd["status"], upd["twilio_sid"], upd["segments"], upd["sent_at"] = MessageSent, out.SID, out.Segments, now
			delta.Sent, delta.Segments = 1, int64(out.Segments)
		} else {
			upd["status"], upd["error_code"] = MessageFailed, out.ErrorCode
			delta.Failed = 1
		}
		res := tx.Model(&CampaignRecipient{}).Where("id = ? AND status = ?", r.ID, MessageSending).Updates(upd)
		if res.Error != nil {
			return internal("record send", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		done = true
		if err := s.bumpCampaignStatsTx(tx, c.ID, delta); err != nil {
			return err
		}
		if out.SID != "" && r.DomainID != nil {
			return s.bumpCampaignDomainStatsTx(tx, c.ID, *r.DomainID, 1, 0)
		}
		return nil
	})
	return done, err
}

// ReturnToPending puts a sending row that Twilio never received back in
// the queue, and gives its domain back the quota unit it took.
func (s *Store) ReturnToPending(ctx context.Context, r *CampaignRecipient) error {
	return s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&CampaignRecipient{}).Where("id = ? AND status = ?", r.ID, MessageSending).
			Updates(map[string]any{"status": MessagePending, "domain_id": nil, "attempted_at": nil, "updated_at": s.Now()})
		if res.Error != nil {
			return internal("return to pending", res.Error)
		}
		if res.RowsAffected == 0 || r.DomainID == nil {
			return nil
		}
		return giveBackQuotaTx(tx, *r.DomainID, 1)
	})
}

func giveBackQuotaTx(tx *gorm.DB, domainID string, n int) error {
	err := tx.Exec("UPDATE domains SET messages_sent = CASE WHEN messages_sent > ? THEN messages_sent - ? ELSE 0 END WHERE id = ?",
		n, n, domainID).Error
	if err != nil {
		return internal("give back quota", err)
	}
	return nil
}

// NextCampaignDomainTx returns the first domain of the campaign, in
// rotation order (pool, then its own list), that may send now: configured
// and under the client's limit, other than skip. nil: none.
func (s *Store) NextCampaignDomainTx(tx *gorm.DB, c *Campaign, skip string) (*Domain, error) {
	ids, err := s.campaignDomainOrderTx(tx, c)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	limit, err := s.clientDomainLimit(context.Background(), tx, c.ClientID)
	if err != nil {
		return nil, err
	}
	var ds []*Domain
	q := tx.Where("client_id = ? AND id IN ? AND status IN ? AND purpose = ?", c.ClientID, ids, Sendable, PurposeLinkShortening)
	if limit != nil {
		q = q.Where("messages_sent < ?", *limit)
	}
	if err := q.Find(&ds).Error; err != nil {
		return nil, internal("campaign domains", err)
	}
	by := make(map[string]*Domain, len(ds))
	for _, d := range ds {
		by[d.ID] = d
	}
	for _, id := range ids {
		if d, ok := by[id]; ok && id != skip {
			return d, nil
		}
	}
	return nil, nil
}

// SwitchCampaignDomainTx makes to the campaign's active domain, with a
// timeline entry and, when it replaces another domain, a
// campaign.domain_switched event (from, to, reason).
func (s *Store) SwitchCampaignDomainTx(tx *gorm.DB, c *Campaign, to *Domain, reason string) error {
	from := c.ActiveDomainID
	now := s.Now()
	res := tx.Model(&Campaign{}).Where("id = ? AND version = ?", c.ID, c.Version).
		Updates(map[string]any{"active_domain_id": to.ID, "updated_at": now, "version": gorm.Expr("version + 1")})
	if res.Error != nil {
		return internal("switch campaign domain", res.Error)
	}
	if res.RowsAffected == 0 {
		return &Error{Kind: KindConflict, Code: "invalid_state", Detail: "the campaign changed meanwhile; try again", Err: ErrStale}
	}
	c.ActiveDomainID, c.UpdatedAt = &to.ID, now
	c.Version++
	text := fmt.Sprintf("sending through %s", to.Host)
	if from != nil {
		text = fmt.Sprintf("switched to %s: %s", to.Host, reason)
	}
	if err := tx.Create(&CampaignEvent{ID: NewID(PrefixEvent), CampaignID: c.ID, From: c.Status, To: c.Status,
		Reason: text, Actor: ActorSender, At: now}).Error; err != nil {
		return internal("write campaign event", err)
	}
	if from != nil {
		data := map[string]any{"campaign": c.View(), "from_domain_id": *from, "to_domain_id": to.ID,
			"to_host": to.Host, "reason": reason}
		if err := s.EmitTx(tx, EventCampaignDomainSwitched, c.ClientID, data); err != nil {
			return err
		}
	}
	return s.campaignChangedTx(tx, c.ID)
}

// SuspendCampaignTx suspends a sending campaign with the reason (shown
// as its status_reason).
func (s *Store) SuspendCampaignTx(tx *gorm.DB, c *Campaign, reason string) error {
	return s.ApplyCampaignTx(tx, c, CampaignChange{To: CampaignSuspended, Reason: "suspended: " + reason,
		Actor: ActorSender, StatusReason: &reason})
}

// ClientRotationTx returns the client's rotation policy.
func (s *Store) ClientRotationTx(tx *gorm.DB, clientID string) (Rotation, error) {
	var c Client
	if err := tx.Select("rotation").Where("id = ?", clientID).Take(&c).Error; err != nil {
		return "", internal("client rotation", err)
	}
	return c.Rotation, nil
}

// ScheduledCampaignsDue returns the ids of scheduled campaigns whose
// time has come.
func (s *Store) ScheduledCampaignsDue(ctx context.Context, limit int) ([]string, error) {
	var ids []string
	err := s.gorm(ctx).Model(&Campaign{}).Where("status = ? AND scheduled_at <= ?", CampaignScheduled, s.Now()).
		Order("scheduled_at").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, internal("scheduled campaigns", err)
	}
	return ids, nil
}

// CampaignsIn returns the ids of campaigns in the statuses.
func (s *Store) CampaignsIn(ctx context.Context, sts CampaignStatusSet, limit int) ([]string, error) {
	var ids []string
	err := s.gorm(ctx).Model(&Campaign{}).Where("status IN ?", []CampaignStatus(sts)).Order("id").Limit(limit).
		Pluck("id", &ids).Error
	if err != nil {
		return nil, internal("campaigns", err)
	}
	return ids, nil
}

// CampaignTxHook runs inside a campaign action's transaction after the
// change, with the *sql.Tx River enqueues on (the sending engine's jobs).
type CampaignTxHook = func(sqlTx *sql.Tx, c *Campaign) error
