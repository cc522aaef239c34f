package handlers_test

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// wantWords fails unless label is plain words for value: not empty, not
// the machine value itself, and starting with a capital letter.
func wantWords(t *testing.T, kind, value, label string) {
	t.Helper()
	if label == "" || label == value || strings.Contains(label, "_") {
		t.Errorf("%s %q has no label in words (got %q)", kind, value, label)
		return
	}
	if r := []rune(label)[0]; !unicode.IsUpper(r) {
		t.Errorf("%s %q: label %q does not start with a capital", kind, value, label)
	}
}

// TestLabelsEveryValue: every typed value of every status type has its
// words, for both readers.
func TestLabelsEveryValue(t *testing.T) {
	for _, r := range []handlers.Reader{handlers.ForAdmin, handlers.ForClient} {
		for _, s := range models.Statuses {
			wantWords(t, "status", string(s), handlers.StatusLabelFor(s, r))
		}
		for _, m := range models.SetupModes {
			wantWords(t, "setup mode", string(m), handlers.SetupLabel(m, r))
		}
	}
	for _, s := range models.DNSStatuses {
		wantWords(t, "DNS status", string(s), handlers.DNSLabel(s))
	}
	for _, s := range models.SSLStatuses {
		wantWords(t, "certificate status", string(s), handlers.SSLLabel(s))
		for _, st := range models.Statuses {
			wantWords(t, "certificate status at "+string(st), string(s), handlers.SSLLabelAt(st, s))
		}
	}
	for _, s := range models.RegistrationStatuses {
		wantWords(t, "registration status", string(s), handlers.RegistrationLabel(s))
	}
	for _, s := range models.DeliveryStatuses {
		wantWords(t, "delivery status", string(s), handlers.DeliveryLabel(s))
	}
	for _, s := range models.CampaignStatuses {
		wantWords(t, "campaign status", string(s), handlers.CampaignStatusLabel(s))
	}
	// The lists are complete: each Valid value is listed (a new constant
	// without a list entry would have no label test).
	if n := len(models.Statuses); n != 12 {
		t.Errorf("%d statuses listed", n)
	}
	for _, s := range []models.DNSStatus{"not_started", "creating", "propagating", "verified", "failed"} {
		if !s.Valid() {
			t.Errorf("DNS status %q is not listed", s)
		}
	}
	for _, s := range []models.SSLStatus{"none", "requested", "pending_validation", "active", "failed", "expiring"} {
		if !s.Valid() {
			t.Errorf("certificate status %q is not listed", s)
		}
	}
}

// TestLabelsForTheReader: a forwarded domain waits for the client in the
// admin's words and for "you" in the client's; the Domain SID step says
// what to do; the certificate agrees with the status at ssl_pending.
func TestLabelsForTheReader(t *testing.T) {
	d := &models.Domain{Status: models.StatusAwaitingClient, SetupMode: models.SetupForwardLogin,
		DNSStatus: models.DNSNotStarted, SSLStatus: models.SSLNone}
	admin, client := handlers.LabelsOf(d, handlers.ForAdmin), handlers.LabelsOf(d, handlers.ForClient)
	if admin.Status != "Waiting for the client" || strings.Contains(admin.Status+admin.Hint+admin.Setup, "you") {
		t.Errorf("admin reads %+v", admin)
	}
	if client.Status != "Waiting for you" {
		t.Errorf("client reads %+v", client)
	}
	if admin.Setup != "Forwarded to the client" {
		t.Errorf("admin setup %q", admin.Setup)
	}
	if h := handlers.StatusHint(models.StatusAwaitingDomainSID, handlers.ForAdmin); h != "Create the domain in the Twilio Console and paste its Domain SID below." {
		t.Errorf("awaiting_domain_sid hint %q", h)
	}
	d.Status = models.StatusSSLPending
	l := handlers.LabelsOf(d, handlers.ForAdmin)
	if l.SSL == handlers.SSLLabel(models.SSLNone) || strings.Contains(l.SSL, "Not requested") {
		t.Errorf("at ssl_pending the certificate reads %q beside %q", l.SSL, l.Status)
	}
	if strings.Contains(l.Status, "Issuing") {
		t.Errorf("status %q", l.Status)
	}
	d.SSLStatus = models.SSLRequested
	if l := handlers.LabelsOf(d, handlers.ForAdmin); l.SSL != "Requested from Twilio" {
		t.Errorf("requested certificate %q", l.SSL)
	}
	// Not at ssl_pending, "none" means what it says.
	if got := handlers.SSLLabelAt(models.StatusDNSPending, models.SSLNone); got != "Not requested yet" {
		t.Errorf("none at dns_pending: %q", got)
	}
}

// TestWhen: one date format everywhere, in UTC; the zero time is empty.
func TestWhen(t *testing.T) {
	at := time.Date(2026, 12, 5, 15, 3, 0, 0, time.FixedZone("CET", 3600))
	if got := handlers.When(at); got != "5 Dec 2026 14:03 UTC" {
		t.Errorf("When = %q", got)
	}
	if got := handlers.When(time.Time{}); got != "" {
		t.Errorf("zero time = %q", got)
	}
}
