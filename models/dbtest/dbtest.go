// Package dbtest opens real, migrated databases for tests: an SQLite file
// in a temporary directory, and a PostgreSQL schema of its own per test on
// the server named by TEST_DATABASE_URL.
//
// Tests that need PostgreSQL skip when TEST_DATABASE_URL is unset, with a
// message containing SkipMessage; CI sets LINKGATE_REQUIRE_POSTGRES=1, which
// turns that skip into a failure.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
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

// Postgres returns a migrated database in a fresh schema, or skips.
func Postgres(t testing.TB) *models.DB {
	t.Helper()
	ctx := context.Background()
	db, err := models.Open(ctx, models.DBConfig{DatabaseURL: PostgresURL(t)})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := models.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db
}
