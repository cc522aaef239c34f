package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ID prefixes of the webhook rows.
const (
	PrefixWebhookEndpoint = "whe_"
	PrefixWebhookEvent    = "whevt_"
)

// Webhook event types (API.md "Webhooks"). The webhooks package imports
// these; nothing else spells them.
const (
	EventDomainCreated                  = "domain.created"
	EventDomainStatusChanged            = "domain.status_changed"
	EventDomainDNSVerified              = "domain.dns_verified"
	EventDomainCertificateIssued        = "domain.certificate_issued"
	EventDomainConfigured               = "domain.configured"
	EventDomainFailed                   = "domain.failed"
	EventDomainMessagingServiceAttached = "domain.messaging_service_attached"
	EventDomainMessagingServiceDetached = "domain.messaging_service_detached"
	EventDomainReachedLimit             = "domain.reached_limit"
	EventDomainArchived                 = "domain.archived"
	EventDomainRestored                 = "domain.restored"
	EventDomainBlocked                  = "domain.blocked"
	EventDomainUnderReview              = "domain.under_review"
	EventDomainDeclined                 = "domain.declined"
	EventDomainDeleted                  = "domain.deleted"
	EventDomainArchiveWarning           = "domain.archive_warning"
	EventDomainDriftRepaired            = "domain.drift_repaired"
	EventDomainDriftDetected            = "domain.drift_detected"
	EventRegistrationSent               = "registration.sent"
	EventRegistrationOpened             = "registration.opened"
	EventRegistrationCompleted          = "registration.completed"
	EventRegistrationExpired            = "registration.expired"
	EventWebhookPing                    = "webhook.ping"
	EventCampaignStatusChanged          = "campaign.status_changed"
	EventCampaignDomainSwitched         = "campaign.domain_switched"
	EventCampaignSuspended              = "campaign.suspended"
	EventCampaignFinished               = "campaign.finished"
	EventLinkClicked                    = "link.clicked"
)

// ExplicitOnlyEvents are the event types that "*" alone does not match: an
// endpoint receives them only when its filter names them (exactly or by
// their group, such as "link.*"), API.md "Campaigns".
var ExplicitOnlyEvents = []string{EventLinkClicked}

// EventTypes is the event catalog, in API.md's order (the reconciler's
// drift events, which API.md leaves to linkgate, follow the domain events).
var EventTypes = []string{
	EventDomainCreated, EventDomainStatusChanged, EventDomainDNSVerified, EventDomainCertificateIssued,
	EventDomainConfigured, EventDomainFailed, EventDomainMessagingServiceAttached, EventDomainMessagingServiceDetached,
	EventDomainReachedLimit, EventDomainArchived, EventDomainRestored, EventDomainBlocked,
	EventDomainUnderReview, EventDomainDeclined, EventDomainDeleted, EventDomainArchiveWarning,
	EventDomainDriftRepaired, EventDomainDriftDetected,
	EventRegistrationSent, EventRegistrationOpened, EventRegistrationCompleted, EventRegistrationExpired,
	EventWebhookPing,
	EventCampaignStatusChanged, EventCampaignDomainSwitched, EventCampaignSuspended, EventCampaignFinished,
	EventLinkClicked,
}

// SecretRotationOverlap is how long a rotated-out secret still signs.
const SecretRotationOverlap = 24 * time.Hour

// WebhookEndpoint is a URL that receives events. ClientID nil is an
// admin-wide endpoint that receives every client's events. The signing
// secret is kept only encrypted (key ring, endpoint id as associated data).
type WebhookEndpoint struct {
	ID       string `gorm:"primaryKey"`
	ClientID *string
	URL      string `gorm:"column:url;not null"`
	// Events is the filter as a JSON array of types and wildcards.
	Events           string `gorm:"not null"`
	KeyID            string `gorm:"not null"`
	SecretCiphertext []byte `gorm:"not null"`
	// The secret before the last rotation, valid until PreviousExpiresAt;
	// empty when there is none.
	PreviousKeyID            string `gorm:"not null"`
	PreviousSecretCiphertext []byte `gorm:"not null"`
	PreviousExpiresAt        *time.Time
	Enabled                  bool   `gorm:"not null"`
	DisabledReason           string `gorm:"not null"`
	FailingSince             *time.Time
	CreatedAt                time.Time `gorm:"not null"`
	UpdatedAt                time.Time `gorm:"not null"`
}

