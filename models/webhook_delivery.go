package models

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ID prefixes of delivery rows.
const (
	PrefixWebhookDelivery = "whd_"
	PrefixWebhookAttempt  = "wha_"
)

// DeliveryStatus is where one delivery (an event to an endpoint) stands.
type DeliveryStatus string

// Delivery statuses. Pending: no attempt yet. Retrying: attempts failed
// and another is scheduled (NextAttemptAt). Succeeded: a 2xx answer.
// Failed: given up (schedule exhausted, 410 Gone, endpoint disabled or
// deleted); LastError says why.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryRetrying  DeliveryStatus = "retrying"
	DeliverySucceeded DeliveryStatus = "succeeded"
	DeliveryFailed    DeliveryStatus = "failed"
)

// DeliveryStatuses lists every delivery status (filters validate against it).
var DeliveryStatuses = []DeliveryStatus{DeliveryPending, DeliveryRetrying, DeliverySucceeded, DeliveryFailed}

// Terminal reports whether no attempt follows.
func (s DeliveryStatus) Terminal() bool { return s == DeliverySucceeded || s == DeliveryFailed }

// MaxAttemptBody is how much of a receiver's answer an attempt keeps.
const MaxAttemptBody = 2048

// WebhookDelivery is one event on its way to one endpoint. Its webhook-id
// is the event's id: the same on every attempt and on a replay.
type WebhookDelivery struct {
	ID             string         `gorm:"primaryKey"`
	EventID        string         `gorm:"not null"`
	EndpointID     string         `gorm:"not null"`
	EventType      string         `gorm:"not null"`
	Status         DeliveryStatus `gorm:"not null"`
	Attempts       int            `gorm:"not null"`
	LastStatusCode int            `gorm:"not null"`
	LastError      string         `gorm:"not null"`
	NextAttemptAt  *time.Time
	ReplayOf       string    `gorm:"not null"`
	CreatedAt      time.Time `gorm:"not null"`
	UpdatedAt      time.Time `gorm:"not null"`
	CompletedAt    *time.Time
	// DueMS is when the delivery loop may claim it next (wall-clock Unix
	// milliseconds; nil once finished): see webhook_claim.go.
	DueMS *int64 `gorm:"column:due_ms"`
	// ClaimedMS is when the running lease was taken (nil when none is).
	ClaimedMS *int64 `gorm:"column:claimed_ms"`
}

// WebhookAttempt is one HTTP request of a delivery. StatusCode 0 means no
// answer (Error says what happened: timeout, refused address, ...).
type WebhookAttempt struct {
	ID           string    `gorm:"primaryKey"`
	DeliveryID   string    `gorm:"not null"`
	Attempt      int       `gorm:"not null"`
	StartedAt    time.Time `gorm:"not null"`
	StatusCode   int       `gorm:"not null"`
	LatencyMS    int       `gorm:"column:latency_ms;not null"`
	ResponseBody string    `gorm:"not null"`
	Error        string    `gorm:"not null"`
}

