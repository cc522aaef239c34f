package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	messagingv2 "github.com/twilio/twilio-go/rest/messaging/v2"

	"github.com/linkgate/linkgate/providers"
)

// Certificate fetches the domain's certificate from the v2 resource
// (GET /v2/LinkShortening/Domains/{DomainSid}/Certificate), which says
// whether Twilio manages it and whether a managed request is in progress.
//
// The state is read in this order: a cert_in_validation whose status
// reports a failure → CertFailed; requesting → CertValidating when a
// certificate is in validation, else CertRequesting; a certificate SID
// with an expiry date → CertIssued; a certificate in validation (an
// upload) → CertValidating; otherwise CertNone. DomainName is the host of
// Twilio's domain_name (a URL such as "https://ls.acme.com").
func (p *Provider) Certificate(ctx context.Context, domainSID string) (providers.Certificate, error) {
	const op = "fetch certificate"
	if err := checkDomainSID(op, domainSID); err != nil {
		return providers.Certificate{}, err
	}
	if err := ctx.Err(); err != nil {
		return providers.Certificate{}, canceled(op, err)
	}
	s, done := p.session(ctx)
	defer done()
	res, err := s.v2.FetchDomainCertV4(domainSID)
	if err != nil {
		return providers.Certificate{}, p.fail(op, s, err)
	}
	return certificateFromV2(domainSID, res), nil
}

func certificateFromV2(domainSID string, res *messagingv2.MessagingV2DomainCertV4) providers.Certificate {
	c := providers.Certificate{
		DomainSID:      deref(res.DomainSid),
		DomainName:     hostOf(deref(res.DomainName)),
		CertificateSID: deref(res.CertificateSid),
		Managed:        res.Managed != nil && *res.Managed,
		Requesting:     res.Requesting != nil && *res.Requesting,
	}
	if c.DomainSID == "" {
		c.DomainSID = domainSID
	}
	if res.DateExpires != nil && !res.DateExpires.IsZero() {
		t := res.DateExpires.UTC()
		c.ExpiresAt = &t
	}
	validating, failure := certInValidation(res.CertInValidation)
	switch {
	case failure != "":
		c.State = providers.CertFailed
		c.FailureReason = failure
	case c.Requesting && validating:
		c.State = providers.CertValidating
	case c.Requesting:
		c.State = providers.CertRequesting
	case c.CertificateSID != "" && c.ExpiresAt != nil:
		c.State = providers.CertIssued
	case validating:
		c.State = providers.CertValidating
	default:
		c.State = providers.CertNone
	}
	return c
}

// certInValidation reads the free-form cert_in_validation object:
// whether a certificate is in validation, and Twilio's words when its
// status reports a failure.
func certInValidation(v *any) (validating bool, failure string) {
	if v == nil || *v == nil {
		return false, ""
	}
	m, ok := (*v).(map[string]any)
	if !ok {
		return true, ""
	}
	if len(m) == 0 {
		return false, ""
	}
	status, _ := m["status"].(string)
	low := strings.ToLower(status)
	if strings.Contains(low, "fail") || strings.Contains(low, "error") || strings.Contains(low, "reject") {
		for _, k := range []string{"reason", "error_message", "message", "error"} {
			if r, ok := m[k].(string); ok && r != "" {
				return true, r
			}
		}
		return true, fmt.Sprintf("certificate validation %s", status)
	}
	return true, ""
}

// RequestManagedCert asks Twilio to issue and manage the domain's
// certificate (POST /v1/LinkShortening/Domains/{DomainSid}/RequestManagedCert).
//
// Idempotent: Twilio answers a repeated request with the same resource.
// Should it refuse one with a permanent error instead, the adapter looks at
// the v2 certificate: a managed request in progress or a managed
// certificate in place is success; a transient failure of that look is
// returned (retry later); otherwise Twilio's refusal is.
func (p *Provider) RequestManagedCert(ctx context.Context, domainSID string) error {
	const op = "request managed certificate"
	if err := checkDomainSID(op, domainSID); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return canceled(op, err)
	}
	s, done := p.session(ctx)
	defer done()
	if _, err := s.v1.UpdateRequestManagedCert(domainSID); err != nil {
		e := p.fail(op, s, err)
		if e.Transient || errors.Is(e, providers.ErrNotFound) || errors.Is(e, providers.ErrInvalidCredentials) {
			return e
		}
		c, cerr := p.Certificate(ctx, domainSID)
		switch {
		case cerr == nil && c.Managed && (c.Requesting || c.State == providers.CertIssued):
			return nil
		case cerr != nil && providers.IsTransient(cerr):
			return cerr // cannot tell yet whether it was a repeat: retry later
		}
		return e
	}
	return nil
}

// hostOf returns the host of Twilio's domain_name, which is a URL
// ("https://ls.acme.com"); a bare host is returned as is.
func hostOf(domainName string) string {
	domainName = strings.TrimSpace(domainName)
	if strings.Contains(domainName, "://") {
		if u, err := url.Parse(domainName); err == nil && u.Hostname() != "" {
			return providers.NormalizeHost(u.Hostname())
		}
	}
	return providers.NormalizeHost(strings.Trim(domainName, "/"))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