// EventFilter returns the endpoint's event filter.
func (w *WebhookEndpoint) EventFilter() []string {
	var evs []string
	_ = json.Unmarshal([]byte(w.Events), &evs)
	return evs
}

// Wants reports whether the endpoint's filter matches an event type.
func (w *WebhookEndpoint) Wants(eventType string) bool {
	return EventFilterMatches(w.EventFilter(), eventType)
}

// EventFilterMatches reports whether a filter ("domain.created",
// "domain.*", "*") matches an event type. "*" alone never matches the
// ExplicitOnlyEvents (link.clicked): those must be named.
func EventFilterMatches(filter []string, eventType string) bool {
	for _, f := range filter {
		if f == eventType || (f == "*" && !slices.Contains(ExplicitOnlyEvents, eventType)) {
			return true
		}
		if p, ok := strings.CutSuffix(f, ".*"); ok && strings.HasPrefix(eventType, p+".") {
			return true
		}
	}
	return false
}

// WebhookEndpointInput creates an endpoint. ClientID "" means the caller's
// own client for a client key, and an admin-wide endpoint for an admin key.
type WebhookEndpointInput struct {
	URL      string
	Events   []string
	ClientID string
	// CheckURL, when set, judges where a well-formed URL points (the
	// delivery policy); a non-empty answer is the url field's error.
	CheckURL func(url string) string
}

// WebhookEndpointPatch changes an endpoint; nil fields stay.
type WebhookEndpointPatch struct {
	URL      *string
	Events   []string // nil keeps the filter
	Enabled  *bool
	CheckURL func(url string) string // as in WebhookEndpointInput
}

// NewWebhookSecret returns a fresh Standard Webhooks secret ("whsec_" and
// 32 random bytes in base64).
func NewWebhookSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// validateWebhookURL checks the shape only: absolute http(s), a host, no
// credentials. The webhooks package checks where it points.
func validateWebhookURL(raw string, fields *[]FieldError) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		*fields = append(*fields, FieldError{"url", "is required"})
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Hostname() == "" || u.Opaque != "":
		*fields = append(*fields, FieldError{"url", "must be an absolute http or https URL such as https://acme.com/hooks"})
	case u.User != nil:
		*fields = append(*fields, FieldError{"url", "must not contain credentials"})
	case u.Fragment != "" || len(raw) > 2048:
		*fields = append(*fields, FieldError{"url", "must have no fragment and at most 2048 characters"})
	default:
		return raw
	}
	return ""
}

// checkWebhookURL is validateWebhookURL, then the caller's policy.
func checkWebhookURL(raw string, check func(string) string, fields *[]FieldError) string {
	u := validateWebhookURL(raw, fields)
	if u != "" && check != nil {
		if msg := check(u); msg != "" {
			*fields = append(*fields, FieldError{"url", msg})
			return ""
		}
	}
	return u
}

