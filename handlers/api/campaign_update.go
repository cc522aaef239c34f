package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

type campaignUpdateRequest struct {
	Name                *string                    `json:"name"`
	Tags                *[]string                  `json:"tags"`
	MessagingServiceSID *string                    `json:"messaging_service_sid"`
	OriginatorID        models.Optional[string]    `json:"originator_id"`
	Variants            *[]variantRequest          `json:"variants"`
	Domains             *campaignDomainsRequest    `json:"domains"`
	LinkShortening      *bool                      `json:"link_shortening"`
	Tracking            *models.Tracking           `json:"tracking"`
	ScheduledAt         models.Optional[time.Time] `json:"scheduled_at"`
}

// updateCampaign: PATCH /api/v1/campaigns/{id}.
func (h *Handler) updateCampaign(c *gin.Context) {
	var in campaignUpdateRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	p := models.CampaignPatch{Name: in.Name, Tags: in.Tags, MessagingServiceSID: in.MessagingServiceSID,
		OriginatorID: in.OriginatorID, Domains: in.Domains.input(), LinkShortening: in.LinkShortening,
		Tracking: in.Tracking, ScheduledAt: in.ScheduledAt}
	if in.Variants != nil {
		vs := variantInputs(*in.Variants)
		p.Variants = &vs
	}
	cmp, err := h.cfg.Store.UpdateCampaign(c.Request.Context(), handlers.Scope(c), c.Param("id"), p)
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cmp.View())
}
