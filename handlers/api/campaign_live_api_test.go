package api_test

// GET /campaigns/live (the realtime stream) and PUT
// /campaigns/{id}/connectors/link-shortening (the Connectors tab), on
// SQLite and PostgreSQL.

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// liveStream is an open GET /campaigns/live: its events as they come.
type liveStream struct {
	events chan models.CampaignLiveView
	ended  chan struct{}
}

// openLive opens the stream at path with key (outside the validating
// transport, which reads bodies to their end) and checks its headers.
func openLive(t *testing.T, e *handlertest.Env, path, key string) *liveStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", e.Srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := e.Srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &liveStream{events: make(chan models.CampaignLiveView, 100), ended: make(chan struct{})}
	go func() {
		defer close(s.ended)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "campaign":
				var v models.CampaignLiveView
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &v); err != nil {
					t.Errorf("event data %s: %v", line, err)
					continue
				}
				s.events <- v
			case line == "":
				event = ""
			}
		}
	}()
	return s
}

// next waits for the stream's next event about campaign id (any
// campaign when id is ""; others are returned in seen).
func (s *liveStream) next(t *testing.T, id string) (v models.CampaignLiveView, seen []string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case v := <-s.events:
			if v.ID == id || id == "" {
				return v, seen
			}
			seen = append(seen, v.ID)
		case <-s.ended:
			t.Fatalf("the stream ended waiting for %s", id)
		case <-deadline:
			t.Fatalf("no event about %s (saw %v)", id, seen)
		}
	}
}

// waitWatchers waits until the store has n watchers.
func waitWatchers(t *testing.T, s *models.Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.CampaignWatchers() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d watchers, want %d", s.CampaignWatchers(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCampaignsLiveStream(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		e := handlertest.NewAPI(t, db)
		a, b := e.CreateClient(t, "Acme", "owner@acme.com"), e.CreateClient(t, "Bravo", "owner@bravo.com")
		ka, kb := e.ClientKey(t, a.ID).Key, e.ClientKey(t, b.ID).Key
		spring := createCampaign(t, e, ka, a.ID, map[string]any{"name": "Spring sale", "tags": []string{"promo"}, "variants": oneVariant("Hi")})
		winter := createCampaign(t, e, ka, a.ID, map[string]any{"name": "Winter", "variants": oneVariant("Hi")})
		bravo := createCampaign(t, e, kb, b.ID, map[string]any{"name": "Spring sale", "variants": oneVariant("Hi")})

		// A query the list refuses is refused before the stream starts.
		e.Do(t, "GET", "/api/v1/campaigns/live?status=nope", ka, nil).Want(t, http.StatusUnprocessableEntity)
		e.Do(t, "GET", "/api/v1/campaigns/live", "", nil).Want(t, http.StatusUnauthorized)

		admin := openLive(t, e, "/api/v1/campaigns/live", e.Admin)
		mine := openLive(t, e, "/api/v1/campaigns/live?q=SPRING", ka)
		tagged := openLive(t, e, "/api/v1/campaigns/live?tag=promo&status=draft", ka)
		theirs := openLive(t, e, "/api/v1/campaigns/live", kb)
		waitWatchers(t, e.Store, 4)

		// Changes: Bravo's campaign, Acme's winter one, then Acme's spring one.
		e.Do(t, "PATCH", "/api/v1/campaigns/"+bravo.ID, kb, map[string]any{"name": "Spring sale 2"}).Want(t, http.StatusOK)
		if _, err := e.Store.AbortCampaign(ctx, models.Scope{}, winter.ID, "test"); err != nil {
			t.Fatal(err)
		}
		e.Do(t, "PATCH", "/api/v1/campaigns/"+spring.ID, ka, map[string]any{"name": "Spring sale!"}).Want(t, http.StatusOK)
		got := map[string]models.CampaignLiveView{}
		for len(got) < 3 {
			v, _ := admin.next(t, "")
			got[v.ID] = v
		}
		if got[winter.ID].Status != models.CampaignAborted || got[spring.ID].Name != "Spring sale!" || got[bravo.ID].ClientID != b.ID {
			t.Fatalf("admin stream: %+v", got)
		}
		if v, _ := theirs.next(t, bravo.ID); v.Name != "Spring sale 2" {
			t.Errorf("Bravo's stream: %+v", v)
		}
		// A marker change: once its event arrives, every earlier change
		// has been told (or filtered out) on each stream.
		if _, err := e.Store.PauseCampaign(ctx, models.Scope{}, spring.ID, "test"); err == nil {
			t.Fatal("a draft paused")
		}
		e.Do(t, "PATCH", "/api/v1/campaigns/"+spring.ID, ka, map[string]any{"tags": []string{"promo", "x"}}).Want(t, http.StatusOK)
		for _, s := range []*liveStream{mine, tagged} {
			first, seen := s.next(t, spring.ID)
			if first.Name != "Spring sale!" || first.Sent != 0 || first.Delivered != 0 || first.Clicks != 0 {
				t.Errorf("first event: %+v", first)
			}
			_, more := s.next(t, spring.ID)
			if seen = append(seen, more...); len(seen) != 0 {
				t.Errorf("Acme's filtered stream told %v", seen)
			}
		}
		e.Do(t, "PATCH", "/api/v1/campaigns/"+bravo.ID, kb, map[string]any{"tags": []string{"y"}}).Want(t, http.StatusOK)
		if _, seen := theirs.next(t, bravo.ID); slices.Contains(seen, spring.ID) || slices.Contains(seen, winter.ID) {
			t.Errorf("Bravo's stream told Acme's campaigns: %v", seen)
		}

		// Shutting down (the Store's feed closing) ends every stream.
		e.Store.Close()
		for _, s := range []*liveStream{admin, mine, tagged, theirs} {
			select {
			case <-s.ended:
			case <-time.After(10 * time.Second):
				t.Fatal("a stream outlived the feed")
			}
		}
	})
}

