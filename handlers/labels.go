package handlers

import (
	"time"

	"github.com/linkgate/linkgate/models"
)

// The one table of words for models' typed values: every lifecycle
// status, DNS and certificate sub-status, setup mode, registration and
// campaign status, in plain words. Pages show these; the machine value
// appears only as a small code for support (<code class="machine">).
// Some words depend on who reads them (Reader): a domain waiting for
// the client "waits for you" only to the client.

// Reader is who reads a label.
type Reader int

// The audiences.
const (
	// ForAdmin: the platform's admins.
	ForAdmin Reader = iota
	// ForClient: the client whose domain it is (their console users and
	// the registration pages).
	ForClient
)

// ReaderOf is ForAdmin for an admin, ForClient otherwise.
func ReaderOf(admin bool) Reader {
	if admin {
		return ForAdmin
	}
	return ForClient
}

// StatusLabel is a lifecycle status in words, for an admin.
func StatusLabel(s models.Status) string { return StatusLabelFor(s, ForAdmin) }

// StatusLabelFor is a lifecycle status in words for the audience.
func StatusLabelFor(s models.Status, a Reader) string {
	if a == ForClient {
		if l, ok := clientStatusLabels[s]; ok {
			return l
		}
	}
	return label(statusLabels, s)
}

// StatusHint says what happens next in a status, or what to do, for the
// audience ("" when there is nothing to say). The domain page shows it
// under the status.
func StatusHint(s models.Status, a Reader) string {
	if a == ForClient {
		if l, ok := clientStatusHints[s]; ok {
			return l
		}
	}
	return statusHints[s]
}

// DNSLabel is a DNS status in words.
func DNSLabel(s models.DNSStatus) string { return label(dnsLabels, s) }

// SSLLabel is a certificate status in words.
func SSLLabel(s models.SSLStatus) string { return label(sslLabels, s) }

// SSLLabelAt is a certificate status in words as it reads beside the
// lifecycle status st: at ssl_pending the certificate is being
// requested, not "not requested yet".
func SSLLabelAt(st models.Status, s models.SSLStatus) string {
	if st == models.StatusSSLPending && s == models.SSLNone {
		return "Being requested from Twilio"
	}
	return SSLLabel(s)
}

// SetupLabel is a setup mode in words for the audience.
func SetupLabel(m models.SetupMode, a Reader) string {
	if a == ForClient {
		if l, ok := clientSetupLabels[m]; ok {
			return l
		}
	}
	return label(setupLabels, m)
}

// RegistrationLabel is a registration link's status in words.
func RegistrationLabel(s models.RegistrationStatus) string { return label(registrationLabels, s) }

// DeliveryLabel is a webhook delivery's status in words.
func DeliveryLabel(s models.DeliveryStatus) string { return label(deliveryLabels, s) }

var deliveryLabels = map[models.DeliveryStatus]string{
	models.DeliveryPending:   "Waiting to be sent",
	models.DeliveryRetrying:  "Retrying",
	models.DeliverySucceeded: "Delivered",
	models.DeliveryFailed:    "Failed",
}

// CampaignStatusLabel is a campaign status in words.
func CampaignStatusLabel(s models.CampaignStatus) string { return label(campaignLabels, s) }

// DomainLabels are a domain's statuses in words for one audience, made to
// agree with each other (the certificate beside the lifecycle status).
type DomainLabels struct {
	Status, DNS, SSL, Setup, Hint string
}

// LabelsOf is d's statuses in words for the audience.
func LabelsOf(d *models.Domain, a Reader) DomainLabels {
	return DomainLabels{Status: StatusLabelFor(d.Status, a), DNS: DNSLabel(d.DNSStatus), SSL: SSLLabelAt(d.Status, d.SSLStatus),
		Setup: SetupLabel(d.SetupMode, a), Hint: StatusHint(d.Status, a)}
}

// DateTimeFormat is how pages show a time: "5 Dec 2026 14:03 UTC".
const DateTimeFormat = "2 Jan 2006 15:04 UTC"

// When is t in DateTimeFormat, in UTC; "" for the zero time. Every page
// shows times through it (the console's and the registration pages'
// "when" template function).
func When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(DateTimeFormat)
}

