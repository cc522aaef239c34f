package api

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// A per-domain bulk action that a domain's status does not allow fails
// that row with 409 invalid_state; the rows before and after it are done,
// and an id the scope cannot see is not_found. (restore is stubbed
// here; archive runs the list in one transaction.)
func TestPerDomainActionRowsStandAlone(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, nil)
		h, err := New(Config{Store: s})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		var clients []string
		for i := range 2 {
			c, err := s.CreateClient(ctx, models.ClientInput{Name: "C", Email: fmt.Sprintf("c%d@acme.com", i)})
			if err != nil {
				t.Fatal(err)
			}
			clients = append(clients, c.ID)
			rows, err := s.CreateDomains(ctx, models.Scope{}, c.ID, []string{fmt.Sprintf("a%d.com", i), fmt.Sprintf("b%d.com", i)}, nil, nil, models.DNSDefaults{}, "test")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				ids = append(ids, r.Domain.ID)
			}
		}
		pool, err := s.CreatePool(ctx, models.Scope{}, clients[0], models.PoolInput{Name: "Main", DomainIDs: ids[:1]})
		if err != nil {
			t.Fatal(err)
		}
		var done []string
		h.actions[models.ActionRestore] = func(ctx context.Context, sc models.Scope, id, actor string) (*models.Domain, error) {
			d, err := s.GetDomain(ctx, sc, id)
			if err != nil {
				return nil, err
			}
			if id == ids[1] {
				return nil, models.Conflict("invalid_state", "", "restore is not allowed in this status")
			}
			done = append(done, id)
			d.PoolIDs = nil // the handler fills the views of the rows done
			return d, nil
		}
		in := models.DomainActionsInput{Action: models.ActionRestore, DomainIDs: []string{ids[0], ids[1], ids[2]}}
		rows, err := h.runDomainActions(ctx, models.Scope{ClientID: clients[0]}, "test", in)
		if err != nil {
			t.Fatal(err)
		}
		if rows[0].Err != nil || rows[0].Domain == nil || !slices.Equal(rows[0].Domain.PoolIDs, []string{pool.ID}) {
			t.Errorf("row 0: %+v", rows[0])
		}
		var e *models.Error
		if !errors.As(rows[1].Err, &e) || e.Kind != models.KindConflict || e.Code != "invalid_state" || rows[1].Domain != nil {
			t.Errorf("row 1: %+v, want invalid_state", rows[1])
		}
		if !errors.Is(rows[2].Err, models.ErrNotFound) || rows[2].Domain != nil {
			t.Errorf("row 2 (another client's): %+v, want not_found", rows[2])
		}
		if !slices.Equal(done, []string{ids[0]}) {
			t.Errorf("action done on %v, want only %s", done, ids[0])
		}
		// Refused as a whole before any row: a bad list.
		if _, err := h.runDomainActions(ctx, models.Scope{}, "test", models.DomainActionsInput{Action: "archive"}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("empty list: %v", err)
		}
	})
}