// validateEventFilter checks each entry is a known type, "*", or
// "prefix.*" for a prefix of the catalog; it returns the filter without
// duplicates.
func validateEventFilter(evs []string, fields *[]FieldError) []string {
	if len(evs) == 0 {
		*fields = append(*fields, FieldError{"events", "must list at least one event type or wildcard such as domain.*"})
		return nil
	}
	if len(evs) > 50 {
		*fields = append(*fields, FieldError{"events", "must have at most 50 entries"})
		return nil
	}
	var out []string
	for _, e := range evs {
		e = strings.TrimSpace(e)
		if !knownEventFilter(e) {
			*fields = append(*fields, FieldError{"events", "unknown event type " + strconvQuote(e) + "; see the event catalog, or use a wildcard such as domain.*"})
			return nil
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func knownEventFilter(f string) bool {
	if f == "*" || slices.Contains(EventTypes, f) {
		return true
	}
	p, ok := strings.CutSuffix(f, ".*")
	if !ok || p == "" {
		return false
	}
	for _, t := range EventTypes {
		if strings.HasPrefix(t, p+".") {
			return true
		}
	}
	return false
}

func planRequired() *Error {
	return &Error{Kind: KindForbidden, Code: "plan_required", Detail: "webhook endpoints need a premium or enterprise plan"}
}

// webhookOwner resolves whose endpoint a create is for: nil for an
// admin-wide endpoint. A basic-plan client is refused.
func (s *Store) webhookOwner(ctx context.Context, sc Scope, clientID string) (*string, error) {
	if clientID == "" {
		if sc.Admin() {
			return nil, nil
		}
		clientID = sc.ClientID
	}
	c, err := s.GetClient(ctx, sc, clientID)
	if err != nil {
		return nil, err
	}
	if !c.Plan.HasWebhooks() {
		return nil, planRequired()
	}
	return &c.ID, nil
}

// CreateWebhookEndpoint validates and stores an endpoint with a new
// secret, which it returns: the only time it is shown.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, kr *KeyRing, sc Scope, in WebhookEndpointInput) (*WebhookEndpoint, string, error) {
	var fields []FieldError
	u := checkWebhookURL(in.URL, in.CheckURL, &fields)
	evs := validateEventFilter(in.Events, &fields)
	if err := invalidFields("invalid_webhook_endpoint", fields); err != nil {
		return nil, "", err
	}
	owner, err := s.webhookOwner(ctx, sc, in.ClientID)
	if err != nil {
		return nil, "", err
	}
	evJSON, _ := json.Marshal(evs)
	now := s.Now()
	w := &WebhookEndpoint{ID: NewID(PrefixWebhookEndpoint), ClientID: owner, URL: u, Events: string(evJSON),
		PreviousSecretCiphertext: []byte{}, Enabled: true, CreatedAt: now, UpdatedAt: now}
	secret := NewWebhookSecret()
	w.KeyID, w.SecretCiphertext = kr.Seal(w.ID, []byte(secret))
	if err := s.gorm(ctx).Create(w).Error; err != nil {
		if isForeignKeyViolation(err) {
			return nil, "", NotFound("client")
		}
		return nil, "", internal("create webhook endpoint", err)
	}
	return w, secret, nil
}

// WebhookEndpointQuery pages the endpoint list.
type WebhookEndpointQuery struct {
	PageQuery
}

// WebhookEndpointPage is one page of endpoints; Next is "" on the last.
type WebhookEndpointPage struct {
	Endpoints []*WebhookEndpoint
	Next      string
}

// ListWebhookEndpoints returns endpoints newest first; a client sees its
// own, an admin all.
func (s *Store) ListWebhookEndpoints(ctx context.Context, sc Scope, q WebhookEndpointQuery) (WebhookEndpointPage, error) {
	limit, err := q.limit()
	if err != nil {
		return WebhookEndpointPage{}, err
	}
	tx := s.gorm(ctx).Model(&WebhookEndpoint{})
	if !sc.Admin() {
		tx = tx.Where("client_id = ?", sc.ClientID)
	}
	if q.Cursor != "" {
		after, err := decodeCursor(PrefixWebhookEndpoint, q.Cursor)
		if err != nil {
			return WebhookEndpointPage{}, err
		}
		tx = tx.Where("id < ?", after)
	}
	var rows []*WebhookEndpoint
	if err := tx.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return WebhookEndpointPage{}, internal("list webhook endpoints", err)
	}
	page := WebhookEndpointPage{Endpoints: rows}
	if len(rows) > limit {
		page.Endpoints = rows[:limit]
		page.Next = encodeCursor(rows[limit-1].ID)
	}
	return page, nil
}

// GetWebhookEndpoint returns one endpoint visible in scope.
func (s *Store) GetWebhookEndpoint(ctx context.Context, sc Scope, id string) (*WebhookEndpoint, error) {
	tx := s.gorm(ctx).Where("id = ?", id)
	if !sc.Admin() {
		tx = tx.Where("client_id = ?", sc.ClientID)
	}
	var w WebhookEndpoint
	err := tx.Take(&w).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("webhook endpoint")
	}
	if err != nil {
		return nil, internal("get webhook endpoint", err)
	}
	return &w, nil
}

// checkEndpointPlan refuses changes to a client endpoint whose client is
// (now) on the basic plan.
func (s *Store) checkEndpointPlan(ctx context.Context, w *WebhookEndpoint) error {
	if w.ClientID == nil {
		return nil
	}
	var c Client
	if err := s.gorm(ctx).Select("plan").Where("id = ?", *w.ClientID).Take(&c).Error; err != nil {
		return internal("endpoint client plan", err)
	}
	if !c.Plan.HasWebhooks() {
		return planRequired()
	}
	return nil
}

