package models

// The campaign change feed (DESIGN §10 "Realtime", GET /campaigns/live).
//
// A transaction that changes a campaign (its row, its status, its stats
// counters) calls campaignChangedTx. The change reaches the watchers only
// once that transaction commits, and never when it rolls back:
//
//   - PostgreSQL: pg_notify inside the transaction (PostgreSQL delivers it
//     on commit, to every session listening, so every replica's watchers
//     see every replica's changes). Each Store keeps one listening
//     connection while it has watchers, reconnecting when it drops.
//   - SQLite (one process): the campaign ids are kept aside while the
//     transaction runs and published by the connection's commit hook
//     (dropped by its rollback hook). SQLite has one connection, so a
//     watcher re-reading the campaign waits for the commit to finish.
//
// Each Store fans the notices out to its watchers, coalescing bursts: a
// campaign changed many times within liveCoalesce is one notice, and a
// slow watcher gets each changed campaign once when it comes back, so
// writers never wait for watchers. Counter bumps (many a second while a
// campaign sends) go through campaignCountedTx, which on PostgreSQL also
// spares the NOTIFYs themselves (see there).
//
// What a watcher may miss: on PostgreSQL, the changes committed while its
// Store's listener reconnects (it reads them with the campaign's next
// change).

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	msqlite "modernc.org/sqlite"
)

// liveChannel is the PostgreSQL notification channel of campaign changes;
// the payload is the campaign id.
const liveChannel = "linkgate_campaigns"

// liveCoalesce is how long changes are gathered before they are told:
// one campaign yields at most 1s/liveCoalesce notices a second.
const liveCoalesce = 200 * time.Millisecond

// CampaignNotice says that a campaign changed; the watcher reads it again
// (in its own scope) to learn what it is now.
type CampaignNotice struct {
	CampaignID string
}

// campaignChangedTx tells the campaign's watchers (GET /campaigns/live)
// that it changed, once tx commits.
func (s *Store) campaignChangedTx(tx *gorm.DB, campaignID string) error {
	if s.db.Dialect == Postgres {
		if err := tx.Exec(`SELECT pg_notify(?, ?)`, liveChannel, campaignID).Error; err != nil {
			return internal("notify campaign change", err)
		}
		return nil
	}
	if _, inTx := tx.Statement.ConnPool.(*sql.Tx); !inTx {
		// Not in a transaction: the change is already committed.
		sqliteFeeds.publish(s.db.dsn, []string{campaignID})
		return nil
	}
	sqliteFeeds.pend(s.db.dsn, campaignID)
	return nil
}

// campaignCountedTx is campaignChangedTx for counter changes, which come
// many a second while a campaign sends. Every transaction that NOTIFYs
// takes PostgreSQL's notification lock at commit, one after the other, so
// on PostgreSQL a Store notifies from inside such transactions at most
// once per liveCoalesce per campaign; the bumps of the rest of the window
// are told by one notification sent when it ends, outside any transaction
// (after their short transactions have committed).
func (s *Store) campaignCountedTx(tx *gorm.DB, campaignID string) error {
	if s.db.Dialect == Postgres && !s.notify.due(campaignID, s.notifyLate) {
		return nil
	}
	return s.campaignChangedTx(tx, campaignID)
}

// notifyLate sends the window's trailing notifications.
func (s *Store) notifyLate(ids []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, id := range ids {
		// Best effort: a watcher that misses it sees the next change.
		_, _ = s.db.SQL.ExecContext(ctx, `SELECT pg_notify($1, $2)`, liveChannel, id)
	}
}

// notifyThrottle keeps when each campaign was last notified from inside
// a transaction, and the campaigns whose later bumps wait for a trailing
// notification. That one is sent once no bump was skipped for
// liveCoalesce (so the last bump's transaction has committed), and at the
// latest liveMaxWait after the first skipped one (so a campaign sending
// without pause is still told about every second).
type notifyThrottle struct {
	mu                  sync.Mutex
	last                map[string]time.Time
	trailing            map[string]struct{}
	firstSkip, lastSkip time.Time
	timer               *time.Timer
}

// liveMaxWait bounds how long a skipped bump waits for its notification.
const liveMaxWait = time.Second

func newNotifyThrottle() *notifyThrottle {
	return &notifyThrottle{last: map[string]time.Time{}, trailing: map[string]struct{}{}}
}

