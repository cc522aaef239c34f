package main

import (
	"context"

	"github.com/linkgate/linkgate/models"
)

// statement is one SQL statement with its arguments, as the store runs it.
type statement struct {
	SQL  string
	Args []any
}

// listDomains calls Store.ListDomains as an admin and returns the page and
// the statement it runs (Store.DomainPageStatement), so that the bare-SQL
// runs issue exactly what the store issues.
func (e *env) listDomains(ctx context.Context, q models.DomainQuery) (models.DomainPage, statement, error) {
	sql, args, err := e.store.DomainPageStatement(ctx, models.Scope{}, q)
	if err != nil {
		return models.DomainPage{}, statement{}, err
	}
	page, err := e.store.ListDomains(ctx, models.Scope{}, q)
	return page, statement{SQL: sql, Args: args}, err
}
