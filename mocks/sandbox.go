package mocks

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/linkgate/linkgate/providers"
)

// Sandbox serves the fakes and their control endpoints over HTTP under
// /_sandbox (API.md "Sandbox"), so that a newcomer, a demo or an outside
// test can drive a whole onboarding with no accounts:
//
//	GET  /_sandbox                          the fake Twilio's credentials
//	POST /_sandbox/cloudflare/zones         {"name"} → {"zone_id","api_token"}
//	     /_sandbox/cloudflare/client/v4/... the fake Cloudflare API
//	POST /_sandbox/route53/zones            {"name"} → {"zone_id","access_key_id","secret_access_key"}
//	     ... {"name","access":"role"}       → {"zone_id","role_arn","external_id","trusted_account_id"}
//	     /_sandbox/route53/2013-04-01/...   the fake Route 53 API
//	     /_sandbox/route53/sts              the fake STS (AssumeRole)
//	     (every DNS host of DNSHosts alike: sandbox_dnshosts.go)
//	POST /_sandbox/twilio/domains           {"domain_name"} → {"domain_sid"}
//	     /_sandbox/twilio/v1/..., /v2/...   the fake Twilio API
//	     /_sandbox/twilio/2010-04-01/...    the fake Messages API (sandbox_messaging.go)
//	POST /_sandbox/twilio/messaging-services {"friendly_name"} → {"messaging_service_sid"}
//	POST /_sandbox/twilio/blocked-domains   {"host"}
//	POST /_sandbox/twilio/clicks            {"message_sid","user_agent","event_type"} (no user_agent: a handset browser's, or a previewer's for a preview)
//	POST /_sandbox/twilio/inbound           {"from","to","body"}
//	GET  /_sandbox/outbox                   mail sent
//	POST /_sandbox/dns                      {"name","type","value"}: a record added by hand
//	POST /_sandbox/faults                   {"provider","status","retry_after","count","html","delay_ms","hold_ms"}
//	DELETE /_sandbox/faults[?provider=]     drop the queued faults and holds (of one fake, or all)
//	GET  /_sandbox/stats                    side effects counted by the fakes (SandboxStats)
//	POST /_sandbox/reputation               {"host"}: the fake reputation source flags it
//	DELETE /_sandbox/reputation?host=       it no longer does
//
// Handler itself checks no linkgate credential: whoever serves it puts
// the controls (everything but the fake vendor APIs) behind an admin
// credential, as cmd/linkgate does (handlers.Server.AdminOnly).
type Sandbox struct {
	// DNSHosts are the fake DNS hosts (Cloudflare's among them), served
	// under /_sandbox/<name>/.
	DNSHosts   []SandboxDNSHost
	Cloudflare *Cloudflare
	Twilio     *Twilio
	DNS        *DNS
	Outbox     *Outbox
	Reputation *Reputation // optional
	// The credentials the fake Twilio accepts.
	TwilioAccountSID string
	TwilioAuthToken  string
}

// Handler returns the /_sandbox routes.
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_sandbox", s.credentials)
	s.dnsHostRoutes(mux)
	mux.HandleFunc("POST /_sandbox/twilio/domains", s.addTwilioDomain)
	mux.Handle("/_sandbox/twilio/v1/", http.StripPrefix("/_sandbox/twilio", s.Twilio))
	mux.Handle("/_sandbox/twilio/v2/", http.StripPrefix("/_sandbox/twilio", s.Twilio))
	s.messagingRoutes(mux)
	mux.HandleFunc("GET /_sandbox/outbox", s.outbox)
	mux.HandleFunc("POST /_sandbox/dns", s.addDNS)
	mux.HandleFunc("POST /_sandbox/faults", s.addFault)
	mux.HandleFunc("DELETE /_sandbox/faults", s.clearFaults)
	mux.HandleFunc("GET /_sandbox/stats", s.stats)
	if s.Reputation != nil {
		mux.Handle("/_sandbox/reputation", s.Reputation.SandboxHandler())
	}
	mux.HandleFunc("/_sandbox/", func(w http.ResponseWriter, r *http.Request) {
		sandboxError(w, http.StatusNotFound, "", "no such sandbox endpoint")
	})
	return mux
}

func (s *Sandbox) credentials(w http.ResponseWriter, _ *http.Request) {
	sandboxJSON(w, http.StatusOK, map[string]any{
		"twilio": map[string]string{"account_sid": s.TwilioAccountSID, "auth_token": s.TwilioAuthToken},
	})
}

