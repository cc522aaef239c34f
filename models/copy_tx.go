package models

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// copyRows writes rows (each one value per column of cols) into table
// with PostgreSQL's COPY, inside the transaction it came with (txWithCopy):
// they commit or roll back with the rest of it. COPY has no ON CONFLICT:
// a row whose key is taken fails the statement, and so the transaction.
type copyRows func(ctx context.Context, table string, cols []string, rows [][]any) error

// txWithCopy is Tx on one connection of the pool, giving fn a copyRows on
// that connection as well. On SQLite, or a pool whose connections are not
// pgx's (never with Open's), it is Tx and copyRows is nil.
//
// COPY stores a batch of rows for about two thirds of the server's CPU
// that INSERT … SELECT FROM unnest(…) costs it (9 columns, 1,300 rows;
// cmd/lgredirect's clicks): PostgreSQL reads the rows straight from the
// wire, with no arrays to build and unnest.
func (s *Store) txWithCopy(ctx context.Context, fn func(tx *gorm.DB, sqlTx *sql.Tx, cp copyRows) error) error {
	noCopy := func() error {
		return s.Tx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error { return fn(tx, sqlTx, nil) })
	}
	if s.db.Dialect != Postgres {
		return noCopy()
	}
	conn, err := s.db.SQL.Conn(ctx)
	if err != nil {
		return internal("open a transaction", err)
	}
	defer conn.Close()
	if err := conn.Raw(func(dc any) error {
		if _, ok := dc.(*stdlib.Conn); !ok {
			return errNotPgx
		}
		return nil
	}); err != nil {
		return noCopy()
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return internal("open a transaction", err)
	}
	done := false
	defer func() {
		if !done {
			_ = sqlTx.Rollback()
		}
	}()
	// As gorm.DB.Begin makes its transaction's handle.
	tx := s.gorm(ctx).Session(&gorm.Session{Context: ctx, NewDB: true})
	tx.Statement.ConnPool = sqlTx
	// database/sql's transaction and this COPY take turns on the
	// connection: Raw holds it for the call, as each statement of the
	// transaction does for its own.
	cp := func(ctx context.Context, table string, cols []string, rows [][]any) error {
		return conn.Raw(func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
			return err
		})
	}
	if err := fn(tx, sqlTx, cp); err != nil {
		return txError(err)
	}
	if err := sqlTx.Commit(); err != nil {
		return internal("commit", err)
	}
	done = true
	return nil
}
