package models

// FailureKind is why onboarding failed, classified from the typed error
// of the step that failed (workflows set it with the raw reason in
// StatusReason). The console words each kind for people (what is wrong,
// what to do); "" is a failure from before kinds were kept, or unknown.
type FailureKind string

// The failure kinds.
const (
	FailureNone FailureKind = ""
	// FailureRecordConflict: another record already sits at the host at
	// the DNS provider, so the CNAME cannot be created. Its detail is
	// that record's type ("A", "TXT", ...).
	FailureRecordConflict FailureKind = "dns_record_conflict"
	// FailureDNSCredentials: the DNS provider refused the stored token, or
	// none is stored any more.
	FailureDNSCredentials FailureKind = "dns_credentials"
	// FailureZoneNotFound: the token sees no zone that holds the host.
	FailureZoneNotFound FailureKind = "dns_zone_not_found"
	// FailureDNSTimeout: the CNAME did not answer within the DNS deadline.
	FailureDNSTimeout FailureKind = "dns_timeout"
	// FailureDNSCheck: the DNS check itself failed for good.
	FailureDNSCheck FailureKind = "dns_check"
	// FailureTwilioValidation: Twilio did not validate the DNS in time.
	FailureTwilioValidation FailureKind = "twilio_dns_validation"
	// FailureCertificate: the certificate was refused or not issued in
	// time.
	FailureCertificate FailureKind = "certificate"
	// FailureProvider: another permanent provider error.
	FailureProvider FailureKind = "provider"
)

// FailureKinds lists the kinds that a failed domain may carry.
var FailureKinds = []FailureKind{FailureRecordConflict, FailureDNSCredentials, FailureZoneNotFound,
	FailureDNSTimeout, FailureDNSCheck, FailureTwilioValidation, FailureCertificate, FailureProvider}

// FailureRecordType returns the DNS record type of a conflict's detail,
// "" unless it is one (an upper-case type name such as A, AAAA or TXT).
func FailureRecordType(detail string) string {
	if detail == "" || len(detail) > 10 {
		return ""
	}
	for _, r := range detail {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return ""
		}
	}
	return detail
}
