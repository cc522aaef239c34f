package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TakeAndMark counts one unit per row it marks and nothing else: rows
// another sender took are skipped without a unit, the client's limit caps
// the chunk, and concurrent senders over the same rows together mark each
// row once and take exactly that many units.
func TestTakeAndMarkUnitsFollowRows(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, nil)
		cl := mustClient(t, s, "Acme", "owner@acme.com")
		setLimit(t, s, cl.ID, ptr(int64(30)))
		d := configured(t, s, cl.ID, "acme.com")
		c, err := s.CreateCampaign(ctx, models.Scope{}, cl.ID, models.CampaignInput{Name: "Sale", Variants: []models.VariantInput{{Body: ptr("Hi")}}})
		if err != nil {
			t.Fatal(err)
		}
		var in []models.RecipientRow
		for i := range 40 {
			in = append(in, models.RecipientRow{Line: i + 1, Phone: fmt.Sprintf("4479000%05d", i)})
		}
		if _, err := s.AddRecipients(ctx, models.Scope{}, c.ID, &models.SliceRecipients{Rows: in}, nil); err != nil {
			t.Fatal(err)
		}
		rows, err := s.RecipientsIn(ctx, c.ID, models.MessagePending, 40)
		if err != nil || len(rows) != 40 {
			t.Fatal(err, len(rows))
		}

		// Two rows are already taken (by MarkSending, which takes no
		// unit): a chunk of five over them marks three and takes three.
		if m, err := s.MarkSending(ctx, c, d.ID, rows[:2]); err != nil || len(m) != 2 {
			t.Fatal(err, len(m))
		}
		r, marked, used, err := s.TakeAndMark(ctx, c, d.ID, rows[:5])
		if err != nil || len(marked) != 3 || used != 5 || r.MessagesSent != 3 || !r.Taken {
			t.Fatalf("first chunk: %+v marked %d used %d %v; want 3 marked of 5, 3 sent", r, len(marked), used, err)
		}

		// Eight senders race over the other 35 rows in chunks of 4: the
		// limit leaves 27 units, so 27 rows are marked, each once.
		rest := rows[5:]
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pending := rest
				for len(pending) > 0 {
					_, m, used, err := s.TakeAndMark(ctx, c, d.ID, pending[:min(4, len(pending))])
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					for _, row := range m {
						seen[row.ID]++
					}
					mu.Unlock()
					if used == 0 {
						return // spent
					}
					pending = pending[used:]
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("row %s marked %d times", id, n)
			}
		}
		got, err := s.DomainByID(ctx, nil, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		var sending int64
		if err := db.Gorm.Model(&models.CampaignRecipient{}).Where("campaign_id = ? AND status = ?", c.ID, models.MessageSending).Count(&sending).Error; err != nil {
			t.Fatal(err)
		}
		if len(seen) != 27 || got.MessagesSent != 30 || got.Status != models.StatusReachedLimit || sending != 32 {
			t.Fatalf("raced: %d rows marked, messages_sent %d, status %s, %d rows sending; want 27, 30, reached_limit, 32 (2 without units)",
				len(seen), got.MessagesSent, got.Status, sending)
		}
		// Spent: nothing more is marked or taken.
		r, marked, used, err = s.TakeAndMark(ctx, c, d.ID, rows[39:])
		if err != nil || r.Taken || len(marked) != 0 || used != 0 {
			t.Fatalf("spent domain: %+v marked %d used %d %v", r, len(marked), used, err)
		}
	})
}
