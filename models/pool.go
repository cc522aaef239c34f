package models

// Pools (API.md "Domain management"): a named list of one client's
// domains in rotation order. A domain may be in several pools of its
// client; deleting a pool or a domain removes its pool_domains rows
// (ON DELETE CASCADE).

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Pool limits.
const (
	MaxPoolNameLength = 100
	// MaxPoolDomainIDs bounds one request's domain_ids list.
	MaxPoolDomainIDs = 1000
)

// Pool is a client's ordered set of domains.
type Pool struct {
	ID        string    `gorm:"primaryKey"`
	ClientID  string    `gorm:"not null"`
	Name      string    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`

	// DomainIDs is read from pool_domains, in position order.
	DomainIDs []string `gorm:"-"`
}

// PoolDomain puts a domain in a pool at a position (ascending = rotation
// order).
type PoolDomain struct {
	PoolID   string `gorm:"primaryKey"`
	DomainID string `gorm:"primaryKey"`
	Position int    `gorm:"not null"`
}

// PoolView is the API representation of a pool.
type PoolView struct {
	ID        string    `json:"id"`
	ClientID  string    `json:"client_id"`
	Name      string    `json:"name"`
	DomainIDs []string  `json:"domain_ids"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// View returns the API representation.
func (p *Pool) View() PoolView {
	return PoolView{ID: p.ID, ClientID: p.ClientID, Name: p.Name, DomainIDs: append([]string{}, p.DomainIDs...),
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
}

// PoolInput creates a pool.
type PoolInput struct {
	Name      string
	DomainIDs []string
}

// PoolPatch changes a pool; nil fields stay as they are. DomainIDs is the
// whole new list, in order.
type PoolPatch struct {
	Name      *string
	DomainIDs *[]string
}

func validatePoolName(name string, fields *[]FieldError) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		*fields = append(*fields, FieldError{"name", "is required"})
	case utf8.RuneCountInString(name) > MaxPoolNameLength:
		*fields = append(*fields, FieldError{"name", fmt.Sprintf("must be at most %d characters", MaxPoolNameLength)})
	}
	return name
}

// checkIDList refuses a list that is too long or names an id twice; the
// field is named in the error.
func checkIDList(field string, ids []string, max int, fields *[]FieldError) {
	if len(ids) > max {
		*fields = append(*fields, FieldError{field, fmt.Sprintf("must have at most %d ids", max)})
		return
	}
	seen := make(map[string]bool, len(ids))
	var dups []string
	for _, id := range ids {
		if seen[id] {
			dups = append(dups, id)
		}
		seen[id] = true
	}
	if len(dups) > 0 {
		*fields = append(*fields, FieldError{field, "lists an id more than once: " + strings.Join(dups, ", ")})
	}
}

func poolNameTaken() error {
	return Conflict("duplicate", "name", "the client already has a pool with this name")
}

// clientDomainsTx checks that every id is a link-shortening domain of the
// client (a url_tracking domain never sends); the ids that are not are
// listed in one field error naming field.
func clientDomainsTx(tx *gorm.DB, clientID, field string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	var found []string
	if err := tx.Model(&Domain{}).Where("client_id = ? AND id IN ? AND purpose = ?", clientID, ids, PurposeLinkShortening).Pluck("id", &found).Error; err != nil {
		return internal("check pool domains", err)
	}
	have := make(map[string]bool, len(found))
	for _, id := range found {
		have[id] = true
	}
	var missing []string
	for _, id := range ids {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return Invalid("unknown_domain", field, "not domains of the pool's client: "+strings.Join(missing, ", "))
	}
	return nil
}

// lockPoolTx bumps the pool's updated_at, which also serialises changes
// of one pool's list (the row lock on PostgreSQL; SQLite has one writer).
func (s *Store) lockPoolTx(tx *gorm.DB, p *Pool) error {
	p.UpdatedAt = s.Now()
	res := tx.Model(&Pool{}).Where("id = ?", p.ID).Update("updated_at", p.UpdatedAt)
	if res.Error != nil {
		return internal("lock pool", res.Error)
	}
	if res.RowsAffected == 0 {
		return NotFound("pool")
	}
	return nil
}

