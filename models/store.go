package models

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// Store reads and writes linkgate's rows. It holds no state besides the
// database handle, the clock and the fan-out of campaign changes to their
// watchers, so one Store is shared by all requests.
type Store struct {
	db     *DB
	now    func() time.Time
	live   *liveFeed       // campaign changes (campaign_live.go)
	notify *notifyThrottle // of the counters' notifications
	// trackingHost is the platform's tracking host (SetTrackingDomain).
	trackingHost string
	links        *linkCache // the links created lately (link_cache.go)
}

// NewStore returns a Store on db. now may be nil (time.Now).
func NewStore(db *DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now, live: newLiveFeed(), notify: newNotifyThrottle(),
		links: newLinkCache(DefaultLinkCacheSize, DefaultLinkCacheAge)}
}

// DB returns the underlying database.
func (s *Store) DB() *DB { return s.db }

// Now returns the store's clock reading in UTC, at microsecond precision
// (what PostgreSQL keeps).
func (s *Store) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func (s *Store) gorm(ctx context.Context) *gorm.DB { return s.db.Gorm.WithContext(ctx) }

// Scope limits what a caller sees. The zero Scope (admin) sees everything;
// a Scope with ClientID sees only that client's rows, and everything else is
// reported as not found.
type Scope struct {
	ClientID string
}

// Admin reports whether the scope is unrestricted.
func (sc Scope) Admin() bool { return sc.ClientID == "" }

// isUniqueViolation reports whether err is a unique-constraint violation on
// either engine (GORM translates PostgreSQL's; modernc's SQLite errors are
// not translated by the sqlite dialector, so their text is checked).
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}

func isForeignKeyViolation(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "FOREIGN KEY constraint failed") || strings.Contains(msg, "SQLSTATE 23503")
}

// likePattern turns a search string into a LIKE pattern matching it
// anywhere, with LIKE's wildcards escaped (ESCAPE '\').
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(q)) + "%"
}

// likePrefix is a LIKE pattern matching what starts with p.
func likePrefix(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p) + "%"
}

func internal(what string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if dup := TranslateError(err); dup != err {
		return dup
	}
	return &Error{Kind: KindInternal, Code: "internal", Detail: what, Err: err}
}

// TranslateError is the one translation of database errors that callers
// can act on: a unique violation on either engine becomes a 409 Conflict
// with code "duplicate", naming the column when the engine says which
// (SQLite's "UNIQUE constraint failed: table.column"; PostgreSQL's
// constraint name, "table_column_key"). Any other error is returned as is.
func TranslateError(err error) error {
	if !isUniqueViolation(err) {
		return err
	}
	field := ""
	msg := err.Error()
	if i := strings.Index(msg, "UNIQUE constraint failed: "); i >= 0 {
		cols := strings.SplitN(msg[i+len("UNIQUE constraint failed: "):], ",", 2)[0]
		if j := strings.LastIndex(cols, "."); j >= 0 {
			field = strings.TrimSpace(cols[j+1:])
		}
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.ConstraintName != "" && pg.TableName != "" {
		field = strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(pg.ConstraintName, pg.TableName+"_"), "_key"), "_pkey")
	}
	detail := "a record with this value already exists"
	if field != "" {
		detail = field + " is already taken"
	}
	e := Conflict("duplicate", field, detail)
	e.Err = err
	return e
}

// Tx runs fn in one transaction, giving it the GORM handle and the
// underlying *sql.Tx (River inserts and completes jobs on it).
func (s *Store) Tx(ctx context.Context, fn func(tx *gorm.DB, sqlTx *sql.Tx) error) error {
	err := s.gorm(ctx).Transaction(func(tx *gorm.DB) error {
		sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
		if !ok {
			return errors.New("models: transaction is not a *sql.Tx")
		}
		return fn(tx, sqlTx)
	})
	return txError(err)
}

// txError is what a transaction's error becomes: a store Error as is,
// anything else translated (TranslateError).
func txError(err error) error {
	var e *Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return TranslateError(err)
}
