package models

import (
	"fmt"
	"slices"
	"strings"
)

// Status is a domain's lifecycle status (DESIGN §3). Status values appear
// only here; everything else uses these constants.
type Status string

// The lifecycle statuses.
const (
	StatusPending           Status = "pending"
	StatusAwaitingClient    Status = "awaiting_client"
	StatusDNSPending        Status = "dns_pending"
	StatusAwaitingDomainSID Status = "awaiting_domain_sid"
	StatusSSLPending        Status = "ssl_pending"
	StatusConfigured        Status = "configured"
	StatusFailed            Status = "failed"
	StatusReachedLimit      Status = "reached_limit"
	StatusArchived          Status = "archived"
	StatusBlocked           Status = "blocked"
	StatusUnderReview       Status = "under_review"
	StatusDeclined          Status = "declined"
)

// Statuses lists every lifecycle status, in lifecycle order.
var Statuses = []Status{
	StatusPending, StatusAwaitingClient, StatusDNSPending, StatusAwaitingDomainSID,
	StatusSSLPending, StatusConfigured, StatusFailed, StatusReachedLimit,
	StatusArchived, StatusBlocked, StatusUnderReview, StatusDeclined,
}

// transitions is the one table of legal status changes.
var transitions = map[Status][]Status{
	StatusPending:           {StatusAwaitingClient, StatusDNSPending, StatusFailed, StatusArchived},
	StatusAwaitingClient:    {StatusPending, StatusDNSPending, StatusFailed, StatusArchived},
	StatusDNSPending:        {StatusPending, StatusAwaitingDomainSID, StatusSSLPending, StatusFailed, StatusArchived},
	StatusAwaitingDomainSID: {StatusSSLPending, StatusFailed, StatusArchived},
	StatusSSLPending:        {StatusConfigured, StatusFailed, StatusArchived},
	StatusConfigured:        {StatusSSLPending, StatusReachedLimit, StatusArchived, StatusBlocked, StatusUnderReview},
	StatusFailed:            {StatusPending, StatusDNSPending, StatusAwaitingDomainSID, StatusSSLPending, StatusArchived},
	StatusReachedLimit:      {StatusConfigured, StatusArchived, StatusBlocked, StatusUnderReview},
	// Restore: back to the status it was archived from (archived_from),
	// or to the certificate step when a configured domain's certificate
	// expired meanwhile.
	StatusArchived: {StatusPending, StatusAwaitingClient, StatusDNSPending, StatusAwaitingDomainSID,
		StatusSSLPending, StatusConfigured, StatusFailed, StatusReachedLimit, StatusBlocked, StatusDeclined},
	StatusBlocked:     {StatusUnderReview, StatusArchived},
	StatusUnderReview: {StatusConfigured, StatusBlocked, StatusDeclined},
	StatusDeclined:    {StatusArchived},
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// CanTransitionTo reports whether the table allows s → to.
func (s Status) CanTransitionTo(to Status) bool {
	for _, t := range transitions[s] {
		if t == to {
			return true
		}
	}
	return false
}

// CheckTransition returns nil when s → to is legal, and otherwise a
// conflict Error (code "invalid_state") wrapping ErrIllegalTransition.
func (s Status) CheckTransition(to Status) error {
	if s.CanTransitionTo(to) {
		return nil
	}
	return &Error{
		Kind:   KindConflict,
		Code:   "invalid_state",
		Detail: fmt.Sprintf("the domain is %s and cannot become %s", s, to),
		Err:    ErrIllegalTransition,
	}
}

// DNSStatus says where the DNS record stands.
type DNSStatus string

// The DNS sub-statuses.
const (
	DNSNotStarted  DNSStatus = "not_started"
	DNSCreating    DNSStatus = "creating"
	DNSPropagating DNSStatus = "propagating"
	DNSVerified    DNSStatus = "verified"
	DNSFailed      DNSStatus = "failed"
)

// DNSStatuses lists every DNS sub-status, in the order they happen.
var DNSStatuses = []DNSStatus{DNSNotStarted, DNSCreating, DNSPropagating, DNSVerified, DNSFailed}

// Valid reports whether s is a known DNS sub-status.
func (s DNSStatus) Valid() bool { return slices.Contains(DNSStatuses, s) }

// SSLStatus says where the managed certificate stands.
type SSLStatus string

// The certificate sub-statuses.
const (
	SSLNone              SSLStatus = "none"
	SSLRequested         SSLStatus = "requested"
	SSLPendingValidation SSLStatus = "pending_validation"
	SSLActive            SSLStatus = "active"
	SSLFailed            SSLStatus = "failed"
	SSLExpiring          SSLStatus = "expiring"
)

// SSLStatuses lists every certificate sub-status, in the order they
// happen.
var SSLStatuses = []SSLStatus{SSLNone, SSLRequested, SSLPendingValidation, SSLActive, SSLFailed, SSLExpiring}

// Valid reports whether s is a known certificate sub-status.
func (s SSLStatus) Valid() bool { return slices.Contains(SSLStatuses, s) }

// SetupMode is how the DNS record gets made (DESIGN §4).
type SetupMode string

// The setup modes. SetupNone means not chosen yet.
const (
	SetupNone         SetupMode = ""
	SetupSelf         SetupMode = "self"
	SetupManual       SetupMode = "manual"
	SetupForwardLogin SetupMode = "forward_login"
)

// SetupModes lists every setup mode, "not chosen yet" first.
var SetupModes = []SetupMode{SetupNone, SetupSelf, SetupManual, SetupForwardLogin}

// Purpose is what a domain is for.
type Purpose string

// The purposes. A link-shortening domain is Twilio's (Domain SID, managed
// certificate, domain config, Messaging Services); a URL-tracking domain
// is linkgate's own: its CNAME points at the tracking target and it is
// configured as soon as that answers (API.md "Tracked links").
const (
	PurposeLinkShortening Purpose = "link_shortening"
	PurposeURLTracking    Purpose = "url_tracking"
)

// Purposes lists every purpose.
var Purposes = []Purpose{PurposeLinkShortening, PurposeURLTracking}

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool { return slices.Contains(Purposes, p) }

// AtTwilio reports whether domains of purpose p live at Twilio: they get a
// Domain SID, a managed certificate, a domain config and Messaging
// Services. URL-tracking domains have none of these.
func (p Purpose) AtTwilio() bool { return p != PurposeURLTracking }

// twilioStatuses are the statuses only a domain at Twilio passes through.
var twilioStatuses = StatusSet{StatusAwaitingDomainSID, StatusSSLPending}

// purposeTransitions are the changes a purpose allows beyond the table
// above: a tracking domain is configured as soon as its DNS answers.
var purposeTransitions = map[Purpose]map[Status][]Status{
	PurposeURLTracking: {StatusDNSPending: {StatusConfigured}},
}

// CheckTransition is Status.CheckTransition for a domain of purpose p: the
// table, plus what the purpose adds, minus the Twilio statuses for a
// purpose that is not at Twilio.
func (p Purpose) CheckTransition(from, to Status) error {
	if slices.Contains(purposeTransitions[p][from], to) {
		return nil
	}
	if !p.AtTwilio() && twilioStatuses.Has(to) {
		return &Error{
			Kind:   KindConflict,
			Code:   "invalid_state",
			Detail: fmt.Sprintf("a %s domain is never %s", p, to),
			Err:    ErrIllegalTransition,
		}
	}
	return from.CheckTransition(to)
}

// Plan is a client's plan.
type Plan string

// The plans.
const (
	PlanBasic      Plan = "basic"
	PlanPremium    Plan = "premium"
	PlanEnterprise Plan = "enterprise"
)

// Valid reports whether p is a known plan.
func (p Plan) Valid() bool {
	return p == PlanBasic || p == PlanPremium || p == PlanEnterprise
}

// Role is what a user or API key may do.
type Role string

// The roles.
const (
	RoleAdmin  Role = "admin"
	RoleClient Role = "client"
)

// StatusSet is the statuses in which a domain action is allowed. The
// actions' sets are declared here, next to the transition table, so that
// workflows, handlers and the console ask the same question in the same
// words.
type StatusSet []Status

// The statuses in which each domain action is allowed.
var (
	// Configurable: a setup mode may be chosen (configure, or forward
	// the registration link to the client).
	Configurable = StatusSet{StatusPending, StatusAwaitingClient}
	// AcceptsDomainSID: the Twilio Domain SID may be given ("at any time"
	// before the certificate is requested).
	AcceptsDomainSID = StatusSet{StatusPending, StatusAwaitingClient, StatusDNSPending, StatusAwaitingDomainSID}
	// Retryable: onboarding may resume from the step that failed.
	Retryable = StatusSet{StatusFailed}
	// Attachable: Messaging Services may be attached and detached.
	Attachable = StatusSet{StatusConfigured}
	// Archivable: the domain may be archived (by hand or, when
	// configured and unused, by the system).
	Archivable = StatusSet{StatusConfigured, StatusReachedLimit, StatusBlocked, StatusFailed, StatusPending,
		StatusAwaitingClient, StatusDNSPending, StatusAwaitingDomainSID, StatusSSLPending, StatusDeclined}
	// Restorable: archived (back to where it was) or reached_limit (back
	// to configured once the client's limit allows).
	Restorable = StatusSet{StatusArchived, StatusReachedLimit}
	// Reviewable: an admin may clear or decline the domain.
	Reviewable = StatusSet{StatusUnderReview}
	// Sendable: the domain may be used to send (TakeQuota).
	Sendable = StatusSet{StatusConfigured}
	// Reconciled: the domain is live at Twilio, so the reconciler compares
	// linkgate's view of it with Twilio's and DNS's.
	Reconciled = StatusSet{StatusConfigured, StatusReachedLimit}
	// Screened: the daily reputation check asks about the domain, and a
	// listing sends it to under_review.
	Screened = StatusSet{StatusConfigured, StatusReachedLimit}
)

// Has reports whether s is in the set.
func (ss StatusSet) Has(s Status) bool { return slices.Contains(ss, s) }

// String lists the set's statuses joined by "or".
func (ss StatusSet) String() string {
	words := make([]string, len(ss))
	for i, s := range ss {
		words[i] = string(s)
	}
	return strings.Join(words, " or ")
}

// Check returns nil when current is in the set, and otherwise a conflict
// Error (code "invalid_state") saying that the domain can be what (e.g.
// "retried") only in the set's statuses.
func (ss StatusSet) Check(current Status, what string) error {
	if ss.Has(current) {
		return nil
	}
	return &Error{Kind: KindConflict, Code: "invalid_state",
		Detail: fmt.Sprintf("the domain is %s; it can be %s only when %s", current, what, ss)}
}
