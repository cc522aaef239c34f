package workflows

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"

	"github.com/linkgate/linkgate/models"
)

// listeningDriver is River's database/sql driver with a listener, so that
// River on PostgreSQL is woken by LISTEN/NOTIFY instead of polling.
//
// riverdatabasesql has no listener (database/sql cannot LISTEN), and a
// River client without one runs poll-only: a job inserted by a step's
// transaction waits for the next fetch poll of some worker. Yet its
// inserts already notify: River calls pg_notify("<schema>.river_insert")
// in the inserting transaction whenever the driver supports listen/notify
// (riverdatabasesql does), and the leader's scheduler does the same for
// jobs it makes available. Those notifications are delivered at commit to
// every connection listening, in every process. So a listener of our own
// — one pgx connection outside GORM's pool — is all River's notifier
// needs: it wakes each process's producers on inserts (and serves leader
// elections and queue controls), while inserts and completions stay in
// GORM's transactions on *sql.Tx. (A second client on River's riverpgxv5
// driver would work the same rows and hear the same notifications, but
// its Client[pgx.Tx] cannot take GORM's *sql.Tx for InsertTx, so each
// process would run two clients; and the module proxy has no riverpgxv5
// v0.34.0 to pin beside the other River modules.)
type listeningDriver struct {
	*riverdatabasesql.Driver
	db *models.DB

	mu       sync.Mutex
	listener *pgListener // the last one River asked for
}

func newListeningDriver(db *models.DB) *listeningDriver {
	return &listeningDriver{Driver: riverdatabasesql.New(db.SQL), db: db}
}

// SupportsListener implements riverdriver.Driver.
func (d *listeningDriver) SupportsListener() bool { return true }

// GetListener implements riverdriver.Driver.
func (d *listeningDriver) GetListener(params *riverdriver.GetListenenerParams) riverdriver.Listener {
	l := &pgListener{db: d.db, schema: params.Schema, topics: map[string]bool{}}
	d.mu.Lock()
	d.listener = l
	d.mu.Unlock()
	return l
}

// listening reports whether River's listener is listening on topic
// ("river_insert").
func (d *listeningDriver) listening(topic string) bool {
	d.mu.Lock()
	l := d.listener
	d.mu.Unlock()
	if l == nil {
		return false
	}
	l.topicsMu.Lock()
	defer l.topicsMu.Unlock()
	return l.topics[topic]
}

// pgListener is a riverdriver.Listener on a pgx connection of its own.
// Topics are qualified with the schema as River's pg_notify qualifies
// them: the configured one, or the connection's current_schema().
type pgListener struct {
	db     *models.DB
	schema string

	mu           sync.Mutex
	conn         *pgx.Conn
	prefix       string
	afterConnect string

	topicsMu sync.Mutex
	topics   map[string]bool // listened on, on the current connection
}

func (l *pgListener) setTopic(topic string, on bool) {
	l.topicsMu.Lock()
	defer l.topicsMu.Unlock()
	if topic == "" {
		clear(l.topics)
		return
	}
	l.topics[topic] = on
}

func (l *pgListener) Close(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return nil
	}
	err := l.conn.Close(ctx)
	l.conn = nil
	l.setTopic("", false)
	return err
}

func (l *pgListener) Connect(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		return errors.New("workflows: listener already connected")
	}
	conn, err := l.db.ListenConn(ctx)
	if err != nil {
		return err
	}
	schema := l.schema
	if schema == "" {
		if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			_ = conn.Close(ctx)
			return err
		}
	}
	if l.afterConnect != "" {
		if _, err := conn.Exec(ctx, l.afterConnect); err != nil {
			_ = conn.Close(ctx)
			return err
		}
	}
	l.conn, l.prefix = conn, schema+"."
	return nil
}

func (l *pgListener) Listen(ctx context.Context, topic string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return errors.New("workflows: listener not connected")
	}
	if _, err := l.conn.Exec(ctx, "LISTEN "+pgx.Identifier{l.prefix + topic}.Sanitize()); err != nil {
		return err
	}
	l.setTopic(topic, true)
	return nil
}

func (l *pgListener) Ping(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return errors.New("workflows: listener not connected")
	}
	return l.conn.Ping(ctx)
}

func (l *pgListener) Schema() string { return l.schema }

func (l *pgListener) SetAfterConnectExec(sql string) { l.afterConnect = sql }

func (l *pgListener) Unlisten(ctx context.Context, topic string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return errors.New("workflows: listener not connected")
	}
	if _, err := l.conn.Exec(ctx, "UNLISTEN "+pgx.Identifier{l.prefix + topic}.Sanitize()); err != nil {
		return err
	}
	l.setTopic(topic, false)
	return nil
}

// WaitForNotification holds the connection until a notification comes or
// ctx ends (River's notifier cancels the wait before it listens or
// unlistens).
func (l *pgListener) WaitForNotification(ctx context.Context) (*riverdriver.Notification, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return nil, errors.New("workflows: listener not connected")
	}
	n, err := l.conn.WaitForNotification(ctx)
	if err != nil {
		return nil, err
	}
	return &riverdriver.Notification{Topic: strings.TrimPrefix(n.Channel, l.prefix), Payload: n.Payload}, nil
}

// wakeTx makes sure the workers hear of the jobs just enqueued in tx (or
// on the pool, after their own transaction committed). River
// notifies on insert too, but drops a queue's notification when it sent
// one less than FetchCooldown before (its notify limiter), counting on the
// next poll; steps that follow each other quickly would then wait for
// that poll. This notification, sent at commit like River's, is River's
// own (topic "<schema>.river_insert", payload {"queue": ...}), so River's
// producers fetch on it, debounced by their FetchCooldown. One
// notification per queue that got an available job.
func (e *Engine) wakeTx(ctx context.Context, tx execer, res ...*rivertype.JobInsertResult) error {
	if !e.wake {
		return nil
	}
	var queues []string
	for _, r := range res {
		if r == nil || r.Job == nil || r.UniqueSkippedAsDuplicate || r.Job.State != rivertype.JobStateAvailable ||
			slices.Contains(queues, r.Job.Queue) {
			continue
		}
		queues = append(queues, r.Job.Queue)
		_, err := tx.ExecContext(ctx, `SELECT pg_notify(current_schema() || '.river_insert', $1)`,
			fmt.Sprintf(`{"queue": %q}`, r.Job.Queue))
		if err != nil {
			return fmt.Errorf("wake the workers: %w", err)
		}
	}
	return nil
}

// execer is a transaction or the pool.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}
