// Package webhooks holds the status webhooks of linkgate: the event catalog
// and the endpoints' event filters (catalog.go), Standard Webhooks signing
// and the payload envelope (signing.go), the SSRF-guarded delivery HTTP
// client and endpoint URL validation (client.go), and the retry schedule
// with the classification of a receiver's answer (schedule.go).
//
// Delivery follows https://www.standardwebhooks.com/: every request carries
// webhook-id (stable across retries and replays), webhook-timestamp (Unix
// seconds) and webhook-signature ("v1,<base64 HMAC-SHA256 of
// id.timestamp.body>", one per active secret, space-separated, so that the
// old and the new secret both sign during a rotation). Delivery is
// at-least-once with no ordering guarantee.
package webhooks

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/linkgate/linkgate/models"
)

// The event types of the catalog (API.md "Webhooks"), spelled once in
// models, where the events are written.
const (
	EventDomainCreated                  = models.EventDomainCreated
	EventDomainStatusChanged            = models.EventDomainStatusChanged
	EventDomainDNSVerified              = models.EventDomainDNSVerified
	EventDomainCertificateIssued        = models.EventDomainCertificateIssued
	EventDomainConfigured               = models.EventDomainConfigured
	EventDomainFailed                   = models.EventDomainFailed
	EventDomainMessagingServiceAttached = models.EventDomainMessagingServiceAttached
	EventDomainMessagingServiceDetached = models.EventDomainMessagingServiceDetached
	EventDomainReachedLimit             = models.EventDomainReachedLimit
	EventDomainArchived                 = models.EventDomainArchived
	EventDomainRestored                 = models.EventDomainRestored
	EventDomainBlocked                  = models.EventDomainBlocked
	EventDomainUnderReview              = models.EventDomainUnderReview
	EventDomainDeclined                 = models.EventDomainDeclined
	EventDomainDeleted                  = models.EventDomainDeleted
	EventDomainArchiveWarning           = models.EventDomainArchiveWarning
	EventDomainDriftRepaired            = models.EventDomainDriftRepaired
	EventDomainDriftDetected            = models.EventDomainDriftDetected
	EventRegistrationSent               = models.EventRegistrationSent
	EventRegistrationOpened             = models.EventRegistrationOpened
	EventRegistrationCompleted          = models.EventRegistrationCompleted
	EventRegistrationExpired            = models.EventRegistrationExpired
	EventWebhookPing                    = models.EventWebhookPing
	EventCampaignStatusChanged          = models.EventCampaignStatusChanged
	EventCampaignDomainSwitched         = models.EventCampaignDomainSwitched
	EventCampaignSuspended              = models.EventCampaignSuspended
	EventCampaignFinished               = models.EventCampaignFinished
	EventLinkClicked                    = models.EventLinkClicked
)

// Catalog lists every event type an endpoint can subscribe to, in the order
// of API.md. Callers must not modify it.
var Catalog = models.EventTypes

// ErrInvalidFilter is wrapped by every error ValidateFilter returns (the
// HTTP layer answers 422).
var ErrInvalidFilter = errors.New("invalid event filter")

// IsKnownEvent reports whether eventType is in the Catalog.
func IsKnownEvent(eventType string) bool {
	for _, t := range Catalog {
		if t == eventType {
			return true
		}
	}
	return false
}

// matchPattern reports whether one filter entry matches eventType. An entry
// is "*" (everything but models.ExplicitOnlyEvents, such as link.clicked,
// which must be named), "<group>.*" (every type starting with "<group>.")
// or an exact event type.
func matchPattern(pattern, eventType string) bool {
	if pattern == "*" {
		return !slices.Contains(models.ExplicitOnlyEvents, eventType)
	}
	if prefix, ok := strings.CutSuffix(pattern, ".*"); ok {
		if prefix == "" || strings.Contains(prefix, "*") {
			return false
		}
		return strings.HasPrefix(eventType, prefix+".")
	}
	return pattern == eventType
}

// MatchFilter reports whether an endpoint subscribed with filter receives
// events of eventType. Entries are exact types, "group.*" or "*". An empty
// filter matches nothing.
func MatchFilter(filter []string, eventType string) bool {
	for _, p := range filter {
		if matchPattern(p, eventType) {
			return true
		}
	}
	return false
}

// ValidateFilter checks an endpoint's event filter: it must be non-empty and
// every entry must be a catalog type, "*", or "group.*" matching at least
// one catalog type. Errors wrap ErrInvalidFilter and name the entry.
func ValidateFilter(filter []string) error {
	if len(filter) == 0 {
		return fmt.Errorf("%w: at least one event type or pattern is required", ErrInvalidFilter)
	}
	for _, p := range filter {
		if p == "" {
			return fmt.Errorf("%w: empty entry", ErrInvalidFilter)
		}
		if strings.Contains(p, "*") && p != "*" {
			prefix, ok := strings.CutSuffix(p, ".*")
			if !ok || prefix == "" || strings.Contains(prefix, "*") {
				return fmt.Errorf("%w: %q: a wildcard must be \"*\" or \"group.*\"", ErrInvalidFilter, p)
			}
		}
		matched := false
		for _, t := range Catalog {
			if matchPattern(p, t) {
				matched = true
				break
			}
		}
		if !matched {
			return fmt.Errorf("%w: unknown event type %q", ErrInvalidFilter, p)
		}
	}
	return nil
}