// UpdateWebhookEndpoint changes the URL, the filter or enabled. Enabling
// clears the reason it was disabled and its failure streak.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, sc Scope, id string, p WebhookEndpointPatch) (*WebhookEndpoint, error) {
	w, err := s.GetWebhookEndpoint(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	var fields []FieldError
	if p.URL != nil {
		w.URL = checkWebhookURL(*p.URL, p.CheckURL, &fields)
	}
	if p.Events != nil {
		evJSON, _ := json.Marshal(validateEventFilter(p.Events, &fields))
		w.Events = string(evJSON)
	}
	if err := invalidFields("invalid_webhook_endpoint", fields); err != nil {
		return nil, err
	}
	if err := s.checkEndpointPlan(ctx, w); err != nil {
		return nil, err
	}
	if p.Enabled != nil {
		if *p.Enabled && !w.Enabled {
			w.DisabledReason, w.FailingSince = "", nil
		}
		if !*p.Enabled && w.Enabled {
			w.DisabledReason = "disabled through the API"
		}
		w.Enabled = *p.Enabled
	}
	w.UpdatedAt = s.Now()
	err = s.gorm(ctx).Model(w).Select("url", "events", "enabled", "disabled_reason", "failing_since", "updated_at").Updates(w).Error
	if err != nil {
		return nil, internal("update webhook endpoint", err)
	}
	return w, nil
}

// DeleteWebhookEndpoint removes an endpoint.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, sc Scope, id string) error {
	if _, err := s.GetWebhookEndpoint(ctx, sc, id); err != nil {
		return err
	}
	res := s.gorm(ctx).Where("id = ?", id).Delete(&WebhookEndpoint{})
	if res.Error != nil {
		return internal("delete webhook endpoint", res.Error)
	}
	if res.RowsAffected == 0 {
		return NotFound("webhook endpoint")
	}
	return nil
}

// RotateWebhookSecret gives the endpoint a new secret, which it returns
// (shown only once); the old one keeps signing for SecretRotationOverlap.
func (s *Store) RotateWebhookSecret(ctx context.Context, kr *KeyRing, sc Scope, id string) (*WebhookEndpoint, string, error) {
	w, err := s.GetWebhookEndpoint(ctx, sc, id)
	if err != nil {
		return nil, "", err
	}
	if err := s.checkEndpointPlan(ctx, w); err != nil {
		return nil, "", err
	}
	now := s.Now()
	exp := now.Add(SecretRotationOverlap)
	secret := NewWebhookSecret()
	keyID, ct := kr.Seal(w.ID, []byte(secret))
	upd := map[string]any{"previous_key_id": w.KeyID, "previous_secret_ciphertext": w.SecretCiphertext,
		"previous_expires_at": exp, "key_id": keyID, "secret_ciphertext": ct, "updated_at": now}
	res := s.gorm(ctx).Model(&WebhookEndpoint{}).Where("id = ? AND key_id = ? AND secret_ciphertext = ?", w.ID, w.KeyID, w.SecretCiphertext).Updates(upd)
	if res.Error != nil {
		return nil, "", internal("rotate webhook secret", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, "", Conflict("rotated_meanwhile", "", "the secret was rotated meanwhile; try again")
	}
	w.PreviousKeyID, w.PreviousSecretCiphertext, w.PreviousExpiresAt = w.KeyID, w.SecretCiphertext, &exp
	w.KeyID, w.SecretCiphertext, w.UpdatedAt = keyID, ct, now
	return w, secret, nil
}

// Secrets decrypts the secrets that sign for the endpoint at now: the
// current one first, then the previous one while it is still valid.
func (w *WebhookEndpoint) Secrets(kr *KeyRing, now time.Time) ([]string, error) {
	cur, err := kr.Open(w.KeyID, w.ID, w.SecretCiphertext)
	if err != nil {
		return nil, internal("decrypt webhook secret", err)
	}
	out := []string{string(cur)}
	if len(w.PreviousSecretCiphertext) > 0 && w.PreviousExpiresAt != nil && now.Before(*w.PreviousExpiresAt) {
		prev, err := kr.Open(w.PreviousKeyID, w.ID, w.PreviousSecretCiphertext)
		if err != nil {
			return nil, internal("decrypt previous webhook secret", err)
		}
		out = append(out, string(prev))
	}
	return out, nil
}
