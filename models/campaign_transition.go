package models

// The campaign transition engine, like the domains' (transition.go): every
// status change of a campaign goes through ApplyCampaignTx, which checks
// the table in campaign_status.go and the version the campaign was read
// at, and writes the row, its timeline entry and its webhook events in one
// transaction.

import (
	"context"
	"database/sql"

	"gorm.io/gorm"
)

// CampaignChange is a status change of a campaign with the timeline entry
// that explains it.
type CampaignChange struct {
	To           CampaignStatus
	Reason       string
	Actor        string
	StatusReason *string // nil leaves it; "" clears it
}

// ApplyCampaignTx applies ch to c inside tx, provided the campaign is
// still the version c was read at (otherwise a conflict wrapping ErrStale).
// Becoming started records started_at (once); a terminal status records
// finished_at. It emits campaign.status_changed, and campaign.suspended or
// campaign.finished when the campaign became that. c is updated in memory.
func (s *Store) ApplyCampaignTx(tx *gorm.DB, c *Campaign, ch CampaignChange) error {
	from := c.Status
	if err := from.CheckTransition(ch.To); err != nil {
		return err
	}
	now := s.Now()
	upd := map[string]any{"status": ch.To, "updated_at": now, "version": gorm.Expr("version + 1")}
	if ch.StatusReason != nil {
		upd["status_reason"] = *ch.StatusReason
	}
	if ch.To == CampaignStarted && c.StartedAt == nil {
		upd["started_at"] = now
	}
	if ch.To.Terminal() {
		upd["finished_at"] = now
	}
	res := tx.Model(&Campaign{}).Where("id = ? AND status = ? AND version = ?", c.ID, from, c.Version).Updates(upd)
	if res.Error != nil {
		return internal("update campaign", res.Error)
	}
	if res.RowsAffected == 0 {
		return &Error{Kind: KindConflict, Code: "invalid_state", Detail: "the campaign changed meanwhile; try again", Err: ErrStale}
	}
	if err := tx.Create(&CampaignEvent{ID: NewID(PrefixEvent), CampaignID: c.ID, From: from, To: ch.To,
		Reason: ch.Reason, Actor: ch.Actor, At: now}).Error; err != nil {
		return internal("write campaign event", err)
	}
	c.Status, c.UpdatedAt = ch.To, now
	c.Version++
	if ch.StatusReason != nil {
		c.StatusReason = *ch.StatusReason
	}
	if _, ok := upd["started_at"]; ok {
		c.StartedAt = &now
	}
	if ch.To.Terminal() {
		c.FinishedAt = &now
	}
	view := c.View()
	data := map[string]any{"campaign": view, "previous_status": from}
	types := []string{EventCampaignStatusChanged}
	switch ch.To {
	case CampaignSuspended:
		types = append(types, EventCampaignSuspended)
	case CampaignFinished:
		types = append(types, EventCampaignFinished)
	}
	for _, t := range types {
		if err := s.EmitTx(tx, t, c.ClientID, data); err != nil {
			return err
		}
	}
	return s.campaignChangedTx(tx, c.ID)
}

// campaignAction moves a campaign visible in scope from one of allowed to
// the status to, as one transaction; what names the action in the 409.
// checks run before the change, then after it (same transaction).
func (s *Store) campaignAction(ctx context.Context, sc Scope, id string, allowed CampaignStatusSet, what string,
	ch CampaignChange, check func(tx *gorm.DB, c *Campaign) error, then []CampaignTxHook) (*Campaign, error) {
	var out *Campaign
	err := s.Tx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		c, err := s.campaignTx(tx, sc, id)
		if err != nil {
			return err
		}
		if err := allowed.Check(c.Status, what); err != nil {
			return err
		}
		if check != nil {
			if err := check(tx, c); err != nil {
				return err
			}
		}
		if err := s.ApplyCampaignTx(tx, c, ch); err != nil {
			return err
		}
		for _, h := range then {
			if err := h(sqlTx, c); err != nil {
				return err
			}
		}
		out = c
		return nil
	})
	if err != nil {
		return nil, internal("campaign "+what, err)
	}
	return out, nil
}

// StartCampaign records that sending may start (ready or scheduled →
// started); then (the sending engine's enqueue) runs in the transaction.
// A campaign needs a Messaging Service (422 naming
// messaging_service_sid) and domains (422 naming domains) to start.
func (s *Store) StartCampaign(ctx context.Context, sc Scope, id, actor string, then ...CampaignTxHook) (*Campaign, error) {
	return s.campaignAction(ctx, sc, id, CampaignStartable, "started",
		CampaignChange{To: CampaignStarted, Reason: "started", Actor: actor}, checkSendable, then)
}

// checkSendable refuses to start a campaign that could not send a
// message: no Messaging Service, or no domain to carry its links.
func checkSendable(_ *gorm.DB, c *Campaign) error {
	if c.MessagingServiceSID == "" {
		return Invalid("messaging_service_required", "messaging_service_sid",
			"the campaign needs a Messaging Service to send through (PATCH it first)")
	}
	if c.PoolID == nil && len(c.DomainIDList()) == 0 {
		return Invalid("no_domains", "domains", "the campaign needs domains to send through: a pool or domain_ids (PATCH it first)")
	}
	return nil
}

// PauseCampaign stops sending until resumed (started or sending → paused).
func (s *Store) PauseCampaign(ctx context.Context, sc Scope, id, actor string) (*Campaign, error) {
	return s.campaignAction(ctx, sc, id, CampaignPausable, "paused",
		CampaignChange{To: CampaignPaused, Reason: "paused", Actor: actor}, nil, nil)
}

// ResumeCampaign lets sending continue (paused or suspended → started)
// and clears the suspension's reason. A suspended campaign resumes only
// when one of its domains is available (409 no_domain_available).
func (s *Store) ResumeCampaign(ctx context.Context, sc Scope, id, actor string, then ...CampaignTxHook) (*Campaign, error) {
	clear := ""
	return s.campaignAction(ctx, sc, id, CampaignResumable, "resumed",
		CampaignChange{To: CampaignStarted, Reason: "resumed", Actor: actor, StatusReason: &clear},
		func(tx *gorm.DB, c *Campaign) error {
			if c.Status != CampaignSuspended {
				return nil
			}
			d, err := s.NextCampaignDomainTx(tx, c, "")
			if err != nil || d != nil {
				return err
			}
			return Conflict("no_domain_available", "", "none of the campaign's domains can send yet: raise the client's domain_limit, restore a domain or add one")
		}, then)
}

// AbortCampaign cancels a campaign that has not ended.
func (s *Store) AbortCampaign(ctx context.Context, sc Scope, id, actor string) (*Campaign, error) {
	return s.campaignAction(ctx, sc, id, CampaignAbortable, "aborted",
		CampaignChange{To: CampaignAborted, Reason: "aborted", Actor: actor}, nil, nil)
}
