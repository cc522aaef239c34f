package models

import (
	"context"
	"database/sql"
	"errors"

	"gorm.io/gorm"
)

// ArchiveDomains archives the domains of ids visible in scope, each row
// on its own as ArchiveDomain would (an invisible id is not found, a
// status that may not be archived is that row's invalid_state), but in
// one transaction: one commit for the whole list instead of one per
// domain. A fault in that transaction (not a refusal, which is decided
// before writing) falls back to one transaction per domain, so one bad
// row never fails the others.
func (s *Store) ArchiveDomains(ctx context.Context, sc Scope, ids []string, actor string) ([]DomainActionResult, error) {
	if err := checkBulkList("domain_ids", len(ids)); err != nil {
		return nil, err
	}
	byID, err := s.visibleDomains(ctx, sc, ids)
	if err != nil {
		return nil, err
	}
	out := make([]DomainActionResult, len(ids))
	var todo []int
	for i, id := range ids {
		out[i].DomainID = id
		d, ok := byID[id]
		switch {
		case !ok:
			out[i].Err = NotFound("domain")
		default:
			if err := Archivable.Check(d.Status, "archived"); err != nil {
				out[i].Err = err
				continue
			}
			todo = append(todo, i)
		}
	}
	change := func(tx *gorm.DB, i int) error {
		d := byID[ids[i]]
		return s.ApplyTx(tx, d, Change{To: StatusArchived, Reason: "archived", Actor: actor})
	}
	var conflicts []int // rows that changed meanwhile (ApplyTx's version check)
	err = s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		conflicts = conflicts[:0]
		for _, i := range todo {
			if err := change(tx, i); err != nil {
				if errors.Is(err, ErrConflict) {
					conflicts = append(conflicts, i)
					continue
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Decide each row alone, re-read in its own transaction.
		for _, i := range todo {
			out[i].Domain, out[i].Err = s.ArchiveDomain(ctx, sc, ids[i], actor)
		}
	} else {
		for _, i := range todo {
			out[i].Domain = byID[ids[i]]
		}
		for _, i := range conflicts {
			out[i].Domain, out[i].Err = s.ArchiveDomain(ctx, sc, ids[i], actor)
		}
	}
	var done []*Domain
	for i := range out {
		if out[i].Err == nil && out[i].Domain != nil {
			done = append(done, out[i].Domain)
		}
	}
	if err := s.FillDomains(ctx, done); err != nil {
		return nil, err
	}
	return out, nil
}
