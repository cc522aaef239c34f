package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

func TestClassifyClick(t *testing.T) {
	delivered := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	const phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
	for _, tc := range []struct {
		name, event, ua string
		after           time.Duration
		delivered       bool
		want            models.ClickKind
	}{
		{"a person", "click", phone, time.Minute, true, models.ClickHuman},
		{"a person, delivery not reported yet", "click", phone, 0, false, models.ClickHuman},
		{"a preview event", "preview", phone, time.Minute, true, models.ClickAutomated},
		{"a preview event, any case", "Preview", phone, time.Minute, true, models.ClickAutomated},
		{"within seconds of delivery", "click", phone, 4 * time.Second, true, models.ClickAutomated},
		{"before the delivery report", "click", phone, -time.Second, true, models.ClickAutomated},
		{"just after the window", "click", phone, 5 * time.Second, true, models.ClickHuman},
		{"no user agent", "click", "", time.Minute, true, models.ClickAutomated},
	} {
		var at *time.Time
		if tc.delivered {
			at = &delivered
		}
		if got := models.ClassifyClick(tc.event, tc.ua, delivered.Add(tc.after), at, models.ClickAfterDelivery); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	// The delivery rule off (sandbox mode's default): a tap right after
	// the delivery is a person's; a preview is still automated.
	if got := models.ClassifyClick("click", phone, delivered.Add(time.Second), &delivered, 0); got != models.ClickHuman {
		t.Errorf("rule off, a tap a second after delivery: %s", got)
	}
	if got := models.ClassifyClick("preview", phone, delivered.Add(time.Minute), &delivered, 0); got != models.ClickAutomated {
		t.Errorf("rule off, a preview: %s", got)
	}
	for _, ua := range []string{
		"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
		"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "Twitterbot/1.0", "WhatsApp/2.23.20.0 A",
		"TelegramBot (like TwitterBot)", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
		"Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5", "Mozilla/5.0 (compatible; Google-Safety; +http://www.google.com/bot.html)",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Mozilla/5.0 (compatible; bingbot/2.0)",
		"SomeCrawler/1.0", "Mozilla/5.0 (compatible; MJ12bot/v1.4.8)", "curl/8.5.0", "Wget/1.21.4", "python-requests/2.31.0",
		"Go-http-client/1.1", "okhttp/4.12.0", "Mozilla/5.0 HeadlessChrome/120.0",
	} {
		if !models.AutomatedUserAgent(ua) {
			t.Errorf("%q is not taken for automated", ua)
		}
	}
	for _, ua := range []string{phone,
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
		"Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
	} {
		if models.AutomatedUserAgent(ua) {
			t.Errorf("%q is taken for automated", ua)
		}
	}
}

// The price of a message is stored and added to its campaign's cost once,
// however often the price job runs.
func TestRecordMessagePriceOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, nil)
		cl := newTestClient(t, s, "owner@acme.com")
		c, err := s.CreateCampaign(ctx, models.Scope{}, cl.ID, models.CampaignInput{Name: "Sale", Variants: []models.VariantInput{{Body: ptr("Hi")}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddRecipients(ctx, models.Scope{}, c.ID, &models.SliceRecipients{Rows: []models.RecipientRow{
			{Line: 1, Phone: "447900000001"}, {Line: 2, Phone: "447900000002"}}}, nil); err != nil {
			t.Fatal(err)
		}
		var rs []models.CampaignRecipient
		if err := db.Gorm.Where("campaign_id = ?", c.ID).Order("phone").Find(&rs).Error; err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			id, price string
			want      bool
		}{
			{rs[0].ID, "-0.00790", true}, {rs[0].ID, "-0.00790", false}, {rs[0].ID, "-0.5", false},
			{rs[1].ID, "", false}, {rs[1].ID, "-0.01580", true},
		} {
			got, err := s.RecordMessagePrice(ctx, tc.id, tc.price, "usd")
			if err != nil || got != tc.want {
				t.Fatalf("RecordMessagePrice(%s, %q) = %v, %v; want %v", tc.id, tc.price, got, err, tc.want)
			}
		}
		if _, err := s.RecordMessagePrice(ctx, "msg_nope", "-1", "USD"); err == nil {
			t.Error("a price for no message was stored")
		}
		st, err := s.CampaignStats(ctx, models.Scope{}, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Cost != (models.MoneyView{Amount: "0.0237", Currency: "USD"}) {
			t.Fatalf("cost %+v, want 0.0237 USD", st.Cost)
		}
	})
}
