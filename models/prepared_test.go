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

// On SQLite the click rows go in through statements shaped by what their
// rows share (the kind, the method, a campaign or none: clickShape in
// tracked_link.go); on PostgreSQL with COPY or unnest. Clicks of every
// shape, and of a method no shape has, mixed in one batch, are stored as
// they were given, whether the statements are prepared or not.
func TestClickRowsEveryShape(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s, clientID := trackingStore(t, db, "shapes")
		c, err := s.CreateCampaign(ctx, models.Scope{}, clientID, models.CampaignInput{Name: "Sale", Variants: []models.VariantInput{{Body: ptr("Hi")}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddRecipients(ctx, models.Scope{}, c.ID, &models.SliceRecipients{Rows: []models.RecipientRow{{Line: 1, Phone: "447900000001"}}}, nil); err != nil {
			t.Fatal(err)
		}
		var message models.CampaignRecipient
		if err := db.Gorm.Where("campaign_id = ?", c.ID).First(&message).Error; err != nil {
			t.Fatal(err)
		}
		campaign, recipient := c.ID, message.ID
		for _, prepared := range []bool{false, true} {
			if prepared {
				if err := s.PrepareHot(ctx); err != nil {
					t.Fatal(err)
				}
			}
			at := time.Now().UTC().Truncate(time.Microsecond)
			var clicks []models.LinkClick
			kinds := map[models.ClickKind]int{}
			for _, method := range []string{"GET", "HEAD", "POST"} {
				for _, ua := range []string{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", "Googlebot/2.1", ""} {
					for _, inCampaign := range []bool{false, true} {
						for range 3 { // statements of 2 rows and of 1
							target := models.LinkTarget{Ref: fmt.Sprintf("s%v%03d", prepared, len(clicks)), ClientID: clientID, Host: "dyn.test", URL: "https://shapes.example/"}
							if inCampaign {
								target.CampaignID, target.RecipientID = &campaign, &recipient
							}
							c := models.LinkClick{ID: models.NewLinkClickID(at), Target: target, Method: method, UserAgent: ua,
								At: at.Add(time.Duration(len(clicks)) * time.Microsecond)}
							kinds[models.LinkClickKind(c.Method, c.UserAgent, c.At, nil, 0)]++
							clicks = append(clicks, c)
						}
					}
				}
			}
			if kinds[models.ClickHuman] == 0 || kinds[models.ClickAutomated] == 0 {
				t.Fatalf("the clicks are not of both kinds: %v", kinds)
			}
			if err := s.RecordLinkClicks(ctx, clicks, 0); err != nil {
				t.Fatalf("prepared %v: %v", prepared, err)
			}
			ids := make([]string, len(clicks))
			for i, c := range clicks {
				ids[i] = c.ID
			}
			var rows []models.LinkClickRow
			if err := db.Gorm.Where("id IN ?", ids).Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(clicks) {
				t.Fatalf("prepared %v: %d rows, want %d", prepared, len(rows), len(clicks))
			}
			byID := map[string]models.LinkClickRow{}
			for _, r := range rows {
				byID[r.ID] = r
			}
			str := func(p *string) string {
				if p == nil {
					return "NULL"
				}
				return *p
			}
			for _, c := range clicks {
				r := byID[c.ID]
				if r.Ref != c.Target.Ref || r.ClientID != clientID || str(r.CampaignID) != str(c.Target.CampaignID) ||
					str(r.RecipientID) != str(c.Target.RecipientID) || r.Kind != models.LinkClickKind(c.Method, c.UserAgent, c.At, nil, 0) ||
					r.Method != c.Method || r.UserAgent != c.UserAgent || !r.ClickedAt.Equal(c.At) {
					t.Errorf("prepared %v: click %s %q %s campaign %s stored as %+v (campaign %s, message %s)", prepared, c.Method, c.UserAgent,
						c.Target.Ref, str(c.Target.CampaignID), r, str(r.CampaignID), str(r.RecipientID))
				}
			}
		}
	})
}