// due reports whether campaignID may be notified now; when not, it is
// notified later by send.
func (th *notifyThrottle) due(campaignID string, send func(ids []string)) bool {
	th.mu.Lock()
	defer th.mu.Unlock()
	now := time.Now()
	if at, ok := th.last[campaignID]; ok && now.Sub(at) < liveCoalesce {
		th.trailing[campaignID] = struct{}{}
		th.lastSkip = now
		if th.timer == nil {
			th.firstSkip = now
			th.timer = time.AfterFunc(liveCoalesce, func() { th.flush(send) })
		}
		return false
	}
	if len(th.last) > 1000 {
		for id, at := range th.last {
			if now.Sub(at) >= liveCoalesce {
				delete(th.last, id)
			}
		}
	}
	th.last[campaignID] = now
	return true
}

func (th *notifyThrottle) flush(send func(ids []string)) {
	th.mu.Lock()
	now := time.Now()
	if quiet := now.Sub(th.lastSkip); quiet < liveCoalesce && now.Sub(th.firstSkip) < liveMaxWait {
		th.timer = time.AfterFunc(liveCoalesce-quiet, func() { th.flush(send) })
		th.mu.Unlock()
		return
	}
	ids := make([]string, 0, len(th.trailing))
	for id := range th.trailing {
		ids = append(ids, id)
		th.last[id] = now
	}
	clear(th.trailing)
	th.timer = nil
	th.mu.Unlock()
	send(ids)
}

// WatchCampaigns returns a channel of campaign changes committed from now
// on (by this process, and on PostgreSQL by every process on the
// database). The channel is closed when ctx ends or the Store is closed.
// A watcher that does not keep up misses nothing but repetitions: each
// campaign that changed meanwhile is told once.
func (s *Store) WatchCampaigns(ctx context.Context) (<-chan CampaignNotice, error) {
	f := s.live
	sub := &liveSub{pending: map[string]struct{}{}, wake: make(chan struct{}, 1), out: make(chan CampaignNotice)}
	if err := f.acquire(ctx, s); errors.Is(err, errFeedClosed) {
		close(sub.out)
		return sub.out, nil
	} else if err != nil {
		return nil, err
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		f.release(s)
		close(sub.out)
		return sub.out, nil
	}
	f.subs[sub] = struct{}{}
	f.mu.Unlock()
	go func() {
		defer func() {
			f.mu.Lock()
			delete(f.subs, sub)
			f.mu.Unlock()
			f.release(s)
			close(sub.out)
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case <-f.done:
				return
			case <-sub.wake:
			}
			for _, id := range sub.take() {
				select {
				case sub.out <- CampaignNotice{CampaignID: id}:
				case <-ctx.Done():
					return
				case <-f.done:
					return
				}
			}
		}
	}()
	return sub.out, nil
}

// Close stops the Store's campaign feed: its watchers' channels close and
// its PostgreSQL listener disconnects. It does not close the database.
func (s *Store) Close() {
	s.live.close()
}

// liveFeed is one Store's fan-out of campaign changes to its watchers.
type liveFeed struct {
	mu     sync.Mutex
	subs   map[*liveSub]struct{}
	dirty  map[string]struct{}
	timer  *time.Timer
	closed bool
	done   chan struct{} // closed by close

	// Watcher count and the source feeding this feed: the PostgreSQL
	// listener, or the registration with the SQLite commit hooks.
	refs   int
	cancel context.CancelFunc // stops the listener
	ready  chan struct{}      // closed once the listener listens
	exited chan struct{}      // closed when the listener has stopped
}

func newLiveFeed() *liveFeed {
	return &liveFeed{subs: map[*liveSub]struct{}{}, dirty: map[string]struct{}{}, done: make(chan struct{})}
}

// liveSub is one watcher: the campaigns changed since it last took them.
type liveSub struct {
	mu      sync.Mutex
	pending map[string]struct{}
	wake    chan struct{}
	out     chan CampaignNotice
}

func (w *liveSub) add(ids []string) {
	w.mu.Lock()
	for _, id := range ids {
		w.pending[id] = struct{}{}
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *liveSub) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	ids := make([]string, 0, len(w.pending))
	for id := range w.pending {
		ids = append(ids, id)
	}
	clear(w.pending)
	return ids
}

// publish records changed campaigns; they are told to the watchers at
// the end of the current coalescing window.
func (f *liveFeed) publish(ids ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || len(f.subs) == 0 {
		return
	}
	for _, id := range ids {
		f.dirty[id] = struct{}{}
	}
	if f.timer == nil {
		f.timer = time.AfterFunc(liveCoalesce, f.flush)
	}
}

