package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// trackingStore returns a store on db whose tracking host is dyn.test,
// and a new client's id.
func trackingStore(t *testing.T, db *models.DB, name string) (*models.Store, string) {
	t.Helper()
	s := models.NewStore(db, nil)
	s.SetTrackingDomain("dyn.test")
	cl, err := s.CreateClient(context.Background(), models.ClientInput{Name: name, Email: "ops@" + name + ".example"})
	if err != nil {
		t.Fatal(err)
	}
	return s, cl.ID
}

// Hot statements come in power-of-two sizes (models/prepared.go): batches
// of every awkward size are stored whole and found whole, before and after
// the statements are prepared.
func TestHotStatementSizes(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s, clientID := trackingStore(t, db, "sizes")
		for _, prepared := range []bool{false, true} {
			if prepared {
				if err := s.PrepareHot(ctx); err != nil {
					t.Fatal(err)
				}
			}
			for _, n := range []int{1, 3, 33, 65, 100} {
				msgs := make([]models.MessageToTrack, n)
				want := map[string]string{}
				for i := range msgs {
					msgs[i] = models.MessageToTrack{Body: fmt.Sprintf("a https://sizes.example/%d/a b https://sizes.example/%d/b", i, i)}
				}
				out, err := s.TrackMessages(ctx, clientID, models.TrackingAll, msgs)
				if err != nil {
					t.Fatalf("prepared %v, %d messages: %v", prepared, n, err)
				}
				var refs []string
				for _, r := range out {
					for _, l := range r.Links {
						want[l.Ref] = l.URL
						refs = append(refs, l.Ref)
					}
				}
				if len(want) != 2*n {
					t.Fatalf("prepared %v, %d messages: %d distinct refs, want %d", prepared, n, len(want), 2*n)
				}
				got, err := s.LinkTargets(ctx, append(refs, "nosuchref"))
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("prepared %v, %d messages: found %d links, want %d", prepared, n, len(got), len(want))
				}
				looked, err := s.LookupLinks(ctx, append(refs, "nosuchref"))
				if err != nil {
					t.Fatal(err)
				}
				if len(looked) != len(want) {
					t.Fatalf("prepared %v, %d messages: the redirector's lookup found %d links, want %d", prepared, n, len(looked), len(want))
				}
				for ref, u := range want {
					if got[ref].URL != u || got[ref].Host != "dyn.test" {
						t.Fatalf("ref %s: %+v, want %s", ref, got[ref], u)
					}
					if looked[ref].URL != u || looked[ref].ClientID != clientID {
						t.Fatalf("ref %s looked up: %+v, want %s", ref, looked[ref], u)
					}
				}
				// A click on every link, stored in one batch (many-row
				// inserts of every size), then replayed: stored once.
				now := time.Now()
				visits := make([]models.LinkVisit, len(refs))
				for i, ref := range refs {
					visits[i] = models.LinkVisit{ID: models.NewLinkClickID(now), Ref: ref, Host: "dyn.test", Method: "GET", UserAgent: "Mozilla/5.0", At: now}
				}
				if stored, err := s.StoreLinkVisits(ctx, visits, 0, false); err != nil || stored != len(refs) {
					t.Fatalf("prepared %v, %d clicks: stored %d, %v", prepared, len(refs), stored, err)
				}
				if stored, err := s.StoreLinkVisits(ctx, visits, 0, true); err != nil || stored != 0 {
					t.Fatalf("prepared %v, %d clicks replayed: stored %d, %v; want 0", prepared, len(refs), stored, err)
				}
				wantClicks := len(refs)
				if db.Dialect == models.Postgres {
					// Not marked as a replay, a batch holding a stored
					// click (COPY refuses its id) is stored as a replay:
					// the new click once, the stored one skipped. (On
					// SQLite INSERT OR IGNORE skips its row.)
					fresh := models.LinkVisit{ID: models.NewLinkClickID(now), Ref: refs[0], Host: "dyn.test", Method: "GET", UserAgent: "Mozilla/5.0", At: now}
					if stored, err := s.StoreLinkVisits(ctx, []models.LinkVisit{visits[len(visits)-1], fresh}, 0, false); err != nil || stored != 1 {
						t.Fatalf("prepared %v: a stored click and a new one: stored %d, %v; want 1", prepared, stored, err)
					}
					wantClicks++
				}
				var clicks int64
				if err := db.Gorm.Table("link_clicks").Where("ref IN ?", refs).Count(&clicks).Error; err != nil || clicks != int64(wantClicks) {
					t.Fatalf("prepared %v: %d click rows (%v), want %d", prepared, clicks, err, wantClicks)
				}
			}
		}
	})
}

// The redirector's lookup (LookupLinks) finds links without their
// messages and puts them into the cache of fresh links: a ref not cached
// before it is answered from the cache after, on its own host only; a ref
// not found is not cached.
func TestLookupLinksRemembersLinks(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s, clientID := trackingStore(t, db, "remembered")
		out, err := s.TrackMessages(ctx, clientID, models.TrackingAll, []models.MessageToTrack{{Body: "see https://remembered.example/x"}})
		if err != nil {
			t.Fatal(err)
		}
		ref := out[0].Links[0].Ref
		s.SetLinkCache(models.DefaultLinkCacheSize, 0) // empty: as after a restart
		if _, ok := s.CachedLink(ref, "dyn.test"); ok {
			t.Fatal("a new cache holds the link")
		}
		got, err := s.LookupLinks(ctx, []string{ref, "nosuch"})
		if err != nil || len(got) != 1 || got[ref].URL != "https://remembered.example/x" || got[ref].Host != "dyn.test" || got[ref].ClientID != clientID {
			t.Fatalf("LookupLinks = %+v, %v", got, err)
		}
		if u, ok := s.CachedLink(ref, "dyn.test"); !ok || u != "https://remembered.example/x" {
			t.Errorf("after the lookup CachedLink = %q, %v", u, ok)
		}
		if _, ok := s.CachedLink(ref, "other.test"); ok {
			t.Error("the cached link answers on another host")
		}
		if _, ok := s.CachedLink("nosuch", "dyn.test"); ok {
			t.Error("a ref not found is cached")
		}
	})
}
