package redirect_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers/redirect"
	"github.com/linkgate/linkgate/journal"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// Clicks a process answered but did not store (it died between the
// journal and the database) are stored by the next one, each once, even
// when a batch is read twice (stored, then killed before the journal
// knew).
func TestRedirectorStoresWhatTheJournalHolds(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newEnv(t, db)
		_, paths := e.rewrite(t, models.TrackingAll, "Sale https://acme.com/offer")
		ref := paths[0][1:]
		dir := t.TempDir()
		j, err := journal.Open(journal.Config{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		at := time.Now().Add(-time.Minute)
		var visits []models.LinkVisit
		for i := range 3 {
			v := models.LinkVisit{ID: models.NewLinkClickID(at.Add(time.Duration(i) * time.Second)), Ref: ref, Host: platform,
				Method: "GET", UserAgent: phone, At: at.Add(time.Duration(i) * time.Second)}
			visits = append(visits, v)
			if err := j.Append(ctx, redirect.EncodeVisit(v)); err != nil {
				t.Fatal(err)
			}
		}
		// The first one was stored already by the process that died.
		if n, err := e.store.StoreLinkVisits(ctx, visits[:1], 0, false); err != nil || n != 1 {
			t.Fatalf("StoreLinkVisits = %d, %v", n, err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}

		rd, err := redirect.New(redirect.Config{Store: e.store, Logger: slog.New(slog.DiscardHandler), JournalDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer rd.Close()
		fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := rd.Flush(fctx); err != nil {
			t.Fatal(err)
		}
		if n := clicks(t, db, models.ClickHuman); n != 3 {
			t.Fatalf("%d clicks stored, want 3 (each once)", n)
		}
		var ids []string
		if err := db.Gorm.Model(&models.LinkClickRow{}).Order("id").Pluck("id", &ids).Error; err != nil {
			t.Fatal(err)
		}
		for i, v := range visits {
			if ids[i] != v.ID {
				t.Fatalf("stored ids %v, want the journal's", ids)
			}
		}
	})
}

// A link this process did not create (another replica, or created before
// a restart) is not in the cache of fresh links: it is found in the
// database.
func TestRedirectorFindsLinksNotCached(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newEnv(t, db)
		_, _ = e.rewrite(t, models.TrackingAll, "tracking on") // sets the client's mode
		other := models.NewStore(db, nil)
		other.SetTrackingDomain(platform)
		out, err := other.Rewrite(context.Background(), models.Scope{}, models.RewriteInput{ClientID: e.client.ID, Body: "x https://acme.com/elsewhere"})
		if err != nil || len(out.Links) != 1 {
			t.Fatalf("rewrite: %+v, %v", out, err)
		}
		ref := out.Links[0].Ref
		if _, ok := e.store.CachedLink(ref, platform); ok {
			t.Fatal("a link made by another store is in this one's cache")
		}
		if _, ok := other.CachedLink(ref, platform); !ok {
			t.Fatal("the store that made the link does not cache it")
		}
		resp := e.do(t, "GET", platform, "/"+ref, phone)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://acme.com/elsewhere" {
			t.Fatalf("GET = %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if n := clicks(t, db, models.ClickHuman); n != 1 {
			t.Fatalf("%d clicks, want 1", n)
		}
	})
}
