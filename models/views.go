package models

// The API's response shapes (…View) and the functions that build them from
// rows. They stay in models rather than in handlers/api because the same
// shapes are the data of the webhook events that the transition engine
// writes in the domain's transaction (a domain.* event carries a
// DomainView), and models never imports upward.

import "time"

// DNSRecordView is a DNS record the domain needs.
type DNSRecordView struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Host  string `json:"host"`
	Value string `json:"value"`
	TTL   int    `json:"ttl"`
}

// CertificateView is the managed certificate's state.
type CertificateView struct {
	Status    SSLStatus  `json:"status"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// DomainView is the API (and webhook) representation of a domain.
type DomainView struct {
	ID                   string          `json:"id"`
	ClientID             string          `json:"client_id"`
	Host                 string          `json:"host"`
	Apex                 string          `json:"apex"`
	Subdomain            string          `json:"subdomain"`
	Purpose              Purpose         `json:"purpose"`
	SetupMode            *SetupMode      `json:"setup_mode"`
	Status               Status          `json:"status"`
	StatusReason         *string         `json:"status_reason"`
	DNSStatus            DNSStatus       `json:"dns_status"`
	SSLStatus            SSLStatus       `json:"ssl_status"`
	DNSRecords           []DNSRecordView `json:"dns_records"`
	DomainSID            *string         `json:"domain_sid"`
	Certificate          CertificateView `json:"certificate"`
	MessagingServiceSIDs []string        `json:"messaging_service_sids"`
	MessagesSent         int64           `json:"messages_sent"`
	LastUsedAt           *time.Time      `json:"last_used_at"`
	ArchivedAt           *time.Time      `json:"archived_at"`
	PoolIDs              []string        `json:"pool_ids"`
	CreatedAt            time.Time       `json:"created_at"`
	UpdatedAt            time.Time       `json:"updated_at"`
}

func nonEmpty[T ~string](v T) *T {
	if v == "" {
		return nil
	}
	return &v
}

// View returns the API representation.
func (d *Domain) View() DomainView {
	v := DomainView{
		ID: d.ID, ClientID: d.ClientID, Host: d.Host, Apex: d.Apex, Subdomain: d.Subdomain,
		Purpose: d.Purpose, SetupMode: nonEmpty(d.SetupMode), Status: d.Status,
		StatusReason: nonEmpty(d.StatusReason), DNSStatus: d.DNSStatus, SSLStatus: d.SSLStatus,
		DNSRecords: []DNSRecordView{{
			Type: "CNAME", Name: d.Subdomain, Host: d.Host, Value: d.CNAMETarget, TTL: d.CNAMETTL,
		}},
		DomainSID:            nonEmpty(d.DomainSID),
		Certificate:          CertificateView{Status: d.SSLStatus},
		MessagingServiceSIDs: append([]string{}, d.MessagingServiceSIDs...),
		MessagesSent:         d.MessagesSent,
		LastUsedAt:           optTime(d.LastUsedAt),
		ArchivedAt:           optTime(d.ArchivedAt),
		PoolIDs:              append([]string{}, d.PoolIDs...),
		CreatedAt:            d.CreatedAt.UTC(),
		UpdatedAt:            d.UpdatedAt.UTC(),
	}
	if d.CertExpiresAt != nil {
		t := d.CertExpiresAt.UTC()
		v.Certificate.ExpiresAt = &t
	}
	return v
}

// ClientView is the API representation of a client.
type ClientView struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Email       string    `json:"email"`
	Plan        Plan      `json:"plan"`
	FallbackURL *string   `json:"fallback_url"`
	DomainLimit *int64    `json:"domain_limit"`
	Rotation    Rotation  `json:"rotation"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	DomainCount int64     `json:"domain_count"`
}

// View returns the API representation.
func (c *Client) View() ClientView {
	return ClientView{ID: c.ID, Name: c.Name, Email: c.Email, Plan: c.Plan, FallbackURL: nonEmpty(c.FallbackURL), DomainLimit: c.DomainLimit, Rotation: c.Rotation,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(), DomainCount: c.DomainCount}
}

// DomainEventView is the API representation of a timeline entry.
type DomainEventView struct {
	At     time.Time `json:"at"`
	From   *Status   `json:"from"`
	To     Status    `json:"to"`
	Reason string    `json:"reason"`
	Actor  string    `json:"actor"`
}

