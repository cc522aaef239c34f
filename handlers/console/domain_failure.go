package console

import (
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/workflows"
)

// failureView is a failed domain's reason for people: what is wrong and
// what to do, with the raw reason behind "Details".
type failureView struct {
	Kind    models.FailureKind
	Problem string
	Fix     string
	Raw     string
	// Switch: the setup may be chosen again (the DNS step failed), so the
	// page offers the other setups and a new token.
	Switch bool
}

// failureWords is the one table of failure reasons in people's words,
// keyed by the kind the workflow recorded (models.FailureKind). Each
// entry gets the domain, for its host and zone.
var failureWords = map[models.FailureKind]func(d *models.Domain) (problem, fix string){
	models.FailureRecordConflict: func(d *models.Domain) (string, string) {
		record := "another DNS record"
		if t := models.FailureRecordType(d.FailureDetail); t != "" {
			record = article(t) + " " + t + " record"
		}
		return d.Host + " already has " + record + " at Cloudflare, so linkgate could not add its CNAME there.",
			"Remove that record in the " + d.Apex + " zone at Cloudflare and retry, or switch to the manual setup."
	},
	models.FailureDNSCredentials: func(d *models.Domain) (string, string) {
		return "Cloudflare refused the API token for " + d.Apex + " (or linkgate no longer holds it).",
			"Give a new token that may edit DNS in " + d.Apex + ", or switch to the manual setup."
	},
	models.FailureZoneNotFound: func(d *models.Domain) (string, string) {
		return "The Cloudflare token sees no zone that holds " + d.Host + ".",
			"Give a token of the Cloudflare account that holds " + d.Apex + ", or switch to the manual setup."
	},
	models.FailureDNSTimeout: func(d *models.Domain) (string, string) {
		return d.Host + " did not answer with the CNAME in time.",
			"Check the record at the DNS provider (shown below), then retry; or switch to another setup."
	},
	models.FailureDNSCheck: func(d *models.Domain) (string, string) {
		return "linkgate could not check the DNS of " + d.Host + ".",
			"Retry; if it fails again, check that " + d.Apex + " is served by its DNS provider."
	},
	models.FailureTwilioValidation: func(d *models.Domain) (string, string) {
		return "Twilio did not see the CNAME of " + d.Host + " in time.",
			"Check that the record below answers, then retry."
	},
	models.FailureCertificate: func(d *models.Domain) (string, string) {
		return "Twilio could not issue the certificate for " + d.Host + ".",
			"Retry; if it fails again, check that no CAA record of " + d.Apex + " forbids Twilio's certificate authority."
	},
	models.FailureProvider: func(d *models.Domain) (string, string) {
		return "A provider refused a step of the setup of " + d.Host + ".",
			"Read the details, fix the cause, then retry."
	},
}

// article is "a" or "an" before a record type as it is read out ("an
// A record", "an MX record", "a TXT record").
func article(recordType string) string {
	switch recordType[0] {
	case 'A', 'E', 'F', 'H', 'I', 'L', 'M', 'N', 'O', 'R', 'S', 'X':
		return "an"
	}
	return "a"
}

// failureOf words a failed domain's reason (nil when not failed).
func failureOf(d *models.Domain) *failureView {
	if d.Status != models.StatusFailed {
		return nil
	}
	v := &failureView{Kind: d.FailureKind, Raw: d.StatusReason, Switch: workflows.CanSwitchSetup(d)}
	if words, ok := failureWords[d.FailureKind]; ok {
		v.Problem, v.Fix = words(d)
		return v
	}
	v.Problem = "The setup of " + d.Host + " stopped at a step that failed."
	v.Fix = "Read the details, fix the cause, then retry."
	return v
}