var statusLabels = map[models.Status]string{
	models.StatusPending:           "Waiting to start",
	models.StatusAwaitingClient:    "Waiting for the client",
	models.StatusDNSPending:        "Setting up DNS",
	models.StatusAwaitingDomainSID: "Waiting for the Twilio Domain SID",
	models.StatusSSLPending:        "Getting the certificate",
	models.StatusConfigured:        "Live",
	models.StatusFailed:            "Failed",
	models.StatusReachedLimit:      "Sending limit reached",
	models.StatusArchived:          "Archived",
	models.StatusBlocked:           "Blocked",
	models.StatusUnderReview:       "Under review",
	models.StatusDeclined:          "Declined",
}

// clientStatusLabels are the statuses that read differently to the client.
var clientStatusLabels = map[models.Status]string{
	models.StatusAwaitingClient: "Waiting for you",
}

var statusHints = map[models.Status]string{
	models.StatusPending:           "Choose how the DNS record gets made below.",
	models.StatusAwaitingClient:    "The client has a registration link to finish the setup; it moves on when they do.",
	models.StatusDNSPending:        "linkgate is waiting for the DNS record to show; it checks by itself for up to 48 hours.",
	models.StatusAwaitingDomainSID: "Create the domain in the Twilio Console and paste its Domain SID below.",
	models.StatusSSLPending:        "Twilio is issuing the certificate; this usually takes a few minutes.",
	models.StatusFailed:            "A step failed: see why below, fix the cause, then retry.",
	models.StatusReachedLimit:      "It sent as many messages as its client's limit allows; raise the limit, then restore it.",
	models.StatusBlocked:           "Carriers filtered its messages; it is not used until it is reviewed.",
	models.StatusUnderReview:       "It was flagged as possibly malicious: an admin clears or declines it.",
}

var clientStatusHints = map[models.Status]string{
	models.StatusAwaitingClient: "Finish the setup with the registration link we e-mailed you.",
	models.StatusUnderReview:    "It was flagged as possibly malicious; the platform reviews it.",
}

var dnsLabels = map[models.DNSStatus]string{
	models.DNSNotStarted:  "Not started",
	models.DNSCreating:    "Creating the record",
	models.DNSPropagating: "Waiting for the record to show",
	models.DNSVerified:    "Verified",
	models.DNSFailed:      "Failed",
}

var sslLabels = map[models.SSLStatus]string{
	models.SSLNone:              "Not requested yet",
	models.SSLRequested:         "Requested from Twilio",
	models.SSLPendingValidation: "Being validated",
	models.SSLActive:            "Active",
	models.SSLFailed:            "Failed",
	models.SSLExpiring:          "Expiring soon",
}

var setupLabels = map[models.SetupMode]string{
	models.SetupNone:         "Not chosen yet",
	models.SetupSelf:         "DNS provider connected: linkgate makes the record",
	models.SetupManual:       "Record added by hand",
	models.SetupForwardLogin: "Forwarded to the client",
}

var clientSetupLabels = map[models.SetupMode]string{
	models.SetupForwardLogin: "You finish it with the registration link",
}

var registrationLabels = map[models.RegistrationStatus]string{
	models.RegSent:           "Sent, not opened yet",
	models.RegOpened:         "Opened",
	models.RegAccountCreated: "Account created",
	models.RegAuthenticated:  "Signed in",
	models.RegCompleted:      "Completed",
	models.RegExpired:        "Expired unused",
	models.RegRevoked:        "Revoked",
}

func label[K ~string](m map[K]string, k K) string {
	if l, ok := m[k]; ok {
		return l
	}
	return string(k)
}

var campaignLabels = map[models.CampaignStatus]string{
	models.CampaignDraft:      "Draft",
	models.CampaignProcessing: "Checking the content",
	models.CampaignReady:      "Ready to start",
	models.CampaignScheduled:  "Scheduled",
	models.CampaignStarted:    "Starting",
	models.CampaignSending:    "Sending",
	models.CampaignPaused:     "Paused",
	models.CampaignSuspended:  "Suspended by linkgate",
	models.CampaignAborted:    "Cancelled",
	models.CampaignRejected:   "Rejected",
	models.CampaignFinished:   "Finished",
}
