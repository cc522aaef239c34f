// Package sqlitegorm is a small GORM dialector for SQLite over a
// database/sql connection that linkgate opens itself with the pure-Go
// modernc.org/sqlite driver, so the default build needs no C compiler.
//
// Why it exists: gorm.io/driver/sqlite imports the cgo driver
// github.com/mattn/go-sqlite3 even when handed a connection; the pure-Go
// alternative (github.com/glebarez/sqlite) brings its own fork of
// modernc.org/sqlite, which registers the same driver name and is pinned to
// an old SQLite. linkgate writes its schema as versioned SQL migrations, so
// the dialector needs only what queries use: quoting, bind variables,
// clause builders (RETURNING, LIMIT/OFFSET, no row locks), savepoints,
// error translation, and a migrator that can report column types (the
// schema test compares them with the models).
package sqlitegorm

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/migrator"
	"gorm.io/gorm/schema"
	msqlite "modernc.org/sqlite"
)

// Dialector is GORM's SQLite dialect on an open connection pool.
type Dialector struct {
	// Conn is the connection pool (a *sql.DB opened with the "sqlite"
	// driver of modernc.org/sqlite). Required.
	Conn gorm.ConnPool
}

// New returns a Dialector on conn.
func New(conn gorm.ConnPool) *Dialector { return &Dialector{Conn: conn} }

// Name is GORM's name for the dialect.
func (Dialector) Name() string { return "sqlite" }

// Initialize registers the callbacks and clause builders on db.
func (d Dialector) Initialize(db *gorm.DB) error {
	if d.Conn == nil {
		return errors.New("sqlitegorm: Conn is required")
	}
	db.ConnPool = d.Conn
	// SQLite has had RETURNING since 3.35 (modernc.org/sqlite v1.50.0
	// ships a far newer one).
	callbacks.RegisterDefaultCallbacks(db, &callbacks.Config{
		CreateClauses:        []string{"INSERT", "VALUES", "ON CONFLICT", "RETURNING"},
		UpdateClauses:        []string{"UPDATE", "SET", "FROM", "WHERE", "RETURNING"},
		DeleteClauses:        []string{"DELETE", "FROM", "WHERE", "RETURNING"},
		LastInsertIDReversed: true,
	})
	for name, build := range clauseBuilders {
		if _, ok := db.ClauseBuilders[name]; !ok {
			db.ClauseBuilders[name] = build
		}
	}
	return nil
}

var clauseBuilders = map[string]clause.ClauseBuilder{
	// SQLite needs a LIMIT before an OFFSET: -1 means none.
	"LIMIT": func(c clause.Clause, b clause.Builder) {
		l, ok := c.Expression.(clause.Limit)
		if !ok {
			c.Build(b)
			return
		}
		n := -1
		if l.Limit != nil && *l.Limit >= 0 {
			n = *l.Limit
		}
		if n < 0 && l.Offset <= 0 {
			return
		}
		b.WriteString("LIMIT " + strconv.Itoa(n))
		if l.Offset > 0 {
			b.WriteString(" OFFSET " + strconv.Itoa(l.Offset))
		}
	},
	// SQLite has no row locks: a transaction holds the database (linkgate
	// opens it with _txlock=immediate), so FOR UPDATE is dropped.
	"FOR": func(c clause.Clause, b clause.Builder) {
		if _, ok := c.Expression.(clause.Locking); ok {
			return
		}
		c.Build(b)
	},
}

// Migrator reports tables and column types; linkgate's schema itself is
// made by SQL migrations, not by GORM.
func (d Dialector) Migrator(db *gorm.DB) gorm.Migrator {
	return Migrator{migrator.Migrator{Config: migrator.Config{DB: db, Dialector: d, CreateIndexAfterCreateTable: true}}}
}

// DataTypeOf is the column type GORM would create for a field.
func (Dialector) DataTypeOf(f *schema.Field) string {
	switch f.DataType {
	case schema.Bool:
		return "numeric"
	case schema.Int, schema.Uint:
		if f.AutoIncrement {
			return "integer PRIMARY KEY AUTOINCREMENT"
		}
		return "integer"
	case schema.Float:
		return "real"
	case schema.String:
		return "text"
	case schema.Time:
		if t, ok := f.TagSettings["TYPE"]; ok {
			return t
		}
		return "datetime"
	case schema.Bytes:
		return "blob"
	}
	return string(f.DataType)
}

