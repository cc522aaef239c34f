// Package providers holds linkgate's contracts with the outside world: small
// interfaces whose behaviour is written in their doc comments, the value
// types they exchange, and the error classification the workflows act on.
//
// Every adapter (providers/cloudflare, providers/twilio, providers/smtp,
// providers/dnscheck) and every fake in package mocks implements these
// contracts, and one conformance suite per contract (providers/providertest)
// runs against each of them.
//
// # Errors
//
// Adapters return *Error for every provider failure. Its class says what a
// caller does next:
//
//   - errors.Is(err, ErrTransient): try again later (429, 5xx, timeouts,
//     connection failures, non-JSON error bodies). RetryAfter(err) gives
//     the wait the provider asked for, if any.
//   - errors.Is(err, ErrPermanent): retrying the same call will not help;
//     a person must act (fix credentials, remove a conflicting record...).
//
// and its Err says what went wrong where callers act on it:
// ErrInvalidCredentials, ErrZoneNotFound, ErrNotFound, *ConflictingRecordError,
// *InUseError. Messages never contain credentials.
package providers

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Error classes.
var (
	ErrTransient = errors.New("transient provider error")
	ErrPermanent = errors.New("permanent provider error")
)

// Errors callers act on. They are wrapped in *Error.
var (
	// ErrInvalidCredentials: the credentials are wrong, expired or lack a
	// permission the call needs.
	ErrInvalidCredentials = errors.New("invalid credentials")
	// ErrZoneNotFound: no zone the credentials can see holds the host.
	ErrZoneNotFound = errors.New("zone not found")
	// ErrNotFound: the SID (domain, certificate, Messaging Service) or
	// record does not exist at the provider.
	ErrNotFound = errors.New("not found")
)

// Error is a provider failure, classified. Provider names the vendor
// ("cloudflare", "twilio", "smtp", "dns") and prefixes the message.
type Error struct {
	Provider   string
	Op         string        // what linkgate was doing: "create record"
	Transient  bool          // retry later
	RetryAfter time.Duration // the provider's Retry-After, 0 if none
	Status     int           // HTTP status, 0 if none
	Code       int           // vendor error code (Cloudflare 81053, Twilio 30130), 0 if none
	Message    string        // the vendor's message, credentials removed
	Err        error         // one of the sentinel errors above, a typed error, or the cause
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Provider)
	b.WriteString(": ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	switch {
	case e.Message != "" && e.Err != nil && !strings.Contains(e.Message, e.Err.Error()):
		fmt.Fprintf(&b, "%s: %s", e.Err, e.Message)
	case e.Message != "":
		b.WriteString(e.Message)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString("failed")
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, " (code %d)", e.Code)
	} else if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrTransient) and errors.Is(err, ErrPermanent)
// follow the Transient flag.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrTransient:
		return e.Transient
	case ErrPermanent:
		return !e.Transient
	}
	return false
}

// IsTransient reports whether err is worth retrying.
func IsTransient(err error) bool { return errors.Is(err, ErrTransient) }

// RetryAfter returns the wait a provider asked for, if err carries one.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// ConflictingRecordError says that a record other than the one linkgate
// wants already sits at the name.
type ConflictingRecordError struct {
	Existing Record
}

func (e *ConflictingRecordError) Error() string {
	return fmt.Sprintf("%s already has a %s record pointing to %s; remove or change it", e.Existing.Name, e.Existing.Type, e.Existing.Content)
}

// InUseError says that a Messaging Service is attached to another domain.
type InUseError struct {
	MessagingServiceSID string
	DomainSID           string // the other domain, "" if the provider did not say
}

func (e *InUseError) Error() string {
	if e.DomainSID == "" {
		return fmt.Sprintf("messaging service %s is in use by another domain", e.MessagingServiceSID)
	}
	return fmt.Sprintf("messaging service %s is in use by %s", e.MessagingServiceSID, e.DomainSID)
}

// SID formats. Adapters refuse anything else before calling a provider.
var (
	domainSIDPattern           = regexp.MustCompile(`^DN[0-9a-fA-F]{32}$`)
	messagingServiceSIDPattern = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
)

// ValidDomainSID reports whether s is a Twilio Domain SID (DN + 32 hex).
func ValidDomainSID(s string) bool { return domainSIDPattern.MatchString(s) }

// ValidMessagingServiceSID reports whether s is a Messaging Service SID
// (MG + 32 hex).
func ValidMessagingServiceSID(s string) bool { return messagingServiceSIDPattern.MatchString(s) }

// NormalizeHost is the one spelling of a DNS name that linkgate stores
// and compares: surrounding space trimmed, lower case, no trailing dot
// ("LS.Acme.com. " → "ls.acme.com"). Adapters, fakes and workflows use it
// rather than spelling the steps out.
func NormalizeHost(name string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
}

// SameHost compares DNS names as NormalizeHost spells them.
func SameHost(a, b string) bool { return NormalizeHost(a) == NormalizeHost(b) }
