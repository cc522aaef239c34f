package callbacks

import (
	"log/slog"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// inbound: POST /twilio/inbound, Twilio's incoming-message webhook
// (signed): STOP-like replies opt the sender out of the client's
// messages, START-like ones back in. Answered with empty TwiML, also
// when the message is for no known client (logged).
func (h *Handler) inbound(c *gin.Context) {
	f := c.Request.PostForm
	m := models.InboundMessage{MessagingServiceSID: f.Get("MessagingServiceSid"), From: f.Get("From"), To: f.Get("To"), Body: f.Get("Body"),
		OptOutType: f.Get("OptOutType")}
	res, err := h.cfg.Store.InboundReply(c.Request.Context(), m)
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	log := handlers.Logger(c).With(slog.String("message_sid", f.Get("MessageSid")), slog.String("action", string(res.Action)))
	switch res.Action {
	case models.InboundNoClient:
		log.Info("twilio inbound: no client has this sender; ignored",
			slog.String("messaging_service_sid", m.MessagingServiceSID), slog.String("to", m.To))
	case models.InboundOptOut, models.InboundOptIn:
		log.Info("twilio inbound: opt-out list changed", slog.String("client_id", res.ClientID))
	}
	twiml(c)
}