// appendPoolDomainsTx adds ids after the pool's last domain, in order,
// skipping those already in it.
func appendPoolDomainsTx(tx *gorm.DB, poolID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	var last *int
	if err := tx.Model(&PoolDomain{}).Where("pool_id = ?", poolID).Select("MAX(position)").Scan(&last).Error; err != nil {
		return internal("append pool domains", err)
	}
	next := 0
	if last != nil {
		next = *last + 1
	}
	rows := make([]PoolDomain, len(ids))
	for i, id := range ids {
		rows[i] = PoolDomain{PoolID: poolID, DomainID: id, Position: next + i}
	}
	err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 500).Error
	return internal("append pool domains", err)
}

// CreatePool validates and stores a pool of the client's domains.
func (s *Store) CreatePool(ctx context.Context, sc Scope, clientID string, in PoolInput) (*Pool, error) {
	if _, err := s.GetClient(ctx, sc, clientID); err != nil {
		return nil, err
	}
	var fields []FieldError
	p := &Pool{ID: NewID(PrefixPool), ClientID: clientID, CreatedAt: s.Now()}
	p.UpdatedAt = p.CreatedAt
	p.Name = validatePoolName(in.Name, &fields)
	checkIDList("domain_ids", in.DomainIDs, MaxPoolDomainIDs, &fields)
	if err := invalidFields("invalid_pool", fields); err != nil {
		return nil, err
	}
	err := s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		if err := clientDomainsTx(tx, clientID, "domain_ids", in.DomainIDs); err != nil {
			return err
		}
		if err := tx.Create(p).Error; err != nil {
			if isUniqueViolation(err) {
				return poolNameTaken()
			}
			return err
		}
		return appendPoolDomainsTx(tx, p.ID, in.DomainIDs)
	})
	if isForeignKeyViolation(err) {
		return nil, NotFound("client")
	}
	if err != nil {
		return nil, internal("create pool", err)
	}
	p.DomainIDs = append([]string{}, in.DomainIDs...)
	return p, nil
}

// GetPool returns one pool visible in scope, with its domains in order.
func (s *Store) GetPool(ctx context.Context, sc Scope, id string) (*Pool, error) {
	p, err := s.poolTx(s.gorm(ctx), sc, id)
	if err != nil {
		return nil, err
	}
	if err := s.fillPoolDomains(ctx, []*Pool{p}); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Store) poolTx(tx *gorm.DB, sc Scope, id string) (*Pool, error) {
	var p Pool
	q := tx.Where("id = ?", id)
	if !sc.Admin() {
		q = q.Where("client_id = ?", sc.ClientID)
	}
	err := q.Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("pool")
	}
	if err != nil {
		return nil, internal("get pool", err)
	}
	return &p, nil
}

// PoolQuery lists one client's pools.
type PoolQuery struct {
	ClientID string
	PageQuery
}

// PoolPage is one page of pools; Next is "" on the last page.
type PoolPage struct {
	Pools []*Pool
	Next  string
}

// ListPools returns a client's pools newest first, a keyset page at a time.
func (s *Store) ListPools(ctx context.Context, sc Scope, q PoolQuery) (PoolPage, error) {
	if _, err := s.GetClient(ctx, sc, q.ClientID); err != nil {
		return PoolPage{}, err
	}
	limit, err := q.limit()
	if err != nil {
		return PoolPage{}, err
	}
	tx := s.gorm(ctx).Where("client_id = ?", q.ClientID)
	if q.Cursor != "" {
		after, err := decodeCursor(PrefixPool, q.Cursor)
		if err != nil {
			return PoolPage{}, err
		}
		tx = tx.Where("id < ?", after)
	}
	var rows []*Pool
	if err := tx.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return PoolPage{}, internal("list pools", err)
	}
	page := PoolPage{Pools: rows}
	if len(rows) > limit {
		page.Pools = rows[:limit]
		page.Next = encodeCursor(rows[limit-1].ID)
	}
	if err := s.fillPoolDomains(ctx, page.Pools); err != nil {
		return PoolPage{}, err
	}
	return page, nil
}

