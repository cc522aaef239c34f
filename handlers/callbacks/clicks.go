package callbacks

import (
	"encoding/json"
	"log/slog"
	"mime"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// clickEvent is Link Shortening's click event (JSON, or the same fields
// as a form).
type clickEvent struct {
	EventType           string `json:"event_type"`
	SMSSID              string `json:"sms_sid"`
	To                  string `json:"to"`
	From                string `json:"from"`
	Link                string `json:"link"`
	ClickTime           string `json:"click_time"`
	MessagingServiceSID string `json:"messaging_service_sid"`
	AccountSID          string `json:"account_sid"`
	UserAgent           string `json:"user_agent"`
}

// clicks: POST /twilio/clicks, Link Shortening's click events (signed:
// verifyBody). The store classifies the click (human or automated),
// stores it once and counts it. A click on a message linkgate did not
// send is answered and ignored (logged).
func (h *Handler) clicks(c *gin.Context) {
	body := rawBody(c)
	var ev clickEvent
	if mt, _, _ := mime.ParseMediaType(c.ContentType()); mt == "application/x-www-form-urlencoded" {
		f, err := url.ParseQuery(string(body))
		if err != nil {
			handlers.Fail(c, &models.Error{Kind: models.KindBadRequest, Code: "malformed_form", Detail: "the body is not a form", Err: err})
			return
		}
		ev = clickEvent{EventType: f.Get("event_type"), SMSSID: f.Get("sms_sid"), To: f.Get("to"), From: f.Get("from"),
			Link: f.Get("link"), ClickTime: f.Get("click_time"), MessagingServiceSID: f.Get("messaging_service_sid"),
			AccountSID: f.Get("account_sid"), UserAgent: f.Get("user_agent")}
	} else if err := json.Unmarshal(body, &ev); err != nil {
		handlers.Fail(c, &models.Error{Kind: models.KindBadRequest, Code: "malformed_json", Detail: "the body is not a click event", Err: err})
		return
	}
	res, err := h.cfg.Store.RecordClick(c.Request.Context(), models.ClickEvent{SID: ev.SMSSID, EventType: ev.EventType,
		Link: ev.Link, UserAgent: ev.UserAgent, ClickTime: ev.ClickTime, To: ev.To, ScanWindow: h.cfg.ClickScanWindow})
	if err != nil {
		handlers.Fail(c, err)
		return
	}
	if !res.Found {
		handlers.Logger(c).Info("twilio click: no campaign message has this sid; ignored", slog.String("message_sid", ev.SMSSID))
	}
	c.Status(http.StatusOK)
}
