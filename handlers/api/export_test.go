package api

// The request and response types the tests (package api_test) check
// against the OpenAPI document's schemas.
type (
	APIKeyCreated                 = apiKeyCreated
	APIKeyCreateRequest           = apiKeyCreateRequest
	ClientCreateRequest           = clientCreateRequest
	ClientUpdateRequest           = clientUpdateRequest
	DomainCreateRequest           = domainCreateRequest
	DomainConfigureRequest        = domainConfigureRequest
	DomainSIDRequest              = domainSIDRequest
	MessagingServiceAttachRequest = messagingServiceAttachRequest
	WebhookEndpointCreateRequest  = webhookEndpointCreateRequest
	WebhookEndpointUpdateRequest  = webhookEndpointUpdateRequest
)
