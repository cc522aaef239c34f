package api

import "github.com/linkgate/linkgate/models"

// The request and response types the tests (package api_test) check
// against the OpenAPI document's schemas.
type (
	APIKeyCreated                 = apiKeyCreated
	APIKeyCreateRequest           = models.APIKeyInput
	APIKeyRotateRequest           = apiKeyRotateRequest
	APIKeyRotated                 = apiKeyRotated
	ClientCreateRequest           = clientCreateRequest
	ClientUpdateRequest           = clientUpdateRequest
	RewriteRequest                = rewriteRequest
	RewriteResponse               = rewriteResponse
	DomainCreateRequest           = domainCreateRequest
	DomainConfigureRequest        = domainConfigureRequest
	DomainSIDRequest              = domainSIDRequest
	MessagingServiceAttachRequest = messagingServiceAttachRequest
	LinkShorteningRequest         = linkShorteningRequest
	WebhookEndpointCreateRequest  = webhookEndpointCreateRequest
	WebhookEndpointUpdateRequest  = webhookEndpointUpdateRequest
	PoolCreateRequest             = poolCreateRequest
	PoolUpdateRequest             = poolUpdateRequest
	PoolDomainsAddRequest         = poolDomainsAddRequest
	DomainBulkCreateRequest       = domainBulkCreateRequest
	DomainBulkRow                 = domainBulkRow
	DomainBulkResult              = domainBulkResult
	DomainActionsRequest          = domainActionsRequest
	DomainActionRow               = domainActionRow
	DomainActionsResult           = domainActionsResult
	OriginatorCreateRequest       = originatorCreateRequest
	CampaignCreateRequest         = campaignCreateRequest
	CampaignUpdateRequest         = campaignUpdateRequest
	CampaignRecipientsRequest     = recipientsRequest
)
