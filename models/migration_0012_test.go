package models_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// Migration 0012 backfills configured_at from updated_at for domains that
// were already configured (auto-archive counts from it), and leaves the
// others null; messages_sent starts at 0 and domain_limit null.
func TestMigration0012Backfill(t *testing.T) {
	for _, eng := range []struct {
		name string
		cfg  func(t *testing.T) models.DBConfig
	}{
		{"sqlite", func(t *testing.T) models.DBConfig {
			return models.DBConfig{SQLitePath: filepath.Join(t.TempDir(), "old.db")}
		}},
		{"postgres", func(t *testing.T) models.DBConfig { return models.DBConfig{DatabaseURL: dbtest.PostgresURL(t)} }},
	} {
		t.Run(eng.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := models.Open(ctx, eng.cfg(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			migs, err := models.Migrations(db.Dialect)
			if err != nil {
				t.Fatal(err)
			}
			// The schema as it was before 0012, with a row per status.
			if _, err := db.SQL.ExecContext(ctx, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at `+
				map[models.Dialect]string{models.SQLite: "DATETIME", models.Postgres: "timestamptz"}[db.Dialect]+` NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			for _, m := range migs {
				if m.Version >= 12 {
					break
				}
				if _, err := db.SQL.ExecContext(ctx, m.SQL); err != nil {
					t.Fatalf("%s: %v", m.Name, err)
				}
				if err := db.Gorm.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", m.Version, m.Name, time.Now().UTC()).Error; err != nil {
					t.Fatal(err)
				}
			}
			at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
			if err := db.Gorm.Exec("INSERT INTO clients (id, name, email, plan, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
				"cli_1", "Acme", "a@acme.com", "basic", at, at).Error; err != nil {
				t.Fatal(err)
			}
			for id, st := range map[string]models.Status{"dom_c": models.StatusConfigured, "dom_p": models.StatusPending} {
				if err := db.Gorm.Exec(`INSERT INTO domains (id, client_id, host, apex, subdomain, purpose, status, dns_status, ssl_status, cname_target, cname_ttl, created_at, updated_at)
					VALUES (?, 'cli_1', ?, 'acme.com', 'ls', 'link_shortening', ?, 'verified', 'active', 't.', 600, ?, ?)`, id, id+".acme.com", st, at, at).Error; err != nil {
					t.Fatal(err)
				}
			}
			applied, err := models.Migrate(ctx, db)
			if err != nil || len(applied) == 0 || applied[0] != "0012_domain_use" {
				t.Fatalf("migrate applied %v, %v", applied, err)
			}
			s := models.NewStore(db, nil)
			c, err := s.DomainByID(ctx, nil, "dom_c")
			if err != nil {
				t.Fatal(err)
			}
			if c.ConfiguredAt == nil || !c.ConfiguredAt.Equal(at) || c.MessagesSent != 0 || c.LastUsedAt != nil || c.ArchivedAt != nil || c.ArchivedFrom != "" {
				t.Errorf("configured row after 0012: %+v", c)
			}
			p, err := s.DomainByID(ctx, nil, "dom_p")
			if err != nil {
				t.Fatal(err)
			}
			if p.ConfiguredAt != nil {
				t.Errorf("pending row got configured_at %v", p.ConfiguredAt)
			}
			cl, err := s.GetClient(ctx, models.Scope{}, "cli_1")
			if err != nil || cl.DomainLimit != nil {
				t.Errorf("client after 0012: %+v, %v", cl, err)
			}
		})
	}
}
