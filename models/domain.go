package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Default DNS record for link shortening (DESIGN §4).
const (
	DefaultCNAMETarget = "lsct.ashburn.us1.twilio.com."
	DefaultCNAMETTL    = 600
)

// Domain is a client's branded link host and where its provisioning stands.
type Domain struct {
	ID            string    `gorm:"primaryKey"`
	ClientID      string    `gorm:"not null"`
	Host          string    `gorm:"not null"`
	Apex          string    `gorm:"not null"`
	Subdomain     string    `gorm:"not null"`
	Purpose       Purpose   `gorm:"not null"`
	SetupMode     SetupMode `gorm:"not null"`
	Status        Status    `gorm:"not null"`
	StatusReason  string    `gorm:"not null"`
	DNSStatus     DNSStatus `gorm:"column:dns_status;not null"`
	SSLStatus     SSLStatus `gorm:"column:ssl_status;not null"`
	CNAMETarget   string    `gorm:"column:cname_target;not null"`
	CNAMETTL      int       `gorm:"column:cname_ttl;not null"`
	DomainSID     string    `gorm:"column:domain_sid;not null"`
	CertExpiresAt *time.Time
	FailedStep    string    `gorm:"not null"` // the workflow step a failed domain resumes from
	Version       int       `gorm:"not null"` // bumped by every ApplyTx
	CreatedAt     time.Time `gorm:"not null"`
	UpdatedAt     time.Time `gorm:"not null"`
	// StatusChangedAt is when the domain entered its current status (set
	// by ApplyTx on every status change): the console's "age in step".
	StatusChangedAt time.Time `gorm:"not null"`

	// Why onboarding failed (issue 17), "" when not failed: the kind the
	// console words for people, and its typed detail (a record conflict's
	// record type).
	FailureKind   FailureKind `gorm:"not null"`
	FailureDetail string      `gorm:"not null"`

	// Use (issue 14). MessagesSent is the quota counter (TakeQuota);
	// LastUsedAt is the last message's time; ConfiguredAt is when the
	// domain last became configured (auto-archive counts from the later
	// of the two); ArchivedAt and ArchivedFrom are set while archived;
	// ArchiveWarnedAt is when the client was told of an auto-archive,
	// cleared when the domain is used again.
	MessagesSent    int64 `gorm:"not null"`
	LastUsedAt      *time.Time
	ConfiguredAt    *time.Time
	ArchivedAt      *time.Time
	ArchivedFrom    Status `gorm:"not null"`
	ArchiveWarnedAt *time.Time
	// CarrierFiltered counts the messages carrying the domain that
	// carriers filtered since it was last blocked (RecordCarrierFiltered).
	CarrierFiltered int64 `gorm:"not null"`

	// MessagingServiceSIDs is read from domain_messaging_services.
	MessagingServiceSIDs []string `gorm:"-"`
	// PoolIDs is read from pool_domains (oldest pool first).
	PoolIDs []string `gorm:"-"`
}

func (d *Domain) key() string { return d.ID }

// CheckAtTwilio returns nil when d lives at Twilio (Purpose.AtTwilio), and
// otherwise a validation error naming field: what (e.g. "a Domain SID")
// belongs to link-shortening domains only.
func (d *Domain) CheckAtTwilio(field, what string) error {
	if d.Purpose.AtTwilio() {
		return nil
	}
	return Invalid("purpose_mismatch", field,
		fmt.Sprintf("%s is a %s domain: %s is for %s domains only", d.Host, d.Purpose, what, PurposeLinkShortening))
}

// DomainInput adds a domain. Subdomain nil means "not given" (see
// ParseHost); Purpose "" means link_shortening.
type DomainInput struct {
	Domain    string
	Subdomain *string
	Purpose   Purpose
	// Screen, when set, is asked about the host once it is valid and
	// before it is stored; its error refuses the domain (the reputation
	// check: 422 domain_flagged).
	Screen func(ctx context.Context, host string) error
}

// DNSDefaults is the CNAME every new domain gets: Target (default
// DefaultCNAMETarget) for link shortening, TrackingTarget for URL
// tracking (LINKGATE_TRACKING_CNAME_TARGET; no default: without it no
// tracking domain can be added), TTL (default DefaultCNAMETTL) for both.
type DNSDefaults struct {
	Target         string
	TrackingTarget string
	TTL            int
}

// TargetFor is the CNAME target of a new domain of purpose p, "" when
// none is configured.
func (dns DNSDefaults) TargetFor(p Purpose) string {
	if p == PurposeURLTracking {
		return dns.TrackingTarget
	}
	if dns.Target == "" {
		return DefaultCNAMETarget
	}
	return dns.Target
}

