package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// variantRequest is one message variant; id names an existing variant in
// an update (only its ratio may change once the campaign runs).
type variantRequest struct {
	ID    string  `json:"id"`
	Body  *string `json:"body"`
	Ratio *int    `json:"ratio"`
}

type campaignDomainsRequest struct {
	PoolID    *string  `json:"pool_id"`
	DomainIDs []string `json:"domain_ids"`
}

type campaignCreateRequest struct {
	Name                string                  `json:"name"`
	Tags                []string                `json:"tags"`
	MessagingServiceSID string                  `json:"messaging_service_sid"`
	OriginatorID        *string                 `json:"originator_id"`
	Variants            []variantRequest        `json:"variants"`
	Domains             *campaignDomainsRequest `json:"domains"`
	LinkShortening      *bool                   `json:"link_shortening"`
	Tracking            *models.Tracking        `json:"tracking"`
	ScheduledAt         *time.Time              `json:"scheduled_at"`
}

func variantInputs(in []variantRequest) []models.VariantInput {
	out := make([]models.VariantInput, len(in))
	for i, v := range in {
		out[i] = models.VariantInput{ID: v.ID, Body: v.Body, Ratio: v.Ratio}
	}
	return out
}

func (d *campaignDomainsRequest) input() *models.CampaignDomainsInput {
	if d == nil {
		return nil
	}
	return &models.CampaignDomainsInput{PoolID: d.PoolID, DomainIDs: d.DomainIDs}
}

// createCampaign: POST /api/v1/clients/{id}/campaigns → 201 draft.
func (h *Handler) createCampaign(c *gin.Context) {
	var in campaignCreateRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	cmp, err := h.cfg.Store.CreateCampaign(c.Request.Context(), handlers.Scope(c), c.Param("id"), models.CampaignInput{
		Name: in.Name, Tags: in.Tags, MessagingServiceSID: in.MessagingServiceSID, OriginatorID: in.OriginatorID,
		Variants: variantInputs(in.Variants), Domains: in.Domains.input(), LinkShortening: in.LinkShortening,
		Tracking: in.Tracking, ScheduledAt: in.ScheduledAt})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/campaigns/"+cmp.ID)
	c.JSON(http.StatusCreated, cmp.View())
}
