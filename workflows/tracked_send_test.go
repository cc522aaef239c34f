package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/workflows"
)

// TestCampaignSendsTrackedLinks: a campaign with tracking on sends every
// message with its own linkgate short links on the client's tracking host
// (prefix included), does not ask Twilio to shorten, and a click on one
// of them counts in the campaign's stats like a Twilio click.
func TestCampaignSendsTrackedLinks(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		b := setupRegistration(t, db, func(c *workflows.Config) { c.SendRate = 1000 })
		b.store.SetTrackingDomain("dyn.test")
		d := configureHost(t, b, "alpha.com")
		word := "offers"
		if _, err := b.store.SetTracking(ctx, models.Scope{}, b.domain.ClientID, models.TrackingSettings{Mode: models.TrackingAll, Prefix: &word}); err != nil {
			t.Fatal(err)
		}
		c := newCampaign(t, b, b.messagingService(t), []string{d.ID}, 3, 0)
		tracking, off := models.TrackingAll, false
		if _, err := b.store.UpdateCampaign(ctx, models.Scope{}, c.ID, models.CampaignPatch{Tracking: &tracking, LinkShortening: &off}); err != nil {
			t.Fatal(err)
		}
		b.startCampaign(t, c.ID)
		waitCampaign(t, b, c.ID, models.CampaignFinished)
		b.wantEachMessagedOnce(t, 3)
		refs := map[string]bool{}
		for _, m := range b.tw.Messages() {
			if m.Direction != "outbound-api" {
				continue
			}
			if len(m.ShortLinks) != 0 {
				t.Fatalf("Twilio shortened %v", m.ShortLinks)
			}
			_, ref, ok := strings.Cut(m.Body, "see https://offers.dyn.test/")
			if !ok || !strings.HasPrefix(m.Body, "Hi Ann, ") || len(ref) != 6 || refs[ref] {
				t.Fatalf("body %q (refs so far %v)", m.Body, refs)
			}
			refs[ref] = true
		}
		if len(refs) != 3 {
			t.Fatalf("%d tracked messages, want 3", len(refs))
		}
		var one string
		for r := range refs {
			one = r
		}
		targets, err := b.store.LinkTargets(ctx, []string{one})
		if err != nil {
			t.Fatal(err)
		}
		tg := targets[one]
		if tg.URL != "https://acme.com/offer" || tg.CampaignID == nil || *tg.CampaignID != c.ID || tg.RecipientID == nil || tg.Phone == nil {
			t.Fatalf("link %+v", tg)
		}
		ua := "Mozilla/5.0 (Linux; Android 14) Mobile"
		if err := b.store.RecordLinkClicks(ctx, []models.LinkClick{{Target: tg, Method: "GET", UserAgent: ua, At: time.Now()},
			{Target: tg, Method: "GET", UserAgent: ua, At: time.Now()}, {Target: tg, Method: "HEAD", UserAgent: ua, At: time.Now()}}, 0); err != nil {
			t.Fatal(err)
		}
		st, err := b.store.CampaignStats(ctx, models.Scope{}, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Clicks != 2 || st.UniqueClicks != 1 || st.AutomatedClicks != 1 {
			t.Fatalf("stats clicks %d unique %d automated %d, want 2 1 1", st.Clicks, st.UniqueClicks, st.AutomatedClicks)
		}
		links, err := b.store.CampaignLinkStats(ctx, models.Scope{}, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(links) != 1 || links[0].URL != "https://acme.com/offer" || links[0].Links != 3 || links[0].Clicks != 2 || links[0].AutomatedClicks != 1 {
			t.Fatalf("link stats %+v", links)
		}

		// The redirector's path (StoreLinkVisits, from its journal): the
		// other two links, one read from the cache of fresh links (this
		// process made it) and one from the database. Each message's
		// delivery time is read as the click is stored: 2 s after it is a
		// scanner's, an hour after a person's (and counts for the domain).
		delivered := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
		var others []string
		for r := range refs {
			if r == one {
				continue
			}
			others = append(others, r)
			tg := targets[r]
			if all, err := b.store.LinkTargets(ctx, []string{r}); err != nil {
				t.Fatal(err)
			} else {
				tg = all[r]
			}
			if err := db.Gorm.Model(&models.CampaignRecipient{}).Where("id = ?", *tg.RecipientID).Update("delivered_at", delivered).Error; err != nil {
				t.Fatal(err)
			}
		}
		for i, r := range others {
			if i == 1 {
				b.store.SetLinkCache(0, 0) // the second from the database
			}
			visits := []models.LinkVisit{
				{ID: models.NewLinkClickID(delivered.Add(2 * time.Second)), Ref: r, Host: "offers.dyn.test", Method: "GET", UserAgent: ua, At: delivered.Add(2 * time.Second)},
				{ID: models.NewLinkClickID(delivered.Add(time.Hour)), Ref: r, Host: "offers.dyn.test", Method: "GET", UserAgent: ua, At: delivered.Add(time.Hour)},
			}
			if n, err := b.store.StoreLinkVisits(ctx, visits, 10*time.Second, false); err != nil || n != 2 {
				t.Fatalf("StoreLinkVisits(%s) = %d, %v; want 2", r, n, err)
			}
		}
		st, err = b.store.CampaignStats(ctx, models.Scope{}, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Clicks != 4 || st.UniqueClicks != 3 || st.AutomatedClicks != 3 {
			t.Fatalf("stats after visits: clicks %d unique %d automated %d, want 4 3 3", st.Clicks, st.UniqueClicks, st.AutomatedClicks)
		}
		var domainClicks int64
		if err := db.Gorm.Raw("SELECT clicks FROM campaign_domain_stats WHERE campaign_id = ? AND domain_id = ?", c.ID, d.ID).Scan(&domainClicks).Error; err != nil {
			t.Fatal(err)
		}
		if domainClicks != 4 {
			t.Fatalf("domain clicks %d, want 4 (every human click counts for its message's domain)", domainClicks)
		}
	})
}

// TestCampaignTrackingWithoutHostSuspends: tracking on with no tracking
// host anywhere suspends the campaign with the reason; nothing is sent.
func TestCampaignTrackingWithoutHostSuspends(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		b := setupRegistration(t, db, func(c *workflows.Config) { c.SendRate = 1000 })
		d := configureHost(t, b, "alpha.com")
		c := newCampaign(t, b, b.messagingService(t), []string{d.ID}, 2, 0)
		tracking := models.TrackingAll
		if _, err := b.store.UpdateCampaign(ctx, models.Scope{}, c.ID, models.CampaignPatch{Tracking: &tracking}); err != nil {
			t.Fatal(err)
		}
		b.startCampaign(t, c.ID)
		got := waitCampaign(t, b, c.ID, models.CampaignSuspended)
		if !strings.Contains(got.StatusReason, "tracked links cannot be made") {
			t.Fatalf("reason %q", got.StatusReason)
		}
		if n := len(b.tw.AllSends()); n != 0 {
			t.Fatalf("%d numbers messaged", n)
		}
	})
}
