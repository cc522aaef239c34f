package main

// The live campaigns page in real Chromium: the admin opens it, and
// changes made through the API behind the page's back (a new campaign, a
// rename, an abort) appear in the table without a reload, through the
// page's EventSource on the console's event stream.

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestConsoleLiveCampaignsInBrowser(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	_, a := startConsole(t)
	clientID := a.newClient("live.com")
	newCampaign := func(name string) string {
		return a.want(201, "POST", "/api/v1/clients/"+clientID+"/campaigns",
			fmt.Sprintf(`{"name":%q,"variants":[{"body":"Hi","ratio":100}]}`, name)).body["id"].(string)
	}
	first := newCampaign("Spring sale")

	b := newBrowser(t, "live")
	signIn(b, a.base, consoleAdminEmail, consoleAdminPassword)
	b.do("open Live campaigns",
		chromedp.Click(chromedp.CSS(`.top nav a[href="/console/campaigns/live"]`)),
		chromedp.WaitVisible(chromedp.ID("campaign-"+first)))
	waitText(b, "#campaign-"+first+` [data-field="status"]`, "Draft")
	// The stream is open once the script says so; changes before that
	// would be the page's load, not the stream.
	waitText(b, "#live-state", "Updating live.")
	evalJS[bool](b, `window.liveMarker = true; true`)

	// Behind the page's back: a rename, a new campaign, an abort.
	a.want(200, "PATCH", "/api/v1/campaigns/"+first, `{"name":"Spring sale, extended"}`)
	waitText(b, "#campaign-"+first+` [data-field="name"]`, "Spring sale, extended")
	second := newCampaign("Summer")
	waitText(b, "#campaign-"+second+` [data-field="name"]`, "Summer")
	a.want(202, "POST", "/api/v1/campaigns/"+first+"/abort", "")
	waitText(b, "#campaign-"+first+` [data-field="status"]`, "Cancelled")
	if v := evalJS[string](b, `document.querySelector("#campaign-`+first+` .badge").getAttribute("data-value")`); v != "aborted" {
		t.Errorf("badge data-value %q", v)
	}
	if n := evalJS[int](b, `document.querySelectorAll("#live-campaigns tbody tr").length`); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
	// No reload happened: the marker set on the loaded page is still there.
	if !evalJS[bool](b, `window.liveMarker === true`) {
		t.Error("the page was reloaded")
	}
	consoleShot(b, "live-01")
}
