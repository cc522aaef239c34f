package twilio

import (
	"context"

	messagingv1 "github.com/twilio/twilio-go/rest/messaging/v1"

	"github.com/linkgate/linkgate/providers"
)

// ValidateDNS asks Twilio whether the domain's CNAME is right
// (GET /v1/LinkShortening/Domains/{DomainSid}/ValidateDns). A wrong CNAME
// is Valid=false with Twilio's reason, not an error.
func (p *Provider) ValidateDNS(ctx context.Context, domainSID string) (providers.DNSValidation, error) {
	const op = "validate dns"
	if err := checkDomainSID(op, domainSID); err != nil {
		return providers.DNSValidation{}, err
	}
	if err := ctx.Err(); err != nil {
		return providers.DNSValidation{}, canceled(op, err)
	}
	s, done := p.session(ctx)
	defer done()
	res, err := s.v1.FetchDomainDnsValidation(domainSID)
	if err != nil {
		return providers.DNSValidation{}, p.fail(op, s, err)
	}
	return providers.DNSValidation{
		Valid:  res.IsValid != nil && *res.IsValid,
		Reason: deref(res.Reason),
	}, nil
}

// DomainConfig fetches the domain's configuration
// (GET /v1/LinkShortening/Domains/{DomainSid}/Config). A domain that has
// never been configured has no configuration resource: Twilio answers 404,
// which is ErrNotFound like an unknown domain.
func (p *Provider) DomainConfig(ctx context.Context, domainSID string) (providers.DomainConfig, error) {
	const op = "fetch domain config"
	if err := checkDomainSID(op, domainSID); err != nil {
		return providers.DomainConfig{}, err
	}
	if err := ctx.Err(); err != nil {
		return providers.DomainConfig{}, canceled(op, err)
	}
	s, done := p.session(ctx)
	defer done()
	res, err := s.v1.FetchDomainConfig(domainSID)
	if err != nil {
		return providers.DomainConfig{}, p.fail(op, s, err)
	}
	return domainConfigFromV1(domainSID, res), nil
}

// UpdateDomainConfig creates or replaces the domain's configuration
// (POST /v1/LinkShortening/Domains/{DomainSid}/Config with CallbackUrl,
// FallbackUrl, ContinueOnFailure, DisableHttps) and returns what Twilio
// stored. Both flags are always sent; an empty CallbackURL or FallbackURL
// is not sent, so Twilio keeps the one it has. Idempotent.
func (p *Provider) UpdateDomainConfig(ctx context.Context, cfg providers.DomainConfig) (providers.DomainConfig, error) {
	const op = "update domain config"
	if err := checkDomainSID(op, cfg.DomainSID); err != nil {
		return providers.DomainConfig{}, err
	}
	if err := ctx.Err(); err != nil {
		return providers.DomainConfig{}, canceled(op, err)
	}
	params := (&messagingv1.UpdateDomainConfigParams{}).
		SetContinueOnFailure(cfg.ContinueOnFailure).
		SetDisableHttps(cfg.DisableHTTPS)
	if cfg.CallbackURL != "" {
		params.SetCallbackUrl(cfg.CallbackURL)
	}
	if cfg.FallbackURL != "" {
		params.SetFallbackUrl(cfg.FallbackURL)
	}
	s, done := p.session(ctx)
	defer done()
	res, err := s.v1.UpdateDomainConfig(cfg.DomainSID, params)
	if err != nil {
		return providers.DomainConfig{}, p.fail(op, s, err)
	}
	return domainConfigFromV1(cfg.DomainSID, res), nil
}

func domainConfigFromV1(domainSID string, res *messagingv1.MessagingV1DomainConfig) providers.DomainConfig {
	c := providers.DomainConfig{
		DomainSID:         deref(res.DomainSid),
		CallbackURL:       deref(res.CallbackUrl),
		FallbackURL:       deref(res.FallbackUrl),
		ContinueOnFailure: res.ContinueOnFailure != nil && *res.ContinueOnFailure,
		DisableHTTPS:      res.DisableHttps != nil && *res.DisableHttps,
	}
	if c.DomainSID == "" {
		c.DomainSID = domainSID
	}
	return c
}
