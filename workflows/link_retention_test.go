package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestLinkRetention: links and clicks older than the retention go, in
// batches; younger ones stay and still resolve.
func TestLinkRetention(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
		clk := &testClock{t: t0}
		b := setupAutoArchive(t, db, clk, -1)
		b.store.SetTrackingDomain("dyn.test")
		track := func(n int) []string {
			msgs := make([]models.MessageToTrack, n)
			for i := range msgs {
				msgs[i] = models.MessageToTrack{Body: "see https://acme.com/a and https://acme.com/b"}
			}
			out, err := b.store.TrackMessages(ctx, b.client.ID, models.TrackingAll, msgs)
			if err != nil {
				t.Fatal(err)
			}
			var refs []string
			for _, m := range out {
				for _, l := range m.Links {
					refs = append(refs, l.Ref)
				}
			}
			targets, err := b.store.LinkTargets(ctx, refs)
			if err != nil {
				t.Fatal(err)
			}
			var clicks []models.LinkClick
			for _, r := range refs {
				clicks = append(clicks, models.LinkClick{Target: targets[r], Method: "GET", UserAgent: "Mozilla/5.0 Mobile", At: clk.Now()})
			}
			if err := b.store.RecordLinkClicks(ctx, clicks, 0); err != nil {
				t.Fatal(err)
			}
			return refs
		}
		old := track(30)                      // 60 links, 60 clicks at t0
		clk.Set(t0.Add(300 * 24 * time.Hour)) // 300 days on
		young := track(5)                     // 10 links, 10 clicks
		clk.Set(t0.Add(401 * 24 * time.Hour)) // the old ones are 401 days old
		n, err := b.engine.DeleteExpiredLinks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 120 {
			t.Fatalf("deleted %d rows, want 120", n)
		}
		left, err := b.store.LinkTargets(ctx, append(old, young...))
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != len(young) {
			t.Fatalf("%d links left, want the %d young ones", len(left), len(young))
		}
		for _, r := range young {
			if _, ok := left[r]; !ok {
				t.Fatalf("young link %s deleted", r)
			}
		}
		var clicks int64
		db.Gorm.Model(&models.LinkClickRow{}).Count(&clicks)
		if clicks != 10 {
			t.Fatalf("%d clicks left, want 10", clicks)
		}
	})
}