// CreateDomain validates the name, checks the client is visible in scope,
// and stores the domain as pending with its first timeline event, in one
// transaction. A host that any client already has is a conflict.
func (s *Store) CreateDomain(ctx context.Context, sc Scope, clientID string, in DomainInput, dns DNSDefaults, actor string) (*Domain, error) {
	if _, err := s.GetClient(ctx, sc, clientID); err != nil {
		return nil, err
	}
	d, err := s.newDomain(ctx, clientID, in, dns)
	if err != nil {
		return nil, err
	}
	err = s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		return s.insertDomainsTx(tx, []*Domain{d}, actor)
	})
	if isUniqueViolation(err) {
		return nil, hostTaken(d.Host)
	}
	if isForeignKeyViolation(err) {
		return nil, NotFound("client")
	}
	if err != nil {
		return nil, internal("create domain", err)
	}
	return d, nil
}

func hostTaken(host string) *Error {
	return Conflict("domain_taken", "domain", host+" is already registered")
}

// newDomain validates one domain's input and returns its row, pending and
// not yet stored. Every way of adding a domain goes through it.
func (s *Store) newDomain(ctx context.Context, clientID string, in DomainInput, dns DNSDefaults) (*Domain, error) {
	purpose := in.Purpose
	if purpose == "" {
		purpose = PurposeLinkShortening
	}
	h, err := ParseHost(in.Domain, in.Subdomain)
	target := dns.TargetFor(purpose)
	if perr := purposeError(purpose, target); perr != nil {
		if e, ok := err.(*Error); ok {
			perr.Fields = append(e.Fields, perr.Fields...)
		}
		return nil, perr
	}
	if err != nil {
		return nil, err
	}
	if in.Screen != nil {
		if err := in.Screen(ctx, h.Host); err != nil {
			return nil, err
		}
	}
	if dns.TTL == 0 {
		dns.TTL = DefaultCNAMETTL
	}
	d := &Domain{
		ID: NewID(PrefixDomain), ClientID: clientID, Host: h.Host, Apex: h.Apex, Subdomain: h.Subdomain,
		Purpose: purpose, Status: StatusPending, DNSStatus: DNSNotStarted, SSLStatus: SSLNone,
		CNAMETarget: target, CNAMETTL: dns.TTL, CreatedAt: s.Now(),
	}
	d.UpdatedAt, d.StatusChangedAt = d.CreatedAt, d.CreatedAt
	return d, nil
}

// purposeError refuses an unknown purpose, and a tracking domain on a
// server that has no tracking target to point it at.
func purposeError(p Purpose, target string) *Error {
	if !p.Valid() {
		return Invalid("invalid_purpose", "purpose", "must be "+string(PurposeLinkShortening)+" or "+string(PurposeURLTracking))
	}
	if target == "" {
		return Invalid("invalid_purpose", "purpose",
			"this server has no tracking CNAME target (LINKGATE_TRACKING_CNAME_TARGET), so it cannot onboard "+string(p)+" domains yet")
	}
	return nil
}

// insertDomainsTx stores new domains with their first timeline entries
// and their domain.created events, a few statements for all of them.
func (s *Store) insertDomainsTx(tx *gorm.DB, ds []*Domain, actor string) error {
	if len(ds) == 0 {
		return nil
	}
	evs := make([]*DomainEvent, len(ds))
	for i, d := range ds {
		evs[i] = &DomainEvent{ID: NewID(PrefixEvent), DomainID: d.ID, From: "", To: StatusPending,
			Reason: "domain added", Actor: actor, At: d.CreatedAt}
	}
	if err := tx.CreateInBatches(ds, 200).Error; err != nil {
		return err
	}
	if err := tx.CreateInBatches(evs, 200).Error; err != nil {
		return err
	}
	whs := make([]*WebhookEvent, len(ds))
	for i, d := range ds {
		ev, err := s.newWebhookEvent(EventDomainCreated, d.ClientID, map[string]any{"domain": d.View()})
		if err != nil {
			return err
		}
		whs[i] = ev
	}
	return tx.CreateInBatches(whs, 200).Error
}

// GetDomain returns one domain visible in scope.
func (s *Store) GetDomain(ctx context.Context, sc Scope, id string) (*Domain, error) {
	var d Domain
	tx := s.gorm(ctx).Where("id = ?", id)
	if !sc.Admin() {
		tx = tx.Where("client_id = ?", sc.ClientID)
	}
	err := tx.Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("domain")
	}
	if err != nil {
		return nil, internal("get domain", err)
	}
	if err := s.FillDomains(ctx, []*Domain{&d}); err != nil {
		return nil, err
	}
	return &d, nil
}

