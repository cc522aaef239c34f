package main

// Console housekeeping in Chromium (issue 17): the admin edits a client
// (a bad e-mail refused next to its field), manages its users (add, a
// password reset e-mailed through the real SMTP adapter, remove; the new
// user sees why a basic-plan client has no webhook form) and its
// API keys (shown once, then only the prefix; revoked, the key gets 401),
// adds a webhook endpoint choosing the client by name and sees the
// deliveries by URL, then deletes the client: refused while it has a
// domain, then with the box ticked, and its user and key are gone.

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestConsoleHousekeepingInBrowser(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	mail := startSMTP(t)
	_, a := startPublic(t, map[string]string{
		"LINKGATE_BOOTSTRAP_ADMIN_EMAIL":    consoleAdminEmail,
		"LINKGATE_BOOTSTRAP_ADMIN_PASSWORD": consoleAdminPassword,
		"SMTP_URL":                          mail.URL(),
	})
	client := a.newClient("house-acme.com")
	domain := a.newDomainOf(client, "house-acme.com")
	clientURL := a.base + "/console/clients/" + client
	b := newBrowser(t, "house")
	signIn(b, a.base, consoleAdminEmail, consoleAdminPassword)

	// Edit: a bad e-mail next to its field, nothing saved; then saved.
	b.do("open Edit",
		chromedp.Navigate(clientURL),
		chromedp.Click(chromedp.CSS(`#housekeeping a[href$="/edit"]`)),
		chromedp.WaitVisible(chromedp.ID("edit-client")))
	if v := consoleValue(b, "#client-email"); v != "owner@house-acme.com" {
		t.Errorf("the form's e-mail %q", v)
	}
	b.do("a bad e-mail",
		chromedp.SetValue(chromedp.ID("client-email"), "not an address"),
		chromedp.SetValue(chromedp.ID("name"), "Acme House"),
		chromedp.Click(chromedp.CSS(`#edit-client button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("client-email-error")))
	if v := consoleValue(b, "#name"); v != "Acme House" {
		t.Errorf("the refused form lost the name: %q", v)
	}
	if got := a.want(200, "GET", "/api/v1/clients/"+client, "").body["name"]; got != "house-acme.com" {
		t.Errorf("a refused edit saved the name %v", got)
	}
	b.do("save",
		chromedp.SetValue(chromedp.ID("client-email"), "billing@house-acme.com"),
		chromedp.SetValue(chromedp.ID("plan"), "premium"),
		chromedp.Click(chromedp.CSS(`#edit-client button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if h1, facts := b.text("h1"), b.text(".facts"); h1 != "Acme House" || !strings.Contains(facts, "billing@house-acme.com") || !strings.Contains(facts, "premium") {
		t.Errorf("after saving: %q, %q", h1, facts)
	}

	// Users: add one, send them a reset link, remove them.
	b.do("add a user",
		chromedp.Click(chromedp.CSS(`#housekeeping a[href$="/users"]`)),
		chromedp.WaitVisible(chromedp.ID("user-email")),
		chromedp.SendKeys(chromedp.ID("user-email"), "staff@house-acme.com"),
		chromedp.SendKeys(chromedp.ID("user-password"), testPassword),
		chromedp.Click(chromedp.CSS(`#users button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("user-list")))
	waitText(b, "#user-list", "staff@house-acme.com")

	// The new user signs in; on the basic plan their webhooks page says why
	// it has no form, instead of the form.
	a.want(200, "PATCH", "/api/v1/clients/"+client, `{"plan":"basic"}`)
	staff := newBrowser(t, "house-staff")
	signIn(staff, a.base, "staff@house-acme.com", testPassword)
	staff.do("the webhooks on the basic plan", chromedp.Navigate(a.base+"/console/webhooks"), chromedp.WaitVisible(chromedp.ID("no-plan")))
	if got := staff.text("#new-endpoint"); !strings.Contains(got, "Acme House is on the basic plan") || evalJS[bool](staff, `!!document.getElementById("url")`) {
		t.Errorf("a basic-plan client's webhooks page: %s", got)
	}
	a.want(200, "PATCH", "/api/v1/clients/"+client, `{"plan":"premium"}`)
	b.do("send a reset link", chromedp.Click(chromedp.CSS(`#user-list button[aria-label^="E-mail staff@house-acme.com"]`)))
	waitText(b, ".notice", "new password is on its way")
	m := mail.waitMail(t, 1)
	if m.To != "staff@house-acme.com" || !strings.Contains(m.Subject, "Reset your") || !strings.Contains(m.Text, a.base+"/console/reset/") {
		t.Errorf("reset mail: %+v", m)
	}
	b.do("remove the user", chromedp.Click(chromedp.CSS(`#user-list button[aria-label="Remove staff@house-acme.com"]`)))
	waitText(b, ".notice", "User removed.")
	if strings.Contains(b.text("main"), "staff@house-acme.com") {
		t.Error("the removed user is still listed")
	}

	// API keys: shown once, then only the prefix; revoked, 401.
	b.do("make a key",
		chromedp.Navigate(clientURL),
		chromedp.Click(chromedp.CSS(`#housekeeping a[href$="/api-keys"]`)),
		chromedp.WaitVisible(chromedp.ID("key-name")),
		chromedp.SendKeys(chromedp.ID("key-name"), "Nightly export"),
		chromedp.Click(chromedp.CSS(`#new-key-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("key-value")))
	key := b.text("#key-value")
	if resp := get(t, a.base+"/api/v1/clients/"+client, key); resp.StatusCode != 200 {
		t.Fatalf("the new key on the API: %d", resp.StatusCode)
	}
	b.do("the keys again", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("keys")))
	if main := b.text("main"); strings.Contains(main, key) || !strings.Contains(main, key[:16]+"…") || !strings.Contains(main, "Nightly export") {
		t.Errorf("the list shows the key, or not its prefix:\n%s", main)
	}
	b.do("revoke it", chromedp.Click(chromedp.CSS(`#keys button[aria-label^="Revoke"]`)))
	waitText(b, ".notice", "API key revoked.")
	waitText(b, "#keys", "Revoked")
	if resp := get(t, a.base+"/api/v1/clients/"+client, key); resp.StatusCode != 401 {
		t.Errorf("the revoked key on the API: %d, want 401", resp.StatusCode)
	}

	// Webhooks: the client chosen by name; the deliveries by URL.
	hooks := newHookReceiver(t)
	b.do("add an endpoint for the client",
		chromedp.Navigate(a.base+"/console/webhooks"),
		chromedp.WaitVisible(chromedp.ID("url")),
		chromedp.SendKeys(chromedp.ID("url"), hooks.URL+"/house"))
	b.do("choose the client", chromedp.SetValue(chromedp.ID("client_id"), consoleOptionValue(b, "#client_id", "Acme House")))
	b.do("submit the endpoint",
		chromedp.Click(chromedp.CSS(`#new-endpoint button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("secret-value")))
	waitText(b, "#endpoints", "Acme House")
	b.do("ping it", chromedp.Click(chromedp.CSS(`#endpoints form[action$="/ping"] button`)), chromedp.WaitVisible(chromedp.ID("deliveries")))
	if got := b.text("#deliveries"); !strings.Contains(got, hooks.URL+"/house") || strings.Contains(got, "whe_") {
		t.Errorf("deliveries name the endpoint by id, or not by URL: %s", got)
	}
	if got := evalJS[string](b, `document.getElementById("endpoint_id").selectedOptions[0].textContent`); got != hooks.URL+"/house" {
		t.Errorf("the endpoint filter shows %q", got)
	}

	// Delete: refused while the client has a domain.
	b.do("open Delete",
		chromedp.Navigate(clientURL),
		chromedp.Click(chromedp.CSS(`#housekeeping a[href$="/delete"]`)),
		chromedp.WaitVisible(chromedp.ID("delete-blocked")))
	if r := a.req("DELETE", "/api/v1/domains/"+domain, ""); r.status != 200 && r.status != 204 {
		t.Fatalf("delete the domain: %d %s", r.status, r.raw)
	}
	b.do("the page again", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("delete-removes")))
	if got := b.text("#delete-removes"); !strings.Contains(got, "1 API key") || !strings.Contains(got, "1 webhook endpoint") {
		t.Errorf("what deletion removes: %s", got)
	}
	b.do("delete without the box",
		chromedp.Click(chromedp.CSS(`#delete-client button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("confirm-error")))
	a.want(200, "GET", "/api/v1/clients/"+client, "")
	b.do("delete",
		chromedp.Click(chromedp.ID("confirm")),
		chromedp.Click(chromedp.CSS(`#delete-client button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	waitText(b, ".notice", "Client deleted")
	if strings.Contains(b.text("main"), "Acme House") {
		t.Error("the deleted client is still listed")
	}
	a.want(404, "GET", "/api/v1/clients/"+client, "")
	if n := len(a.want(200, "GET", "/api/v1/webhooks/endpoints", "").body["data"].([]any)); n != 0 {
		t.Errorf("%d webhook endpoints outlived their client", n)
	}
}
