// Package dbtest opens real, migrated databases for tests: an SQLite file
// in a temporary directory, and on the PostgreSQL server named by
// TEST_DATABASE_URL a database of its own per test, copied from a
// template migrated once (or an empty schema, for tests that migrate).
//
// Tests that need PostgreSQL skip when TEST_DATABASE_URL is unset, with a
// message containing SkipMessage; CI sets LINKGATE_REQUIRE_POSTGRES=1, which
// turns that skip into a failure.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
)

// SkipMessage starts the message of every skip for lack of PostgreSQL.
const SkipMessage = "needs PostgreSQL: set TEST_DATABASE_URL"

// Engines runs fn once per engine as a subtest named after it: SQLite always,
// PostgreSQL when configured.
func Engines(t *testing.T, fn func(t *testing.T, db *models.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// Engine is a database engine a benchmark runs on.
type Engine struct {
	Name string
	Open func(testing.TB) *models.DB
}

// BenchEngines is SQLite and, when TEST_DATABASE_URL is set, PostgreSQL:
// benchmarks run on what is there rather than skip.
func BenchEngines() []Engine {
	out := []Engine{{"sqlite", SQLite}}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		out = append(out, Engine{"postgres", Postgres})
	}
	return out
}

// SQLite returns a migrated SQLite database in t.TempDir().
func SQLite(t testing.TB) *models.DB {
	t.Helper()
	ctx := context.Background()
	db, err := models.Open(ctx, models.DBConfig{SQLitePath: filepath.Join(t.TempDir(), "linkgate.db")})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := models.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// PostgresURL returns a URL for a fresh, empty schema on the test server
// (dropped when the test ends), or skips.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("LINKGATE_REQUIRE_POSTGRES") != "" {
			t.Fatal("LINKGATE_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
		}
		t.Skip(SkipMessage)
	}
	ctx := context.Background()
	admin, err := models.Open(ctx, models.DBConfig{DatabaseURL: base})
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.SQL.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := models.Open(ctx, models.DBConfig{DatabaseURL: base})
		if err != nil {
			t.Errorf("drop schema: %v", err)
			return
		}
		defer db.Close()
		if _, err := db.SQL.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	return withSearchPath(t, base, schema+",public")
}

func withSearchPath(t testing.TB, dsn, path string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("TEST_DATABASE_URL: %v", err)
		}
		q := u.Query()
		q.Set("search_path", path)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + path
}

// Postgres returns a migrated database of its own (dropped when the test
// ends), or skips. It is a copy of a template database migrated once per
// set of migrations (CREATE DATABASE ... TEMPLATE), which is several times
// faster than migrating every test's database.
func Postgres(t testing.TB) *models.DB {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		PostgresURL(t) // skips, or fails when PostgreSQL is required
	}
	ctx := context.Background()
	tmpl, err := postgresTemplate(ctx, base)
	if err != nil {
		t.Fatalf("template database: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	if err := adminExec(ctx, base, "CREATE DATABASE "+name+" TEMPLATE "+tmpl); err != nil {
		t.Fatalf("create database from the template: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := adminExec(ctx, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})
	db, err := models.Open(ctx, models.DBConfig{DatabaseURL: withDatabase(t, base, name)})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

var tmplOnce struct {
	sync.Once
	name string
	err  error
}

// postgresTemplate returns the name of the template database for the
// current migrations, making it when it does not exist yet. Its name holds
// a hash of the migrations, so a changed migration gets a new template;
// test processes making it at once agree through an advisory lock, and a
// half-made one (a crash) is made again.
func postgresTemplate(ctx context.Context, base string) (string, error) {
	tmplOnce.Do(func() { tmplOnce.name, tmplOnce.err = makeTemplate(ctx, base) })
	return tmplOnce.name, tmplOnce.err
}

func makeTemplate(ctx context.Context, base string) (string, error) {
	migs, err := models.Migrations(models.Postgres)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range migs {
		fmt.Fprintf(h, "%d %s\n%s\n", m.Version, m.Name, m.SQL)
	}
	sum := h.Sum(nil)
	name := "linkgate_tmpl_" + hex.EncodeToString(sum[:8])
	lock := int64(binary.BigEndian.Uint64(sum[:8]))

	admin, err := models.Open(ctx, models.DBConfig{DatabaseURL: base})
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.SQL.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lock); err != nil {
		return "", err
	}
	defer func() { _, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", lock) }()
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	for _, q := range []string{"DROP DATABASE IF EXISTS " + building + " WITH (FORCE)", "CREATE DATABASE " + building} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return "", err
		}
	}
	db, err := models.Open(ctx, models.DBConfig{DatabaseURL: withDatabaseURL(base, building)})
	if err != nil {
		return "", err
	}
	_, err = models.Migrate(ctx, db)
	_ = db.Close()
	if err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	// The migrating connections are closed; the server may take a moment
	// to let the database go.
	if err := retryInUse(ctx, func() error {
		_, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name)
		return err
	}); err != nil {
		return "", err
	}
	return name, nil
}

// adminExec runs one statement on the test server's own database,
// retrying while another session still holds a database it names.
func adminExec(ctx context.Context, base, query string) error {
	admin, err := models.Open(ctx, models.DBConfig{DatabaseURL: base})
	if err != nil {
		return err
	}
	defer admin.Close()
	return retryInUse(ctx, func() error {
		_, err := admin.SQL.ExecContext(ctx, query)
		return err
	})
}

// retryInUse retries fn for a few seconds while PostgreSQL answers "object
// in use" (SQLSTATE 55006: a database still has sessions).
func retryInUse(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := fn()
		if err == nil || !strings.Contains(err.Error(), "55006") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func withDatabase(t testing.TB, dsn, name string) string {
	t.Helper()
	out := withDatabaseURL(dsn, name)
	if out == "" {
		t.Fatalf("TEST_DATABASE_URL is not a valid URL")
	}
	return out
}

// withDatabaseURL returns dsn naming another database on the same server.
func withDatabaseURL(dsn, name string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return ""
		}
		u.Path = "/" + name
		return u.String()
	}
	return dsn + " dbname=" + name
}
