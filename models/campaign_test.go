package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

func TestCampaignTransitionTable(t *testing.T) {
	if len(models.CampaignStatuses) != 11 {
		t.Fatalf("%d campaign statuses, want 11", len(models.CampaignStatuses))
	}
	for _, s := range models.CampaignStatuses {
		if !s.Valid() {
			t.Errorf("%s is not valid", s)
		}
		terminal := s == models.CampaignAborted || s == models.CampaignRejected || s == models.CampaignFinished
		if s.Terminal() != terminal {
			t.Errorf("%s terminal = %v", s, s.Terminal())
		}
		for _, to := range models.CampaignStatuses {
			err := s.CheckTransition(to)
			if (err == nil) != s.CanTransitionTo(to) {
				t.Errorf("%s → %s: CheckTransition %v, CanTransitionTo %v", s, to, err, s.CanTransitionTo(to))
			}
			if terminal && err == nil {
				t.Errorf("terminal %s may become %s", s, to)
			}
		}
	}
	// Every action's set leads somewhere the table allows.
	for _, tc := range []struct {
		set models.CampaignStatusSet
		to  models.CampaignStatus
	}{
		{models.CampaignSubmittable, models.CampaignProcessing}, {models.CampaignStartable, models.CampaignStarted},
		{models.CampaignPausable, models.CampaignPaused}, {models.CampaignResumable, models.CampaignStarted},
		{models.CampaignAbortable, models.CampaignAborted},
	} {
		for _, s := range tc.set {
			if !s.CanTransitionTo(tc.to) {
				t.Errorf("%s is in the set for %s but the table forbids it", s, tc.to)
			}
		}
	}
	if models.CampaignStatus("nope").Valid() {
		t.Error("nope is valid")
	}
}

func TestSMSSegments(t *testing.T) {
	for _, tc := range []struct {
		body     string
		encoding string
		segments int
	}{
		{"", models.EncodingGSM7, 1},
		{"Hello {name}", models.EncodingGSM7, 1}, // { and } are extension characters
		{strings.Repeat("a", 160), models.EncodingGSM7, 1},
		{strings.Repeat("a", 161), models.EncodingGSM7, 2},
		{strings.Repeat("a", 306), models.EncodingGSM7, 2},
		{strings.Repeat("a", 307), models.EncodingGSM7, 3},
		{strings.Repeat("€", 80), models.EncodingGSM7, 1},                                   // 160 septets
		{strings.Repeat("€", 81), models.EncodingGSM7, 2},                                   // 162 septets
		{strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152), models.EncodingGSM7, 3}, // 306 septets, but the escape pair is not split
		{"Ça coûte 5 €", models.EncodingUCS2, 1},                                            // û is not GSM-7
		{strings.Repeat("é", 160), models.EncodingGSM7, 1},                                  // é is
		{strings.Repeat("ж", 70), models.EncodingUCS2, 1},
		{strings.Repeat("ж", 71), models.EncodingUCS2, 2},
		{strings.Repeat("😀", 35), models.EncodingUCS2, 1}, // 70 units
		{strings.Repeat("😀", 36), models.EncodingUCS2, 2},
	} {
		enc, seg := models.SMSSegments(tc.body)
		if enc != tc.encoding || seg != tc.segments {
			t.Errorf("SMSSegments(%.20q… %d runes) = %s %d, want %s %d", tc.body, len([]rune(tc.body)), enc, seg, tc.encoding, tc.segments)
		}
	}
}

func TestParsePhoneE164(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"447123123123", "+447123123123"},
		{"+447123123123", "+447123123123"},
		{"0044 7123 123123", "+447123123123"},
		{"+1 (202) 555-0123", "+12025550123"},
		{" 33612345678 ", "+33612345678"},
	} {
		if got, problem := models.ParsePhoneE164(tc.in); got != tc.want || problem != "" {
			t.Errorf("ParsePhoneE164(%q) = %q, %q; want %q", tc.in, got, problem, tc.want)
		}
	}
	for _, in := range []string{"", "12", "+44", "abc", "+4471231231231231", "44712312312a", "07123123123x"} {
		if got, problem := models.ParsePhoneE164(in); problem == "" {
			t.Errorf("ParsePhoneE164(%q) = %q, want a problem", in, got)
		}
	}
}

func TestLinkClickedNeedsNaming(t *testing.T) {
	for _, tc := range []struct {
		filter []string
		event  string
		want   bool
	}{
		{[]string{"*"}, models.EventLinkClicked, false},
		{[]string{"*"}, models.EventCampaignFinished, true},
		{[]string{"*", models.EventLinkClicked}, models.EventLinkClicked, true},
		{[]string{"link.*"}, models.EventLinkClicked, true},
		{[]string{"campaign.*"}, models.EventCampaignSuspended, true},
		{[]string{"campaign.*"}, models.EventLinkClicked, false},
	} {
		if got := models.EventFilterMatches(tc.filter, tc.event); got != tc.want {
			t.Errorf("EventFilterMatches(%v, %s) = %v", tc.filter, tc.event, got)
		}
	}
}

