package webhooks

import (
	"errors"
	"testing"
)

func TestCatalogMatchesAPI(t *testing.T) {
	want := []string{
		"domain.created", "domain.status_changed", "domain.dns_verified",
		"domain.certificate_issued", "domain.configured", "domain.failed",
		"domain.messaging_service_attached", "domain.messaging_service_detached",
		"domain.reached_limit", "domain.archived", "domain.restored", "domain.blocked",
		"domain.under_review", "domain.declined", "domain.deleted", "domain.archive_warning",
		"domain.drift_repaired", "domain.drift_detected",
		"registration.sent", "registration.opened", "registration.completed",
		"registration.expired", "webhook.ping",
		"campaign.status_changed", "campaign.domain_switched", "campaign.suspended", "campaign.finished",
		"link.clicked",
	}
	if len(Catalog) != len(want) {
		t.Fatalf("catalog has %d types, want %d", len(Catalog), len(want))
	}
	for i, w := range want {
		if Catalog[i] != w {
			t.Errorf("Catalog[%d] = %q, want %q", i, Catalog[i], w)
		}
		if !IsKnownEvent(w) {
			t.Errorf("IsKnownEvent(%q) = false", w)
		}
	}
	if IsKnownEvent("domain.destroyed") {
		t.Error("IsKnownEvent(domain.destroyed) = true")
	}
}

func TestMatchFilter(t *testing.T) {
	tests := []struct {
		filter []string
		event  string
		want   bool
	}{
		{[]string{"*"}, EventDomainCreated, true},
		{[]string{"*"}, EventWebhookPing, true},
		{[]string{"domain.*"}, EventDomainStatusChanged, true},
		{[]string{"domain.*"}, EventDomainMessagingServiceDetached, true},
		{[]string{"domain.*"}, EventRegistrationSent, false},
		{[]string{"domain.*"}, "domainx.created", false},
		{[]string{"registration.*", "domain.failed"}, EventDomainFailed, true},
		{[]string{"registration.*", "domain.failed"}, EventDomainCreated, false},
		{[]string{"registration.completed"}, EventRegistrationCompleted, true},
		{[]string{"registration.completed"}, EventRegistrationExpired, false},
		{nil, EventDomainCreated, false},
		{[]string{}, EventWebhookPing, false},
		{[]string{".*"}, EventDomainCreated, false},
		{[]string{"dom*"}, EventDomainCreated, false},
		{[]string{"*"}, EventCampaignStatusChanged, true},
		{[]string{"campaign.*"}, EventCampaignFinished, true},
		// link.clicked is never on by "*" alone: it must be named.
		{[]string{"*"}, EventLinkClicked, false},
		{[]string{"*", "link.clicked"}, EventLinkClicked, true},
		{[]string{"link.*"}, EventLinkClicked, true},
		{[]string{"campaign.*"}, EventLinkClicked, false},
	}
	for _, tt := range tests {
		if got := MatchFilter(tt.filter, tt.event); got != tt.want {
			t.Errorf("MatchFilter(%q, %q) = %v, want %v", tt.filter, tt.event, got, tt.want)
		}
	}
}

func TestValidateFilter(t *testing.T) {
	ok := [][]string{
		{"*"},
		{"domain.*"},
		{"registration.*", "webhook.ping"},
		{"domain.status_changed", "domain.failed"},
		Catalog,
	}
	for _, f := range ok {
		if err := ValidateFilter(f); err != nil {
			t.Errorf("ValidateFilter(%q) = %v, want nil", f, err)
		}
	}
	bad := [][]string{
		nil,
		{},
		{""},
		{"domain.destroyed"},
		{"domain.*", "nope"},
		{"billing.*"},    // matches no catalog type
		{"domain.stat*"}, // only "*" and "group.*" wildcards
		{"*.created"},
		{"**"},
		{".*"},
		{"domain.*.*"},
		{"Domain.created"},
	}
	for _, f := range bad {
		err := ValidateFilter(f)
		if err == nil {
			t.Errorf("ValidateFilter(%q) = nil, want an error", f)
			continue
		}
		if !errors.Is(err, ErrInvalidFilter) {
			t.Errorf("ValidateFilter(%q) = %v, does not wrap ErrInvalidFilter", f, err)
		}
	}
}
