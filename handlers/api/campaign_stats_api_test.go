package api_test

// HTTP tests of a campaign's stats and its Domains tab (API.md
// "Campaigns"), on SQLite and PostgreSQL: the figures come from the
// counters, the quick add and the removal change the campaign's own
// domain_ids only, and another client's campaign is 404. How the counters
// move with Twilio's callbacks is tested in handlers/callbacks.

import (
	"net/http"
	"slices"
	"testing"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

func campaignStats(t *testing.T, e *handlertest.Env, key, id string) models.CampaignStatsView {
	t.Helper()
	return handlertest.Decode[models.CampaignStatsView](t, e.Do(t, "GET", "/api/v1/campaigns/"+id+"/stats", key, nil).Want(t, http.StatusOK))
}

func campaignDomainIDs(t *testing.T, e *handlertest.Env, key, id string) ([]string, map[string]int64) {
	t.Helper()
	l := handlertest.Decode[handlers.List[models.CampaignDomainView]](t, e.Do(t, "GET", "/api/v1/campaigns/"+id+"/domains", key, nil).Want(t, http.StatusOK))
	if l.NextCursor != nil {
		t.Errorf("next_cursor %q, want null", *l.NextCursor)
	}
	var ids []string
	sent := map[string]int64{}
	for _, d := range l.Data {
		ids = append(ids, d.ID)
		sent[d.ID] = d.CampaignMessagesSent
	}
	return ids, sent
}

func TestCampaignStatsAPI(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPoolFixture(t, db)
		e := f.e
		c := createCampaign(t, e, f.ka, f.a.ID, map[string]any{"name": "Sale", "variants": oneVariant("Hi"),
			"domains": map[string]any{"domain_ids": []string{f.aIDs[0], f.aIDs[1]}}})
		uploadRecipients(t, e, f.ka, c.ID, map[string]any{"recipients": []map[string]any{{"phone": "447900000001"}, {"phone": "447900000002"}}})

		// Nothing sent yet: zeros, never nulls.
		st := campaignStats(t, e, f.ka, c.ID)
		if st.Recipients != 2 || st.Sent != 0 || st.ClickRate != 0 || st.Cost != (models.MoneyView{Amount: "0.0000", Currency: "USD"}) || st.ByDomain == nil || len(st.ByDomain) != 0 {
			t.Fatalf("fresh stats: %+v", st)
		}
		// The counters as the sender and the callbacks leave them.
		if err := db.Gorm.Create(&models.CampaignStatsRow{CampaignID: c.ID, Sent: 8, Delivered: 6, Failed: 1, Undelivered: 1, Segments: 9,
			CostMicros: 71_100, Currency: "USD", Clicks: 5, UniqueClicks: 3, AutomatedClicks: 4}).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range []models.CampaignDomainStatsRow{{CampaignID: c.ID, DomainID: f.aIDs[0], Sent: 5, Clicks: 4}, {CampaignID: c.ID, DomainID: f.aIDs[1], Sent: 3, Clicks: 1}} {
			if err := db.Gorm.Create(&r).Error; err != nil {
				t.Fatal(err)
			}
		}
		st = campaignStats(t, e, f.ka, c.ID)
		if st.Sent != 8 || st.Delivered != 6 || st.Failed != 1 || st.Undelivered != 1 || st.Segments != 9 ||
			st.Cost != (models.MoneyView{Amount: "0.0711", Currency: "USD"}) || st.Clicks != 5 || st.UniqueClicks != 3 ||
			st.AutomatedClicks != 4 || st.ClickRate != 0.5 {
			t.Fatalf("stats: %+v (click_rate = unique human clicks / delivered = 3/6)", st)
		}
		want := []models.CampaignDomainUseView{{DomainID: f.aIDs[0], Host: f.da[0].Host, Sent: 5, Clicks: 4}, {DomainID: f.aIDs[1], Host: f.da[1].Host, Sent: 3, Clicks: 1}}
		slices.SortFunc(want, func(x, y models.CampaignDomainUseView) int { return compareStrings(x.DomainID, y.DomainID) })
		if !slices.Equal(st.ByDomain, want) {
			t.Fatalf("by_domain %+v, want %+v", st.ByDomain, want)
		}
		// Admins see it; another client does not.
		if got := campaignStats(t, e, e.Admin, c.ID); got.Sent != 8 {
			t.Fatalf("admin stats: %+v", got)
		}
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/campaigns/"+c.ID+"/stats", f.kb, nil), http.StatusNotFound, "not_found")
		handlertest.WantProblem(t, e.Do(t, "GET", "/api/v1/campaigns/cmp_nope/stats", f.ka, nil), http.StatusNotFound, "not_found")
	})
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestCampaignDomainsTabAPI(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPoolFixture(t, db)
		e := f.e
		pool := createPool(t, e, f.ka, f.a.ID, "Main", f.aIDs[2])
		c := createCampaign(t, e, f.ka, f.a.ID, map[string]any{"name": "Sale", "variants": oneVariant("Hi"),
			"domains": map[string]any{"pool_id": pool.ID, "domain_ids": []string{f.aIDs[0]}}})
		path := "/api/v1/campaigns/" + c.ID + "/domains"
		if err := db.Gorm.Create(&models.CampaignDomainStatsRow{CampaignID: c.ID, DomainID: f.aIDs[0], Sent: 7}).Error; err != nil {
			t.Fatal(err)
		}

		// Rotation order: the pool's, then the campaign's own list.
		ids, sent := campaignDomainIDs(t, e, f.ka, c.ID)
		if !slices.Equal(ids, []string{f.aIDs[2], f.aIDs[0]}) || sent[f.aIDs[0]] != 7 || sent[f.aIDs[2]] != 0 {
			t.Fatalf("domains %v sent %v", ids, sent)
		}

		// Quick add: appended; again: 200, nothing changes.
		got := handlertest.Decode[models.CampaignView](t, e.Do(t, "POST", path, f.ka, map[string]any{"domain_id": f.aIDs[1]}).Want(t, http.StatusOK))
		if !slices.Equal(got.Domains.DomainIDs, []string{f.aIDs[0], f.aIDs[1]}) || got.Status != models.CampaignDraft {
			t.Fatalf("after the quick add: %+v", got)
		}
		again := handlertest.Decode[models.CampaignView](t, e.Do(t, "POST", path, f.ka, map[string]any{"domain_id": f.aIDs[1]}).Want(t, http.StatusOK))
		if !slices.Equal(again.Domains.DomainIDs, got.Domains.DomainIDs) || !again.UpdatedAt.Equal(got.UpdatedAt) {
			t.Fatalf("adding a listed domain changed the campaign: %+v, was %+v", again, got)
		}
		if ids, _ = campaignDomainIDs(t, e, f.ka, c.ID); !slices.Equal(ids, []string{f.aIDs[2], f.aIDs[0], f.aIDs[1]}) {
			t.Fatalf("domains after the quick add: %v", ids)
		}

		// Another client's domain, an unknown one, none: 422 naming
		// domain_id, nothing changed.
		for _, body := range []map[string]any{{"domain_id": f.bIDs[0]}, {"domain_id": "dom_nope"}, {"domain_id": ""}, {}} {
			handlertest.WantProblem(t, e.Do(t, "POST", path, f.ka, body), http.StatusUnprocessableEntity, "", "domain_id")
		}
		handlertest.WantProblem(t, e.Do(t, "POST", path, f.ka, map[string]any{"domain_ids": []string{f.aIDs[1]}}), http.StatusUnprocessableEntity, "unknown_field", "domain_ids")
		handlertest.WantProblem(t, e.Do(t, "POST", path, f.ka, `{"domain_id":`), http.StatusBadRequest, "")
		// Another client's campaign: 404 for each action.
		handlertest.WantProblem(t, e.Do(t, "GET", path, f.kb, nil), http.StatusNotFound, "not_found")
		handlertest.WantProblem(t, e.Do(t, "POST", path, f.kb, map[string]any{"domain_id": f.bIDs[0]}), http.StatusNotFound, "not_found")
		handlertest.WantProblem(t, e.Do(t, "DELETE", path+"/"+f.aIDs[0], f.kb, nil), http.StatusNotFound, "not_found")
		if now := getCampaign(t, e, f.ka, c.ID); !slices.Equal(now.Domains.DomainIDs, got.Domains.DomainIDs) {
			t.Fatalf("refused requests changed domain_ids: %v", now.Domains.DomainIDs)
		}

		// Removal: from the campaign's own list only.
		e.Do(t, "DELETE", path+"/"+f.aIDs[0], f.ka, nil).Want(t, http.StatusNoContent)
		handlertest.WantProblem(t, e.Do(t, "DELETE", path+"/"+f.aIDs[0], f.ka, nil), http.StatusNotFound, "not_found")
		handlertest.WantProblem(t, e.Do(t, "DELETE", path+"/"+f.aIDs[2], f.ka, nil), http.StatusNotFound, "not_found") // the pool's
		if now := getCampaign(t, e, f.ka, c.ID); !slices.Equal(now.Domains.DomainIDs, []string{f.aIDs[1]}) || now.Domains.PoolID == nil {
			t.Fatalf("after the removal: %+v", now.Domains)
		}
		// Admins may too.
		e.Do(t, "POST", path, e.Admin, map[string]any{"domain_id": f.aIDs[0]}).Want(t, http.StatusOK)

		// An ended campaign's list no longer changes.
		campaignAction(t, e, f.ka, c.ID, "abort", http.StatusAccepted)
		handlertest.WantProblem(t, e.Do(t, "POST", path, f.ka, map[string]any{"domain_id": f.aIDs[2]}), http.StatusConflict, "invalid_state")
		handlertest.WantProblem(t, e.Do(t, "DELETE", path+"/"+f.aIDs[1], f.ka, nil), http.StatusConflict, "invalid_state")
		if ids, _ = campaignDomainIDs(t, e, f.ka, c.ID); !slices.Equal(ids, []string{f.aIDs[2], f.aIDs[1], f.aIDs[0]}) {
			t.Fatalf("an aborted campaign's domains: %v", ids)
		}
	})
}
