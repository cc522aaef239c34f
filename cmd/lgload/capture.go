package main

import (
	"context"
	"fmt"
	"sync"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
)

// statement is one SQL statement with its arguments, as GORM sent it.
type statement struct {
	SQL  string
	Args []any
}

// capture records the statements GORM runs on the domains table while
// armed, so that the bare-SQL runs issue exactly what the store issues.
type capture struct {
	mu    sync.Mutex
	armed bool
	got   []statement
}

func installCapture(db *models.DB) (*capture, error) {
	c := &capture{}
	record := func(tx *gorm.DB) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.armed || tx.Statement.Table != "domains" {
			return
		}
		c.got = append(c.got, statement{SQL: tx.Statement.SQL.String(), Args: append([]any(nil), tx.Statement.Vars...)})
	}
	// Find runs the query callbacks; Rows and Row run the row callbacks.
	cb := db.Gorm.Callback()
	if err := cb.Query().After("gorm:query").Register("lgload:capture", record); err != nil {
		return nil, fmt.Errorf("install capture: %w", err)
	}
	if err := cb.Row().After("gorm:row").Register("lgload:capture", record); err != nil {
		return nil, fmt.Errorf("install capture: %w", err)
	}
	return c, nil
}

// listDomains calls Store.ListDomains as an admin and returns the page and
// the one statement it ran.
func (e *env) listDomains(ctx context.Context, q models.DomainQuery) (models.DomainPage, statement, error) {
	e.capture.mu.Lock()
	e.capture.armed, e.capture.got = true, nil
	e.capture.mu.Unlock()
	page, err := e.store.ListDomains(ctx, models.Scope{}, q)
	e.capture.mu.Lock()
	got := e.capture.got
	e.capture.armed, e.capture.got = false, nil
	e.capture.mu.Unlock()
	if err != nil {
		return page, statement{}, err
	}
	if len(got) != 1 {
		return page, statement{}, fmt.Errorf("ListDomains ran %d statements on domains, want 1", len(got))
	}
	return page, got[0], nil
}
