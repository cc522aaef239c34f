package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// nextNotice waits up to d for a notice of campaign id (others are
// skipped) and reports whether it came.
func nextNotice(t *testing.T, ch <-chan models.CampaignNotice, id string, d time.Duration) bool {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		select {
		case n, ok := <-ch:
			if !ok {
				t.Fatal("the feed closed")
			}
			if n.CampaignID == id {
				return true
			}
		case <-deadline.C:
			return false
		}
	}
}

func newLiveCampaign(t *testing.T, s *models.Store, name string) *models.Campaign {
	t.Helper()
	cl := newTestClient(t, s, strings.ReplaceAll(strings.ToLower(name), " ", ".")+"@acme.com")
	c, err := s.CreateCampaign(context.Background(), models.Scope{}, cl.ID, models.CampaignInput{Name: name,
		Variants: []models.VariantInput{{Body: ptr("Hi")}}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A committed change (an edit, a status change, a counter) reaches the
// watchers; a rolled-back one does not; bursts are coalesced; on
// PostgreSQL a second Store (another replica's listener) sees the first's
// changes; closing the Store closes its watchers' channels.
func TestWatchCampaigns(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s := models.NewStore(db, nil)
		other := models.NewStore(db, nil)
		defer other.Close()
		c := newLiveCampaign(t, s, "live")
		ch, err := s.WatchCampaigns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		otherCh, err := other.WatchCampaigns(ctx)
		if err != nil {
			t.Fatal(err)
		}

		// An edit.
		name := "live 2"
		if _, err := s.UpdateCampaign(ctx, models.Scope{}, c.ID, models.CampaignPatch{Name: &name}); err != nil {
			t.Fatal(err)
		}
		if !nextNotice(t, ch, c.ID, 5*time.Second) {
			t.Fatal("no notice of the edit")
		}
		if !nextNotice(t, otherCh, c.ID, 5*time.Second) {
			t.Fatal("the other store saw no notice of the edit")
		}

		// A rolled-back counter: nothing.
		boom := errors.New("boom")
		err = db.Gorm.Transaction(func(tx *gorm.DB) error {
			if err := s.BumpCampaignStatsTx(tx, c.ID, models.StatsDelta{Sent: 1}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if nextNotice(t, ch, c.ID, time.Second) {
			t.Fatal("a rolled-back change was told")
		}

		// A burst of committed counters: told, and coalesced.
		for range 20 {
			if err := db.Gorm.Transaction(func(tx *gorm.DB) error {
				return s.BumpCampaignStatsTx(tx, c.ID, models.StatsDelta{Sent: 1})
			}); err != nil {
				t.Fatal(err)
			}
		}
		if !nextNotice(t, otherCh, c.ID, 5*time.Second) {
			t.Fatal("the other store saw no notice of the counters")
		}
		n := 0
		for nextNotice(t, ch, c.ID, time.Second) {
			n++
		}
		if n == 0 || n > 5 {
			t.Errorf("%d notices for a burst of 20 counters", n)
		}
		v, ok, err := s.LiveCampaign(ctx, models.Scope{}, models.CampaignQuery{}, c.ID)
		if err != nil || !ok || v.Sent != 20 || v.Name != "live 2" {
			t.Fatalf("live view: %v %v %+v", err, ok, v)
		}

		// A status change.
		if _, err := s.AbortCampaign(ctx, models.Scope{}, c.ID, "test"); err != nil {
			t.Fatal(err)
		}
		if !nextNotice(t, ch, c.ID, 5*time.Second) {
			t.Fatal("no notice of the abort")
		}

		// Closing the Store ends its watchers.
		s.Close()
		select {
		case _, open := <-ch:
			for open {
				_, open = <-ch
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the channel stayed open after Close")
		}
		// Watching a closed Store: a closed channel.
		late, err := s.WatchCampaigns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, open := <-late; open {
			t.Fatal("a notice from a closed Store")
		}
	})
}

// Ending the watcher's context closes its channel.
func TestWatchCampaignsContextEnds(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		ctx, cancel := context.WithCancel(context.Background())
		ch, err := s.WatchCampaigns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		select {
		case _, open := <-ch:
			if open {
				t.Fatal("a notice after cancel")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the channel stayed open")
		}
		// A new watcher after the last one left still works.
		ctx2, cancel2 := context.WithCancel(context.Background())
		defer cancel2()
		ch2, err := s.WatchCampaigns(ctx2)
		if err != nil {
			t.Fatal(err)
		}
		c := newLiveCampaign(t, s, "again")
		if _, err := s.AbortCampaign(ctx2, models.Scope{}, c.ID, "test"); err != nil {
			t.Fatal(err)
		}
		if !nextNotice(t, ch2, c.ID, 5*time.Second) {
			t.Fatal("no notice for the second watcher")
		}
	})
}

// The live view follows the list's filters and the scope.
func TestLiveCampaignFilters(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, nil)
		c := newLiveCampaign(t, s, "Spring Sale")
		for _, tc := range []struct {
			sc   models.Scope
			q    models.CampaignQuery
			want bool
		}{
			{models.Scope{}, models.CampaignQuery{}, true},
			{models.Scope{ClientID: c.ClientID}, models.CampaignQuery{}, true},
			{models.Scope{ClientID: "cl_other"}, models.CampaignQuery{}, false},
			{models.Scope{}, models.CampaignQuery{Q: "spring"}, true},
			{models.Scope{}, models.CampaignQuery{Q: "autumn"}, false},
			{models.Scope{}, models.CampaignQuery{Status: string(models.CampaignDraft)}, true},
			{models.Scope{}, models.CampaignQuery{Status: string(models.CampaignReady)}, false},
			{models.Scope{}, models.CampaignQuery{Active: true}, true},
		} {
			_, ok, err := s.LiveCampaign(ctx, tc.sc, tc.q, c.ID)
			if err != nil || ok != tc.want {
				t.Errorf("%+v %+v: %v %v", tc.sc, tc.q, ok, err)
			}
		}
		if err := s.CheckCampaignQuery(ctx, models.Scope{}, models.CampaignQuery{Status: "nope"}); err == nil {
			t.Error("an unknown status passed")
		}
	})
}

// On PostgreSQL the listener reconnects when its connection drops.
func TestWatchCampaignsReconnects(t *testing.T) {
	db := dbtest.Postgres(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := models.NewStore(db, nil)
	defer s.Close()
	c := newLiveCampaign(t, s, "reconnect")
	ch, err := s.WatchCampaigns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.Gorm.Raw(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND query LIKE 'LISTEN %'`).Scan(&n).Error; err != nil || n != 1 {
		t.Fatalf("terminated %d listeners: %v", n, err)
	}
	// Changes made while it reconnects may be missed; one made after is
	// told.
	deadline := time.Now().Add(15 * time.Second)
	for i := 0; ; i++ {
		name := fmt.Sprintf("reconnect %d", i)
		if _, err := s.UpdateCampaign(ctx, models.Scope{}, c.ID, models.CampaignPatch{Name: &name}); err != nil {
			t.Fatal(err)
		}
		if nextNotice(t, ch, c.ID, time.Second) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no notice after the listener's connection dropped")
		}
	}
}

// On PostgreSQL a burst of counter bumps NOTIFYs a few times, not once a
// bump, and the last notification comes after the burst's last commit.
func TestCampaignCountersNotifySparingly(t *testing.T) {
	db := dbtest.Postgres(t)
	ctx := context.Background()
	s := models.NewStore(db, nil)
	c := newLiveCampaign(t, s, "sparing")
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var pc *pgx.Conn
	if err := conn.Raw(func(dc any) error { pc = dc.(*stdlib.Conn).Conn(); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.Exec(ctx, "LISTEN linkgate_campaigns"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 50 {
		if err := db.Gorm.Transaction(func(tx *gorm.DB) error {
			return s.BumpCampaignStatsTx(tx, c.ID, models.StatsDelta{Sent: 1})
		}); err != nil {
			t.Fatal(err)
		}
	}
	burst := time.Since(start)
	lastCommit := time.Now()
	var n int
	var lastAt time.Time
	for {
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		note, err := pc.WaitForNotification(wctx)
		cancel()
		if err != nil {
			break
		}
		if note.Payload == c.ID {
			n++
			lastAt = time.Now()
		}
	}
	if _, err := pc.Exec(ctx, "UNLISTEN *"); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d notifications for 50 bumps in %s", n, burst)
	if max := int(burst/(200*time.Millisecond)) + 2; n == 0 || n > max {
		t.Errorf("%d notifications for 50 bumps in %s, want 1..%d", n, burst, max)
	}
	if !lastAt.After(lastCommit) {
		t.Errorf("the last notification (%s) came before the last commit (%s)", lastAt, lastCommit)
	}
}
