package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// The live campaigns page lists the campaigns that have not ended, in
// the user's scope, and its event stream tells a client user about their
// own campaigns only.
func TestConsoleLiveCampaigns(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		e := newConsole(t, db, false)
		ctx := context.Background()
		mk := func(clientID, name string) *models.Campaign {
			c, err := e.store.CreateCampaign(ctx, models.Scope{}, clientID, models.CampaignInput{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		mine, theirs, gone := mk(e.acme.ID, "Acme spring"), mk(e.globex.ID, "Globex spring"), mk(e.acme.ID, "Acme old")
		if _, err := e.store.AbortCampaign(ctx, models.Scope{}, gone.ID, "test"); err != nil {
			t.Fatal(err)
		}

		admin := newConsoleBrowser(t, e.base)
		admin.login(t, "admin@example.com", consolePassword)
		p := admin.get(t, "/console/campaigns/live")
		wantPage(t, p, http.StatusOK, `id="campaign-`+mine.ID+`"`, `id="campaign-`+theirs.ID+`"`, `data-events="/console/campaigns/live/events"`)
		if strings.Contains(p.Body, gone.ID) {
			t.Error("an aborted campaign is listed")
		}
		user := newConsoleBrowser(t, e.base)
		user.login(t, "user@acme.com", consolePassword)
		p = user.get(t, "/console/campaigns/live")
		wantPage(t, p, http.StatusOK, `id="campaign-`+mine.ID+`"`)
		if strings.Contains(p.Body, theirs.ID) {
			t.Error("a client user sees another client's campaign")
		}
		// Signed out: no stream.
		if p := newConsoleBrowser(t, e.base).get(t, "/console/campaigns/live/events"); p.Status != http.StatusFound {
			t.Errorf("signed-out stream: %d", p.Status)
		}

		// The client user's stream: Globex's change is not told, Acme's is.
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		req, _ := http.NewRequestWithContext(sctx, "GET", e.base+"/console/campaigns/live/events", nil)
		resp, err := user.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		lines := handlertest.StreamLines(resp.Body)
		deadline := time.Now().Add(10 * time.Second)
		for e.store.CampaignWatchers() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if _, err := e.store.AbortCampaign(ctx, models.Scope{}, theirs.ID, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.AbortCampaign(ctx, models.Scope{}, mine.ID, "test"); err != nil {
			t.Fatal(err)
		}
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("the stream ended")
				}
				if strings.Contains(l, theirs.ID) {
					t.Fatalf("Globex's campaign told to an Acme user: %s", l)
				}
				if strings.HasPrefix(l, "data: ") && strings.Contains(l, mine.ID) {
					if !strings.Contains(l, `"status":"aborted"`) {
						t.Errorf("event %s", l)
					}
					return
				}
			case <-timeout:
				t.Fatal("no event about the user's campaign")
			}
		}
	})
}
