package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Hot statements: the ones the redirector and the link writer run many
// times a second are prepared once per connection and kept, rather than
// parsed on every call (parsing was a sixth of the redirector's CPU on
// SQLite, cmd/lgredirect). A statement of many rows or many values comes
// in a few power-of-two sizes so that a few texts cover every batch.
//
// The cache lives on the DB (every Store on it shares the statements).
// Preparing takes a connection of the pool; on SQLite, whose only
// connection a running transaction holds, a statement first met inside a
// transaction runs unprepared until Prepare (or a call outside a
// transaction) has prepared it: Store.PrepareHot prepares them all.

// hotMaxRows is the most rows (or values) one hot statement takes.
const hotMaxRows = 64

type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// prepared returns the cached statement for query (in the dialect's
// placeholders), preparing it when that cannot wait on the transaction
// the caller holds (inTx); nil means "run it unprepared".
func (db *DB) prepared(ctx context.Context, query string, inTx bool) (*sql.Stmt, error) {
	db.stmts.mu.Lock()
	st := db.stmts.m[query]
	db.stmts.mu.Unlock()
	if st != nil || (inTx && db.Dialect == SQLite) {
		return st, nil
	}
	st, err := db.SQL.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if old := db.stmts.m[query]; old != nil {
		_ = st.Close()
		return old, nil
	}
	if db.stmts.m == nil {
		db.stmts.m = map[string]*sql.Stmt{}
	}
	db.stmts.m[query] = st
	return st, nil
}

// isPrepared reports whether query is in the cache.
func (db *DB) isPrepared(query string) bool {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	return db.stmts.m[query] != nil
}

// placeholders turns the ?s of query into the dialect's ($1, $2, … on
// PostgreSQL). Hot statements hold no other question marks.
func (db *DB) placeholders(query string) string {
	if db.Dialect != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// hotQuery runs a hot SELECT outside any transaction.
func (db *DB) hotQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := db.prepared(ctx, query, false)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// hotQueryTx runs a hot statement that returns rows in tx.
func (db *DB) hotQueryTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	st, err := db.prepared(ctx, query, true)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return tx.QueryContext(ctx, query, args...)
	}
	// The transaction's statement is released when the transaction ends.
	return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
}

// sqlTxOf is the database/sql transaction under a GORM one.
func sqlTxOf(tx *gorm.DB) (*sql.Tx, error) {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, errors.New("models: not in a transaction")
	}
	return sqlTx, nil
}

// rowsInsert is a multi-row INSERT of one table's columns, written in
// hot statements of power-of-two sizes.
type rowsInsert struct {
	table string
	cols  []string
	// pgTypes are the columns' PostgreSQL types ("text" or "timestamptz"):
	// there the rows go in as one array per column (unnest), one
	// statement and one round trip for any number of rows.
	pgTypes []string
	// suffix follows the VALUES list (ON CONFLICT …, RETURNING …).
	suffix string
	// oneRow: on SQLite, one prepared one-row INSERT per row rather than
	// power-of-two many-row ones. A many-row INSERT opens a statement
	// journal whose allocations cost the redirector's clicks more than
	// the calls (cmd/lgredirect's profile); links with RETURNING go
	// faster many rows at a time (BenchmarkTrackMessages: about 2.4× the rate).
	oneRow bool
	// orIgnore: on SQLite, INSERT OR IGNORE (a row whose key is taken is
	// skipped): a many-row statement then cannot abort halfway and needs
	// no statement journal.
	orIgnore bool
	// maxRows caps the rows of one statement on SQLite (0: hotMaxRows).
	// The driver looks each parameter up by scanning the arguments from
	// the first, so binding a statement of v values costs v²/2 steps: a
	// smaller statement binds in less per row than its extra call costs.
	maxRows int
	// row is one row's VALUES tuple on SQLite (default: a ? per column).
	// A literal in it stands for a column every row of the statement
	// shares (clickShape): one value fewer to bind a row.
	row string
}

// text is the statement for n rows in db's dialect (any n on
// PostgreSQL).
func (ins rowsInsert) text(db *DB, n int) string {
	var b strings.Builder
	if db.Dialect == Postgres {
		b.WriteString("INSERT INTO ")
		b.WriteString(ins.table)
		b.WriteString(" (")
		b.WriteString(strings.Join(ins.cols, ", "))
		b.WriteString(") SELECT * FROM unnest(")
		for i, t := range ins.pgTypes {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d::%s[]", i+1, t)
		}
		b.WriteString(")")
		b.WriteString(ins.suffix)
		return b.String()
	}
	if ins.orIgnore {
		b.WriteString("INSERT OR IGNORE INTO ")
	} else {
		b.WriteString("INSERT INTO ")
	}
	b.WriteString(ins.table)
	b.WriteString(" (")
	b.WriteString(strings.Join(ins.cols, ", "))
	b.WriteString(") VALUES ")
	one := ins.row
	if one == "" {
		one = "(" + strings.Repeat("?, ", len(ins.cols)-1) + "?)"
	}
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	b.WriteString(ins.suffix)
	return db.placeholders(b.String())
}

