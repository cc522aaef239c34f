package handlers

import (
	"errors"

	"github.com/linkgate/linkgate/webhooks"
)

// WebhookURLCheck judges endpoint URLs by the delivery client's policy
// (models.WebhookEndpointInput.CheckURL): "" when a URL may be used,
// else the url field's message.
func WebhookURLCheck(policy webhooks.ClientConfig) func(raw string) string {
	return func(raw string) string {
		err := webhooks.ValidateURL(raw, policy)
		switch {
		case err == nil:
			return ""
		case errors.Is(err, webhooks.ErrForbiddenAddress):
			return "must not point at a private, loopback, link-local or otherwise internal address"
		case policy.AllowHTTP:
			return "must be an absolute http or https URL without credentials or fragment, such as https://acme.com/hooks"
		}
		return "must be an absolute https URL without credentials or fragment, such as https://acme.com/hooks"
	}
}
