package models

// The transition engine. Every change to a domain goes through ApplyTx:
// the row (checked against the transition table in status.go and the
// version it was read at), its timeline entry and its webhook events are
// written in one transaction, so a domain never moves without saying so.
// The event outbox write (EmitTx, emitDomainTx) lives here beside it; the
// webhook workflows deliver what it writes.

import (
	"encoding/json"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Change is what a workflow step does to a domain: an optional new status
// and sub-status fields, with the timeline entry that explains it.
type Change struct {
	To           Status // "" keeps the status (a step within it)
	Reason       string
	Actor        string
	DNSStatus    DNSStatus
	SSLStatus    SSLStatus
	SetupMode    SetupMode
	DomainSID    *string
	StatusReason *string // nil leaves it; "" clears it
	FailedStep   *string
	CertExpires  *time.Time
	// Event is a webhook event type to emit even without a status change
	// (a messaging service attached or detached); EventData adds keys to
	// the event's data.
	Event     string
	EventData map[string]any
	// FailureKind: nil leaves it, FailureNone clears it; FailureDetail
	// goes with it (set or cleared with it).
	FailureKind   *FailureKind
	FailureDetail string
}

// ApplyTx applies c to d inside tx, provided the domain is still the
// version d was read at (otherwise a conflict: a concurrent step or person
// changed it, and the caller must read it again). It
// checks the transition table, updates the row and writes the timeline
// event and the webhook events (emitDomainTx, below) in the same
// transaction. d is updated in memory.
func (s *Store) ApplyTx(tx *gorm.DB, d *Domain, c Change) error {
	from, prevDNS, prevSSL := d.Status, d.DNSStatus, d.SSLStatus
	to := from
	if c.To != "" && c.To != from {
		if err := d.Purpose.CheckTransition(from, c.To); err != nil {
			return err
		}
		to = c.To
	}
	now := s.Now()
	upd := map[string]any{"status": to, "updated_at": now, "version": gorm.Expr("version + 1")}
	if c.DNSStatus != "" {
		upd["dns_status"] = c.DNSStatus
	}
	if c.SSLStatus != "" {
		upd["ssl_status"] = c.SSLStatus
	}
	if c.SetupMode != "" {
		upd["setup_mode"] = c.SetupMode
	}
	if c.DomainSID != nil {
		upd["domain_sid"] = *c.DomainSID
	}
	if c.StatusReason != nil {
		upd["status_reason"] = *c.StatusReason
	}
	if c.FailedStep != nil {
		upd["failed_step"] = *c.FailedStep
	}
	if c.FailureKind != nil {
		upd["failure_kind"] = *c.FailureKind
		upd["failure_detail"] = c.FailureDetail
	}
	if c.CertExpires != nil {
		upd["cert_expires_at"] = *c.CertExpires
	}
	use := useChange(from, to, now)
	for k, v := range use {
		upd[k] = v
	}
	res := tx.Model(&Domain{}).Where("id = ? AND status = ? AND version = ?", d.ID, from, d.Version).Updates(upd)
	if res.Error != nil {
		return internal("update domain", res.Error)
	}
	if res.RowsAffected == 0 {
		return &Error{Kind: KindConflict, Code: "invalid_state", Detail: "the domain changed meanwhile; try again", Err: ErrStale}
	}
	if err := tx.Create(&DomainEvent{ID: NewID(PrefixEvent), DomainID: d.ID, From: from, To: to,
		Reason: c.Reason, Actor: c.Actor, At: now}).Error; err != nil {
		return internal("write event", err)
	}
	d.Status, d.UpdatedAt = to, now
	d.Version++
	if c.DNSStatus != "" {
		d.DNSStatus = c.DNSStatus
	}
	if c.SSLStatus != "" {
		d.SSLStatus = c.SSLStatus
	}
	if c.SetupMode != "" {
		d.SetupMode = c.SetupMode
	}
	if c.DomainSID != nil {
		d.DomainSID = *c.DomainSID
	}
	if c.StatusReason != nil {
		d.StatusReason = *c.StatusReason
	}
	if c.FailedStep != nil {
		d.FailedStep = *c.FailedStep
	}
	if c.FailureKind != nil {
		d.FailureKind, d.FailureDetail = *c.FailureKind, c.FailureDetail
	}
	if c.CertExpires != nil {
		d.CertExpiresAt = c.CertExpires
	}
	applyUse(d, use)
	return s.emitDomainTx(tx, d, from, prevDNS, prevSSL, c)
}

// EmitTx writes an event to the outbox inside tx, so that it exists if and
// only if the change it reports is committed.
func (s *Store) EmitTx(tx *gorm.DB, eventType, clientID string, data any) error {
	ev, err := s.newWebhookEvent(eventType, clientID, data)
	if err != nil {
		return err
	}
	return internal("write webhook event", tx.Create(ev).Error)
}

// newWebhookEvent is the outbox row of an event, not yet written.
func (s *Store) newWebhookEvent(eventType, clientID string, data any) (*WebhookEvent, error) {
	if !slices.Contains(EventTypes, eventType) {
		return nil, internal("emit event", errors.New("unknown event type "+eventType))
	}
	if s.db.Dialect == SQLite {
		// Wake the webhook dispatcher when the event's transaction commits.
		webhookWakes.pend(s.db.dsn, WakeEvents)
	}
	now := s.Now()
	body, err := json.Marshal(WebhookPayload{Type: eventType, Timestamp: now, Data: data})
	if err != nil {
		return nil, internal("encode event", err)
	}
	return &WebhookEvent{ID: NewID(PrefixWebhookEvent), Type: eventType, ClientID: clientID, Payload: string(body), CreatedAt: now}, nil
}

// emitDomainTx writes the events of one ApplyTx: domain.status_changed and
// the specific events when the status changed, the certificate and DNS
// events when those became true, and c.Event when the caller set one.
func (s *Store) emitDomainTx(tx *gorm.DB, d *Domain, from Status, prevDNS DNSStatus, prevSSL SSLStatus, c Change) error {
	to := d.Status
	var types []string
	if from != to {
		types = append(types, EventDomainStatusChanged)
	}
	dnsNow := d.DNSStatus == DNSVerified
	if dnsNow && (prevDNS != DNSVerified ||
		(from != to && from == StatusDNSPending && (to == StatusAwaitingDomainSID || to == StatusSSLPending))) {
		types = append(types, EventDomainDNSVerified)
	}
	if d.SSLStatus == SSLActive && prevSSL != SSLActive {
		types = append(types, EventDomainCertificateIssued)
	}
	if from != to {
		switch to {
		case StatusConfigured:
			types = append(types, EventDomainConfigured)
		case StatusFailed:
			types = append(types, EventDomainFailed)
		case StatusReachedLimit:
			types = append(types, EventDomainReachedLimit)
		case StatusArchived:
			types = append(types, EventDomainArchived)
		case StatusBlocked:
			types = append(types, EventDomainBlocked)
		case StatusUnderReview:
			types = append(types, EventDomainUnderReview)
		case StatusDeclined:
			types = append(types, EventDomainDeclined)
		}
		if from == StatusArchived {
			types = append(types, EventDomainRestored)
		}
	}
	if c.Event != "" && !slices.Contains(types, c.Event) {
		types = append(types, c.Event)
	}
	if len(types) == 0 {
		return nil
	}
	sids, err := messagingSIDsTx(tx, d.ID)
	if err != nil {
		return err
	}
	snap := *d // the caller's d keeps its own MessagingServiceSIDs
	snap.MessagingServiceSIDs = sids
	data := map[string]any{"domain": snap.View(), "previous_status": from}
	for k, v := range c.EventData {
		data[k] = v
	}
	for _, t := range types {
		if err := s.EmitTx(tx, t, d.ClientID, data); err != nil {
			return err
		}
	}
	return nil
}

// useChange is what a status change does to the use columns: becoming
// configured starts the auto-archive count afresh, archiving remembers
// when and from what, leaving archived forgets both.
func useChange(from, to Status, now time.Time) map[string]any {
	if from == to {
		return nil
	}
	upd := map[string]any{"status_changed_at": now}
	if to == StatusConfigured {
		upd["configured_at"] = now
		upd["archive_warned_at"] = nil
	}
	if to == StatusArchived {
		upd["archived_at"] = now
		upd["archived_from"] = from
	}
	if from == StatusArchived {
		upd["archived_at"] = nil
		upd["archived_from"] = Status("")
	}
	return upd
}

// applyUse mirrors useChange on the row in memory.
func applyUse(d *Domain, upd map[string]any) {
	for k, v := range upd {
		switch k {
		case "status_changed_at":
			d.StatusChangedAt = v.(time.Time)
		case "configured_at":
			t := v.(time.Time)
			d.ConfiguredAt = &t
		case "archive_warned_at":
			d.ArchiveWarnedAt = nil
		case "archived_at":
			if t, ok := v.(time.Time); ok {
				d.ArchivedAt = &t
			} else {
				d.ArchivedAt = nil
			}
		case "archived_from":
			d.ArchivedFrom = v.(Status)
		}
	}
}

func messagingSIDsTx(tx *gorm.DB, domainID string) ([]string, error) {
	var rows []DomainMessagingService
	if err := tx.Where("domain_id = ?", domainID).Order("attached_at, messaging_service_sid").Find(&rows).Error; err != nil {
		return nil, internal("messaging services", err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.MessagingServiceSID
	}
	return out, nil
}