// CleanAttemptBody keeps the first MaxAttemptBody bytes of an answer as
// valid UTF-8 text without NUL (PostgreSQL text refuses it).
func CleanAttemptBody(b []byte) string {
	if len(b) > MaxAttemptBody {
		b = b[:MaxAttemptBody]
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// ---- fan-out ----

// endpointsFor returns the enabled endpoints that may receive events:
// admin-wide ones and those of premium and enterprise clients.
func endpointsForDispatch(tx *gorm.DB) ([]WebhookEndpoint, error) {
	var eps []WebhookEndpoint
	err := tx.Where("enabled = ? AND (client_id IS NULL OR client_id IN (SELECT id FROM clients WHERE plan IN ?))",
		true, []Plan{PlanPremium, PlanEnterprise}).Order("id").Find(&eps).Error
	if err != nil {
		return nil, internal("dispatch endpoints", err)
	}
	return eps, nil
}

// DispatchWebhookEventsTx fans out up to limit undispatched events inside
// tx: for each, a pending delivery to every enabled endpoint whose filter
// matches (the client's own and the admin-wide ones), due at once, then
// marks the events dispatched. enqueue, when not nil, is called with the
// new deliveries in the same transaction. On PostgreSQL the events are
// claimed with FOR UPDATE SKIP LOCKED, so replicas dispatch side by side.
// It returns how many events it dispatched.
func (s *Store) DispatchWebhookEventsTx(tx *gorm.DB, limit int, enqueue func([]*WebhookDelivery) error) (int, error) {
	q := tx.Select("id", "type", "client_id").Where("dispatched_at IS NULL").Order("id").Limit(limit)
	if s.db.Dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
	}
	var evs []WebhookEvent
	if err := q.Find(&evs).Error; err != nil {
		return 0, internal("undispatched events", err)
	}
	if len(evs) == 0 {
		return 0, nil
	}
	eps, err := endpointsForDispatch(tx)
	if err != nil {
		return 0, err
	}
	filters := make([][]string, len(eps))
	for i := range eps {
		filters[i] = eps[i].EventFilter()
	}
	now := s.Now()
	var deliveries []*WebhookDelivery
	ids := make([]string, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
		for j, ep := range eps {
			if ep.ClientID != nil && *ep.ClientID != ev.ClientID {
				continue
			}
			if !EventFilterMatches(filters[j], ev.Type) {
				continue
			}
			deliveries = append(deliveries, newDelivery(ev.ID, ev.Type, ep.ID, now))
		}
	}
	if len(deliveries) > 0 {
		if err := tx.CreateInBatches(deliveries, 500).Error; err != nil {
			return 0, internal("create deliveries", err)
		}
		if enqueue != nil {
			if err := enqueue(deliveries); err != nil {
				return 0, err
			}
		}
	}
	for start := 0; start < len(ids); start += 500 {
		end := min(start+500, len(ids))
		if err := tx.Model(&WebhookEvent{}).Where("id IN ?", ids[start:end]).Update("dispatched_at", now).Error; err != nil {
			return 0, internal("mark events dispatched", err)
		}
	}
	return len(evs), nil
}

// newDelivery is a pending delivery, due at once (by the wall clock, which
// the loops' leases and retries go by).
func newDelivery(eventID, eventType, endpointID string, now time.Time) *WebhookDelivery {
	due := time.Now().UnixMilli()
	return &WebhookDelivery{ID: NewID(PrefixWebhookDelivery), EventID: eventID, EndpointID: endpointID, EventType: eventType,
		Status: DeliveryPending, CreatedAt: now, UpdatedAt: now, DueMS: &due}
}

// ---- attempts ----

func notFoundOr(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return NotFound(what)
	}
	return internal("load "+what, err)
}

// AttemptResult is what the delivery job decided after one attempt.
type AttemptResult struct {
	Attempt WebhookAttempt
	// Status is the delivery's new status; NextAttemptAt is set when it
	// is DeliveryRetrying; Error explains a failure.
	Status        DeliveryStatus
	NextAttemptAt *time.Time
	Error         string
}

// NoteEndpointResultTx keeps the endpoint's failure streak: a success
// clears it, a failure starts it when none is running. It returns when the
// running streak started (nil after a success).
func (s *Store) NoteEndpointResultTx(tx *gorm.DB, endpointID string, ok bool) (*time.Time, error) {
	if ok {
		err := tx.Model(&WebhookEndpoint{}).Where("id = ? AND failing_since IS NOT NULL", endpointID).
			Update("failing_since", nil).Error
		return nil, internal("clear failure streak", err)
	}
	if err := tx.Model(&WebhookEndpoint{}).Where("id = ? AND failing_since IS NULL", endpointID).
		Update("failing_since", s.Now()).Error; err != nil {
		return nil, internal("start failure streak", err)
	}
	var ep WebhookEndpoint
	if err := tx.Select("failing_since").Where("id = ?", endpointID).Take(&ep).Error; err != nil {
		return nil, notFoundOr(err, "webhook endpoint")
	}
	return ep.FailingSince, nil
}