// DefaultValueOf is the value inserted for a field left at its default.
func (Dialector) DefaultValueOf(f *schema.Field) clause.Expression {
	if f.AutoIncrement {
		return clause.Expr{SQL: "NULL"}
	}
	return clause.Expr{SQL: "DEFAULT"}
}

// BindVarTo writes a positional parameter.
func (Dialector) BindVarTo(w clause.Writer, _ *gorm.Statement, _ any) { w.WriteByte('?') }

// QuoteTo writes an identifier in double quotes (SQL's own quoting),
// quoting each part of a dotted name ("table"."column") and doubling
// quotes inside it. A part already in double quotes is written as is.
func (Dialector) QuoteTo(w clause.Writer, name string) {
	for i, part := range strings.Split(name, ".") {
		if i > 0 {
			w.WriteByte('.')
		}
		if len(part) >= 2 && part[0] == '"' && part[len(part)-1] == '"' {
			w.WriteString(part)
			continue
		}
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(part, `"`, `""`))
		w.WriteByte('"')
	}
}

// Explain renders a statement with its values, for logs.
func (Dialector) Explain(sql string, vars ...any) string {
	return logger.ExplainSQL(sql, nil, `"`, vars...)
}

// SavePoint and RollbackTo give GORM nested transactions.
func (Dialector) SavePoint(tx *gorm.DB, name string) error {
	return tx.Exec("SAVEPOINT " + name).Error
}

// RollbackTo rolls back to a savepoint.
func (Dialector) RollbackTo(tx *gorm.DB, name string) error {
	return tx.Exec("ROLLBACK TO SAVEPOINT " + name).Error
}

// SQLite's extended result codes for constraint violations
// (https://www.sqlite.org/rescode.html).
const (
	codeForeignKey = 787
	codePrimaryKey = 1555
	codeUnique     = 2067
)

// Translate maps constraint violations to GORM's errors (as the
// PostgreSQL dialector does) while keeping SQLite's message, which names
// the constraint's columns: errors.Is(err, gorm.ErrDuplicatedKey) holds and
// err.Error() still says "UNIQUE constraint failed: clients.email".
func (Dialector) Translate(err error) error {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case codePrimaryKey, codeUnique:
		return fmt.Errorf("%w: %w", gorm.ErrDuplicatedKey, err)
	case codeForeignKey:
		return fmt.Errorf("%w: %w", gorm.ErrForeignKeyViolated, err)
	}
	return err
}

// Migrator is GORM's generic migrator with SQLite's catalogue queries.
type Migrator struct{ migrator.Migrator }

// HasTable reports whether the model's table exists.
func (m Migrator) HasTable(value any) bool {
	var n int
	_ = m.RunWithValue(value, func(stmt *gorm.Statement) error {
		return m.DB.Raw("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", stmt.Table).Row().Scan(&n)
	})
	return n > 0
}

// ColumnTypes describes the model's table's columns from PRAGMA
// table_info: name, declared type, NOT NULL and primary key.
func (m Migrator) ColumnTypes(value any) ([]gorm.ColumnType, error) {
	var out []gorm.ColumnType
	err := m.RunWithValue(value, func(stmt *gorm.Statement) error {
		rows, err := m.DB.Session(&gorm.Session{}).Raw("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)", stmt.Table).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				name, typ string
				notNull   bool
				dflt      sql.NullString
				pk        int
			)
			if err := rows.Scan(&name, &typ, &notNull, &dflt, &pk); err != nil {
				return err
			}
			base, _, _ := strings.Cut(strings.ToLower(typ), "(")
			out = append(out, migrator.ColumnType{
				NameValue:         sql.NullString{String: name, Valid: true},
				DataTypeValue:     sql.NullString{String: strings.TrimSpace(base), Valid: true},
				ColumnTypeValue:   sql.NullString{String: typ, Valid: true},
				PrimaryKeyValue:   sql.NullBool{Bool: pk > 0, Valid: true},
				NullableValue:     sql.NullBool{Bool: !notNull && pk == 0, Valid: true},
				DefaultValueValue: dflt,
			})
		}
		return rows.Err()
	})
	return out, err
}

// CurrentDatabase is the main schema's name.
func (m Migrator) CurrentDatabase() string { return "main" }
