package models

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// ListenConn opens a PostgreSQL connection of its own, outside the pool,
// for LISTEN: a listening connection is held for as long as it listens,
// and notifications arrive on it only. The caller closes it.
func (db *DB) ListenConn(ctx context.Context) (*pgx.Conn, error) {
	if db.Dialect != Postgres {
		return nil, errors.New("models: LISTEN needs PostgreSQL")
	}
	return pgx.Connect(ctx, db.dsn)
}
