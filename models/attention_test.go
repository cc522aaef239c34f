package models_test

import (
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestAttention: each kind is found (and only past its threshold), once,
// oldest first, with its client's name and registration; counts agree
// with the lists; a client's scope sees its own rows only.
func TestAttention(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		now := time.Date(2026, 12, 5, 14, 3, 0, 0, time.UTC)
		s := models.NewStore(db, func() time.Time { return now })
		acme, err := s.CreateClient(ctx, models.ClientInput{Name: "Acme", Email: "ops@acme.com"})
		if err != nil {
			t.Fatal(err)
		}
		globex, err := s.CreateClient(ctx, models.ClientInput{Name: "Globex", Email: "ops@globex.com"})
		if err != nil {
			t.Fatal(err)
		}
		type seed struct {
			name   string
			client *models.Client
			status models.Status
			age    time.Duration // in the status
			cert   time.Duration // expires in (0: no certificate)
		}
		seeds := []seed{
			{"failed", acme, models.StatusFailed, time.Hour, 0},
			{"failed-old", globex, models.StatusFailed, 48 * time.Hour, 0},
			{"review", acme, models.StatusUnderReview, time.Minute, 0},
			{"sid", acme, models.StatusAwaitingDomainSID, time.Minute, 0},
			{"client", globex, models.StatusAwaitingClient, time.Minute, 0},
			{"dns-stuck", acme, models.StatusDNSPending, 25 * time.Hour, 0},
			{"dns-fresh", acme, models.StatusDNSPending, 23 * time.Hour, 0},
			{"ssl-stuck", globex, models.StatusSSLPending, 7 * time.Hour, 0},
			{"ssl-fresh", globex, models.StatusSSLPending, 5 * time.Hour, 0},
			{"pending-stuck", acme, models.StatusPending, 30 * time.Hour, 0},
			{"cert-soon", acme, models.StatusConfigured, 90 * 24 * time.Hour, 10 * 24 * time.Hour},
			{"cert-later", acme, models.StatusConfigured, 90 * 24 * time.Hour, 40 * 24 * time.Hour},
			{"live", acme, models.StatusConfigured, time.Hour, 0},
			{"limit", globex, models.StatusReachedLimit, time.Hour, 60 * 24 * time.Hour},
			{"archived", acme, models.StatusArchived, 100 * time.Hour, 0},
		}
		ids := map[string]string{}
		for _, sd := range seeds {
			d, err := s.CreateDomain(ctx, admin, sd.client.ID, models.DomainInput{Domain: sd.name + ".com"}, models.DNSDefaults{}, "test")
			if err != nil {
				t.Fatal(err)
			}
			ids[sd.name] = d.ID
			var cert any
			if sd.cert != 0 {
				cert = now.Add(sd.cert)
			}
			if err := db.Gorm.Exec("UPDATE domains SET status = ?, status_changed_at = ?, cert_expires_at = ? WHERE id = ?",
				string(sd.status), now.Add(-sd.age), cert, d.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		// The waiting client's registration: the latest one is shown.
		if err := db.Gorm.Transaction(func(tx *gorm.DB) error {
			if _, _, err := s.CreateRegistrationTx(tx, ids["client"], "old@globex.com", time.Hour); err != nil {
				return err
			}
			now = now.Add(time.Second)
			_, _, err := s.CreateRegistrationTx(tx, ids["client"], "new@globex.com", time.Hour)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		camp, err := s.CreateCampaign(ctx, admin, acme.ID, models.CampaignInput{Name: "Sale"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Exec("UPDATE campaigns SET status = ? WHERE id = ?", string(models.CampaignSuspended), camp.ID).Error; err != nil {
			t.Fatal(err)
		}

		a, err := s.AttentionList(ctx, admin, now, 50)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			kind models.AttentionKind
			name string
		}{
			{models.AttentionFailed, "failed-old"}, {models.AttentionFailed, "failed"},
			{models.AttentionUnderReview, "review"},
			{models.AttentionDomainSID, "sid"},
			{models.AttentionClient, "client"},
			{models.AttentionStuck, "pending-stuck"}, {models.AttentionStuck, "dns-stuck"}, {models.AttentionStuck, "ssl-stuck"},
			{models.AttentionCertExpiring, "cert-soon"},
			{models.AttentionReachedLimit, "limit"},
			{models.AttentionCampaignSuspended, ""},
		}
		if len(a.Items) != len(want) {
			for _, it := range a.Items {
				if it.Domain != nil {
					t.Logf("%s %s", it.Kind, it.Domain.Host)
				}
			}
			t.Fatalf("%d items, want %d", len(a.Items), len(want))
		}
		for i, w := range want {
			it := a.Items[i]
			if it.Kind != w.kind {
				t.Errorf("item %d: kind %s, want %s", i, it.Kind, w.kind)
				continue
			}
			if w.name == "" {
				if it.Campaign == nil || it.Campaign.ID != camp.ID || it.ClientName != "Acme" {
					t.Errorf("item %d: %+v, want the suspended campaign of Acme", i, it)
				}
				continue
			}
			if it.Domain == nil || it.Domain.ID != ids[w.name] {
				t.Errorf("item %d (%s): %+v, want %s", i, w.kind, it.Domain, w.name)
				continue
			}
			if wantClient := map[bool]string{true: "Acme", false: "Globex"}[it.Domain.ClientID == acme.ID]; it.ClientName != wantClient {
				t.Errorf("%s: client %q, want %q", w.name, it.ClientName, wantClient)
			}
		}
		for _, it := range a.Items {
			switch it.Kind {
			case models.AttentionClient:
				if it.Registration == nil || it.Registration.Email != "new@globex.com" {
					t.Errorf("waiting client's registration %+v, want the latest", it.Registration)
				}
			case models.AttentionCertExpiring:
				if !it.Since.Equal(now.Add(-time.Second).Add(10 * 24 * time.Hour)) {
					t.Errorf("certificate row since %v, want its expiry", it.Since)
				}
			case models.AttentionStuck:
				if it.Domain.StatusChangedAt.IsZero() || it.Since != it.Domain.StatusChangedAt {
					t.Errorf("stuck row since %v", it.Since)
				}
			}
		}
		wantCounts := map[models.AttentionKind]int64{models.AttentionFailed: 2, models.AttentionUnderReview: 1, models.AttentionDomainSID: 1,
			models.AttentionClient: 1, models.AttentionStuck: 3, models.AttentionCertExpiring: 1, models.AttentionReachedLimit: 1,
			models.AttentionCampaignSuspended: 1}
		for k, n := range wantCounts {
			if a.Counts[k] != n {
				t.Errorf("count %s = %d, want %d", k, a.Counts[k], n)
			}
		}
		if a.Total != 11 {
			t.Errorf("total %d, want 11", a.Total)
		}

		// A limit of one: one row of each kind, the counts unchanged.
		one, err := s.AttentionList(ctx, admin, now, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(one.Items) != len(models.AttentionKinds) || one.Counts[models.AttentionStuck] != 3 || one.Items[0].Domain.ID != ids["failed-old"] {
			t.Errorf("limit 1: %d items, stuck count %d", len(one.Items), one.Counts[models.AttentionStuck])
		}
		if _, err := s.AttentionList(ctx, admin, now, 0); err == nil {
			t.Error("limit 0 accepted")
		}

		// Globex's scope: its rows only.
		g, err := s.AttentionList(ctx, models.Scope{ClientID: globex.ID}, now, 50)
		if err != nil {
			t.Fatal(err)
		}
		if g.Total != 4 || len(g.Items) != 4 {
			t.Errorf("Globex sees %d of %d items, want 4", len(g.Items), g.Total)
		}
		for _, it := range g.Items {
			if it.ClientID != globex.ID {
				t.Errorf("Globex sees %+v", it)
			}
		}

		// A status change through ApplyTx restarts the age in step.
		d, err := s.DomainByID(ctx, nil, ids["dns-stuck"])
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Transaction(func(tx *gorm.DB) error {
			return s.ApplyTx(tx, d, models.Change{To: models.StatusAwaitingDomainSID, Reason: "verified", Actor: "test"})
		}); err != nil {
			t.Fatal(err)
		}
		if d, err = s.DomainByID(ctx, nil, d.ID); err != nil || !d.StatusChangedAt.Equal(now) {
			t.Fatalf("status_changed_at %v (%v), want %v", d.StatusChangedAt, err, now)
		}
		c, err := s.AttentionCounts(ctx, admin, now)
		if err != nil || c[models.AttentionStuck] != 2 || c[models.AttentionDomainSID] != 2 {
			t.Errorf("after the move: %v %v", c, err)
		}
	})
}

// TestMigration0020Backfill: an existing domain's status_changed_at is
// its last timeline entry into its status, or its creation without one.
func TestMigration0020Backfill(t *testing.T) {
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
			db, err := models.Open(ctx, eng.cfg(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			migs, err := models.Migrations(db.Dialect)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL.ExecContext(ctx, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at `+
				map[models.Dialect]string{models.SQLite: "DATETIME", models.Postgres: "timestamptz"}[db.Dialect]+` NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			for _, m := range migs {
				if m.Version >= 20 {
					break
				}
				if _, err := db.SQL.ExecContext(ctx, m.SQL); err != nil {
					t.Fatalf("%s: %v", m.Name, err)
				}
				if err := db.Gorm.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", m.Version, m.Name, time.Now().UTC()).Error; err != nil {
					t.Fatal(err)
				}
			}
			created := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
			moved := created.Add(3 * time.Hour)
			if err := db.Gorm.Exec("INSERT INTO clients (id, name, email, plan, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
				"cli_1", "Acme", "a@acme.com", "basic", created, created).Error; err != nil {
				t.Fatal(err)
			}
			for id, st := range map[string]models.Status{"dom_moved": models.StatusDNSPending, "dom_new": models.StatusPending} {
				if err := db.Gorm.Exec(`INSERT INTO domains (id, client_id, host, apex, subdomain, purpose, status, dns_status, ssl_status, cname_target, cname_ttl, created_at, updated_at)
					VALUES (?, 'cli_1', ?, 'acme.com', 'ls', 'link_shortening', ?, 'creating', 'none', 't.', 600, ?, ?)`, id, id+".acme.com", st, created, moved).Error; err != nil {
					t.Fatal(err)
				}
			}
			for i, ev := range []struct {
				to models.Status
				at time.Time
			}{{models.StatusPending, created}, {models.StatusDNSPending, moved.Add(-time.Hour)}, {models.StatusDNSPending, moved}} {
				if err := db.Gorm.Exec("INSERT INTO domain_events (id, domain_id, from_status, to_status, reason, actor, at) VALUES (?, 'dom_moved', '', ?, '', '', ?)",
					"evt_"+string(rune('a'+i)), ev.to, ev.at).Error; err != nil {
					t.Fatal(err)
				}
			}
			applied, err := models.Migrate(ctx, db)
			if err != nil || len(applied) == 0 || applied[0] != "0020_attention" {
				t.Fatalf("migrate applied %v, %v", applied, err)
			}
			s := models.NewStore(db, nil)
			for id, want := range map[string]time.Time{"dom_moved": moved, "dom_new": created} {
				d, err := s.DomainByID(ctx, nil, id)
				if err != nil {
					t.Fatal(err)
				}
				if !d.StatusChangedAt.Equal(want) {
					t.Errorf("%s: status_changed_at %v, want %v", id, d.StatusChangedAt, want)
				}
			}
		})
	}
}
