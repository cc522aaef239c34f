package models

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// What needs a person (the console's Attention page, issue 17): domains
// that failed, that sit in a step longer than it is expected to take,
// that wait on a person (the Twilio Domain SID, the client's
// registration), whose certificate expires soon, that reached their
// sending limit or are under review, and campaigns that linkgate
// suspended.

// StepExpected is how long a domain is expected to stay in each step that
// linkgate works through by itself; a domain in that status for longer is
// "stuck" (AttentionStuck). The one table of these times: the DNS check
// keeps trying for 48 hours and Twilio's certificate for 72, but a step
// that usually takes minutes and has not moved for this long is worth a
// look before then. Statuses that wait on a person (awaiting_domain_sid,
// awaiting_client) are listed whatever their age, and the others are not
// steps.
var StepExpected = map[Status]time.Duration{
	StatusPending:    24 * time.Hour, // nobody chose how to set it up
	StatusDNSPending: 24 * time.Hour, // the CNAME has not shown
	StatusSSLPending: 6 * time.Hour,  // Twilio has not issued the certificate
}

// CertWarning is how long before its certificate expires a live domain is
// listed (AttentionCertExpiring).
const CertWarning = 30 * 24 * time.Hour

// AttentionKind is why something is on the Attention page.
type AttentionKind string

// The kinds, in the order the page lists them. A domain has at most one:
// the status sets below do not overlap.
const (
	AttentionFailed            AttentionKind = "failed"
	AttentionUnderReview       AttentionKind = "under_review"
	AttentionDomainSID         AttentionKind = "awaiting_domain_sid"
	AttentionClient            AttentionKind = "awaiting_client"
	AttentionStuck             AttentionKind = "stuck"
	AttentionCertExpiring      AttentionKind = "cert_expiring" // a configured domain's, within CertWarning
	AttentionReachedLimit      AttentionKind = "reached_limit"
	AttentionCampaignSuspended AttentionKind = "campaign_suspended"
)

// AttentionKinds lists every kind, in the page's order.
var AttentionKinds = []AttentionKind{AttentionFailed, AttentionUnderReview, AttentionDomainSID, AttentionClient,
	AttentionStuck, AttentionCertExpiring, AttentionReachedLimit, AttentionCampaignSuspended}

// attentionByStatus are the kinds a status alone decides.
var attentionByStatus = map[Status]AttentionKind{
	StatusFailed:            AttentionFailed,
	StatusUnderReview:       AttentionUnderReview,
	StatusAwaitingDomainSID: AttentionDomainSID,
	StatusAwaitingClient:    AttentionClient,
	StatusReachedLimit:      AttentionReachedLimit,
}

// AttentionItem is one row of the Attention page: a domain (Domain) or a
// suspended campaign (Campaign), its client, and since when it needs
// attention (the status's start; for a certificate, its expiry).
type AttentionItem struct {
	Kind       AttentionKind
	Domain     *Domain
	Campaign   *Campaign
	ClientID   string
	ClientName string
	Since      time.Time
	// Registration is an awaiting_client domain's latest registration
	// link (nil when none was sent).
	Registration *Registration
}

// Attention is what needs a person: up to the asked number of items of
// each kind (oldest first) and how many there are of each.
type Attention struct {
	Items  []AttentionItem
	Counts map[AttentionKind]int64
	Total  int64
}

// attentionCountSQL counts each kind in one round trip; every subquery is a
// range of the domains (status, status_changed_at) index, the partial
// cert_expires_at index or the campaigns (status, id) index. The scope's
// client filter is added by attentionScope.
const attentionCountSQL = `SELECT
 (SELECT COUNT(*) FROM domains WHERE status = ? %[1]s) AS failed,
 (SELECT COUNT(*) FROM domains WHERE status = ? %[1]s) AS under_review,
 (SELECT COUNT(*) FROM domains WHERE status = ? %[1]s) AS awaiting_domain_sid,
 (SELECT COUNT(*) FROM domains WHERE status = ? %[1]s) AS awaiting_client,
 (SELECT COUNT(*) FROM domains WHERE ((status = ? AND status_changed_at < ?) OR (status = ? AND status_changed_at < ?) OR (status = ? AND status_changed_at < ?)) %[1]s) AS stuck,
 (SELECT COUNT(*) FROM domains WHERE cert_expires_at IS NOT NULL AND cert_expires_at < ? AND status = ? %[1]s) AS cert_expiring,
 (SELECT COUNT(*) FROM domains WHERE status = ? %[1]s) AS reached_limit,
 (SELECT COUNT(*) FROM campaigns WHERE status = ? %[1]s) AS campaign_suspended`

