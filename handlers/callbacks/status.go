package callbacks

import (
	"log/slog"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// status: POST /twilio/status, a message's status callback (signed form:
// MessageSid, MessageStatus, ErrorCode...). The store moves the message
// forward only, counts a final status once and enqueues its price fetch
// (Config.Prices). A message linkgate did not send, or a status that says
// nothing about one, is answered and ignored (logged).
func (h *Handler) status(c *gin.Context) {
	f := c.Request.PostForm
	sid := firstOf(f.Get("MessageSid"), f.Get("SmsSid"))
	raw := firstOf(f.Get("MessageStatus"), f.Get("SmsStatus"))
	log := handlers.Logger(c).With(slog.String("message_sid", sid), slog.String("status", raw))
	st, ok := models.MessageStatusFromTwilio(raw)
	if !ok {
		log.Info("twilio status: not a status of an outbound message; ignored")
		twiml(c)
		return
	}
	res, err := h.cfg.Store.RecordMessageStatus(c.Request.Context(),
		models.MessageStatusUpdate{SID: sid, Status: st, ErrorCode: f.Get("ErrorCode")}, h.cfg.Prices)
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	switch {
	case !res.Found:
		log.Info("twilio status: no campaign message has this sid; ignored")
	case res.Blocked:
		log.Warn("twilio status: carriers' filtering blocked the message's domain", slog.String("message_id", res.RecipientID))
	}
	twiml(c)
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
