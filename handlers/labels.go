package handlers

import "github.com/linkgate/linkgate/models"

// The words the pages use for a domain's statuses.

// StatusLabel is a lifecycle status in words.
func StatusLabel(s models.Status) string { return label(statusLabels, s) }

// DNSLabel is a DNS status in words.
func DNSLabel(s models.DNSStatus) string { return label(dnsLabels, s) }

// SSLLabel is a certificate status in words.
func SSLLabel(s models.SSLStatus) string { return label(sslLabels, s) }

var statusLabels = map[models.Status]string{
	models.StatusPending:           "Waiting to start",
	models.StatusAwaitingClient:    "Waiting for you",
	models.StatusDNSPending:        "Setting up DNS",
	models.StatusAwaitingDomainSID: "DNS ready; waiting for the domain to be registered with the messaging provider",
	models.StatusSSLPending:        "Issuing the certificate",
	models.StatusConfigured:        "Live",
	models.StatusFailed:            "Needs attention",
	models.StatusReachedLimit:      "Live (sending limit reached)",
	models.StatusArchived:          "Archived",
	models.StatusBlocked:           "Blocked",
	models.StatusUnderReview:       "Under review",
	models.StatusDeclined:          "Declined",
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
	models.SSLRequested:         "Requested",
	models.SSLPendingValidation: "Being validated",
	models.SSLActive:            "Active",
	models.SSLFailed:            "Failed",
	models.SSLExpiring:          "Expiring soon",
}

func label[K ~string](m map[K]string, k K) string {
	if l, ok := m[k]; ok {
		return l
	}
	return string(k)
}

// CampaignStatusLabel is a campaign status in words.
func CampaignStatusLabel(s models.CampaignStatus) string { return label(campaignLabels, s) }

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
