package models

// Webhook wake-ups (issue 18): the delivery loops sleep until something is
// due rather than poll hard. What wakes them:
//
//   - PostgreSQL: triggers on webhook_events and webhook_deliveries
//     (migration 0023) NOTIFY linkgate_webhooks with the table's name in
//     the inserting transaction, so every replica's listener hears of it
//     at commit and never of a rolled-back insert. ListenWebhooks keeps a
//     dedicated pgx connection (beside GORM's pool) LISTENing.
//   - SQLite (one process): writing an event marks the running
//     transaction; the connection's commit hook wakes the listeners and
//     the rollback hook forgets the mark.
//
// Wake-ups may be lost (a listener reconnecting) or spurious: the loops
// also poll, less often.

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// webhookChannel is the PostgreSQL channel; the payload is the table.
const webhookChannel = "linkgate_webhooks"

// What a wake-up is about: the table a committed transaction inserted into.
const (
	WakeEvents     = "webhook_events"
	WakeDeliveries = "webhook_deliveries"
)

// ListenWebhooks calls wake with WakeEvents or WakeDeliveries when a
// transaction that inserted into that table commits, until ctx ends. It
// returns a channel closed once it listens (on PostgreSQL after the first
// LISTEN; at once on SQLite). After a PostgreSQL reconnection it calls
// wake with both, since what committed meanwhile was not heard. wake must
// not block.
func (s *Store) ListenWebhooks(ctx context.Context, wake func(table string)) <-chan struct{} {
	ready := make(chan struct{})
	if s.db.Dialect != Postgres {
		id := webhookWakes.add(s.db.dsn, wake)
		close(ready)
		go func() {
			<-ctx.Done()
			webhookWakes.remove(s.db.dsn, id)
		}()
		return ready
	}
	go func() {
		var once sync.Once
		pause := 100 * time.Millisecond
		for ctx.Err() == nil {
			_ = listenWebhooksOnce(ctx, s.db.dsn, func() {
				once.Do(func() { close(ready) })
				pause = 100 * time.Millisecond
				wake(WakeEvents)
				wake(WakeDeliveries)
			}, wake)
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
			pause = min(pause*2, 5*time.Second)
		}
	}()
	return ready
}

func listenWebhooksOnce(ctx context.Context, dsn string, listening func(), wake func(string)) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+webhookChannel); err != nil {
		return err
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		wake(n.Payload)
	}
}

// webhookWakes connects SQLite's commit hooks to the webhook listeners of
// the process, by database (DSN).
var webhookWakes = &wakeRegistry{dbs: map[string]*wakeDB{}}

type wakeRegistry struct {
	mu   sync.Mutex
	next int
	dbs  map[string]*wakeDB
}

type wakeDB struct {
	listeners map[int]func(string)
	pending   map[string]struct{}
}

func (r *wakeRegistry) add(dsn string, wake func(string)) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.dbs[dsn]
	if d == nil {
		d = &wakeDB{listeners: map[int]func(string){}, pending: map[string]struct{}{}}
		r.dbs[dsn] = d
	}
	r.next++
	d.listeners[r.next] = wake
	return r.next
}

func (r *wakeRegistry) remove(dsn string, id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d := r.dbs[dsn]; d != nil {
		delete(d.listeners, id)
		if len(d.listeners) == 0 {
			delete(r.dbs, dsn)
		}
	}
}

// pend marks the running transaction (or the next autocommitted
// statement) as inserting into table; nothing is kept without listeners.
func (r *wakeRegistry) pend(dsn, table string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d := r.dbs[dsn]; d != nil {
		d.pending[table] = struct{}{}
	}
}

func (r *wakeRegistry) committed(dsn string) {
	r.mu.Lock()
	d := r.dbs[dsn]
	if d == nil || len(d.pending) == 0 {
		r.mu.Unlock()
		return
	}
	tables := make([]string, 0, len(d.pending))
	for t := range d.pending {
		tables = append(tables, t)
	}
	clear(d.pending)
	wakes := make([]func(string), 0, len(d.listeners))
	for _, w := range d.listeners {
		wakes = append(wakes, w)
	}
	r.mu.Unlock()
	for _, w := range wakes {
		for _, t := range tables {
			w(t)
		}
	}
}

func (r *wakeRegistry) rolledBack(dsn string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d := r.dbs[dsn]; d != nil {
		clear(d.pending)
	}
}
