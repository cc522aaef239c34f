package models

// The webhook delivery loop's statements (issue 18). A delivery is due
// when its due_ms (wall-clock Unix milliseconds, migration 0023) has
// passed. A loop claims due deliveries in one statement by moving due_ms
// to the end of its lease (PostgreSQL: FOR UPDATE SKIP LOCKED, so
// replicas claim side by side and never the same row; SQLite: one writer),
// makes the attempts, and records them in batches. The lease is the
// record's fencing token: a delivery is updated only while due_ms is
// still the claimer's lease, so a loop whose lease ran out (its delivery
// claimed again by another) logs its attempt but does not overwrite the
// delivery. A crashed loop's claims come back when their leases end.
// Every statement here is prepared once and kept (prepared.go).

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ClaimedDelivery is a delivery a loop holds until Lease (Unix ms).
type ClaimedDelivery struct {
	ID         string
	EventID    string
	EndpointID string
	Status     DeliveryStatus
	Attempts   int
	Lease      int64
}

const (
	claimPG = `WITH c AS (SELECT id FROM webhook_deliveries WHERE due_ms <= ? ORDER BY due_ms LIMIT ? FOR UPDATE SKIP LOCKED)
UPDATE webhook_deliveries d SET due_ms = ?, claimed_ms = ? FROM c WHERE d.id = c.id
RETURNING d.id, d.event_id, d.endpoint_id, d.status, d.attempts`
	claimSQLite = `UPDATE webhook_deliveries SET due_ms = ?, claimed_ms = ?
WHERE id IN (SELECT id FROM webhook_deliveries WHERE due_ms <= ? ORDER BY due_ms LIMIT ?)
RETURNING id, event_id, endpoint_id, status, attempts`
	payloadsPG     = `SELECT id, payload FROM webhook_events WHERE id = ANY(?::text[])`
	payloadsSQLite = `SELECT id, payload FROM webhook_events WHERE id IN (SELECT value FROM json_each(?))`
	// An attempt is logged unless its delivery is gone (its endpoint was
	// deleted meanwhile).
	attemptSQLite = `INSERT INTO webhook_attempts (id, delivery_id, attempt, started_at, status_code, latency_ms, response_body, error)
SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = ?)`
	attemptsPG = `INSERT INTO webhook_attempts (id, delivery_id, attempt, started_at, status_code, latency_ms, response_body, error)
SELECT u.* FROM unnest(?::text[], ?::text[], ?::int[], ?::timestamptz[], ?::int[], ?::int[], ?::text[], ?::text[])
AS u(id, delivery_id, attempt, started_at, status_code, latency_ms, response_body, error)
WHERE EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.id = u.delivery_id)`
	outcomeSQLite = `UPDATE webhook_deliveries SET status = ?, attempts = ?, last_status_code = ?, last_error = ?,
next_attempt_at = ?, due_ms = ?, claimed_ms = NULL, updated_at = ?, completed_at = ? WHERE id = ? AND due_ms = ?`
	outcomesPG = `UPDATE webhook_deliveries d SET status = u.status, attempts = u.attempts, last_status_code = u.code,
last_error = u.err, next_attempt_at = u.next, due_ms = u.due, claimed_ms = NULL, updated_at = ?::timestamptz,
completed_at = CASE WHEN u.status IN ('succeeded', 'failed') THEN ?::timestamptz END
FROM unnest(?::text[], ?::bigint[], ?::text[], ?::int[], ?::int[], ?::text[], ?::timestamptz[], ?::bigint[])
AS u(id, lease, status, attempts, code, err, next, due)
WHERE d.id = u.id AND d.due_ms = u.lease`
	releaseDelivery = `UPDATE webhook_deliveries SET due_ms = ?, claimed_ms = NULL WHERE id = ? AND due_ms = ?`
)

func (db *DB) webhookStatements() []string {
	if db.Dialect == Postgres {
		return []string{db.placeholders(claimPG), db.placeholders(payloadsPG), db.placeholders(attemptsPG),
			db.placeholders(outcomesPG), db.placeholders(releaseDelivery)}
	}
	return []string{claimSQLite, payloadsSQLite, attemptSQLite, outcomeSQLite, releaseDelivery}
}

// PrepareWebhookDelivery prepares the delivery loop's statements (on
// SQLite they must be prepared outside a transaction to be kept).
func (s *Store) PrepareWebhookDelivery(ctx context.Context) error {
	for _, q := range s.db.webhookStatements() {
		if _, err := s.db.prepared(ctx, q, false); err != nil {
			return internal("prepare webhook delivery", err)
		}
	}
	return nil
}