// DomainQuery filters the domain list. Q matches the host.
type DomainQuery struct {
	ClientID string
	// PoolID keeps the domains of that pool (which must be visible).
	PoolID string
	Status Status
	// DNSStatus and SSLStatus keep the domains with that sub-status.
	DNSStatus DNSStatus
	SSLStatus SSLStatus
	Q         string
	PageQuery
}

// DomainSort is the order of ListDomainsPage.
type DomainSort string

// The orders.
const (
	SortNewest DomainSort = ""     // newest first (the default)
	SortAge    DomainSort = "age"  // longest in its current status first
	SortHost   DomainSort = "host" // by host, A to Z
)

// DomainSorts lists the orders.
var DomainSorts = []DomainSort{SortNewest, SortAge, SortHost}

// DomainPage is one page of domains; Next is "" on the last page.
type DomainPage struct {
	Domains []*Domain
	Next    string
}

// ListDomains returns domains newest first, a keyset page at a time, each
// with its Messaging Services and pools: one query (domain_page.go; on
// SQLite a search walks trigram postings, hostSearch).
func (s *Store) ListDomains(ctx context.Context, sc Scope, q DomainQuery) (DomainPage, error) {
	p, err := s.domainPage(ctx, sc, q)
	if err != nil {
		return DomainPage{}, err
	}
	limit := p.limit
	rows, err := s.queryDomainPage(ctx, p.stmt, p.args, limit)
	if err != nil {
		return DomainPage{}, err
	}
	page := DomainPage{Domains: rows}
	if len(rows) > limit {
		page.Domains = rows[:limit]
		page.Next = encodeCursor(rows[limit-1].ID)
	}
	return page, nil
}

// domainFilter is the domains in scope that q's filters keep (all but
// its page).
func (s *Store) domainFilter(ctx context.Context, sc Scope, q DomainQuery) (*gorm.DB, error) {
	conds, search, err := s.domainConds(ctx, sc, q)
	if err != nil {
		return nil, err
	}
	if search != nil {
		conds = append(conds, search.match)
	}
	tx := s.gorm(ctx).Model(&Domain{})
	for _, c := range conds {
		tx = tx.Where(c.sql, c.args...)
	}
	return tx, nil
}

// domainConds are the conditions keeping the domains in scope that q's
// filters keep (all but its page), the search apart (nil without q).
func (s *Store) domainConds(ctx context.Context, sc Scope, q DomainQuery) ([]sqlCond, *hostMatch, error) {
	var fields []FieldError
	if q.Status != "" && !q.Status.Valid() {
		fields = append(fields, FieldError{"status", "not a domain status"})
	}
	if q.DNSStatus != "" && !q.DNSStatus.Valid() {
		fields = append(fields, FieldError{"dns_status", "not a DNS status"})
	}
	if q.SSLStatus != "" && !q.SSLStatus.Valid() {
		fields = append(fields, FieldError{"ssl_status", "not a certificate status"})
	}
	if len(fields) > 0 {
		return nil, nil, &Error{Kind: KindInvalid, Code: "invalid_status", Detail: fields[0].Message, Fields: fields}
	}
	if !sc.Admin() {
		if q.ClientID != "" && q.ClientID != sc.ClientID {
			return nil, nil, NotFound("client")
		}
		q.ClientID = sc.ClientID
	}
	var conds []sqlCond
	if q.ClientID != "" {
		conds = append(conds, sqlCond{"client_id = ?", []any{q.ClientID}})
	}
	if q.Status != "" {
		conds = append(conds, sqlCond{statusCond, []any{string(q.Status)}})
	}
	if q.DNSStatus != "" {
		conds = append(conds, sqlCond{"dns_status = ?", []any{string(q.DNSStatus)}})
	}
	if q.SSLStatus != "" {
		conds = append(conds, sqlCond{"ssl_status = ?", []any{string(q.SSLStatus)}})
	}
	if q.PoolID != "" {
		if _, err := s.poolTx(s.gorm(ctx), sc, q.PoolID); err != nil {
			return nil, nil, err
		}
		conds = append(conds, sqlCond{"id IN (SELECT domain_id FROM pool_domains WHERE pool_id = ?)", []any{q.PoolID}})
	}
	if q.Q = strings.TrimSpace(q.Q); q.Q != "" {
		m := s.hostSearch(q.Q)
		return conds, &m, nil
	}
	return conds, nil, nil
}

// DomainsPage is a numbered page of domains and how many match in all.
type DomainsPage struct {
	Domains []*Domain
	Total   int64
}