func TestCampaignLinkShorteningConnector(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := handlertest.NewWorkflowAPI(t, db)
		a, b := e.CreateClient(t, "Acme", "owner@acme.com"), e.CreateClient(t, "Bravo", "owner@bravo.com")
		ka, kb := e.ClientKey(t, a.ID).Key, e.ClientKey(t, b.ID).Key
		d1 := e.ConfiguredDomain(t, ka, a.ID, "acme.com")
		d2 := e.ConfiguredDomain(t, ka, a.ID, "acme.net")
		pending := e.CreateDomain(t, ka, a.ID, map[string]any{"domain": "acme.org"})
		other := e.CreateDomain(t, kb, b.ID, map[string]any{"domain": "bravo.com"})
		mg := handlertest.NewMG(t)
		c := createCampaign(t, e.Env, ka, a.ID, map[string]any{"name": "Sale", "messaging_service_sid": mg,
			"variants": oneVariant("Hi"), "domains": map[string]any{"domain_ids": []string{d1.ID}}})
		path := "/api/v1/campaigns/" + c.ID + "/connectors/link-shortening"
		attached := func(host string) []string {
			for _, td := range e.TW.Domains() {
				if td.Name == host {
					return td.MessagingServices
				}
			}
			return nil
		}

		got := handlertest.Decode[models.CampaignView](t, e.Do(t, "PUT", path, ka, map[string]any{"domain_id": d1.ID}).Want(t, http.StatusOK))
		if handlertest.Deref(got.ActiveDomainID) != d1.ID || !slices.Equal(got.Domains.DomainIDs, []string{d1.ID}) {
			t.Fatalf("connected to d1: %+v", got)
		}
		if !slices.Equal(attached(d1.Host), []string{mg}) {
			t.Fatalf("Twilio: %s has %v", d1.Host, attached(d1.Host))
		}
		// Moved to a domain the campaign did not list: added to its list.
		got = handlertest.Decode[models.CampaignView](t, e.Do(t, "PUT", path, ka, map[string]any{"domain_id": d2.ID}).Want(t, http.StatusOK))
		if handlertest.Deref(got.ActiveDomainID) != d2.ID || !slices.Equal(got.Domains.DomainIDs, []string{d1.ID, d2.ID}) {
			t.Fatalf("connected to d2: %+v", got)
		}
		if !slices.Equal(attached(d2.Host), []string{mg}) || len(attached(d1.Host)) != 0 {
			t.Fatalf("Twilio: %s has %v, %s has %v", d2.Host, attached(d2.Host), d1.Host, attached(d1.Host))
		}
		// Back again: d1 is listed already.
		got = handlertest.Decode[models.CampaignView](t, e.Do(t, "PUT", path, e.Admin, map[string]any{"domain_id": d1.ID}).Want(t, http.StatusOK))
		if handlertest.Deref(got.ActiveDomainID) != d1.ID || !slices.Equal(got.Domains.DomainIDs, []string{d1.ID, d2.ID}) ||
			!slices.Equal(attached(d1.Host), []string{mg}) || len(attached(d2.Host)) != 0 {
			t.Fatalf("connected back to d1: %+v", got)
		}
		evs, err := e.Store.CampaignEvents(context.Background(), models.Scope{}, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range evs {
			if strings.HasPrefix(ev.Reason, "link shortening domain set to ") {
				n++
			}
		}
		if n != 3 {
			t.Errorf("%d connector timeline entries, want 3: %+v", n, evs)
		}

		// Refusals, each naming what is wrong, and changing nothing.
		handlertest.WantProblem(t, e.Do(t, "PUT", path, ka, map[string]any{"domain_id": other.ID}), http.StatusNotFound, "not_found", "domain_id")
		handlertest.WantProblem(t, e.Do(t, "PUT", path, ka, map[string]any{"domain_id": "dom_nope"}), http.StatusNotFound, "not_found", "domain_id")
		handlertest.WantProblem(t, e.Do(t, "PUT", path, ka, map[string]any{"domain_id": pending.ID}), http.StatusConflict, "invalid_state", "domain_id")
		handlertest.WantProblem(t, e.Do(t, "PUT", path, kb, map[string]any{"domain_id": other.ID}), http.StatusNotFound, "not_found")
		bare := createCampaign(t, e.Env, ka, a.ID, map[string]any{"name": "Bare", "variants": oneVariant("Hi")})
		handlertest.WantProblem(t, e.Do(t, "PUT", "/api/v1/campaigns/"+bare.ID+"/connectors/link-shortening", ka,
			map[string]any{"domain_id": d2.ID}), http.StatusConflict, "invalid_state", "messaging_service_sid")
		campaignAction(t, e.Env, ka, c.ID, "abort", http.StatusAccepted)
		handlertest.WantProblem(t, e.Do(t, "PUT", path, ka, map[string]any{"domain_id": d2.ID}), http.StatusConflict, "invalid_state")
		if got := getCampaign(t, e.Env, ka, c.ID); handlertest.Deref(got.ActiveDomainID) != d1.ID || !slices.Equal(attached(d1.Host), []string{mg}) {
			t.Errorf("refusals changed the campaign: %+v", got)
		}
	})
}