func (s *Sandbox) addTwilioDomain(w http.ResponseWriter, r *http.Request) {
	var in struct {
		DomainName string `json:"domain_name"`
	}
	if !sandboxRead(w, r, &in) {
		return
	}
	name := providers.NormalizeHost(in.DomainName)
	if !sandboxName(name) {
		sandboxError(w, http.StatusUnprocessableEntity, "domain_name", "must be a host name such as ls.acme.com")
		return
	}
	sid, err := s.Twilio.RegisterDomainContext(r.Context(), name)
	if err != nil {
		sandboxError(w, http.StatusInternalServerError, "", "could not register the domain: "+err.Error())
		return
	}
	sandboxJSON(w, http.StatusCreated, map[string]string{"domain_sid": sid})
}

func (s *Sandbox) outbox(w http.ResponseWriter, _ *http.Request) {
	msgs := s.Outbox.Messages()
	if msgs == nil {
		msgs = []OutboxMessage{}
	}
	sandboxJSON(w, http.StatusOK, map[string]any{"data": msgs})
}

func (s *Sandbox) addDNS(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name  string `json:"name"`
		Type  string `json:"type"`
		Value string `json:"value"`
	}
	if !sandboxRead(w, r, &in) {
		return
	}
	name := providers.NormalizeHost(in.Name)
	if !sandboxName(name) {
		sandboxError(w, http.StatusUnprocessableEntity, "name", "must be a host name such as ls.acme.com")
		return
	}
	if strings.TrimSpace(in.Value) == "" {
		sandboxError(w, http.StatusUnprocessableEntity, "value", "is required")
		return
	}
	if err := s.DNS.AddManual(name, strings.ToUpper(strings.TrimSpace(in.Type)), strings.TrimSpace(in.Value)); err != nil {
		if errors.Is(err, ErrInvalidDNSRecord) {
			sandboxError(w, http.StatusUnprocessableEntity, "type", err.Error())
		} else {
			sandboxError(w, http.StatusInternalServerError, "", "could not save the record")
		}
		return
	}
	sandboxJSON(w, http.StatusCreated, map[string]string{"name": name, "type": strings.ToUpper(in.Type), "value": in.Value})
}

// SandboxStats are the side effects the fakes counted, kept with their
// state (so across restarts): what tests check "exactly once" against.
type SandboxStats struct {
	Cloudflare struct {
		// RecordsCreated: records created through the API, per name.
		RecordsCreated map[string]int `json:"records_created"`
		// FaultsPending: calls the injected faults will still answer; 0
		// once the last one was taken (a delayed call is then in flight).
		FaultsPending int `json:"faults_pending"`
	} `json:"cloudflare"`
	Twilio struct {
		// CertRequests: managed-certificate requests that started an
		// issuance, per Domain SID.
		CertRequests  map[string]int `json:"cert_requests"`
		FaultsPending int            `json:"faults_pending"`
		// MessagesSent: messages created through the Messages API, per
		// recipient number (a number twice: sent twice).
		MessagesSent map[string]int `json:"messages_sent"`
	} `json:"twilio"`
	// DNSHosts: every fake DNS host's counts, by provider name
	// (Cloudflare's repeat the cloudflare ones).
	DNSHosts map[string]SandboxHostStats `json:"dns_hosts"`
}

// Stats returns the side effects counted by the fakes.
func (s *Sandbox) Stats() SandboxStats {
	var st SandboxStats
	st.Cloudflare.RecordsCreated = s.Cloudflare.RecordsCreated()
	st.Twilio.CertRequests = s.Twilio.CertRequests()
	st.Cloudflare.FaultsPending = s.Cloudflare.Faults.Pending()
	st.Twilio.FaultsPending = s.Twilio.Faults.Pending()
	st.Twilio.MessagesSent = s.Twilio.AllSends()
	st.DNSHosts = s.hostStats()
	return st
}

func (s *Sandbox) stats(w http.ResponseWriter, _ *http.Request) {
	sandboxJSON(w, http.StatusOK, s.Stats())
}