// UpdatePool renames a pool and/or replaces its list of domains.
func (s *Store) UpdatePool(ctx context.Context, sc Scope, id string, in PoolPatch) (*Pool, error) {
	p, err := s.GetPool(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	var fields []FieldError
	if in.Name != nil {
		p.Name = validatePoolName(*in.Name, &fields)
	}
	if in.DomainIDs != nil {
		checkIDList("domain_ids", *in.DomainIDs, MaxPoolDomainIDs, &fields)
	}
	if err := invalidFields("invalid_pool", fields); err != nil {
		return nil, err
	}
	err = s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockPoolTx(tx, p); err != nil {
			return err
		}
		if in.Name != nil {
			if err := tx.Model(&Pool{}).Where("id = ?", p.ID).Update("name", p.Name).Error; err != nil {
				if isUniqueViolation(err) {
					return poolNameTaken()
				}
				return err
			}
		}
		if in.DomainIDs == nil {
			return nil
		}
		if err := clientDomainsTx(tx, p.ClientID, "domain_ids", *in.DomainIDs); err != nil {
			return err
		}
		if err := tx.Where("pool_id = ?", p.ID).Delete(&PoolDomain{}).Error; err != nil {
			return err
		}
		return appendPoolDomainsTx(tx, p.ID, *in.DomainIDs)
	})
	if err != nil {
		return nil, internal("update pool", err)
	}
	if err := s.fillPoolDomains(ctx, []*Pool{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// DeletePool removes a pool (its domains stay).
func (s *Store) DeletePool(ctx context.Context, sc Scope, id string) error {
	p, err := s.poolTx(s.gorm(ctx), sc, id)
	if err != nil {
		return err
	}
	res := s.gorm(ctx).Where("id = ?", p.ID).Delete(&Pool{})
	if res.Error != nil {
		return internal("delete pool", res.Error)
	}
	if res.RowsAffected == 0 {
		return NotFound("pool")
	}
	return nil
}

// AddPoolDomains appends the client's domains to the pool in the order
// given; ids already in it keep their place.
func (s *Store) AddPoolDomains(ctx context.Context, sc Scope, id string, domainIDs []string) (*Pool, error) {
	p, err := s.poolTx(s.gorm(ctx), sc, id)
	if err != nil {
		return nil, err
	}
	var fields []FieldError
	if len(domainIDs) == 0 {
		fields = append(fields, FieldError{"domain_ids", "must list at least one id"})
	}
	checkIDList("domain_ids", domainIDs, MaxPoolDomainIDs, &fields)
	if err := invalidFields("invalid_pool", fields); err != nil {
		return nil, err
	}
	err = s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockPoolTx(tx, p); err != nil {
			return err
		}
		if err := clientDomainsTx(tx, p.ClientID, "domain_ids", domainIDs); err != nil {
			return err
		}
		return appendPoolDomainsTx(tx, p.ID, domainIDs)
	})
	if err != nil {
		return nil, internal("add pool domains", err)
	}
	if err := s.fillPoolDomains(ctx, []*Pool{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// RemovePoolDomain takes a domain out of a pool; a domain that is not in
// it is not found.
func (s *Store) RemovePoolDomain(ctx context.Context, sc Scope, id, domainID string) error {
	p, err := s.poolTx(s.gorm(ctx), sc, id)
	if err != nil {
		return err
	}
	// The pool first, as every change of its list does, so that two
	// changes never wait for each other's rows.
	return s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockPoolTx(tx, p); err != nil {
			return err
		}
		res := tx.Where("pool_id = ? AND domain_id = ?", p.ID, domainID).Delete(&PoolDomain{})
		if res.Error != nil {
			return internal("remove pool domain", res.Error)
		}
		if res.RowsAffected == 0 {
			return notInPool()
		}
		return nil
	})
}

func notInPool() *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Detail: "domain not found in the pool"}
}

func (s *Store) fillPoolDomains(ctx context.Context, ps []*Pool) error {
	return fillEach(ctx, s, ps, func(p *Pool) string { return p.ID }, func(p *Pool) { p.DomainIDs = nil },
		"pool_id", "pool_id, position, domain_id", "pool domains",
		func(r PoolDomain) string { return r.PoolID },
		func(p *Pool, r PoolDomain) { p.DomainIDs = append(p.DomainIDs, r.DomainID) })
}

// fillPools sets each domain's PoolIDs (oldest pool first) with one query.
func (s *Store) fillPools(ctx context.Context, ds []*Domain) error {
	return fillEach(ctx, s, ds, (*Domain).key, func(d *Domain) { d.PoolIDs = nil },
		"domain_id", "pool_id", "domain pools",
		func(r PoolDomain) string { return r.DomainID },
		func(d *Domain, r PoolDomain) { d.PoolIDs = append(d.PoolIDs, r.PoolID) })
}

// FillDomains reads what a domain's view shows besides its row (its
// Messaging Services and pools) for many domains, a query per kind.
func (s *Store) FillDomains(ctx context.Context, ds []*Domain) error {
	if err := s.fillMessagingServices(ctx, ds); err != nil {
		return err
	}
	return s.fillPools(ctx, ds)
}