// ClaimWebhookDeliveries claims up to limit deliveries due at now (the
// wall clock) until now+lease, oldest due first.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]ClaimedDelivery, error) {
	until := now.Add(lease).UnixMilli()
	var rows *sql.Rows
	var err error
	if s.db.Dialect == Postgres {
		rows, err = s.db.hotQuery(ctx, s.db.placeholders(claimPG), now.UnixMilli(), limit, until, now.UnixMilli())
	} else {
		rows, err = s.db.hotQuery(ctx, claimSQLite, until, now.UnixMilli(), now.UnixMilli(), limit)
	}
	if err != nil {
		return nil, internal("claim webhook deliveries", err)
	}
	defer rows.Close()
	out := make([]ClaimedDelivery, 0, limit)
	for rows.Next() {
		c := ClaimedDelivery{Lease: until}
		if err := rows.Scan(&c.ID, &c.EventID, &c.EndpointID, &c.Status, &c.Attempts); err != nil {
			return nil, internal("claim webhook deliveries", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("claim webhook deliveries", err)
	}
	return out, nil
}

// processStart is when this process started: claims older than it were
// made by another process.
var processStart = time.Now()

// ResumeWebhookClaims makes the deliveries claimed by a process that has
// ended due now, and returns how many. Only on SQLite, which one process
// uses at a time (the claims made before this process started are a dead
// one's); on PostgreSQL the claims of a replica that died come back when
// their leases end.
func (s *Store) ResumeWebhookClaims(ctx context.Context, now time.Time) (int64, error) {
	if s.db.Dialect != SQLite {
		return 0, nil
	}
	res := s.gorm(ctx).Exec(`UPDATE webhook_deliveries SET due_ms = ?, claimed_ms = NULL
WHERE due_ms IS NOT NULL AND claimed_ms IS NOT NULL AND claimed_ms < ?`, now.UnixMilli(), processStart.UnixMilli())
	if res.Error != nil {
		return 0, internal("resume webhook claims", res.Error)
	}
	return res.RowsAffected, nil
}

// WebhookWork is what the claimed deliveries need: their events' payloads
// (by event id) and their endpoints (by id; a deleted one is missing).
type WebhookWork struct {
	Payloads  map[string]string
	Endpoints map[string]*WebhookEndpoint
}

// WebhookWorkFor loads the payloads and endpoints of claimed deliveries
// (two queries).
func (s *Store) WebhookWorkFor(ctx context.Context, cs []ClaimedDelivery) (*WebhookWork, error) {
	w := &WebhookWork{Payloads: make(map[string]string, len(cs)), Endpoints: map[string]*WebhookEndpoint{}}
	if len(cs) == 0 {
		return w, nil
	}
	seenEv := make(map[string]bool, len(cs))
	seenEp := map[string]bool{}
	evIDs := make([]string, 0, len(cs))
	var epIDs []string
	for _, c := range cs {
		if !seenEv[c.EventID] {
			seenEv[c.EventID] = true
			evIDs = append(evIDs, c.EventID)
		}
		if !seenEp[c.EndpointID] {
			seenEp[c.EndpointID] = true
			epIDs = append(epIDs, c.EndpointID)
		}
	}
	var rows *sql.Rows
	var err error
	if s.db.Dialect == Postgres {
		rows, err = s.db.hotQuery(ctx, s.db.placeholders(payloadsPG), evIDs)
	} else {
		list, _ := json.Marshal(evIDs)
		rows, err = s.db.hotQuery(ctx, payloadsSQLite, string(list))
	}
	if err != nil {
		return nil, internal("webhook payloads", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, payload string
		if err := rows.Scan(&id, &payload); err != nil {
			return nil, internal("webhook payloads", err)
		}
		w.Payloads[id] = payload
	}
	if err := rows.Err(); err != nil {
		return nil, internal("webhook payloads", err)
	}
	var eps []WebhookEndpoint
	if err := s.gorm(ctx).Where("id IN ?", epIDs).Find(&eps).Error; err != nil {
		return nil, internal("webhook endpoints", err)
	}
	for i := range eps {
		w.Endpoints[eps[i].ID] = &eps[i]
	}
	return w, nil
}

// DeliveryOutcome is what one claimed delivery came to.
type DeliveryOutcome struct {
	Claim ClaimedDelivery
	// Release gives the claim back without an attempt: the delivery is
	// due again at DueAt.
	Release bool
	DueAt   time.Time
	// Attempt is the attempt made (nil: none, e.g. the endpoint is
	// disabled); Result the delivery's new state.
	Attempt *WebhookAttempt
	Result  AttemptResult
	// RetryAt is when a retrying delivery is due (wall clock).
	RetryAt time.Time
}

// RecordWebhookOutcomesTx writes a batch of outcomes in tx: the attempts
// in one statement and the deliveries' new states in another (one prepared
// statement per row on SQLite).
func (s *Store) RecordWebhookOutcomesTx(ctx context.Context, tx *gorm.DB, outs []DeliveryOutcome) error {
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	now := s.Now()
	var done []DeliveryOutcome
	for _, o := range outs {
		switch {
		case o.Release:
			if err := s.db.hotExecTx(ctx, sqlTx, s.db.placeholders(releaseDelivery), o.DueAt.UnixMilli(), o.Claim.ID, o.Claim.Lease); err != nil {
				return internal("release webhook delivery", err)
			}
		case o.Attempt == nil:
			err := tx.Model(&WebhookDelivery{}).Where("id = ? AND due_ms = ?", o.Claim.ID, o.Claim.Lease).Updates(map[string]any{
				"status": o.Result.Status, "last_error": o.Result.Error, "next_attempt_at": nil, "due_ms": nil, "claimed_ms": nil,
				"updated_at": now, "completed_at": now}).Error
			if err != nil {
				return internal("fail delivery", err)
			}
		default:
			done = append(done, o)
		}
	}
	if len(done) == 0 {
		return nil
	}
	if s.db.Dialect == Postgres {
		return s.recordOutcomesPG(ctx, sqlTx, done, now)
	}
	for _, o := range done {
		a := o.Attempt
		if err := s.db.hotExecTx(ctx, sqlTx, attemptSQLite, NewID(PrefixWebhookAttempt), o.Claim.ID, a.Attempt, a.StartedAt,
			a.StatusCode, a.LatencyMS, CleanAttemptBody([]byte(a.ResponseBody)), a.Error, o.Claim.ID); err != nil {
			return internal("record attempt", err)
		}
		due, completed := outcomeTimes(o, now)
		if err := s.db.hotExecTx(ctx, sqlTx, outcomeSQLite, o.Result.Status, a.Attempt, a.StatusCode, o.Result.Error,
			o.Result.NextAttemptAt, due, now, completed, o.Claim.ID, o.Claim.Lease); err != nil {
			return internal("update delivery", err)
		}
	}
	return nil
}

// outcomeTimes is the delivery's next due time (nil once finished) and
// completion time.
func outcomeTimes(o DeliveryOutcome, now time.Time) (due *int64, completed *time.Time) {
	if o.Result.Status.Terminal() {
		return nil, &now
	}
	ms := o.RetryAt.UnixMilli()
	return &ms, nil
}

func (s *Store) recordOutcomesPG(ctx context.Context, tx *sql.Tx, outs []DeliveryOutcome, now time.Time) error {
	n := len(outs)
	aID, dID, body, errs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	attempt, code, latency := make([]int32, n), make([]int32, n), make([]int32, n)
	started := make([]time.Time, n)
	lease, due := make([]int64, n), make([]*int64, n)
	status, lastErr := make([]string, n), make([]string, n)
	next := make([]*time.Time, n)
	for i, o := range outs {
		a := o.Attempt
		aID[i], dID[i], attempt[i], started[i] = NewID(PrefixWebhookAttempt), o.Claim.ID, int32(a.Attempt), a.StartedAt
		code[i], latency[i], body[i], errs[i] = int32(a.StatusCode), int32(a.LatencyMS), CleanAttemptBody([]byte(a.ResponseBody)), a.Error
		lease[i], status[i], lastErr[i], next[i] = o.Claim.Lease, string(o.Result.Status), o.Result.Error, o.Result.NextAttemptAt
		due[i], _ = outcomeTimes(o, now)
	}
	if err := s.db.hotExecTx(ctx, tx, s.db.placeholders(attemptsPG), aID, dID, attempt, started, code, latency, body, errs); err != nil {
		return internal("record attempts", err)
	}
	if err := s.db.hotExecTx(ctx, tx, s.db.placeholders(outcomesPG), now, now, dID, lease, status, attempt, code, lastErr, next, due); err != nil {
		return internal("update deliveries", err)
	}
	return nil
}

// hotExecTx runs a hot statement that returns no rows in tx.
func (db *DB) hotExecTx(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	st, err := db.prepared(ctx, query, true)
	if err != nil {
		return err
	}
	if st == nil {
		_, err = tx.ExecContext(ctx, query, args...)
	} else {
		_, err = tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}
