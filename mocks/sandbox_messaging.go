package mocks

import (
	"errors"
	"net/http"
	"strings"

	"github.com/linkgate/linkgate/providers"
)

// messagingRoutes adds the Messages API and its controls (API.md "Sandbox
// additions").
func (s *Sandbox) messagingRoutes(mux *http.ServeMux) {
	mux.Handle("/_sandbox/twilio/2010-04-01/", http.StripPrefix("/_sandbox/twilio", s.Twilio))
	mux.HandleFunc("POST /_sandbox/twilio/messaging-services", s.addMessagingService)
	mux.HandleFunc("POST /_sandbox/twilio/blocked-domains", s.blockDomain)
	mux.HandleFunc("POST /_sandbox/twilio/clicks", s.click)
	mux.HandleFunc("POST /_sandbox/twilio/inbound", s.inbound)
}

func (s *Sandbox) addMessagingService(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FriendlyName string `json:"friendly_name"`
	}
	if !sandboxRead(w, r, &in) {
		return
	}
	name := strings.TrimSpace(in.FriendlyName)
	if name == "" || len(name) > 64 {
		sandboxError(w, http.StatusUnprocessableEntity, "friendly_name", "is required, at most 64 characters")
		return
	}
	sid, err := s.Twilio.CreateMessagingService(r.Context(), name)
	if err != nil {
		sandboxError(w, http.StatusInternalServerError, "", "could not create the messaging service: "+err.Error())
		return
	}
	sandboxJSON(w, http.StatusCreated, map[string]string{"messaging_service_sid": sid})
}

func (s *Sandbox) blockDomain(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Host string `json:"host"`
	}
	if !sandboxRead(w, r, &in) {
		return
	}
	host := providers.NormalizeHost(in.Host)
	if !sandboxName(host) {
		sandboxError(w, http.StatusUnprocessableEntity, "host", "must be a host name such as ls.acme.com")
		return
	}
	if err := s.Twilio.BlockDomain(r.Context(), host); err != nil {
		sandboxError(w, http.StatusInternalServerError, "", "could not block the domain: "+err.Error())
		return
	}
	sandboxJSON(w, http.StatusCreated, map[string]string{"host": host})
}

func (s *Sandbox) click(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MessageSID string `json:"message_sid"`
		UserAgent  string `json:"user_agent"`
		EventType  string `json:"event_type"`
	}
	if !sandboxRead(w, r, &in) {
		return
	}
	if in.EventType == "" {
		in.EventType = TwilioClickEvent
	}
	if in.UserAgent == "" {
		// Someone tapping the link on a phone; a preview is an app's
		// link previewer.
		in.UserAgent = SandboxHandsetAgent
		if in.EventType == TwilioPreviewEvent {
			in.UserAgent = SandboxPreviewAgent
		}
	}
	switch {
	case in.EventType != TwilioClickEvent && in.EventType != TwilioPreviewEvent:
		sandboxError(w, http.StatusUnprocessableEntity, "event_type", "must be click or preview")
		return
	case !providers.ValidMessageSID(in.MessageSID):
		sandboxError(w, http.StatusUnprocessableEntity, "message_sid", "must be a Message SID (SM...)")
		return
	}
	if _, ok := s.Twilio.Message(in.MessageSID); !ok {
		sandboxError(w, http.StatusNotFound, "message_sid", "no such message")
		return
	}
	if err := s.Twilio.Click(r.Context(), in.MessageSID, in.UserAgent, in.EventType); err != nil {
		status := http.StatusBadGateway // the click callback failed
		if errors.Is(err, ErrNoClickCallback) || strings.Contains(err.Error(), "no short link") {
			status = http.StatusConflict
		}
		sandboxError(w, status, "", err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sandbox) inbound(w http.ResponseWriter, r *http.Request) {
	var in struct {
		From string `json:"from"`
		To   string `json:"to"`
		Body string `json:"body"`
	}
	if !sandboxRead(w, r, &in) {
		return
	}
	switch {
	case !providers.ValidE164(in.From):
		sandboxError(w, http.StatusUnprocessableEntity, "from", "must be a number in E.164 (+447123123123)")
		return
	case strings.TrimSpace(in.To) == "":
		sandboxError(w, http.StatusUnprocessableEntity, "to", "is required: a number of a Messaging Service")
		return
	}
	sid, err := s.Twilio.Inbound(r.Context(), in.From, in.To, in.Body)
	switch {
	case errors.Is(err, ErrNoInboundURL):
		sandboxError(w, http.StatusConflict, "", err.Error())
	case err != nil && sid == "":
		sandboxError(w, http.StatusUnprocessableEntity, "", err.Error())
	case err != nil:
		sandboxError(w, http.StatusBadGateway, "", "stored as "+sid+", but posting it failed: "+err.Error())
	default:
		sandboxJSON(w, http.StatusCreated, map[string]string{"message_sid": sid})
	}
}

// The user agents of the sandbox's clicks when none is given.
const (
	SandboxHandsetAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
	SandboxPreviewAgent = "WhatsApp/2.24.21.81 i"
)
