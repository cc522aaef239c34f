package workflows

import (
	"context"

	"github.com/linkgate/linkgate/models"
)

// ConnectLinkShortening makes the domain shorten the campaign's links
// (PUT /campaigns/{id}/connectors/link-shortening): the campaign's
// Messaging Service is attached to the domain at Twilio, moved there when
// it is attached elsewhere, and the domain becomes the campaign's active
// domain. The request is checked before Twilio is called.
func (e *Engine) ConnectLinkShortening(ctx context.Context, sc models.Scope, campaignID, domainID, actor string) (*models.Campaign, error) {
	c, _, err := e.store.CheckLinkShortening(ctx, sc, campaignID, domainID)
	if err != nil {
		return nil, err
	}
	if _, _, err := e.AttachMessagingService(ctx, sc, domainID, c.MessagingServiceSID, true, actor); err != nil {
		return nil, err
	}
	return e.store.SetLinkShorteningDomain(ctx, sc, campaignID, domainID, actor)
}