// A suspended campaign resumes only once one of its domains can send; the
// suspension emits campaign.suspended; edits of a checked campaign move
// its status (new variants → draft, scheduled_at set or cleared).
func TestCampaignSuspendResumeAndEdits(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, nil)
		cl := newTestClient(t, s, "owner@acme.com")
		d, err := s.CreateDomain(ctx, models.Scope{}, cl.ID, models.DomainInput{Domain: "acme.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.CreateCampaign(ctx, models.Scope{}, cl.ID, models.CampaignInput{Name: "Sale", MessagingServiceSID: "MG0123456789abcdef0123456789abcdef",
			Variants: []models.VariantInput{{Body: ptr("Hi")}}, Domains: &models.CampaignDomainsInput{DomainIDs: []string{d.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddRecipients(ctx, models.Scope{}, c.ID, &models.SliceRecipients{Rows: []models.RecipientRow{{Line: 1, Phone: "447900000001"}}},
			func(_ context.Context, clientID string, phones []string) (map[string]bool, error) {
				return map[string]bool{}, nil
			}); err != nil {
			t.Fatal(err)
		}
		if c, err = s.SubmitCampaign(ctx, models.Scope{}, c.ID, "test"); err != nil || c.Status != models.CampaignReady {
			t.Fatalf("submit: %v %+v", err, c)
		}
		// Edits of a ready campaign.
		at := time.Now().Add(time.Hour)
		if c, err = s.UpdateCampaign(ctx, models.Scope{}, c.ID, models.CampaignPatch{ScheduledAt: models.Optional[time.Time]{Set: true, Value: &at}}); err != nil || c.Status != models.CampaignScheduled {
			t.Fatalf("set scheduled_at: %v %+v", err, c)
		}
		if c, err = s.UpdateCampaign(ctx, models.Scope{}, c.ID, models.CampaignPatch{ScheduledAt: models.Optional[time.Time]{Set: true}}); err != nil || c.Status != models.CampaignReady {
			t.Fatalf("clear scheduled_at: %v %+v", err, c)
		}
		vs := []models.VariantInput{{Body: ptr("Hello")}}
		if c, err = s.UpdateCampaign(ctx, models.Scope{}, c.ID, models.CampaignPatch{Variants: &vs}); err != nil || c.Status != models.CampaignDraft {
			t.Fatalf("new variants: %v %+v", err, c)
		}
		if c, err = s.SubmitCampaign(ctx, models.Scope{}, c.ID, "test"); err != nil || c.Status != models.CampaignReady {
			t.Fatalf("submit again: %v %+v", err, c)
		}
		if c, err = s.StartCampaign(ctx, models.Scope{}, c.ID, "test"); err != nil {
			t.Fatal(err)
		}
		reason := "all domains reached their messaging limit"
		if err := db.Gorm.Transaction(func(tx *gorm.DB) error {
			return s.ApplyCampaignTx(tx, c, models.CampaignChange{To: models.CampaignSuspended, Reason: reason, Actor: "linkgate", StatusReason: &reason})
		}); err != nil {
			t.Fatal(err)
		}
		var n int64
		db.Gorm.Model(&models.WebhookEvent{}).Where("type = ? AND client_id = ?", models.EventCampaignSuspended, cl.ID).Count(&n)
		if n != 1 {
			t.Errorf("%d campaign.suspended events", n)
		}
		// A stale copy cannot move it.
		stale := *c
		stale.Version--
		if err := db.Gorm.Transaction(func(tx *gorm.DB) error {
			return s.ApplyCampaignTx(tx, &stale, models.CampaignChange{To: models.CampaignAborted})
		}); !models.IsStale(err) {
			t.Errorf("stale apply: %v", err)
		}
		_, err = s.ResumeCampaign(ctx, models.Scope{}, c.ID, "test")
		var me *models.Error
		if !errors.As(err, &me) || me.Code != "no_domain_available" || me.Kind != models.KindConflict {
			t.Fatalf("resume without a domain: %v", err)
		}
		if err := db.Gorm.Model(&models.Domain{}).Where("id = ?", d.ID).Update("status", models.StatusConfigured).Error; err != nil {
			t.Fatal(err)
		}
		if c, err = s.ResumeCampaign(ctx, models.Scope{}, c.ID, "test"); err != nil || c.Status != models.CampaignStarted || c.StatusReason != "" {
			t.Fatalf("resume: %v %+v", err, c)
		}
	})
}
