package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/linkgate/linkgate/handlers"
)

type messagingServiceAttachRequest struct {
	MessagingServiceSID string `json:"messaging_service_sid"`
	Move                bool   `json:"move"`
}

// attachMessagingService: POST /api/v1/domains/{id}/messaging-services →
// 201 attached, 200 already attached here, 409 attached elsewhere.
func (h *Handler) attachMessagingService(c *gin.Context) {
	var in messagingServiceAttachRequest
	if err := handlers.Bind(c, &in); err != nil {
		handlers.Fail(c, err)
		return
	}
	d, created, err := h.cfg.Workflows.AttachMessagingService(c.Request.Context(), handlers.Scope(c), c.Param("id"),
		in.MessagingServiceSID, in.Move, handlers.Actor(c))
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, d.View())
}
