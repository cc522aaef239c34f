package models

// Bulk actions on domains (POST /domains/actions): one action on up to
// MaxBulkItems domains, one result per id, each standing alone. The pool
// actions are done here for the whole list at once; the others are one
// call per domain, chosen by the handler.

import (
	"context"
	"strings"

	"gorm.io/gorm"
)

// DomainAction names a bulk action.
type DomainAction string

// The bulk actions.
const (
	ActionArchive        DomainAction = "archive"
	ActionRestore        DomainAction = "restore"
	ActionAddToPool      DomainAction = "add_to_pool"
	ActionRemoveFromPool DomainAction = "remove_from_pool"
	ActionDelete         DomainAction = "delete"
)

// DomainActions lists every bulk action.
var DomainActions = []DomainAction{ActionArchive, ActionRestore, ActionAddToPool, ActionRemoveFromPool, ActionDelete}

// Valid reports whether a is a known action.
func (a DomainAction) Valid() bool {
	for _, v := range DomainActions {
		if a == v {
			return true
		}
	}
	return false
}

// OnPool reports whether the action needs a pool.
func (a DomainAction) OnPool() bool { return a == ActionAddToPool || a == ActionRemoveFromPool }

// DomainActionsInput is a bulk action request.
type DomainActionsInput struct {
	Action    DomainAction
	DomainIDs []string
	PoolID    string
}

// Check validates the request as a whole: the action, the list (1 to
// MaxBulkItems ids, none twice) and the pool id where the action needs one.
func (in DomainActionsInput) Check() error {
	var fields []FieldError
	if !in.Action.Valid() {
		names := make([]string, len(DomainActions))
		for i, a := range DomainActions {
			names[i] = string(a)
		}
		fields = append(fields, FieldError{"action", "must be one of " + strings.Join(names, ", ")})
	}
	if err := checkBulkList("domain_ids", len(in.DomainIDs)); err != nil {
		fields = append(fields, err.(*Error).Fields...)
	} else {
		checkIDList("domain_ids", in.DomainIDs, MaxBulkItems, &fields)
	}
	if in.Action.OnPool() && strings.TrimSpace(in.PoolID) == "" {
		fields = append(fields, FieldError{"pool_id", "is required for " + string(in.Action)})
	}
	return invalidFields("invalid_action", fields)
}

// DomainActionResult is the outcome of a bulk action on one domain:
// Domain (nil once deleted) when it was done, Err (a *Error) when not.
type DomainActionResult struct {
	DomainID string
	Domain   *Domain
	Err      error
}

// visibleDomains reads the domains of ids visible in scope, by id.
func (s *Store) visibleDomains(ctx context.Context, sc Scope, ids []string) (map[string]*Domain, error) {
	q := s.gorm(ctx).Where("id IN ?", ids)
	if !sc.Admin() {
		q = q.Where("client_id = ?", sc.ClientID)
	}
	var rows []*Domain
	if err := q.Find(&rows).Error; err != nil {
		return nil, internal("read domains", err)
	}
	out := make(map[string]*Domain, len(rows))
	for _, d := range rows {
		out[d.ID] = d
	}
	return out, nil
}

// PoolDomainsAction adds the domains to a pool (after its last domain, in
// the order given; ids already in it keep their place) or removes them
// from it, in one transaction. A pool not visible in scope fails the call
// (404); a domain not visible fails its row (not_found), as do a domain of
// another client than the pool's (add) and one not in the pool (remove).
func (s *Store) PoolDomainsAction(ctx context.Context, sc Scope, in DomainActionsInput) ([]DomainActionResult, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	if !in.Action.OnPool() {
		return nil, Invalid("invalid_action", "action", "is not a pool action")
	}
	p, err := s.poolTx(s.gorm(ctx), sc, in.PoolID)
	if err != nil {
		return nil, err
	}
	byID, err := s.visibleDomains(ctx, sc, in.DomainIDs)
	if err != nil {
		return nil, err
	}
	out := make([]DomainActionResult, len(in.DomainIDs))
	var eligible []string
	for i, id := range in.DomainIDs {
		out[i].DomainID = id
		d, ok := byID[id]
		switch {
		case !ok:
			out[i].Err = NotFound("domain")
		case d.ClientID != p.ClientID:
			out[i].Err = Invalid("unknown_domain", "domain_id", "not a domain of the pool's client")
		default:
			eligible = append(eligible, id)
		}
	}
	var missing map[string]bool
	err = s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		if len(eligible) == 0 {
			return nil
		}
		if err := s.lockPoolTx(tx, p); err != nil {
			return err
		}
		if in.Action == ActionAddToPool {
			return appendPoolDomainsTx(tx, p.ID, eligible)
		}
		var present []string
		if err := tx.Model(&PoolDomain{}).Where("pool_id = ? AND domain_id IN ?", p.ID, eligible).Pluck("domain_id", &present).Error; err != nil {
			return err
		}
		missing = make(map[string]bool, len(eligible))
		for _, id := range eligible {
			missing[id] = true
		}
		for _, id := range present {
			delete(missing, id)
		}
		if len(present) == 0 {
			return nil
		}
		return tx.Where("pool_id = ? AND domain_id IN ?", p.ID, present).Delete(&PoolDomain{}).Error
	})
	if err != nil {
		return nil, internal("pool action", err)
	}
	var done []*Domain
	for i := range out {
		id := out[i].DomainID
		switch {
		case out[i].Err != nil:
		case missing[id]:
			out[i].Err = notInPool()
		default:
			out[i].Domain = byID[id]
			done = append(done, byID[id])
		}
	}
	if err := s.FillDomains(ctx, done); err != nil {
		return nil, err
	}
	return out, nil
}
