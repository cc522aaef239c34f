package models

// The API-key cache. Authenticate runs on every API request; reading the
// key's row each time was a query per request (11 % of the domain list's
// time, cmd/lgload). Keys are kept for keyCacheTTL in the DB's memory,
// keyed by the key's SHA-256 (the raw key is never kept), and dropped at
// once when a key is revoked, rotated or deleted:
//
//   - in this process, by the Store that changed it, right after its
//     transaction commits (before the API answers), every Store on the DB
//     sharing the cache;
//   - on PostgreSQL, in every other process too: the changing transaction
//     sends NOTIFY linkgate_api_keys (delivered on commit), and each DB
//     keeps a connection LISTENing that empties its cache on a notice.
//     While that listener is not connected (starting, or reconnecting after
//     a drop) the cache is not used, and it is emptied whenever the
//     listener (re)connects, so no notice can be missed unnoticed.
//   - on SQLite another process (the CLI) has no way to tell: its change
//     is seen within keyCacheTTL.
//
// A read that races with an invalidation is not cached (the generation
// check in put).

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// keyCacheTTL bounds how long a cached key is believed.
const keyCacheTTL = 30 * time.Second

// keyChannel is the PostgreSQL channel of API-key changes.
const keyChannel = "linkgate_api_keys"

type keyCache struct {
	mu   sync.Mutex
	m    map[string]keyEntry // by key hash
	gen  uint64              // bumped by every invalidation
	live bool                // PostgreSQL: the listener is connected

	start   sync.Once
	cancel  context.CancelFunc
	exited  chan struct{}
	stopped bool
}

type keyEntry struct {
	key APIKey
	at  time.Time // when it was read (monotonic clock)
}

// keyCacheMax bounds the entries; past it the cache starts afresh.
const keyCacheMax = 10000

// get returns the cached key for hash and the generation to hand to put
// after reading it on a miss.
func (c *keyCache) get(hash string, usable bool) (APIKey, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !usable {
		return APIKey{}, false, c.gen
	}
	e, ok := c.m[hash]
	if !ok || time.Since(e.at) >= keyCacheTTL {
		return APIKey{}, false, c.gen
	}
	return e.key, true, c.gen
}

// put keeps k, read at generation gen, unless an invalidation came since.
func (c *keyCache) put(hash string, k APIKey, gen uint64, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= keyCacheMax {
		c.m = map[string]keyEntry{}
	}
	c.m[hash] = keyEntry{key: k, at: at}
}

// touch records a key's last use in its cached copy.
func (c *keyCache) touch(hash string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[hash]; ok {
		e.key.LastUsedAt = &at
		c.m[hash] = e
	}
}

// purge forgets every key.
func (c *keyCache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

func (c *keyCache) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = live
	c.gen++
	clear(c.m)
}

// usable reports whether the cache may answer: always on SQLite; on
// PostgreSQL while the listener is connected (it is started on first use).
func (db *DB) keyCacheUsable() bool {
	if db.Dialect != Postgres {
		return true
	}
	c := &db.keys
	c.start.Do(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.stopped {
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		c.cancel, c.exited = cancel, make(chan struct{})
		go c.listen(ctx, db.dsn)
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}

// stopKeyListener ends the listener (DB.Close).
func (db *DB) stopKeyListener() {
	c := &db.keys
	c.mu.Lock()
	c.stopped = true
	cancel, exited := c.cancel, c.exited
	c.mu.Unlock()
	if cancel != nil {
		cancel()
		<-exited
	}
}

// listen keeps a connection LISTENing on keyChannel until ctx ends,
// reconnecting with a growing pause (up to 5 s) when it drops.
func (c *keyCache) listen(ctx context.Context, dsn string) {
	defer close(c.exited)
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		if err := c.listenOnce(ctx, dsn, func() { pause = 100 * time.Millisecond }); err != nil {
			c.setLive(false)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(pause*2, 5*time.Second)
	}
}

func (c *keyCache) listenOnce(ctx context.Context, dsn string, connected func()) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+keyChannel); err != nil {
		return err
	}
	connected()
	c.setLive(true) // empties the cache: changes made before now are read afresh
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		c.purge()
	}
}

// keysChangedTx tells every process's cache that keys changed, once tx
// commits (PostgreSQL); the caller purges this process's cache with
// keysChanged after the commit.
func (s *Store) keysChangedTx(tx *gorm.DB) error {
	if s.db.Dialect != Postgres {
		return nil
	}
	return internal("notify key change", tx.Exec(`SELECT pg_notify(?, '')`, keyChannel).Error)
}

// keysChanged empties this process's key cache.
func (s *Store) keysChanged() { s.db.keys.purge() }
