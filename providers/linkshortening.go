package providers

import (
	"context"
	"time"
)

// CertificateState summarises where a domain's TLS certificate stands.
type CertificateState string

// Certificate states.
const (
	CertNone       CertificateState = "none"       // no certificate and no request
	CertRequesting CertificateState = "requesting" // a managed certificate request is in progress
	CertValidating CertificateState = "validating" // issued to Twilio, in validation
	CertIssued     CertificateState = "issued"     // a certificate is in place
	CertFailed     CertificateState = "failed"     // the last request failed
)

// Certificate is a Link Shortening domain's certificate as Twilio reports
// it (v2 certificate resource).
type Certificate struct {
	DomainSID      string
	DomainName     string // the host, without scheme: "ls.acme.com"
	CertificateSID string
	State          CertificateState
	Managed        bool // Twilio manages (and renews) it
	Requesting     bool // a managed request is in progress
	ExpiresAt      *time.Time
	FailureReason  string // when State is CertFailed, Twilio's words
}

// DNSValidation is Twilio's verdict on a domain's DNS.
type DNSValidation struct {
	Valid  bool
	Reason string // why not, in Twilio's words
}

// DomainConfig is a Link Shortening domain's configuration.
type DomainConfig struct {
	DomainSID         string
	CallbackURL       string // where Twilio reports clicks
	FallbackURL       string // where a broken short link sends people
	ContinueOnFailure bool
	DisableHTTPS      bool
}

// LinkShortening is Twilio Link Shortening for one account. Domains are
// created and verified by hand in the Twilio Console; everything else goes
// through this contract. Every method refuses a malformed SID (permanent
// *Error, nothing sent). Implementations are safe for concurrent use.
type LinkShortening interface {
	// Certificate fetches the domain's certificate (v2, with managed and
	// requesting). A domain with no certificate yet is State CertNone with
	// DomainName set. An unknown domain SID: *Error wrapping ErrNotFound.
	Certificate(ctx context.Context, domainSID string) (Certificate, error)

	// RequestManagedCert asks Twilio to issue and manage the certificate.
	// Idempotent: a request already in progress, or a managed certificate
	// already issued, is success.
	RequestManagedCert(ctx context.Context, domainSID string) error

	// ValidateDNS asks Twilio whether the domain's CNAME is right. A wrong
	// CNAME is Valid=false with a reason, not an error.
	ValidateDNS(ctx context.Context, domainSID string) (DNSValidation, error)

	// DomainConfig fetches the configuration; UpdateDomainConfig replaces
	// it (idempotent) and returns what Twilio stored.
	DomainConfig(ctx context.Context, domainSID string) (DomainConfig, error)
	UpdateDomainConfig(ctx context.Context, cfg DomainConfig) (DomainConfig, error)

	// AttachMessagingService links a Messaging Service to the domain.
	// Already attached to this domain is success. Attached to another
	// domain (Twilio 30130): permanent *Error wrapping *InUseError naming
	// that domain.
	AttachMessagingService(ctx context.Context, domainSID, messagingServiceSID string) error

	// DetachMessagingService unlinks it. Not attached is success.
	DetachMessagingService(ctx context.Context, domainSID, messagingServiceSID string) error

	// MessagingServiceDomain returns the SID of the domain a Messaging
	// Service is attached to; none: *Error wrapping ErrNotFound.
	MessagingServiceDomain(ctx context.Context, messagingServiceSID string) (string, error)
}
