package models

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// advisoryLockKey is the PostgreSQL advisory lock that serialises
// migrations across replicas starting together ("linkgate" in ASCII).
const advisoryLockKey int64 = 0x6c696e6b67617465

// Migration is one versioned schema change, embedded in the binary.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations of a dialect in order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a version number", name)
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share a version", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}

// Migrate applies the pending migrations, each in its own transaction with
// its version row. On PostgreSQL it holds a session advisory lock for the
// whole run, so replicas that start together migrate once. It returns the
// names of the migrations it applied.
//
// (A library such as pressly/goose would do this, but its module requires a
// newer modernc.org/sqlite than the one this project must pin; see DESIGN §2.)
func Migrate(ctx context.Context, db *DB) ([]string, error) {
	migs, err := Migrations(db.Dialect)
	if err != nil {
		return nil, err
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if db.Dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", advisoryLockKey); err != nil {
			return nil, fmt.Errorf("migrate: take lock: %w", err)
		}
		defer func() {
			// A fresh context: the lock must be released even if ctx ended.
			unlockCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, _ = conn.ExecContext(unlockCtx, "SELECT pg_advisory_unlock($1)", advisoryLockKey)
		}()
	}
	ts := "timestamptz"
	if db.Dialect == SQLite {
		ts = "DATETIME"
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at `+ts+` NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("migrate: read versions: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var done []string
	for _, m := range migs {
		if applied[m.Version] {
			continue
		}
		if err := applyMigration(ctx, conn, db.Dialect, m); err != nil {
			return done, err
		}
		done = append(done, m.Name)
	}
	return done, nil
}

func applyMigration(ctx context.Context, conn *sql.Conn, d Dialect, m Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", m.Name, err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migrate %s: %w", m.Name, err)
	}
	insert := "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)"
	if d == SQLite {
		insert = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"
	}
	if _, err := tx.ExecContext(ctx, insert, m.Version, m.Name, time.Now().UTC()); err != nil {
		return fmt.Errorf("migrate %s: record version: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate %s: commit: %w", m.Name, err)
	}
	return nil
}

// WithMigrationLock runs fn while holding the migration lock (PostgreSQL's
// advisory lock; SQLite has one process and needs none), so that other
// migrations, such as River's, are also applied once when replicas start
// together.
func WithMigrationLock(ctx context.Context, db *DB, fn func() error) error {
	if db.Dialect != Postgres {
		return fn()
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", advisoryLockKey); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer func() {
		unlockCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = conn.ExecContext(unlockCtx, "SELECT pg_advisory_unlock($1)", advisoryLockKey)
	}()
	return fn()
}
