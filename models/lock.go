package models

import (
	"context"
	"database/sql/driver"
	"hash/fnv"
	"sync"
)

// lockStripes is how many in-process mutexes the resource locks share
// (keys hash onto them, so memory stays fixed whatever the keys).
const lockStripes = 256

// Locked runs fn while holding the lock named key, the one way linkgate
// serialises an operation that changes a provider's state for one
// resource (a Messaging Service: key "messaging_service:" + its SID).
//
// Contract:
//   - At most one fn per key runs at a time across the goroutines of this
//     process (a striped mutex; unrelated keys may share a stripe and wait
//     for each other, never deadlock) and, on PostgreSQL, across every
//     process on the database (a session advisory lock on a hash of the
//     key, on a connection held for the call).
//   - The lock is held across fn's provider calls, so fn reads the
//     resource's state inside it, calls the provider and records the
//     outcome before anyone else may look.
//   - fn must not take another key's lock (one key per operation, so no
//     lock-order deadlock) and opens its own short transactions: no
//     database transaction spans the provider calls (SQLite has one
//     writer).
func (s *Store) Locked(ctx context.Context, key string, fn func(ctx context.Context) error) error {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	sum := h.Sum64()
	mu := &stripes[sum%lockStripes]
	mu.Lock()
	defer mu.Unlock()
	if s.db.Dialect != Postgres {
		return fn(ctx)
	}
	conn, err := s.db.SQL.Conn(ctx)
	if err != nil {
		return internal("lock "+key, err)
	}
	defer func() { _ = conn.Close() }()
	id := int64(sum)
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, id); err != nil {
		return internal("lock "+key, err)
	}
	defer func() {
		// A session lock outlives the connection's return to the pool:
		// give it back on a context that is not cancelled.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, id); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // drop it, and the lock with it
		}
	}()
	return fn(ctx)
}

// stripes are the in-process mutexes of the resource locks, one set for
// the process so that every Store on a database shares them.
var stripes [lockStripes]sync.Mutex