func (s *Sandbox) addFault(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Provider   string `json:"provider"`
		Status     int    `json:"status"`
		RetryAfter int    `json:"retry_after"`
		Count      *int   `json:"count"`
		HTML       bool   `json:"html"`
		DelayMS    int    `json:"delay_ms"`
		HoldMS     int    `json:"hold_ms,omitempty"`
	}
	if !sandboxRead(w, r, &in) {
		return
	}
	var f *Faults
	var h *Holds
	if dh, ok := s.dnsHost(in.Provider); ok {
		f, h = dh.Faults, dh.Holds
	} else if in.Provider == "twilio" {
		f, h = s.Twilio.Faults, s.Twilio.Holds
	} else {
		sandboxError(w, http.StatusUnprocessableEntity, "provider", "must be one of "+s.fakeNames())
		return
	}
	switch {
	case in.HoldMS < 0 || in.HoldMS > 60000:
		sandboxError(w, http.StatusUnprocessableEntity, "hold_ms", "must be between 0 and 60000")
		return
	case in.HoldMS > 0 && (in.Status != 0 || in.DelayMS != 0 || in.RetryAfter != 0 || in.HTML):
		sandboxError(w, http.StatusUnprocessableEntity, "hold_ms", "holds a served answer; give it alone (with count)")
		return
	case in.Status != 0 && (in.Status < 400 || in.Status > 599):
		sandboxError(w, http.StatusUnprocessableEntity, "status", "must be an HTTP error status, 400 to 599")
		return
	case in.Status == 0 && in.DelayMS == 0 && in.HoldMS == 0:
		sandboxError(w, http.StatusUnprocessableEntity, "status", "give a status, a delay_ms, or both (or a hold_ms)")
		return
	case in.Count != nil && (*in.Count < 1 || *in.Count > 1000):
		sandboxError(w, http.StatusUnprocessableEntity, "count", "must be between 1 and 1000 (leave it out for 1)")
		return
	case in.RetryAfter < 0 || in.RetryAfter > 3600:
		sandboxError(w, http.StatusUnprocessableEntity, "retry_after", "must be between 0 and 3600 seconds")
		return
	case in.DelayMS < 0 || in.DelayMS > 60000:
		sandboxError(w, http.StatusUnprocessableEntity, "delay_ms", "must be between 0 and 60000")
		return
	}
	if in.Count == nil {
		one := 1
		in.Count = &one
	}
	if in.HoldMS > 0 {
		h.Inject(time.Duration(in.HoldMS)*time.Millisecond, *in.Count)
	} else {
		f.Inject(Fault{Status: in.Status, RetryAfter: in.RetryAfter, Count: *in.Count, HTML: in.HTML, DelayMS: in.DelayMS})
	}
	sandboxJSON(w, http.StatusAccepted, in)
}

// clearFaults drops every queued fault and hold, of the fake named by
// ?provider= or of all of them: 204.
func (s *Sandbox) clearFaults(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Query().Get("provider")
	if _, ok := s.dnsHost(p); !ok && p != "" && p != "twilio" {
		sandboxError(w, http.StatusUnprocessableEntity, "provider", "must be one of "+s.fakeNames()+" (or left out for all)")
		return
	}
	if p == "" || p == "twilio" {
		s.Twilio.Faults.Clear()
		s.Twilio.Holds.Clear()
	}
	for _, h := range s.DNSHosts {
		if p == "" || p == h.Name {
			h.Faults.Clear()
			h.Holds.Clear()
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// Holds is a queue of held answers for one fake: the next calls are
// served (their side effects happen and are saved) and then their answers
// are held for a while before they go out, as when a connection stalls on
// the way back. A caller that gives up meanwhile (its timeout, a crash)
// has caused the effect without hearing of it: the case that an
// idempotent client must survive without repeating the effect. The zero
// value is ready to use and safe for concurrent use.
type Holds struct {
	mu      sync.Mutex
	pending []hold
}

type hold struct {
	d     time.Duration
	count int
}

// Inject holds the answers of the next count calls (0 means 1) for d each.
func (h *Holds) Inject(d time.Duration, count int) {
	if count <= 0 {
		count = 1
	}
	h.mu.Lock()
	h.pending = append(h.pending, hold{d: d, count: count})
	h.mu.Unlock()
}

// Clear drops every pending hold.
func (h *Holds) Clear() {
	h.mu.Lock()
	h.pending = nil
	h.mu.Unlock()
}

func (h *Holds) take() (time.Duration, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.pending) == 0 {
		return 0, false
	}
	d := h.pending[0].d
	h.pending[0].count--
	if h.pending[0].count <= 0 {
		h.pending = h.pending[1:]
	}
	return d, true
}

// Wrap returns a handler that serves with next and, when a hold is
// pending, keeps the answer back for its duration (nothing goes out if
// the caller gives up meanwhile).
func (h *Holds) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := h.take()
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		rec := newRecorder()
		next.ServeHTTP(rec, r)
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
	})
}

// sandboxRead decodes a control request strictly; on failure it answers.
func sandboxRead(w http.ResponseWriter, r *http.Request, dst any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute):
			sandboxError(w, http.StatusUnprocessableEntity, ute.Field, "has the wrong type")
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			sandboxError(w, http.StatusUnprocessableEntity, strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "is not a known field")
		default:
			sandboxError(w, http.StatusBadRequest, "", "the body must be a JSON object")
		}
		return false
	}
	return true
}

// sandboxName is a light check for names given to the fakes.
func sandboxName(s string) bool {
	if len(s) == 0 || len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func sandboxJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// sandboxError answers in the shape of linkgate's problems.
func sandboxError(w http.ResponseWriter, status int, field, msg string) {
	body := map[string]any{"status": status, "title": http.StatusText(status), "detail": msg, "code": "sandbox_" + strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")}
	if field != "" {
		body["errors"] = []map[string]string{{"field": field, "message": msg}}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
