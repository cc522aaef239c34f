package models

import (
	"context"
	"database/sql"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// The domain's life after onboarding (API.md "Domain management"):
// archive, review, and what restore needs from the store. Each is one
// ApplyTx (row, timeline entry and webhook events in one transaction).

// ArchiveDomain archives a domain visible in scope. Only Archivable
// statuses may be archived; an archived domain is a conflict
// (invalid_state). The status it had is kept in ArchivedFrom for restore.
// Nothing is detached at Twilio: an archived domain is simply never used
// to send.
func (s *Store) ArchiveDomain(ctx context.Context, sc Scope, id, actor string) (*Domain, error) {
	d, err := s.GetDomain(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := Archivable.Check(d.Status, "archived"); err != nil {
		return nil, err
	}
	err = s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		return s.ApplyTx(tx, d, Change{To: StatusArchived, Reason: "archived", Actor: actor})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ReviewDecision is an admin's verdict on a domain under review.
type ReviewDecision string

// The review decisions.
const (
	ReviewClear   ReviewDecision = "clear"
	ReviewDecline ReviewDecision = "decline"
)

// MaxReviewNote is the longest review note, in characters.
const MaxReviewNote = 1000

// ReviewDomain records an admin's decision on an under_review domain:
// clear → configured, decline → declined (the note becomes its
// status_reason). Client scopes are forbidden; a bad decision or note is
// invalid (naming the field); any other status is a conflict.
func (s *Store) ReviewDomain(ctx context.Context, sc Scope, id string, decision ReviewDecision, note, actor string) (*Domain, error) {
	if !sc.Admin() {
		return nil, &Error{Kind: KindForbidden, Code: "forbidden", Detail: "only an admin may review a domain"}
	}
	var fields []FieldError
	var to Status
	switch decision {
	case ReviewClear:
		to = StatusConfigured
	case ReviewDecline:
		to = StatusDeclined
	default:
		fields = append(fields, FieldError{"decision", "must be clear or decline"})
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxReviewNote {
		fields = append(fields, FieldError{"note", "must be at most 1000 characters"})
	}
	if err := invalidFields("invalid_review", fields); err != nil {
		return nil, err
	}
	d, err := s.GetDomain(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := Reviewable.Check(d.Status, "reviewed"); err != nil {
		return nil, err
	}
	reason := "review: " + string(decision)
	if note != "" {
		reason += ": " + note
	}
	c := Change{To: to, Reason: reason, Actor: actor}
	if to == StatusDeclined {
		c.StatusReason = &reason
	} else {
		empty := ""
		c.StatusReason = &empty
	}
	err = s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error { return s.ApplyTx(tx, d, c) })
	if err != nil {
		return nil, err
	}
	return d, nil
}

// RestorePlan is where RestoreDomain takes a domain: To, and whether the
// certificate must be requested again (a configured domain whose
// certificate expired while archived).
type RestorePlan struct {
	To          Status
	RenewCert   bool
	Domain      *Domain
	ClientLimit *int64
}

// PlanRestore reads a domain visible in scope and decides its restore:
// archived → the status it was archived from (configured with an expired
// certificate → ssl_pending, certificate requested again); reached_limit
// → configured only when the client's domain_limit is null or above
// messages_sent (else 409 limit_not_raised); any other status → 409
// invalid_state.
func (s *Store) PlanRestore(ctx context.Context, sc Scope, id string) (RestorePlan, error) {
	d, err := s.GetDomain(ctx, sc, id)
	if err != nil {
		return RestorePlan{}, err
	}
	if err := Restorable.Check(d.Status, "restored"); err != nil {
		return RestorePlan{}, err
	}
	p := RestorePlan{Domain: d}
	if p.ClientLimit, err = s.clientDomainLimit(ctx, s.gorm(ctx), d.ClientID); err != nil {
		return RestorePlan{}, err
	}
	if d.Status == StatusReachedLimit {
		if p.ClientLimit != nil && *p.ClientLimit <= d.MessagesSent {
			return RestorePlan{}, Conflict("limit_not_raised", "",
				"the domain has sent its client's per-domain limit; raise domain_limit above messages_sent first")
		}
		p.To = StatusConfigured
		return p, nil
	}
	p.To = d.ArchivedFrom
	if p.To == "" || !StatusArchived.CanTransitionTo(p.To) {
		p.To = StatusPending
	}
	if p.To == StatusConfigured && d.CertExpiresAt != nil && !d.CertExpiresAt.After(s.Now()) {
		p.To, p.RenewCert = StatusSSLPending, true
	}
	return p, nil
}