// View returns the API representation.
func (e *DomainEvent) View() DomainEventView {
	return DomainEventView{At: e.At.UTC(), From: nonEmpty(e.From), To: e.To, Reason: e.Reason, Actor: e.Actor}
}

// RegistrationView is the API representation.
type RegistrationView struct {
	ID          string             `json:"id"`
	DomainID    string             `json:"domain_id"`
	Email       string             `json:"email"`
	UserID      *string            `json:"user_id"`
	Status      RegistrationStatus `json:"status"`
	ExpiresAt   time.Time          `json:"expires_at"`
	CreatedAt   time.Time          `json:"created_at"`
	CompletedAt *time.Time         `json:"completed_at"`
}

// View returns the API representation.
func (r *Registration) View() RegistrationView {
	v := RegistrationView{ID: r.ID, DomainID: r.DomainID, Email: r.Email, UserID: r.UserID, Status: r.Status,
		ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC()}
	if r.CompletedAt != nil {
		t := r.CompletedAt.UTC()
		v.CompletedAt = &t
	}
	return v
}

// WebhookEndpointView is the API representation (never with the secret).
type WebhookEndpointView struct {
	ID       string   `json:"id"`
	URL      string   `json:"url"`
	Events   []string `json:"events"`
	Enabled  bool     `json:"enabled"`
	ClientID *string  `json:"client_id"`
	// DisabledReason says why a disabled endpoint was disabled (410
	// Gone, five days of failures, through the API).
	DisabledReason *string `json:"disabled_reason"`
	// FailingSince is when the running streak of failed deliveries began.
	FailingSince *time.Time `json:"failing_since"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// View returns the API representation.
func (w *WebhookEndpoint) View() WebhookEndpointView {
	evs := w.EventFilter()
	if evs == nil {
		evs = []string{}
	}
	return WebhookEndpointView{ID: w.ID, URL: w.URL, Events: evs, Enabled: w.Enabled, ClientID: w.ClientID,
		DisabledReason: optString(w.DisabledReason), FailingSince: optTime(w.FailingSince),
		CreatedAt: w.CreatedAt.UTC(), UpdatedAt: w.UpdatedAt.UTC()}
}

// WebhookAttemptView is an attempt as the API shows it.
type WebhookAttemptView struct {
	Attempt      int       `json:"attempt"`
	At           time.Time `json:"at"`
	StatusCode   *int      `json:"status_code"`
	LatencyMS    int       `json:"latency_ms"`
	ResponseBody string    `json:"response_body"`
	Error        *string   `json:"error"`
}

// WebhookDeliveryView is a delivery as the API shows it, with its attempts
// oldest first.
type WebhookDeliveryView struct {
	ID             string               `json:"id"`
	EndpointID     string               `json:"endpoint_id"`
	EventID        string               `json:"event_id"`
	EventType      string               `json:"event_type"`
	Status         DeliveryStatus       `json:"status"`
	AttemptCount   int                  `json:"attempt_count"`
	LastStatusCode *int                 `json:"last_status_code"`
	LastError      *string              `json:"last_error"`
	NextAttemptAt  *time.Time           `json:"next_attempt_at"`
	ReplayOf       *string              `json:"replay_of"`
	CreatedAt      time.Time            `json:"created_at"`
	UpdatedAt      time.Time            `json:"updated_at"`
	CompletedAt    *time.Time           `json:"completed_at"`
	Attempts       []WebhookAttemptView `json:"attempts"`
}

func optInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// View returns the API representation with the given attempts.
func (d *WebhookDelivery) View(attempts []WebhookAttempt) WebhookDeliveryView {
	v := WebhookDeliveryView{ID: d.ID, EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.EventType,
		Status: d.Status, AttemptCount: d.Attempts, LastStatusCode: optInt(d.LastStatusCode), LastError: optString(d.LastError),
		NextAttemptAt: optTime(d.NextAttemptAt), ReplayOf: optString(d.ReplayOf),
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), CompletedAt: optTime(d.CompletedAt),
		Attempts: make([]WebhookAttemptView, 0, len(attempts))}
	for _, a := range attempts {
		v.Attempts = append(v.Attempts, WebhookAttemptView{Attempt: a.Attempt, At: a.StartedAt.UTC(), StatusCode: optInt(a.StatusCode),
			LatencyMS: a.LatencyMS, ResponseBody: a.ResponseBody, Error: optString(a.Error)})
	}
	return v
}