func (f *liveFeed) flush() {
	f.mu.Lock()
	ids := make([]string, 0, len(f.dirty))
	for id := range f.dirty {
		ids = append(ids, id)
	}
	clear(f.dirty)
	f.timer = nil
	subs := make([]*liveSub, 0, len(f.subs))
	for w := range f.subs {
		subs = append(subs, w)
	}
	f.mu.Unlock()
	for _, w := range subs {
		w.add(ids)
	}
}

// errFeedClosed: the Store is closed; its watchers get closed channels.
var errFeedClosed = errors.New("models: the campaign feed is closed")

// acquire counts a watcher in (errFeedClosed once the Store is closed); the first one starts the feed's source
// and, on PostgreSQL, waits until the listener listens, so that a change
// committed after WatchCampaigns returns is seen.
func (f *liveFeed) acquire(ctx context.Context, s *Store) error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return errFeedClosed
	}
	f.refs++
	if f.refs == 1 {
		if s.db.Dialect == Postgres {
			lctx, cancel := context.WithCancel(context.Background())
			f.cancel, f.ready, f.exited = cancel, make(chan struct{}), make(chan struct{})
			go f.listen(lctx, s.db.dsn, f.ready, f.exited)
		} else {
			sqliteFeeds.add(s.db.dsn, f)
		}
	}
	ready := f.ready
	f.mu.Unlock()
	if s.db.Dialect != Postgres {
		return nil
	}
	wait := time.NewTimer(15 * time.Second)
	defer wait.Stop()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		f.release(s)
		return internal("watch campaigns", ctx.Err())
	case <-wait.C:
		f.release(s)
		return internal("watch campaigns", errors.New("the campaign change listener could not connect"))
	}
}

// release counts a watcher out; the last one stops the source.
func (f *liveFeed) release(s *Store) {
	f.mu.Lock()
	f.refs--
	last := f.refs == 0
	cancel, exited := f.cancel, f.exited
	if last {
		f.cancel, f.ready, f.exited = nil, nil, nil
	}
	f.mu.Unlock()
	if !last {
		return
	}
	if s.db.Dialect != Postgres {
		sqliteFeeds.remove(s.db.dsn, f)
		return
	}
	if cancel != nil {
		cancel()
		<-exited
	}
}

func (f *liveFeed) close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	close(f.done)
	cancel, exited := f.cancel, f.exited
	if f.timer != nil {
		f.timer.Stop()
		f.timer = nil
	}
	f.mu.Unlock()
	if cancel != nil {
		cancel()
		<-exited
	}
}

// listen keeps a connection LISTENing on liveChannel until ctx ends,
// reconnecting (with a growing pause, up to 5 s) when it drops. ready is
// closed once the first LISTEN succeeded.
func (f *liveFeed) listen(ctx context.Context, dsn string, ready, exited chan struct{}) {
	defer close(exited)
	var once sync.Once
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		listening := func() {
			once.Do(func() { close(ready) })
			pause = 100 * time.Millisecond
		}
		_ = f.listenOnce(ctx, dsn, listening)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(pause*2, 5*time.Second)
	}
}

func (f *liveFeed) listenOnce(ctx context.Context, dsn string, listening func()) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+liveChannel); err != nil {
		return err
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		f.publish(n.Payload)
	}
}

// sqliteFeeds connects the SQLite connections' commit hooks to the feeds
// of the Stores on the same database file (by DSN).
var sqliteFeeds = &sqliteRegistry{dbs: map[string]*sqliteDB{}}

type sqliteRegistry struct {
	mu  sync.Mutex
	dbs map[string]*sqliteDB
}

// sqliteDB is one database file's watchers and the campaigns changed by
// its running transaction (SQLite runs one at a time: one connection).
type sqliteDB struct {
	feeds   map[*liveFeed]struct{}
	pending []string
}

func (r *sqliteRegistry) add(dsn string, f *liveFeed) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.dbs[dsn]
	if d == nil {
		d = &sqliteDB{feeds: map[*liveFeed]struct{}{}}
		r.dbs[dsn] = d
	}
	d.feeds[f] = struct{}{}
}

func (r *sqliteRegistry) remove(dsn string, f *liveFeed) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d := r.dbs[dsn]; d != nil {
		delete(d.feeds, f)
		if len(d.feeds) == 0 {
			delete(r.dbs, dsn)
		}
	}
}

// pend keeps a change of the running transaction for its commit; with no
// watcher on the database there is nothing to keep.
func (r *sqliteRegistry) pend(dsn, campaignID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d := r.dbs[dsn]; d != nil {
		d.pending = append(d.pending, campaignID)
	}
}

