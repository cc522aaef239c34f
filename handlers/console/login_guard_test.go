package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models/dbtest"
)

// Wrong passwords slow the next attempts at that account (429 with
// Retry-After, within the account's cap for the owner); they never lock it
// for long, and another account is not affected.
func TestConsoleSignInSlowsGuessing(t *testing.T) {
	e := newConsole(t, dbtest.SQLite(t), false)
	b := newConsoleBrowser(t, e.base)
	wrong := url.Values{"email": {"admin@example.com"}, "password": {"wrong password!"}}
	for i := range handlers.FreeFailures + 1 {
		if p := b.submit(t, "/login", "/login", wrong); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong password %d: %d, want 422", i+1, p.Status)
		}
	}
	// Now even the right password waits: a short delay, not a lockout.
	p := b.submit(t, "/login", "/login", url.Values{"email": {"admin@example.com"}, "password": {consolePassword}})
	wantPage(t, p, http.StatusTooManyRequests, "Too many wrong passwords")
	secs, err := strconv.Atoi(p.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > int(handlers.MaxAddressDelay.Seconds()) {
		t.Fatalf("Retry-After %q", p.Header.Get("Retry-After"))
	}
	// Another account signs in at once.
	other := newConsoleBrowser(t, e.base)
	if p := other.submit(t, "/login", "/login", url.Values{"email": {"user@acme.com"}, "password": {consolePassword}}); p.Status != http.StatusSeeOther {
		t.Fatalf("another account: %d, want 303", p.Status)
	}
}
