package twilio

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/linkgate/linkgate/providers"
)

// AttachMessagingService links the Messaging Service to the domain
// (POST /v1/LinkShortening/Domains/{DomainSid}/MessagingServices/{MessagingServiceSid}).
//
// Already attached to this domain is success, however Twilio words it (a
// 2xx answer, or an "already" refusal: the adapter then looks the
// association up). Attached to another domain, Twilio's error 30130: a
// permanent *providers.Error wrapping *providers.InUseError that names the
// other domain, found with MessagingServiceDomain. Should that lookup find
// no association (detached meanwhile), the attach is tried once more.
func (p *Provider) AttachMessagingService(ctx context.Context, domainSID, messagingServiceSID string) error {
	const op = "attach messaging service"
	if err := checkDomainSID(op, domainSID); err != nil {
		return err
	}
	if err := checkMessagingServiceSID(op, messagingServiceSID); err != nil {
		return err
	}
	var last *providers.Error
	for attempt := 0; attempt < 2; attempt++ {
		if err := ctx.Err(); err != nil {
			return canceled(op, err)
		}
		s, done := p.session(ctx)
		_, err := s.v1.CreateLinkshorteningMessagingService(domainSID, messagingServiceSID)
		done()
		if err == nil {
			return nil
		}
		e := p.fail(op, s, err)
		if e.Transient || !refusedAsAttached(e) {
			return e
		}
		last = e
		current, lerr := p.MessagingServiceDomain(ctx, messagingServiceSID)
		switch {
		case lerr == nil && strings.EqualFold(current, domainSID):
			return nil // already attached here
		case lerr == nil:
			return inUse(e, messagingServiceSID, current)
		case errors.Is(lerr, providers.ErrNotFound):
			continue // detached meanwhile: try again
		case e.Code != codeInUse:
			return e
		case providers.IsTransient(lerr):
			return lerr // cannot name the other domain yet: retry later
		default:
			return inUse(e, messagingServiceSID, "")
		}
	}
	if last.Code != codeInUse {
		return last
	}
	return inUse(last, messagingServiceSID, "")
}

// refusedAsAttached reports an answer that says the Messaging Service is
// attached already: Twilio's 30130, a 409, or a message that says
// "already".
func refusedAsAttached(e *providers.Error) bool {
	return e.Code == codeInUse || e.Status == http.StatusConflict ||
		strings.Contains(strings.ToLower(e.Message), "already")
}

// inUse turns Twilio's refusal into the permanent error callers act on.
func inUse(e *providers.Error, messagingServiceSID, otherDomainSID string) *providers.Error {
	out := *e
	out.Transient = false
	out.RetryAfter = 0
	out.Err = &providers.InUseError{MessagingServiceSID: messagingServiceSID, DomainSID: otherDomainSID}
	return &out
}

// DetachMessagingService unlinks the Messaging Service from the domain
// (DELETE /v1/LinkShortening/Domains/{DomainSid}/MessagingServices/{MessagingServiceSid}).
// Not attached (Twilio's 404) is success.
func (p *Provider) DetachMessagingService(ctx context.Context, domainSID, messagingServiceSID string) error {
	const op = "detach messaging service"
	if err := checkDomainSID(op, domainSID); err != nil {
		return err
	}
	if err := checkMessagingServiceSID(op, messagingServiceSID); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return canceled(op, err)
	}
	s, done := p.session(ctx)
	defer done()
	if err := s.v1.DeleteLinkshorteningMessagingService(domainSID, messagingServiceSID); err != nil {
		e := p.fail(op, s, err)
		if errors.Is(e, providers.ErrNotFound) {
			return nil
		}
		return e
	}
	return nil
}

// MessagingServiceDomain returns the SID of the domain the Messaging
// Service is attached to
// (GET /v1/LinkShortening/MessagingServices/{MessagingServiceSid}/Domain).
// None (Twilio's 404, or an answer without a domain): *providers.Error
// wrapping ErrNotFound.
func (p *Provider) MessagingServiceDomain(ctx context.Context, messagingServiceSID string) (string, error) {
	const op = "fetch messaging service domain"
	if err := checkMessagingServiceSID(op, messagingServiceSID); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", canceled(op, err)
	}
	s, done := p.session(ctx)
	defer done()
	res, err := s.v1.FetchLinkshorteningMessagingServiceDomainAssociation(messagingServiceSID)
	if err != nil {
		return "", p.fail(op, s, err)
	}
	dn := deref(res.DomainSid)
	if dn == "" {
		return "", &providers.Error{
			Provider: providerName, Op: op, Err: providers.ErrNotFound,
			Message: "messaging service " + messagingServiceSID + " is not attached to a domain",
		}
	}
	return dn, nil
}