// capRows is the most rows one SQLite statement of ins takes.
func (ins rowsInsert) capRows() int {
	if ins.maxRows > 0 {
		return min(ins.maxRows, hotMaxRows)
	}
	return hotMaxRows
}

// chunk is the largest power of two not above n or hotMaxRows.
func chunk(n int) int {
	c := 1
	for c*2 <= n && c*2 <= hotMaxRows {
		c *= 2
	}
	return c
}

// insertChunk is how many of n rows one INSERT writes: on PostgreSQL
// all (unnest); on SQLite one when ins.oneRow and that statement is
// prepared, else the largest power of two that fits.
func (ins rowsInsert) insertChunk(db *DB, n int) int {
	switch {
	case db.Dialect == Postgres:
		return n
	case ins.oneRow && db.isPrepared(ins.text(db, 1)):
		return 1
	default:
		return chunk(min(n, ins.capRows()))
	}
}

// runTx writes rows (each len(cols) values) in tx; scan, when not nil,
// reads each row the suffix's RETURNING gives. Each statement size is
// bound to tx once per call (not once per chunk: on SQLite the one-row
// insert runs once a row).
func (ins rowsInsert) runTx(ctx context.Context, db *DB, tx *sql.Tx, rows [][]any, scan func(*sql.Rows) error) error {
	args := make([]any, 0, len(ins.cols))
	var bound *sql.Stmt // the statement of boundN rows, in tx
	boundN := 0
	defer func() {
		if bound != nil {
			_ = bound.Close()
		}
	}()
	query, textN := "", 0 // the statement text of textN rows
	for len(rows) > 0 {
		n := ins.insertChunk(db, len(rows))
		if db.Dialect == Postgres {
			var err error
			if args, err = ins.columns(rows[:n]); err != nil {
				return err
			}
		} else {
			args = args[:0]
			for _, r := range rows[:n] {
				args = append(args, r...)
			}
		}
		if n != textN {
			query, textN = ins.text(db, n), n
		}
		if n != boundN {
			if bound != nil {
				_ = bound.Close()
				bound = nil
			}
			st, err := db.prepared(ctx, query, true)
			if err != nil {
				return err
			}
			if st != nil {
				bound, boundN = tx.StmtContext(ctx, st), n
			} else {
				boundN = 0
			}
		}
		if scan == nil {
			var err error
			if bound != nil {
				_, err = bound.ExecContext(ctx, args...)
			} else {
				_, err = tx.ExecContext(ctx, query, args...)
			}
			if err != nil {
				return err
			}
			rows = rows[n:]
			continue
		}
		var rs *sql.Rows
		var err error
		if bound != nil {
			rs, err = bound.QueryContext(ctx, args...)
		} else {
			rs, err = tx.QueryContext(ctx, query, args...)
		}
		if err != nil {
			return err
		}
		for rs.Next() {
			if err := scan(rs); err != nil {
				_ = rs.Close()
				return err
			}
		}
		if err := rs.Close(); err != nil {
			return err
		}
		if err := rs.Err(); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// columns turns rows into one array per column for unnest: text
// columns as []string, or []*string (nil for NULL) when a value is a
// *string, timestamptz as []time.Time. (pgx encodes a []string without
// reflection and a []*string with it, per value.)
func (ins rowsInsert) columns(rows [][]any) ([]any, error) {
	out := make([]any, len(ins.cols))
	for j, t := range ins.pgTypes {
		switch t {
		case "text":
			vals := make([]string, len(rows))
			nullable := false
			for i, r := range rows {
				switch v := r[j].(type) {
				case string:
					vals[i] = v
				case *string:
					nullable = true
				default:
					return nil, fmt.Errorf("models: %s.%s: %T is not text", ins.table, ins.cols[j], v)
				}
			}
			if !nullable {
				out[j] = vals
				continue
			}
			col := make([]*string, len(rows))
			for i, r := range rows {
				if v, ok := r[j].(*string); ok {
					col[i] = v
				} else {
					col[i] = &vals[i]
				}
			}
			out[j] = col
		case "timestamptz":
			col := make([]time.Time, len(rows))
			for i, r := range rows {
				v, ok := r[j].(time.Time)
				if !ok {
					return nil, fmt.Errorf("models: %s.%s: %T is not a time", ins.table, ins.cols[j], r[j])
				}
				col[i] = v
			}
			out[j] = col
		default:
			return nil, fmt.Errorf("models: %s.%s: type %s not handled", ins.table, ins.cols[j], t)
		}
	}
	return out, nil
}

// prepareAll prepares the statements of every size db uses.
func (ins rowsInsert) prepareAll(ctx context.Context, db *DB) error {
	if db.Dialect == Postgres {
		_, err := db.prepared(ctx, ins.text(db, 0), false)
		return err
	}
	for n := 1; n <= ins.capRows(); n *= 2 {
		if _, err := db.prepared(ctx, ins.text(db, n), false); err != nil {
			return err
		}
	}
	return nil
}