// ListDomainsPage returns the domains q's filters keep (its cursor
// ignored), in the order sort says, the page-th page (from 1) of limit
// each, with the total: the console's Domains page, which goes back and
// forth and says how many there are. Two queries (the count and the
// page) and FillDomains'.
func (s *Store) ListDomainsPage(ctx context.Context, sc Scope, q DomainQuery, sort DomainSort, page int) (DomainsPage, error) {
	limit, err := q.limit()
	if err != nil {
		return DomainsPage{}, err
	}
	if page < 1 {
		return DomainsPage{}, Invalid("invalid_page", "page", "must be a whole number from 1")
	}
	order := map[DomainSort]string{SortNewest: "id DESC", SortAge: "status_changed_at, id", SortHost: "host, id"}[sort]
	if order == "" {
		return DomainsPage{}, Invalid("invalid_sort", "sort", "must be empty, age or host")
	}
	tx, err := s.domainFilter(ctx, sc, q)
	if err != nil {
		return DomainsPage{}, err
	}
	var out DomainsPage
	if err := tx.Session(&gorm.Session{}).Count(&out.Total).Error; err != nil {
		return DomainsPage{}, internal("count domains", err)
	}
	if err := tx.Order(order).Offset((page - 1) * limit).Limit(limit).Find(&out.Domains).Error; err != nil {
		return DomainsPage{}, internal("list domains", err)
	}
	if err := s.FillDomains(ctx, out.Domains); err != nil {
		return DomainsPage{}, err
	}
	return out, nil
}

// DeleteDomain removes a domain and its timeline, writing domain.deleted
// in the same transaction. It does nothing at the providers: the
// workflows' DeleteDomain detaches Messaging Services and cleans up DNS
// first, then calls DeleteDomainTx.
func (s *Store) DeleteDomain(ctx context.Context, sc Scope, id, actor string) error {
	d, err := s.GetDomain(ctx, sc, id)
	if err != nil {
		return err
	}
	return s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		return s.DeleteDomainTx(tx, d, actor, nil)
	})
}

// DeleteDomainTx deletes d (its timeline, credentials and registrations go
// with it) inside tx and emits domain.deleted with the domain as it was
// and extra (e.g. what happened to its DNS record). A domain already gone
// is not found.
func (s *Store) DeleteDomainTx(tx *gorm.DB, d *Domain, actor string, extra map[string]any) error {
	sids, err := messagingSIDsTx(tx, d.ID)
	if err != nil {
		return err
	}
	snap := *d
	snap.MessagingServiceSIDs = sids
	res := tx.Where("id = ?", d.ID).Delete(&Domain{})
	if res.Error != nil {
		return internal("delete domain", res.Error)
	}
	if res.RowsAffected == 0 {
		return NotFound("domain")
	}
	data := map[string]any{"domain": snap.View(), "previous_status": d.Status, "actor": actor}
	for k, v := range extra {
		data[k] = v
	}
	return s.EmitTx(tx, EventDomainDeleted, d.ClientID, data)
}

// CountDomainsByStatus returns how many domains have each status.
func (s *Store) CountDomainsByStatus(ctx context.Context) (map[Status]int64, error) {
	var rows []struct {
		Status Status
		N      int64
	}
	if err := s.gorm(ctx).Model(&Domain{}).Select("status, count(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		return nil, internal("count domains", err)
	}
	out := make(map[Status]int64, len(rows))
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// SetStatusReason records the latest problem (or "" when it cleared)
// without a timeline entry: retries and polls update it often.
func (s *Store) SetStatusReason(ctx context.Context, domainID, reason string) error {
	err := s.gorm(ctx).Model(&Domain{}).Where("id = ?", domainID).
		Updates(map[string]any{"status_reason": reason, "updated_at": s.Now()}).Error
	return internal("set status reason", err)
}

// DomainIDsIn returns up to limit ids of domains whose status is in set,
// in id order after the id after ("" from the start): the workflows walk
// every live domain a page at a time.
func (s *Store) DomainIDsIn(ctx context.Context, set StatusSet, after string, limit int) ([]string, error) {
	var ids []string
	err := s.gorm(ctx).Model(&Domain{}).Where("status IN ? AND id > ?", []Status(set), after).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, internal("list domain ids", err)
	}
	return ids, nil
}

// DomainByID reads a domain for the workflows, in tx when given.
func (s *Store) DomainByID(ctx context.Context, tx *gorm.DB, id string) (*Domain, error) {
	if tx == nil {
		tx = s.gorm(ctx)
	}
	var d Domain
	err := tx.Where("id = ?", id).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("domain")
	}
	if err != nil {
		return nil, internal("get domain", err)
	}
	return &d, nil
}