// stuckStatuses is StepExpected's statuses in a fixed order.
var stuckStatuses = []Status{StatusPending, StatusDNSPending, StatusSSLPending}

// AttentionCounts returns how many items of each kind there are at now,
// in scope, with one query (the console's nav shows their sum on every
// page).
func (s *Store) AttentionCounts(ctx context.Context, sc Scope, now time.Time) (map[AttentionKind]int64, error) {
	filter, scopeArgs := "", []any(nil)
	if !sc.Admin() {
		filter, scopeArgs = "AND client_id = ?", []any{sc.ClientID}
	}
	var args []any
	add := func(a ...any) {
		args = append(args, a...)
		args = append(args, scopeArgs...)
	}
	add(StatusFailed)
	add(StatusUnderReview)
	add(StatusAwaitingDomainSID)
	add(StatusAwaitingClient)
	var stuck []any
	for _, st := range stuckStatuses {
		stuck = append(stuck, st, now.Add(-StepExpected[st]))
	}
	add(stuck...)
	add(now.Add(CertWarning), StatusConfigured)
	add(StatusReachedLimit)
	add(CampaignSuspended)
	var row struct {
		Failed, UnderReview                 int64
		AwaitingDomainSID                   int64 `gorm:"column:awaiting_domain_sid"`
		AwaitingClient, Stuck, CertExpiring int64
		ReachedLimit, CampaignSuspended     int64
	}
	q := fmt.Sprintf(attentionCountSQL, filter)
	if err := s.gorm(ctx).Raw(q, args...).Scan(&row).Error; err != nil {
		return nil, internal("count attention", err)
	}
	return map[AttentionKind]int64{
		AttentionFailed: row.Failed, AttentionUnderReview: row.UnderReview, AttentionDomainSID: row.AwaitingDomainSID,
		AttentionClient: row.AwaitingClient, AttentionStuck: row.Stuck, AttentionCertExpiring: row.CertExpiring,
		AttentionReachedLimit: row.ReachedLimit, AttentionCampaignSuspended: row.CampaignSuspended,
	}, nil
}

