package models_test

import (
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// TestListDomainsPage: filters by status and sub-status, the orders,
// numbered pages with the total, bad input named by field, and scope.
func TestListDomainsPage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		now := time.Date(2026, 12, 5, 14, 3, 0, 0, time.UTC)
		s := models.NewStore(db, func() time.Time { return now })
		acme, err := s.CreateClient(ctx, models.ClientInput{Name: "Acme", Email: "ops@acme.com"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateClient(ctx, models.ClientInput{Name: "Other", Email: "ops@other.com"})
		if err != nil {
			t.Fatal(err)
		}
		for i, sd := range []struct {
			name string
			cl   *models.Client
			st   models.Status
			dns  models.DNSStatus
			ssl  models.SSLStatus
			age  time.Duration
		}{
			{"bravo", acme, models.StatusDNSPending, models.DNSPropagating, models.SSLNone, 3 * time.Hour},
			{"alpha", acme, models.StatusDNSPending, models.DNSCreating, models.SSLNone, 9 * time.Hour},
			{"delta", acme, models.StatusSSLPending, models.DNSVerified, models.SSLRequested, time.Hour},
			{"charlie", acme, models.StatusConfigured, models.DNSVerified, models.SSLActive, 50 * time.Hour},
			{"echo", other, models.StatusDNSPending, models.DNSPropagating, models.SSLNone, 99 * time.Hour},
		} {
			now = now.Add(time.Second * time.Duration(i)) // ids in this order
			d, err := s.CreateDomain(ctx, admin, sd.cl.ID, models.DomainInput{Domain: sd.name + ".com"}, models.DNSDefaults{}, "test")
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Gorm.Exec("UPDATE domains SET status = ?, dns_status = ?, ssl_status = ?, status_changed_at = ? WHERE id = ?",
				string(sd.st), string(sd.dns), string(sd.ssl), now.Add(-sd.age), d.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		hosts := func(p models.DomainsPage) []string {
			var out []string
			for _, d := range p.Domains {
				out = append(out, d.Host[3:len(d.Host)-4])
			}
			return out
		}
		list := func(sc models.Scope, q models.DomainQuery, sort models.DomainSort, page int) models.DomainsPage {
			t.Helper()
			p, err := s.ListDomainsPage(ctx, sc, q, sort, page)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		eq := func(what string, got []string, want ...string) {
			t.Helper()
			if len(got) != len(want) {
				t.Errorf("%s: %v, want %v", what, got, want)
				return
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s: %v, want %v", what, got, want)
					return
				}
			}
		}
		eq("newest", hosts(list(admin, models.DomainQuery{}, models.SortNewest, 1)), "echo", "charlie", "delta", "alpha", "bravo")
		eq("age", hosts(list(admin, models.DomainQuery{}, models.SortAge, 1)), "echo", "charlie", "alpha", "bravo", "delta")
		eq("host", hosts(list(admin, models.DomainQuery{}, models.SortHost, 1)), "alpha", "bravo", "charlie", "delta", "echo")
		eq("dns propagating", hosts(list(admin, models.DomainQuery{DNSStatus: models.DNSPropagating}, models.SortHost, 1)), "bravo", "echo")
		eq("dns_pending and ssl none", hosts(list(admin, models.DomainQuery{Status: models.StatusDNSPending, SSLStatus: models.SSLNone, Q: "a"}, models.SortAge, 1)), "alpha", "bravo")
		eq("ssl requested", hosts(list(admin, models.DomainQuery{SSLStatus: models.SSLRequested}, models.SortNewest, 1)), "delta")

		// Pages of two: the total is every match, the last page is short.
		q := models.DomainQuery{PageQuery: models.PageQuery{Limit: 2}}
		p2 := list(admin, q, models.SortHost, 2)
		eq("page 2", hosts(p2), "charlie", "delta")
		p3 := list(admin, q, models.SortHost, 3)
		eq("page 3", hosts(p3), "echo")
		if p2.Total != 5 || p3.Total != 5 {
			t.Errorf("totals %d %d, want 5", p2.Total, p3.Total)
		}
		if p := list(admin, q, models.SortHost, 9); len(p.Domains) != 0 || p.Total != 5 {
			t.Errorf("past the end: %v %d", hosts(p), p.Total)
		}

		// Scope: Acme's own only, and another client is not found.
		if p := list(models.Scope{ClientID: acme.ID}, models.DomainQuery{}, models.SortHost, 1); p.Total != 4 {
			t.Errorf("Acme sees %d", p.Total)
		}
		_, err = s.ListDomainsPage(ctx, models.Scope{ClientID: acme.ID}, models.DomainQuery{ClientID: other.ID}, models.SortNewest, 1)
		wantError(t, err, models.KindNotFound, "not_found")

		// Bad input names its field.
		_, err = s.ListDomainsPage(ctx, admin, models.DomainQuery{DNSStatus: "dns_pending", SSLStatus: "nope"}, models.SortNewest, 1)
		wantError(t, err, models.KindInvalid, "invalid_status", "dns_status", "ssl_status")
		_, err = s.ListDomainsPage(ctx, admin, models.DomainQuery{}, "oldest", 1)
		wantError(t, err, models.KindInvalid, "invalid_sort", "sort")
		_, err = s.ListDomainsPage(ctx, admin, models.DomainQuery{}, models.SortNewest, 0)
		wantError(t, err, models.KindInvalid, "invalid_page", "page")
	})
}
