package models

// Bulk add (API.md "Domain management"): up to MaxBulkItems names, one
// result per name, each standing alone. Every name is validated exactly
// as a single add (newDomain); the names that pass and are free are
// stored in one transaction.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// MaxBulkItems bounds the lists of the bulk endpoints.
const MaxBulkItems = 500

// BulkDomainResult is the outcome of one name of a bulk add: Domain when
// it was added, Err (a *Error) when not.
type BulkDomainResult struct {
	Input  string
	Domain *Domain
	Err    error
}

// checkBulkList refuses an empty list or one over MaxBulkItems, naming field.
func checkBulkList(field string, n int) error {
	if n < 1 || n > MaxBulkItems {
		return Invalid("invalid_"+field, field, fmt.Sprintf("must list 1 to %d items", MaxBulkItems))
	}
	return nil
}

// bulkDuplicate is the error of a name that is already registered or
// comes again in the same list: bulk rows say "duplicate" where a single
// add says "domain_taken".
func bulkDuplicate(host, why string) *Error {
	return Conflict("duplicate", "domain", host+" "+why)
}

// CreateDomains adds many domains to a client (a bulk add). subdomain
// applies to every name as in a single add, and so does screen (the
// reputation check; nil: none). The call fails as a whole
// only for a client not visible in scope, a bad list, or a fault.
func (s *Store) CreateDomains(ctx context.Context, sc Scope, clientID string, names []string, subdomain *string, screen func(context.Context, string) error, dns DNSDefaults, actor string) ([]BulkDomainResult, error) {
	if err := checkBulkList("domains", len(names)); err != nil {
		return nil, err
	}
	if _, err := s.GetClient(ctx, sc, clientID); err != nil {
		return nil, err
	}
	out := make([]BulkDomainResult, len(names))
	seen := make(map[string]bool, len(names))
	var fresh []int // indexes of out whose domain is to be stored
	for i, name := range names {
		out[i].Input = name
		d, err := s.newDomain(ctx, clientID, DomainInput{Domain: name, Subdomain: subdomain, Screen: screen}, dns)
		switch {
		case err != nil:
			out[i].Err = err
		case seen[d.Host]:
			out[i].Err = bulkDuplicate(d.Host, "is listed more than once")
		default:
			seen[d.Host] = true
			out[i].Domain = d
			fresh = append(fresh, i)
		}
	}
	if len(fresh) == 0 {
		return out, nil
	}
	hosts := make([]string, len(fresh))
	for j, i := range fresh {
		hosts[j] = out[i].Domain.Host
	}
	var taken []string
	if err := s.gorm(ctx).Model(&Domain{}).Where("host IN ?", hosts).Pluck("host", &taken).Error; err != nil {
		return nil, internal("bulk add domains", err)
	}
	isTaken := make(map[string]bool, len(taken))
	for _, h := range taken {
		isTaken[h] = true
	}
	var ds []*Domain
	kept := fresh[:0]
	for _, i := range fresh {
		if d := out[i].Domain; isTaken[d.Host] {
			out[i].Domain, out[i].Err = nil, bulkDuplicate(d.Host, "is already registered")
			continue
		}
		kept = append(kept, i)
		ds = append(ds, out[i].Domain)
	}
	// Inserted in host order: concurrent bulk adds that share hosts then
	// take the unique index's entries in one order, and wait for each
	// other instead of deadlocking (PostgreSQL).
	sorted := slices.Clone(ds)
	slices.SortFunc(sorted, func(a, b *Domain) int { return strings.Compare(a.Host, b.Host) })
	err := s.gorm(ctx).Transaction(func(tx *gorm.DB) error { return s.insertDomainsTx(tx, sorted, actor) })
	switch {
	case err == nil:
		return out, nil
	case isUniqueViolation(err):
		// Another request took one of the hosts since they were checked:
		// store them one by one, so that only the taken ones fail.
		return s.createDomainsOneByOne(ctx, out, kept, actor)
	case isForeignKeyViolation(err):
		return nil, NotFound("client")
	}
	return nil, internal("bulk add domains", err)
}

// createDomainsOneByOne stores the domains of out[kept] each in its own
// transaction.
func (s *Store) createDomainsOneByOne(ctx context.Context, out []BulkDomainResult, kept []int, actor string) ([]BulkDomainResult, error) {
	for _, i := range kept {
		d := out[i].Domain
		err := s.gorm(ctx).Transaction(func(tx *gorm.DB) error { return s.insertDomainsTx(tx, []*Domain{d}, actor) })
		switch {
		case err == nil:
		case isUniqueViolation(err):
			out[i].Domain, out[i].Err = nil, bulkDuplicate(d.Host, "is already registered")
		case isForeignKeyViolation(err):
			return nil, NotFound("client")
		default:
			return nil, internal("bulk add domains", err)
		}
	}
	return out, nil
}