// AttentionList returns what needs a person at now, in scope: up to limit
// items of each kind, oldest first, and the counts of AttentionCounts.
// It runs five indexed queries whatever the number of clients: the
// counts (AttentionCounts), the domains of every kind (one UNION ALL of
// index ranges), the suspended campaigns, the names of their clients,
// and the registrations of the domains waiting on the client.
func (s *Store) AttentionList(ctx context.Context, sc Scope, now time.Time, limit int) (*Attention, error) {
	if limit < 1 || limit > MaxPageLimit {
		return nil, Invalid("invalid_limit", "limit", "must be between 1 and 200")
	}
	counts, err := s.AttentionCounts(ctx, sc, now)
	if err != nil {
		return nil, err
	}
	out := &Attention{Counts: counts}
	for _, n := range counts {
		out.Total += n
	}
	db := s.gorm(ctx)
	scoped := func(tx *gorm.DB) *gorm.DB {
		if !sc.Admin() {
			return tx.Where("client_id = ?", sc.ClientID)
		}
		return tx
	}
	filter, scopeArgs := "", []any(nil)
	if !sc.Admin() {
		filter, scopeArgs = " AND client_id = ?", []any{sc.ClientID}
	}
	// Every domain list in one query: each part a range of an index,
	// oldest first, at most limit rows. The kinds' status sets do not
	// overlap, so a domain comes back once.
	var parts []string
	var args []any
	part := func(where, order string, a ...any) {
		parts = append(parts, "SELECT * FROM (SELECT * FROM domains WHERE "+where+filter+" ORDER BY "+order+" LIMIT ?) AS p"+strconv.Itoa(len(parts)))
		args = append(append(append(args, a...), scopeArgs...), limit)
	}
	for _, st := range []Status{StatusFailed, StatusUnderReview, StatusAwaitingDomainSID, StatusAwaitingClient, StatusReachedLimit} {
		part("status = ?", "status_changed_at, id", st)
	}
	var stuckWhere []string
	var stuckArgs []any
	for _, st := range stuckStatuses {
		stuckWhere = append(stuckWhere, "(status = ? AND status_changed_at < ?)")
		stuckArgs = append(stuckArgs, st, now.Add(-StepExpected[st]))
	}
	part("("+strings.Join(stuckWhere, " OR ")+")", "status_changed_at, id", stuckArgs...)
	part("cert_expires_at IS NOT NULL AND cert_expires_at < ? AND status = ?", "cert_expires_at, id", now.Add(CertWarning), StatusConfigured)
	var domains []*Domain
	if err := db.Raw(strings.Join(parts, " UNION ALL "), args...).Scan(&domains).Error; err != nil {
		return nil, internal("list attention", err)
	}
	var campaigns []*Campaign
	if err := scoped(db.Where("status = ?", CampaignSuspended)).Order("updated_at, id").Limit(limit).Find(&campaigns).Error; err != nil {
		return nil, internal("list suspended campaigns", err)
	}

	clientIDs := map[string]bool{}
	var waiting []string
	for _, d := range domains {
		clientIDs[d.ClientID] = true
		it := AttentionItem{Kind: attentionByStatus[d.Status], Domain: d, ClientID: d.ClientID, Since: d.StatusChangedAt}
		switch {
		case it.Kind != "":
		case d.Status == StatusConfigured && d.CertExpiresAt != nil:
			it.Kind, it.Since = AttentionCertExpiring, *d.CertExpiresAt
		default:
			it.Kind = AttentionStuck
		}
		if it.Kind == AttentionClient {
			waiting = append(waiting, d.ID)
		}
		out.Items = append(out.Items, it)
	}
	for _, c := range campaigns {
		clientIDs[c.ClientID] = true
		out.Items = append(out.Items, AttentionItem{Kind: AttentionCampaignSuspended, Campaign: c, ClientID: c.ClientID, Since: c.UpdatedAt})
	}
	if len(clientIDs) > 0 {
		ids := make([]string, 0, len(clientIDs))
		for id := range clientIDs {
			ids = append(ids, id)
		}
		var names []struct{ ID, Name string }
		if err := db.Model(&Client{}).Select("id, name").Where("id IN ?", ids).Scan(&names).Error; err != nil {
			return nil, internal("attention clients", err)
		}
		byID := map[string]string{}
		for _, n := range names {
			byID[n.ID] = n.Name
		}
		for i := range out.Items {
			out.Items[i].ClientName = byID[out.Items[i].ClientID]
		}
	}
	if len(waiting) > 0 {
		// The latest registration of each: newest first, the first seen
		// per domain wins.
		var regs []*Registration
		if err := db.Where("domain_id IN ?", waiting).Order("domain_id, created_at DESC, id DESC").Find(&regs).Error; err != nil {
			return nil, internal("attention registrations", err)
		}
		latest := map[string]*Registration{}
		for _, r := range regs {
			if latest[r.DomainID] == nil {
				latest[r.DomainID] = r
			}
		}
		for i := range out.Items {
			if it := &out.Items[i]; it.Kind == AttentionClient {
				it.Registration = latest[it.Domain.ID]
			}
		}
	}
	rank := map[AttentionKind]int{}
	for i, k := range AttentionKinds {
		rank[k] = i
	}
	sort.SliceStable(out.Items, func(i, j int) bool {
		a, b := out.Items[i], out.Items[j]
		if a.Kind != b.Kind {
			return rank[a.Kind] < rank[b.Kind]
		}
		return a.Since.Before(b.Since)
	})
	return out, nil
}