// DisableWebhookEndpointTx disables an enabled endpoint with a reason; it
// reports false when it was already disabled (or is gone), so that the
// owner is told once.
func (s *Store) DisableWebhookEndpointTx(tx *gorm.DB, endpointID, reason string) (bool, error) {
	res := tx.Model(&WebhookEndpoint{}).Where("id = ? AND enabled = ?", endpointID, true).
		Updates(map[string]any{"enabled": false, "disabled_reason": reason, "updated_at": s.Now()})
	if res.Error != nil {
		return false, internal("disable endpoint", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// WebhookEndpointOwner returns the endpoint and the e-mail of its owner
// (the client's address; "" for an admin-wide endpoint).
func (s *Store) WebhookEndpointOwner(ctx context.Context, endpointID string) (*WebhookEndpoint, string, error) {
	var ep WebhookEndpoint
	if err := s.gorm(ctx).Where("id = ?", endpointID).Take(&ep).Error; err != nil {
		return nil, "", notFoundOr(err, "webhook endpoint")
	}
	if ep.ClientID == nil {
		return &ep, "", nil
	}
	var c Client
	if err := s.gorm(ctx).Select("email").Where("id = ?", *ep.ClientID).Take(&c).Error; err != nil {
		return nil, "", notFoundOr(err, "client")
	}
	return &ep, c.Email, nil
}

// ---- listing, replay, ping ----

// WebhookDeliveryQuery filters the delivery list.
type WebhookDeliveryQuery struct {
	PageQuery
	EndpointID string
	Status     string
}

// WebhookDeliveryPage is one page of deliveries with their attempts.
type WebhookDeliveryPage struct {
	Deliveries []WebhookDeliveryView
	Next       string
}

// scopeDeliveries limits a delivery query to the endpoints in scope.
func scopeDeliveries(tx *gorm.DB, sc Scope) *gorm.DB {
	if sc.Admin() {
		return tx
	}
	return tx.Where("endpoint_id IN (SELECT id FROM webhook_endpoints WHERE client_id = ?)", sc.ClientID)
}

// ListWebhookDeliveries returns deliveries newest first, with their
// attempts, filtered by endpoint and status; a client sees those of its own
// endpoints.
func (s *Store) ListWebhookDeliveries(ctx context.Context, sc Scope, q WebhookDeliveryQuery) (WebhookDeliveryPage, error) {
	limit, err := q.limit()
	if err != nil {
		return WebhookDeliveryPage{}, err
	}
	var fields []FieldError
	if q.Status != "" && !validDeliveryStatus(q.Status) {
		fields = append(fields, FieldError{"status", "must be one of pending, retrying, succeeded, failed"})
	}
	if q.EndpointID != "" && !validID(PrefixWebhookEndpoint, q.EndpointID) {
		fields = append(fields, FieldError{"endpoint_id", "is not a webhook endpoint id (whe_...)"})
	}
	if len(fields) > 0 {
		return WebhookDeliveryPage{}, &Error{Kind: KindInvalid, Code: "invalid_query", Detail: "the query is not valid", Fields: fields}
	}
	tx := scopeDeliveries(s.gorm(ctx).Model(&WebhookDelivery{}), sc)
	if q.EndpointID != "" {
		tx = tx.Where("endpoint_id = ?", q.EndpointID)
	}
	if q.Status != "" {
		tx = tx.Where("status = ?", q.Status)
	}
	if q.Cursor != "" {
		after, err := decodeCursor(PrefixWebhookDelivery, q.Cursor)
		if err != nil {
			return WebhookDeliveryPage{}, err
		}
		tx = tx.Where("id < ?", after)
	}
	var rows []WebhookDelivery
	if err := tx.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return WebhookDeliveryPage{}, internal("list deliveries", err)
	}
	var page WebhookDeliveryPage
	if len(rows) > limit {
		rows = rows[:limit]
		page.Next = encodeCursor(rows[limit-1].ID)
	}
	views, err := s.withAttempts(ctx, rows)
	if err != nil {
		return WebhookDeliveryPage{}, err
	}
	page.Deliveries = views
	return page, nil
}

func validDeliveryStatus(s string) bool {
	for _, st := range DeliveryStatuses {
		if string(st) == s {
			return true
		}
	}
	return false
}

func (s *Store) withAttempts(ctx context.Context, rows []WebhookDelivery) ([]WebhookDeliveryView, error) {
	views := make([]WebhookDeliveryView, 0, len(rows))
	if len(rows) == 0 {
		return views, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var atts []WebhookAttempt
	if err := s.gorm(ctx).Where("delivery_id IN ?", ids).Order("delivery_id, attempt, id").Find(&atts).Error; err != nil {
		return nil, internal("list attempts", err)
	}
	by := map[string][]WebhookAttempt{}
	for _, a := range atts {
		by[a.DeliveryID] = append(by[a.DeliveryID], a)
	}
	for i := range rows {
		views = append(views, rows[i].View(by[rows[i].ID]))
	}
	return views, nil
}

// GetWebhookDelivery returns one delivery in scope with its attempts.
func (s *Store) GetWebhookDelivery(ctx context.Context, sc Scope, id string) (*WebhookDeliveryView, error) {
	var d WebhookDelivery
	if err := scopeDeliveries(s.gorm(ctx).Where("id = ?", id), sc).Take(&d).Error; err != nil {
		return nil, notFoundOr(err, "webhook delivery")
	}
	views, err := s.withAttempts(ctx, []WebhookDelivery{d})
	if err != nil {
		return nil, err
	}
	return &views[0], nil
}

func endpointDisabled(ep *WebhookEndpoint) *Error {
	detail := "the endpoint is disabled; enable it first (PATCH enabled=true)"
	if ep.DisabledReason != "" {
		detail = "the endpoint is disabled (" + ep.DisabledReason + "); enable it first (PATCH enabled=true)"
	}
	return Conflict("endpoint_disabled", "", detail)
}

// ReplayWebhookDeliveryTx creates a new pending delivery of the same event
// to the same endpoint (so the same webhook-id) inside tx. The endpoint
// must be enabled and its client still on a plan with webhooks.
func (s *Store) ReplayWebhookDeliveryTx(tx *gorm.DB, sc Scope, id string) (*WebhookDelivery, error) {
	var d WebhookDelivery
	if err := scopeDeliveries(tx.Where("id = ?", id), sc).Take(&d).Error; err != nil {
		return nil, notFoundOr(err, "webhook delivery")
	}
	ep, err := s.usableEndpointTx(tx, d.EndpointID)
	if err != nil {
		return nil, err
	}
	nd := newDelivery(d.EventID, d.EventType, ep.ID, s.Now())
	nd.ReplayOf = d.ID
	if err := tx.Create(nd).Error; err != nil {
		return nil, internal("replay delivery", err)
	}
	return nd, nil
}

func (s *Store) usableEndpointTx(tx *gorm.DB, id string) (*WebhookEndpoint, error) {
	var ep WebhookEndpoint
	if err := tx.Where("id = ?", id).Take(&ep).Error; err != nil {
		return nil, notFoundOr(err, "webhook endpoint")
	}
	if ep.ClientID != nil {
		var c Client
		if err := tx.Select("plan").Where("id = ?", *ep.ClientID).Take(&c).Error; err != nil {
			return nil, notFoundOr(err, "client")
		}
		if !c.Plan.HasWebhooks() {
			return nil, planRequired()
		}
	}
	if !ep.Enabled {
		return nil, endpointDisabled(&ep)
	}
	return &ep, nil
}

// PingWebhookEndpointTx writes a webhook.ping event addressed to this
// endpoint alone (already dispatched) and its pending delivery inside tx.
func (s *Store) PingWebhookEndpointTx(tx *gorm.DB, sc Scope, endpointID string) (*WebhookDelivery, error) {
	q := tx.Where("id = ?", endpointID)
	if !sc.Admin() {
		q = q.Where("client_id = ?", sc.ClientID)
	}
	var ep WebhookEndpoint
	if err := q.Take(&ep).Error; err != nil {
		return nil, notFoundOr(err, "webhook endpoint")
	}
	if _, err := s.usableEndpointTx(tx, ep.ID); err != nil {
		return nil, err
	}
	now := s.Now()
	body, err := json.Marshal(WebhookPayload{Type: EventWebhookPing, Timestamp: now,
		Data: map[string]any{"endpoint": ep.View(), "message": "ping from linkgate"}})
	if err != nil {
		return nil, internal("encode ping", err)
	}
	clientID := ""
	if ep.ClientID != nil {
		clientID = *ep.ClientID
	}
	ev := &WebhookEvent{ID: NewID(PrefixWebhookEvent), Type: EventWebhookPing, ClientID: clientID, Payload: string(body),
		CreatedAt: now, DispatchedAt: &now}
	if err := tx.Create(ev).Error; err != nil {
		return nil, internal("write ping event", err)
	}
	d := newDelivery(ev.ID, ev.Type, ep.ID, now)
	if err := tx.Create(d).Error; err != nil {
		return nil, internal("create ping delivery", err)
	}
	return d, nil
}

// PruneWebhookHistory deletes up to limit events created before cutoff
// whose deliveries are all finished, with those deliveries and their
// attempts (ON DELETE CASCADE). It returns how many events it deleted.
func (s *Store) PruneWebhookHistory(ctx context.Context, cutoff time.Time, limit int) (int64, error) {
	old := s.gorm(ctx).Model(&WebhookEvent{}).Select("id").
		Where("created_at < ? AND dispatched_at IS NOT NULL", cutoff).
		Where("NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id AND d.status IN ?)",
			[]DeliveryStatus{DeliveryPending, DeliveryRetrying}).
		Order("id").Limit(limit)
	res := s.gorm(ctx).Where("id IN (?)", old).Delete(&WebhookEvent{})
	if res.Error != nil {
		return 0, internal("prune webhook history", res.Error)
	}
	return res.RowsAffected, nil
}

// CountDueWebhookDeliveries counts deliveries not yet finished.
func (s *Store) CountDueWebhookDeliveries(ctx context.Context) (int64, error) {
	var n int64
	err := s.gorm(ctx).Model(&WebhookDelivery{}).Where("status IN ?", []DeliveryStatus{DeliveryPending, DeliveryRetrying}).Count(&n).Error
	return n, internal("count due deliveries", err)
}