// committed publishes the committed transaction's changes.
func (r *sqliteRegistry) committed(dsn string) {
	r.mu.Lock()
	d := r.dbs[dsn]
	if d == nil || len(d.pending) == 0 {
		r.mu.Unlock()
		return
	}
	ids := d.pending
	d.pending = nil
	feeds := make([]*liveFeed, 0, len(d.feeds))
	for f := range d.feeds {
		feeds = append(feeds, f)
	}
	r.mu.Unlock()
	for _, f := range feeds {
		f.publish(ids...)
	}
}

func (r *sqliteRegistry) publish(dsn string, ids []string) {
	r.mu.Lock()
	d := r.dbs[dsn]
	var feeds []*liveFeed
	if d != nil {
		for f := range d.feeds {
			feeds = append(feeds, f)
		}
	}
	r.mu.Unlock()
	for _, f := range feeds {
		f.publish(ids...)
	}
}

// rolledBack forgets the rolled-back transaction's changes.
func (r *sqliteRegistry) rolledBack(dsn string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d := r.dbs[dsn]; d != nil {
		d.pending = nil
	}
}

// Every SQLite connection of the process reports its commits and
// rollbacks to sqliteFeeds. The hooks run inside SQLite: they only move
// ids between maps.
func init() {
	msqlite.RegisterConnectionHook(func(conn msqlite.ExecQuerierContext, dsn string) error {
		hr, ok := conn.(msqlite.HookRegisterer)
		if !ok {
			return nil
		}
		hr.RegisterCommitHook(func() int32 {
			sqliteFeeds.committed(dsn)
			webhookWakes.committed(dsn) // webhook_wake.go
			return 0
		})
		hr.RegisterRollbackHook(func() {
			sqliteFeeds.rolledBack(dsn)
			webhookWakes.rolledBack(dsn)
		})
		return nil
	})
}

// campaignEnded lists the terminal campaign statuses.
func campaignEnded() []CampaignStatus {
	var out []CampaignStatus
	for _, st := range CampaignStatuses {
		if st.Terminal() {
			out = append(out, st)
		}
	}
	return out
}

// CampaignLiveView is one campaign as the live stream shows it: the
// campaign and its sent, delivered and (human) clicks counters.
type CampaignLiveView struct {
	CampaignView
	Sent      int64 `json:"sent"`
	Delivered int64 `json:"delivered"`
	Clicks    int64 `json:"clicks"`
}

// CheckCampaignQuery reports what ListCampaigns would refuse in q (a
// client outside the scope, an unknown status), so that a stream can
// refuse it before it starts.
func (s *Store) CheckCampaignQuery(ctx context.Context, sc Scope, q CampaignQuery) error {
	_, err := s.campaignFilter(ctx, sc, q)
	return err
}

// LiveCampaign returns the campaign with id as the live stream shows it
// when it is visible in scope and matches q's filters (as ListCampaigns
// reads them); ok is false otherwise.
func (s *Store) LiveCampaign(ctx context.Context, sc Scope, q CampaignQuery, id string) (view *CampaignLiveView, ok bool, err error) {
	tx, err := s.campaignFilter(ctx, sc, q)
	if err != nil {
		return nil, false, err
	}
	var rows []*Campaign
	if err := tx.Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return nil, false, internal("live campaign", err)
	}
	if len(rows) == 0 {
		return nil, false, nil
	}
	views, err := s.CampaignLiveViews(ctx, rows)
	if err != nil {
		return nil, false, err
	}
	return &views[0], true, nil
}

// CampaignLiveViews returns the campaigns as the live stream shows them,
// in order, reading their variants and counters in one query each.
func (s *Store) CampaignLiveViews(ctx context.Context, cs []*Campaign) ([]CampaignLiveView, error) {
	out := make([]CampaignLiveView, len(cs))
	if len(cs) == 0 {
		return out, nil
	}
	if err := fillVariantsTx(s.gorm(ctx), cs); err != nil {
		return nil, err
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	var rows []CampaignStatsRow
	if err := s.gorm(ctx).Where("campaign_id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, internal("campaign stats", err)
	}
	stats := make(map[string]CampaignStatsRow, len(rows))
	for _, r := range rows {
		stats[r.CampaignID] = r
	}
	for i, c := range cs {
		st := stats[c.ID]
		out[i] = CampaignLiveView{CampaignView: c.View(), Sent: st.Sent, Delivered: st.Delivered, Clicks: st.Clicks}
	}
	return out, nil
}

// CampaignWatchers is how many watchers the Store's feed has now.
func (s *Store) CampaignWatchers() int {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	return len(s.live.subs)
}
