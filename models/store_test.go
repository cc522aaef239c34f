package models_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

var (
	ctx   = context.Background()
	admin = models.Scope{}
)

// ---- helpers ----

func asModelError(t *testing.T, err error) *models.Error {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want one")
	}
	var e *models.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *models.Error", err, err)
	}
	return e
}

func wantError(t *testing.T, err error, kind models.Kind, code string, fields ...string) *models.Error {
	t.Helper()
	e := asModelError(t, err)
	if e.Kind != kind || e.Code != code {
		t.Fatalf("got %s/%s (%v), want %s/%s", e.Kind, e.Code, err, kind, code)
	}
	if fields != nil {
		var got []string
		for _, f := range e.Fields {
			got = append(got, f.Field)
			if f.Message == "" {
				t.Errorf("field error %q has no message", f.Field)
			}
		}
		if !slices.Equal(got, fields) {
			t.Fatalf("field errors %v (%v), want %v", got, e.Fields, fields)
		}
	}
	return e
}

func countRows(t *testing.T, db *models.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func mustClient(t testing.TB, s *models.Store, name, email string) *models.Client {
	t.Helper()
	c, err := s.CreateClient(ctx, models.ClientInput{Name: name, Email: email})
	if err != nil {
		t.Fatalf("create client %s: %v", name, err)
	}
	return c
}

func mustDomain(t *testing.T, s *models.Store, clientID, domain string) *models.Domain {
	t.Helper()
	d, err := s.CreateDomain(ctx, admin, clientID, models.DomainInput{Domain: domain}, models.DNSDefaults{}, "test")
	if err != nil {
		t.Fatalf("create domain %s: %v", domain, err)
	}
	return d
}

func clientIDs(cs []*models.Client) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func clientNames(cs []*models.Client) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	slices.Sort(out)
	return out
}

func domainHosts(ds []*models.Domain) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Host)
	}
	slices.Sort(out)
	return out
}

func reversed(ss []string) []string {
	out := slices.Clone(ss)
	slices.Reverse(out)
	return out
}

// allClients pages through ListClients and returns the pages' sizes and
// the ids in order.
func allClients(t *testing.T, s *models.Store, sc models.Scope, q models.ClientQuery) ([]int, []string) {
	t.Helper()
	var sizes []int
	var ids []string
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatal("pagination does not end")
		}
		p, err := s.ListClients(ctx, sc, q)
		if err != nil {
			t.Fatalf("list clients (page %d): %v", i, err)
		}
		sizes = append(sizes, len(p.Clients))
		ids = append(ids, clientIDs(p.Clients)...)
		if p.Next == "" {
			return sizes, ids
		}
		q.Cursor = p.Next
	}
}

func allDomains(t *testing.T, s *models.Store, sc models.Scope, q models.DomainQuery) ([]int, []*models.Domain) {
	t.Helper()
	var sizes []int
	var ds []*models.Domain
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatal("pagination does not end")
		}
		p, err := s.ListDomains(ctx, sc, q)
		if err != nil {
			t.Fatalf("list domains (page %d): %v", i, err)
		}
		sizes = append(sizes, len(p.Domains))
		ds = append(ds, p.Domains...)
		if p.Next == "" {
			return sizes, ds
		}
		q.Cursor = p.Next
	}
}

// clock is a settable clock for NewStore.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// ---- clients ----

func TestClientCreate(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		before := time.Now().Add(-time.Second)
		c, err := s.CreateClient(ctx, models.ClientInput{Name: "  Acme Corp ", Email: " Owner@ACME.Com "})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c.ID, models.PrefixClient) || len(c.ID) != len(models.PrefixClient)+26 {
			t.Errorf("id %q", c.ID)
		}
		if c.Name != "Acme Corp" || c.Email != "owner@acme.com" || c.Plan != models.PlanBasic {
			t.Errorf("created %+v, want name Acme Corp, email owner@acme.com, plan basic", c)
		}
		if c.CreatedAt.Before(before) || c.CreatedAt.After(time.Now().Add(time.Second)) {
			t.Errorf("created_at %v is not now", c.CreatedAt)
		}

		got, err := s.GetClient(ctx, admin, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != c.ID || got.Name != "Acme Corp" || got.Email != "owner@acme.com" ||
			got.Plan != models.PlanBasic || got.DomainCount != 0 || !got.CreatedAt.Equal(c.CreatedAt) {
			t.Errorf("read back %+v, created %+v", got, c)
		}

		p, err := s.CreateClient(ctx, models.ClientInput{Name: "Premium", Email: "p@premium.io", Plan: models.PlanPremium})
		if err != nil || p == nil || p.Plan != models.PlanPremium {
			t.Fatalf("create premium client: %+v, %v", p, err)
		}
		if got, _ := s.GetClient(ctx, admin, p.ID); got == nil || got.Plan != models.PlanPremium {
			t.Errorf("premium client read back as %+v", got)
		}
		if n := countRows(t, db, "clients"); n != 2 {
			t.Errorf("%d client rows, want 2", n)
		}
	})
}

func TestClientValidation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		_, err := s.CreateClient(ctx, models.ClientInput{Name: "  ", Email: "not-an-email", Plan: "gold"})
		e := wantError(t, err, models.KindInvalid, "invalid_client", "name", "email", "plan")
		if !errors.Is(err, models.ErrInvalid) || errors.Is(err, models.ErrConflict) {
			t.Errorf("errors.Is kinds wrong for %v", e)
		}

		for _, bad := range []string{"", "a@b", "Bob <bob@acme.com>", "bob@", "@acme.com", "bob acme.com"} {
			_, err := s.CreateClient(ctx, models.ClientInput{Name: "Bob", Email: bad})
			wantError(t, err, models.KindInvalid, "invalid_client", "email")
		}
		_, err = s.CreateClient(ctx, models.ClientInput{Name: strings.Repeat("x", 201), Email: "long@acme.com"})
		wantError(t, err, models.KindInvalid, "invalid_client", "name")
		_, err = s.CreateClient(ctx, models.ClientInput{Name: "Plan", Email: "plan@acme.com", Plan: "Premium"})
		wantError(t, err, models.KindInvalid, "invalid_client", "plan")

		if n := countRows(t, db, "clients"); n != 0 {
			t.Errorf("invalid input stored %d clients", n)
		}
	})
}

func TestClientDuplicateEmail(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		first := mustClient(t, s, "Acme", "owner@acme.com")
		_, err := s.CreateClient(ctx, models.ClientInput{Name: "Acme 2", Email: "OWNER@Acme.COM"})
		wantError(t, err, models.KindConflict, "email_taken", "email")
		if !errors.Is(err, models.ErrConflict) {
			t.Errorf("%v is not ErrConflict", err)
		}
		if n := countRows(t, db, "clients"); n != 1 {
			t.Errorf("%d clients, want 1", n)
		}
		got, err := s.GetClient(ctx, admin, first.ID)
		if err != nil || got.Name != "Acme" {
			t.Errorf("first client changed: %+v, %v", got, err)
		}
	})
}

func TestClientGetUpdateDelete(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		c := mustClient(t, s, "Acme", "owner@acme.com")
		other := mustClient(t, s, "Globex", "hank@globex.com")

		_, err := s.GetClient(ctx, admin, "cli_01ARZ3NDEKTSV4RRFFQ69G5FAV")
		wantError(t, err, models.KindNotFound, "not_found")
		if !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%v is not ErrNotFound", err)
		}
		_, err = s.GetClient(ctx, admin, "garbage")
		wantError(t, err, models.KindNotFound, "not_found")

		name, email, plan := "Acme Inc.", "Billing@Acme.com", models.PlanEnterprise
		u, err := s.UpdateClient(ctx, admin, c.ID, models.ClientPatch{Name: &name, Email: &email, Plan: &plan})
		if err != nil {
			t.Fatal(err)
		}
		if u.Name != "Acme Inc." || u.Email != "billing@acme.com" || u.Plan != models.PlanEnterprise {
			t.Errorf("updated %+v", u)
		}
		got, err := s.GetClient(ctx, admin, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Acme Inc." || got.Email != "billing@acme.com" || got.Plan != models.PlanEnterprise ||
			!got.CreatedAt.Equal(c.CreatedAt) || got.UpdatedAt.Before(c.UpdatedAt) {
			t.Errorf("read back %+v after update", got)
		}

		// A partial patch leaves the rest alone.
		newName := "Acme"
		if _, err := s.UpdateClient(ctx, admin, c.ID, models.ClientPatch{Name: &newName}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetClient(ctx, admin, c.ID)
		if got.Name != "Acme" || got.Email != "billing@acme.com" || got.Plan != models.PlanEnterprise {
			t.Errorf("after a name-only patch: %+v", got)
		}

		// Invalid and conflicting patches change nothing.
		empty, bad, taken := "", models.Plan("gold"), "HANK@globex.com"
		_, err = s.UpdateClient(ctx, admin, c.ID, models.ClientPatch{Name: &empty, Plan: &bad})
		wantError(t, err, models.KindInvalid, "invalid_client", "name", "plan")
		_, err = s.UpdateClient(ctx, admin, c.ID, models.ClientPatch{Email: &taken})
		wantError(t, err, models.KindConflict, "email_taken", "email")
		got, _ = s.GetClient(ctx, admin, c.ID)
		if got.Name != "Acme" || got.Email != "billing@acme.com" || got.Plan != models.PlanEnterprise {
			t.Errorf("after refused patches: %+v", got)
		}
		_, err = s.UpdateClient(ctx, admin, "cli_01ARZ3NDEKTSV4RRFFQ69G5FAV", models.ClientPatch{Name: &name})
		wantError(t, err, models.KindNotFound, "not_found")

		// Delete is refused while domains exist.
		d := mustDomain(t, s, c.ID, "acme.com")
		got, _ = s.GetClient(ctx, admin, c.ID)
		if got.DomainCount != 1 {
			t.Errorf("domain_count %d, want 1", got.DomainCount)
		}
		err = s.DeleteClient(ctx, admin, c.ID)
		wantError(t, err, models.KindConflict, "client_has_domains")
		if _, err := s.GetClient(ctx, admin, c.ID); err != nil {
			t.Fatalf("client gone after a refused delete: %v", err)
		}
		if err := s.DeleteDomain(ctx, admin, d.ID, "test"); err != nil {
			t.Fatal(err)
		}

		// Delete removes the client with its keys and users.
		key, _, err := s.CreateAPIKey(ctx, models.RoleClient, c.ID, "ci")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, models.UserInput{Email: "user@acme.com", Password: "0123456789ab",
			Role: models.RoleClient, ClientID: c.ID}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteClient(ctx, admin, c.ID); err != nil {
			t.Fatalf("delete: %v", err)
		}
		_, err = s.GetClient(ctx, admin, c.ID)
		wantError(t, err, models.KindNotFound, "not_found")
		err = s.DeleteClient(ctx, admin, c.ID)
		wantError(t, err, models.KindNotFound, "not_found")
		if _, err := s.Authenticate(ctx, key); !errors.Is(err, models.ErrBadKey) {
			t.Errorf("the deleted client's key still authenticates: %v", err)
		}
		if ok, err := s.UserExists(ctx, "user@acme.com"); err != nil || ok {
			t.Errorf("the deleted client's user still exists: %v, %v", ok, err)
		}
		if n := countRows(t, db, "api_keys"); n != 0 {
			t.Errorf("%d api_keys rows left", n)
		}
		if _, err := s.GetClient(ctx, admin, other.ID); err != nil {
			t.Errorf("the other client went too: %v", err)
		}
	})
}

func TestClientPagination(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		var created []string
		for i := range 7 {
			created = append(created, mustClient(t, s, fmt.Sprintf("Client %d", i), fmt.Sprintf("c%d@acme.com", i)).ID)
		}
		sizes, ids := allClients(t, s, admin, models.ClientQuery{PageQuery: models.PageQuery{Limit: 3}})
		if !slices.Equal(sizes, []int{3, 3, 1}) {
			t.Errorf("page sizes %v, want [3 3 1]", sizes)
		}
		// Newest first, each exactly once.
		if want := reversed(created); !slices.Equal(ids, want) {
			t.Errorf("ids %v, want newest first %v", ids, want)
		}

		// Limit equal to the count: one page, no cursor.
		p, err := s.ListClients(ctx, admin, models.ClientQuery{PageQuery: models.PageQuery{Limit: 7}})
		if err != nil || len(p.Clients) != 7 || p.Next != "" {
			t.Errorf("limit 7: %d clients, next %q, %v", len(p.Clients), p.Next, err)
		}
		// Default limit.
		p, err = s.ListClients(ctx, admin, models.ClientQuery{})
		if err != nil || len(p.Clients) != 7 || p.Next != "" {
			t.Errorf("default limit: %d clients, next %q, %v", len(p.Clients), p.Next, err)
		}
		for _, l := range []int{1, 200} {
			if _, err := s.ListClients(ctx, admin, models.ClientQuery{PageQuery: models.PageQuery{Limit: l}}); err != nil {
				t.Errorf("limit %d: %v", l, err)
			}
		}
		for _, l := range []int{201, -1, 1000} {
			_, err := s.ListClients(ctx, admin, models.ClientQuery{PageQuery: models.PageQuery{Limit: l}})
			wantError(t, err, models.KindInvalid, "invalid_limit", "limit")
		}

		// Cursors: only ones this list returned.
		dp := mustDomain(t, s, created[0], "acme.com")
		domainCursor := base64.RawURLEncoding.EncodeToString([]byte("v1:" + dp.ID))
		for _, c := range []string{"garbage!!", "Zm9v", base64.RawURLEncoding.EncodeToString([]byte("v1:nonsense")),
			base64.RawURLEncoding.EncodeToString([]byte(created[3])), domainCursor} {
			_, err := s.ListClients(ctx, admin, models.ClientQuery{PageQuery: models.PageQuery{Cursor: c}})
			wantError(t, err, models.KindBadRequest, "invalid_cursor", "cursor")
		}
		// A cursor of a deleted row still continues after it.
		first, err := s.ListClients(ctx, admin, models.ClientQuery{PageQuery: models.PageQuery{Limit: 2}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteClient(ctx, admin, first.Clients[1].ID); err != nil {
			t.Fatal(err)
		}
		rest, err := s.ListClients(ctx, admin, models.ClientQuery{PageQuery: models.PageQuery{Cursor: first.Next}})
		if err != nil {
			t.Fatal(err)
		}
		if want := reversed(created)[2:]; !slices.Equal(clientIDs(rest.Clients), want) {
			t.Errorf("after the deleted cursor row: %v, want %v", clientIDs(rest.Clients), want)
		}
	})
}

func TestClientSearch(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		for _, c := range [][2]string{
			{"Acme Corp", "owner@acme.com"},
			{"Globex", "hank@globex.com"},
			{"100% Real", "pct@real.com"},
			{"Under_Score", "us@example.com"},
			{"UnderXScore", "ux@example.com"},
			{"Other", "a100b@example.com"},
			{`Back\Slash`, "bs@example.com"},
		} {
			mustClient(t, s, c[0], c[1])
		}
		search := func(q string) []string {
			t.Helper()
			_, ids := allClients(t, s, admin, models.ClientQuery{Q: q, PageQuery: models.PageQuery{Limit: 1}})
			var names []string
			for _, id := range ids {
				c, err := s.GetClient(ctx, admin, id)
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, c.Name)
			}
			slices.Sort(names)
			return names
		}
		cases := []struct {
			q    string
			want []string
		}{
			{"ACME", []string{"Acme Corp"}},                                            // name and e-mail, case-insensitive
			{"corp", []string{"Acme Corp"}},                                            // name only
			{"GLOBEX.COM", []string{"Globex"}},                                         // e-mail only
			{"HANK@", []string{"Globex"}},                                              // e-mail only
			{"%", []string{"100% Real"}},                                               // % is literal
			{"0%", []string{"100% Real"}},                                              // not "anything after 0"
			{"_", []string{"Under_Score"}},                                             // _ is literal
			{"r_s", []string{"Under_Score"}},                                           // not "r, any character, s"
			{`\`, []string{`Back\Slash`}},                                              // the escape character itself
			{`k\s`, []string{`Back\Slash`}},                                            // …inside a word
			{"  acme  ", []string{"Acme Corp"}},                                        // trimmed
			{"nothing-like-this", nil},                                                 // no match
			{"", clientNames(mustAll(t, s))},                                           // empty = all
			{"EXAMPLE", []string{"Other", "UnderXScore", "Under_Score", `Back\Slash`}}, // e-mails
		}
		for _, tc := range cases {
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if got := search(tc.q); !slices.Equal(got, want) {
				t.Errorf("q=%q: %q, want %q", tc.q, got, want)
			}
		}
	})
}

func mustAll(t *testing.T, s *models.Store) []*models.Client {
	t.Helper()
	p, err := s.ListClients(ctx, admin, models.ClientQuery{PageQuery: models.PageQuery{Limit: models.MaxPageLimit}})
	if err != nil {
		t.Fatal(err)
	}
	return p.Clients
}

// TestClientSearchNonASCII: API.md says q matches case-insensitively; names
// are not only ASCII.
func TestClientSearchNonASCII(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		mustClient(t, s, "Élan Vital", "elan@vital.fr")
		mustClient(t, s, "Müller GmbH", "info@mueller.de")
		for _, q := range []string{"élan", "ÉLAN", "MÜLLER", "müller"} {
			p, err := s.ListClients(ctx, admin, models.ClientQuery{Q: q})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Clients) != 1 {
				t.Errorf("q=%q matched %v, want one client", q, clientNames(p.Clients))
			}
		}
	})
}

// ---- domains ----

func TestDomainCreate(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		c := mustClient(t, s, "Acme", "owner@acme.com")
		d, err := s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: "ls.acme.com"}, models.DNSDefaults{}, "api_key:key_x")
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, d *models.Domain) {
			t.Helper()
			if !strings.HasPrefix(d.ID, models.PrefixDomain) || d.ClientID != c.ID ||
				d.Host != "ls.acme.com" || d.Apex != "acme.com" || d.Subdomain != "ls" ||
				d.Purpose != models.PurposeLinkShortening || d.SetupMode != models.SetupNone ||
				d.Status != models.StatusPending || d.StatusReason != "" ||
				d.DNSStatus != models.DNSNotStarted || d.SSLStatus != models.SSLNone ||
				d.CNAMETarget != models.DefaultCNAMETarget || d.CNAMETTL != models.DefaultCNAMETTL ||
				d.DomainSID != "" || d.CertExpiresAt != nil || d.CreatedAt.IsZero() {
				t.Errorf("%s: %+v", what, d)
			}
		}
		check("created", d)
		got, err := s.GetDomain(ctx, admin, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		check("read back", got)

		evs, err := s.DomainEvents(ctx, admin, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].From != "" || evs[0].To != models.StatusPending ||
			evs[0].Actor != "api_key:key_x" || evs[0].Reason == "" || evs[0].DomainID != d.ID || evs[0].At.IsZero() {
			t.Errorf("events %+v, want one \"\" → pending", evs)
		}
		if v := evs[0].View(); v.From != nil || v.To != models.StatusPending {
			t.Errorf("event view %+v, want from null", v)
		}

		// Apex with the default and an explicit subdomain; custom DNS defaults.
		sub := "go"
		d2, err := s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: "Example.COM", Subdomain: &sub},
			models.DNSDefaults{Target: "x.example.net.", TTL: 300}, "test")
		if err != nil {
			t.Fatal(err)
		}
		if d2.Host != "go.example.com" || d2.Apex != "example.com" || d2.Subdomain != "go" ||
			d2.CNAMETarget != "x.example.net." || d2.CNAMETTL != 300 {
			t.Errorf("explicit subdomain: %+v", d2)
		}
		d3 := mustDomain(t, s, c.ID, "example.org")
		if d3.Host != "ls.example.org" || d3.Subdomain != "ls" {
			t.Errorf("default subdomain: %+v", d3)
		}
		if got, _ := s.GetClient(ctx, admin, c.ID); got.DomainCount != 3 {
			t.Errorf("domain_count %d, want 3", got.DomainCount)
		}
		counts, err := s.CountDomainsByStatus(ctx)
		if err != nil || counts[models.StatusPending] != 3 || len(counts) != 1 {
			t.Errorf("counts by status %v, %v", counts, err)
		}

		// Unknown client.
		_, err = s.CreateDomain(ctx, admin, "cli_01ARZ3NDEKTSV4RRFFQ69G5FAV", models.DomainInput{Domain: "new.com"}, models.DNSDefaults{}, "t")
		wantError(t, err, models.KindNotFound, "not_found")

		// Delete removes the timeline too.
		if err := s.DeleteDomain(ctx, admin, d.ID, "test"); err != nil {
			t.Fatal(err)
		}
		_, err = s.GetDomain(ctx, admin, d.ID)
		wantError(t, err, models.KindNotFound, "not_found")
		_, err = s.DomainEvents(ctx, admin, d.ID)
		wantError(t, err, models.KindNotFound, "not_found")
		err = s.DeleteDomain(ctx, admin, d.ID, "test")
		wantError(t, err, models.KindNotFound, "not_found")
		var n int
		if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM domain_events WHERE domain_id = "+
			placeholder(db)+"", d.ID).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d events left for the deleted domain (%v)", n, err)
		}
	})
}

func placeholder(db *models.DB) string {
	if db.Dialect == models.Postgres {
		return "$1"
	}
	return "?"
}

func TestDomainDuplicateHost(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		a := mustClient(t, s, "Acme", "owner@acme.com")
		b := mustClient(t, s, "Bcme", "owner@bcme.com")
		mustDomain(t, s, a.ID, "ls.acme.com")
		for _, tc := range []struct {
			client string
			in     string
		}{{b.ID, "acme.com"}, {b.ID, "LS.ACME.COM"}, {a.ID, "ls.acme.com"}} {
			_, err := s.CreateDomain(ctx, admin, tc.client, models.DomainInput{Domain: tc.in}, models.DNSDefaults{}, "t")
			wantError(t, err, models.KindConflict, "domain_taken", "domain")
		}
		if n := countRows(t, db, "domains"); n != 1 {
			t.Errorf("%d domains, want 1", n)
		}
		if n := countRows(t, db, "domain_events"); n != 1 {
			t.Errorf("%d events, want 1", n)
		}
	})
}

func TestDomainInvalidStoresNothing(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		c := mustClient(t, s, "Acme", "owner@acme.com")
		for _, bad := range []string{"", "not a domain", "co.uk", "192.168.0.1", "https://acme.com/", "acme", "*.acme.com", "acme..com"} {
			_, err := s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: bad}, models.DNSDefaults{}, "t")
			e := asModelError(t, err)
			if e.Kind != models.KindInvalid || len(e.Fields) == 0 || e.Fields[0].Field != "domain" {
				t.Errorf("domain %q: %v (kind %s, fields %v), want invalid naming domain", bad, err, e.Kind, e.Fields)
			}
		}
		empty := ""
		_, err := s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: "acme.com", Subdomain: &empty}, models.DNSDefaults{}, "t")
		if e := asModelError(t, err); e.Kind != models.KindInvalid || e.Fields[0].Field != "subdomain" {
			t.Errorf("empty subdomain: %v", err)
		}
		_, err = s.CreateDomain(ctx, admin, c.ID, models.DomainInput{Domain: "acme.com", Purpose: "phishing"}, models.DNSDefaults{}, "t")
		wantError(t, err, models.KindInvalid, "invalid_purpose", "purpose")
		if n := countRows(t, db, "domains"); n != 0 {
			t.Errorf("%d domains stored", n)
		}
		if n := countRows(t, db, "domain_events"); n != 0 {
			t.Errorf("%d events stored", n)
		}
	})
}

func TestDomainList(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		a := mustClient(t, s, "Acme", "owner@acme.com")
		b := mustClient(t, s, "Bcme", "owner@bcme.com")
		var created []*models.Domain
		for _, x := range []struct{ c, d string }{
			{a.ID, "acme.com"}, {a.ID, "acme.net"}, {a.ID, "acme.org"},
			{b.ID, "bcme.com"}, {b.ID, "bcme.net"},
		} {
			created = append(created, mustDomain(t, s, x.c, x.d))
		}
		setStatus := func(d *models.Domain, st models.Status) {
			if err := db.Gorm.Model(&models.Domain{}).Where("id = ?", d.ID).Update("status", st).Error; err != nil {
				t.Fatal(err)
			}
		}
		setStatus(created[1], models.StatusDNSPending)
		setStatus(created[4], models.StatusDNSPending)
		setStatus(created[2], models.StatusConfigured)

		hosts := func(q models.DomainQuery) ([]int, []string) {
			t.Helper()
			sizes, ds := allDomains(t, s, admin, q)
			for i := 1; i < len(ds); i++ {
				if ds[i].ID >= ds[i-1].ID {
					t.Errorf("not newest first: %s after %s", ds[i].ID, ds[i-1].ID)
				}
			}
			return sizes, domainHosts(ds)
		}
		page2 := models.PageQuery{Limit: 2}

		sizes, got := hosts(models.DomainQuery{PageQuery: page2})
		if !slices.Equal(sizes, []int{2, 2, 1}) || len(got) != 5 || len(slices.Compact(got)) != 5 {
			t.Errorf("all: sizes %v hosts %v", sizes, got)
		}
		if _, got = hosts(models.DomainQuery{Status: models.StatusDNSPending, PageQuery: page2}); !slices.Equal(got, []string{"ls.acme.net", "ls.bcme.net"}) {
			t.Errorf("status dns_pending: %v", got)
		}
		if _, got = hosts(models.DomainQuery{Status: models.StatusPending}); !slices.Equal(got, []string{"ls.acme.com", "ls.bcme.com"}) {
			t.Errorf("status pending: %v", got)
		}
		if sizes, got = hosts(models.DomainQuery{ClientID: a.ID, PageQuery: page2}); !slices.Equal(got, []string{"ls.acme.com", "ls.acme.net", "ls.acme.org"}) || !slices.Equal(sizes, []int{2, 1}) {
			t.Errorf("client a: %v %v", sizes, got)
		}
		if _, got = hosts(models.DomainQuery{ClientID: b.ID, Status: models.StatusDNSPending}); !slices.Equal(got, []string{"ls.bcme.net"}) {
			t.Errorf("client b, dns_pending: %v", got)
		}
		if _, got = hosts(models.DomainQuery{Q: ".NET", PageQuery: models.PageQuery{Limit: 1}}); !slices.Equal(got, []string{"ls.acme.net", "ls.bcme.net"}) {
			t.Errorf("q .NET: %v", got)
		}
		if _, got = hosts(models.DomainQuery{Q: "bcme", ClientID: a.ID}); len(got) != 0 {
			t.Errorf("q bcme within client a: %v", got)
		}
		for _, q := range []string{"%", "_", "ls_acme"} {
			if _, got = hosts(models.DomainQuery{Q: q}); len(got) != 0 {
				t.Errorf("q %q: %v, want nothing (wildcards are literal)", q, got)
			}
		}
		if _, got = hosts(models.DomainQuery{Status: models.StatusArchived}); len(got) != 0 {
			t.Errorf("archived: %v", got)
		}

		_, err := s.ListDomains(ctx, admin, models.DomainQuery{Status: "bogus"})
		wantError(t, err, models.KindInvalid, "invalid_status", "status")
		_, err = s.ListDomains(ctx, admin, models.DomainQuery{PageQuery: models.PageQuery{Limit: 201}})
		wantError(t, err, models.KindInvalid, "invalid_limit", "limit")
		_, err = s.ListDomains(ctx, admin, models.DomainQuery{PageQuery: models.PageQuery{Cursor: "nope"}})
		wantError(t, err, models.KindBadRequest, "invalid_cursor", "cursor")
		clientCursor := base64.RawURLEncoding.EncodeToString([]byte("v1:" + a.ID))
		_, err = s.ListDomains(ctx, admin, models.DomainQuery{PageQuery: models.PageQuery{Cursor: clientCursor}})
		wantError(t, err, models.KindBadRequest, "invalid_cursor", "cursor")
	})
}

// ---- scopes ----

func TestScopeIsolation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		a := mustClient(t, s, "Acme", "owner@acme.com")
		b := mustClient(t, s, "Bcme", "owner@bcme.com")
		da := mustDomain(t, s, a.ID, "acme.com")
		db1 := mustDomain(t, s, b.ID, "bcme.com")
		mustDomain(t, s, b.ID, "bcme.net")
		sa := models.Scope{ClientID: a.ID}
		if sa.Admin() || !admin.Admin() {
			t.Fatal("Scope.Admin is wrong")
		}
		notFound := func(what string, err error) {
			t.Helper()
			e := asModelError(t, err)
			if e.Kind != models.KindNotFound {
				t.Errorf("%s: %v, want not found", what, err)
			}
		}

		// Own rows are visible.
		if c, err := s.GetClient(ctx, sa, a.ID); err != nil || c.ID != a.ID || c.DomainCount != 1 {
			t.Errorf("own client: %+v, %v", c, err)
		}
		if d, err := s.GetDomain(ctx, sa, da.ID); err != nil || d.ID != da.ID {
			t.Errorf("own domain: %+v, %v", d, err)
		}
		if evs, err := s.DomainEvents(ctx, sa, da.ID); err != nil || len(evs) != 1 {
			t.Errorf("own events: %v, %v", evs, err)
		}

		// Another client's rows are not found.
		_, err := s.GetClient(ctx, sa, b.ID)
		notFound("get other client", err)
		_, err = s.GetDomain(ctx, sa, db1.ID)
		notFound("get other domain", err)
		_, err = s.DomainEvents(ctx, sa, db1.ID)
		notFound("other domain's events", err)
		err = s.DeleteDomain(ctx, sa, db1.ID, "test")
		notFound("delete other domain", err)
		_, err = s.CreateDomain(ctx, sa, b.ID, models.DomainInput{Domain: "sneaky.com"}, models.DNSDefaults{}, "t")
		notFound("create domain for other client", err)
		name := "pwned"
		_, err = s.UpdateClient(ctx, sa, b.ID, models.ClientPatch{Name: &name})
		notFound("update other client", err)
		err = s.DeleteClient(ctx, sa, b.ID)
		notFound("delete other client", err)
		_, err = s.ListDomains(ctx, sa, models.DomainQuery{ClientID: b.ID})
		notFound("list other client's domains", err)

		// Nothing of b's changed.
		if got, err := s.GetDomain(ctx, admin, db1.ID); err != nil || got.ID != db1.ID {
			t.Errorf("b's domain after attempts: %v", err)
		}
		if got, err := s.GetClient(ctx, admin, b.ID); err != nil || got.Name != "Bcme" || got.DomainCount != 2 {
			t.Errorf("b after attempts: %+v, %v", got, err)
		}
		if n := countRows(t, db, "domains"); n != 3 {
			t.Errorf("%d domains, want 3", n)
		}

		// Lists show only own rows, whatever the filters.
		_, ids := allClients(t, s, sa, models.ClientQuery{})
		if !slices.Equal(ids, []string{a.ID}) {
			t.Errorf("client list in scope a: %v", ids)
		}
		_, ids = allClients(t, s, sa, models.ClientQuery{Q: "bcme"})
		if len(ids) != 0 {
			t.Errorf("client search for b in scope a: %v", ids)
		}
		_, ds := allDomains(t, s, sa, models.DomainQuery{})
		if got := domainHosts(ds); !slices.Equal(got, []string{"ls.acme.com"}) {
			t.Errorf("domain list in scope a: %v", got)
		}
		_, ds = allDomains(t, s, sa, models.DomainQuery{Q: "bcme"})
		if len(ds) != 0 {
			t.Errorf("domain search for b in scope a: %v", domainHosts(ds))
		}
		_, ds = allDomains(t, s, sa, models.DomainQuery{ClientID: a.ID, Status: models.StatusPending})
		if len(ds) != 1 {
			t.Errorf("own domains by status: %v", domainHosts(ds))
		}

		// A client may not change or delete even itself.
		_, err = s.UpdateClient(ctx, sa, a.ID, models.ClientPatch{Name: &name})
		wantError(t, err, models.KindForbidden, "forbidden")
		err = s.DeleteClient(ctx, sa, a.ID)
		wantError(t, err, models.KindForbidden, "forbidden")
		if got, _ := s.GetClient(ctx, admin, a.ID); got.Name != "Acme" {
			t.Errorf("a renamed to %q", got.Name)
		}

		// A client may add a domain for itself.
		d, err := s.CreateDomain(ctx, sa, a.ID, models.DomainInput{Domain: "acme.io"}, models.DNSDefaults{}, "t")
		if err != nil || d.ClientID != a.ID {
			t.Errorf("own create: %+v, %v", d, err)
		}
	})
}

// ---- API keys ----

func TestAPIKeyCreateAndAuthenticate(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		c := mustClient(t, s, "Acme", "owner@acme.com")
		key, k, err := s.CreateAPIKey(ctx, models.RoleClient, c.ID, "ci")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(key, models.ClientKeyPrefix) || len(key) < len(models.ClientKeyPrefix)+40 {
			t.Errorf("key %q", key)
		}
		sum := sha256.Sum256([]byte(key))
		if k.KeyHash != hex.EncodeToString(sum[:]) || models.HashKey(key) != k.KeyHash {
			t.Errorf("key_hash %q is not the SHA-256 hex of the key", k.KeyHash)
		}
		if !strings.HasPrefix(key, k.Prefix) || len(k.Prefix) >= len(key)-20 {
			t.Errorf("display prefix %q gives too much of the key away", k.Prefix)
		}
		if k.Role != models.RoleClient || k.ClientID == nil || *k.ClientID != c.ID || k.Name != "ci" || k.LastUsedAt != nil {
			t.Errorf("stored key %+v", k)
		}

		// The stored row: the hash, never the key.
		rows, err := db.SQL.QueryContext(ctx, "SELECT * FROM api_keys")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		nrows := 0
		for rows.Next() {
			nrows++
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			secret := key[len(models.ClientKeyPrefix):]
			foundHash := false
			for i, v := range vals {
				str := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					str = string(b)
				}
				if strings.Contains(str, key) || strings.Contains(str, secret[:20]) {
					t.Errorf("column %s holds the key: %q", cols[i], str)
				}
				if cols[i] == "key_hash" && str == k.KeyHash {
					foundHash = true
				}
			}
			if !foundHash {
				t.Errorf("no key_hash column with the hash in %v", vals)
			}
		}
		rows.Close()
		if nrows != 1 {
			t.Errorf("%d api_keys rows, want 1", nrows)
		}

		got, err := s.Authenticate(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != k.ID || got.Role != models.RoleClient || got.Scope() != (models.Scope{ClientID: c.ID}) ||
			got.Actor() != "api_key:"+k.ID {
			t.Errorf("authenticated %+v", got)
		}

		last := "a"
		if strings.HasSuffix(key, "a") {
			last = "b"
		}
		wrong := key[:len(key)-1] + last // same prefix and length, one character off
		if wrong == key {
			t.Fatal("test bug: wrong key equals key")
		}
		for _, bad := range []string{wrong, "", "garbage", models.ClientKeyPrefix, k.KeyHash, strings.ToUpper(key),
			models.AdminKeyPrefix + key[len(models.ClientKeyPrefix):]} {
			got, err := s.Authenticate(ctx, bad)
			if !errors.Is(err, models.ErrBadKey) || got != nil {
				t.Errorf("Authenticate(%q) = %v, %v; want ErrBadKey", bad, got, err)
			}
			if e := asModelError(t, err); e.Kind != models.KindUnauthorized {
				t.Errorf("bad key kind %s", e.Kind)
			}
		}

		// Admin keys.
		akey, ak, err := s.CreateAPIKey(ctx, models.RoleAdmin, "", "ops")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(akey, models.AdminKeyPrefix) || ak.ClientID != nil || akey == key {
			t.Errorf("admin key %q %+v", akey, ak)
		}
		got, err = s.Authenticate(ctx, akey)
		if err != nil || got.ID != ak.ID || got.Role != models.RoleAdmin || !got.Scope().Admin() {
			t.Errorf("admin key authenticates as %+v, %v", got, err)
		}
		if n, err := s.CountAdminKeys(ctx); err != nil || n != 1 {
			t.Errorf("admin keys %d, %v", n, err)
		}

		// Invalid requests.
		_, _, err = s.CreateAPIKey(ctx, models.RoleAdmin, c.ID, "x")
		wantError(t, err, models.KindInvalid, "invalid_key", "client_id")
		_, _, err = s.CreateAPIKey(ctx, models.RoleClient, "", "x")
		wantError(t, err, models.KindInvalid, "invalid_key", "client_id")
		_, _, err = s.CreateAPIKey(ctx, "root", "", "x")
		wantError(t, err, models.KindInvalid, "invalid_key", "role")
		_, _, err = s.CreateAPIKey(ctx, models.RoleClient, "cli_01ARZ3NDEKTSV4RRFFQ69G5FAV", "x")
		wantError(t, err, models.KindNotFound, "not_found")
		if n := countRows(t, db, "api_keys"); n != 2 {
			t.Errorf("%d keys, want 2", n)
		}
	})
}

func TestAPIKeyLastUsed(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		clk := &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)}
		s := models.NewStore(db, clk.Now)
		c := mustClient(t, s, "Acme", "owner@acme.com")
		key, k, err := s.CreateAPIKey(ctx, models.RoleClient, c.ID, "ci")
		if err != nil {
			t.Fatal(err)
		}
		stored := func() *time.Time {
			t.Helper()
			var row models.APIKey
			if err := db.Gorm.Where("id = ?", k.ID).Take(&row).Error; err != nil {
				t.Fatal(err)
			}
			return row.LastUsedAt
		}
		if lu := stored(); lu != nil {
			t.Fatalf("last_used_at %v before any use", lu)
		}

		t0 := clk.Now().Truncate(time.Microsecond)
		got, err := s.Authenticate(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastUsedAt == nil || !got.LastUsedAt.Equal(t0) {
			t.Errorf("returned last_used_at %v, want %v", got.LastUsedAt, t0)
		}
		if lu := stored(); lu == nil || !lu.Equal(t0) {
			t.Fatalf("stored last_used_at %v, want %v", lu, t0)
		}

		// Within the minute: not rewritten.
		for _, d := range []time.Duration{time.Second, 30 * time.Second, 28 * time.Second} { // t0+59s
			clk.Advance(d)
			got, err := s.Authenticate(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if lu := stored(); lu == nil || !lu.Equal(t0) {
				t.Errorf("at %v: stored last_used_at %v, want still %v", clk.Now().Sub(t0), lu, t0)
			}
			if got.LastUsedAt == nil || !got.LastUsedAt.Equal(t0) {
				t.Errorf("at %v: returned last_used_at %v, want %v", clk.Now().Sub(t0), got.LastUsedAt, t0)
			}
		}

		// A minute after the last write: written again.
		clk.Advance(time.Second) // t0+60s
		t1 := clk.Now().Truncate(time.Microsecond)
		if _, err := s.Authenticate(ctx, key); err != nil {
			t.Fatal(err)
		}
		if lu := stored(); lu == nil || !lu.Equal(t1) {
			t.Errorf("after a minute: stored last_used_at %v, want %v", lu, t1)
		}
		clk.Advance(10 * time.Second)
		if _, err := s.Authenticate(ctx, key); err != nil {
			t.Fatal(err)
		}
		if lu := stored(); lu == nil || !lu.Equal(t1) {
			t.Errorf("10s later: stored last_used_at %v, want %v", lu, t1)
		}
	})
}

func TestEnsureAdminKey(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		key := models.AdminKeyPrefix + "bootstrapbootstrapbootstrap0"
		created, err := s.EnsureAdminKey(ctx, key, "bootstrap")
		if err != nil || !created {
			t.Fatalf("first EnsureAdminKey = %v, %v; want true", created, err)
		}
		created, err = s.EnsureAdminKey(ctx, key, "bootstrap")
		if err != nil || created {
			t.Fatalf("second EnsureAdminKey = %v, %v; want false", created, err)
		}
		if n, err := s.CountAdminKeys(ctx); err != nil || n != 1 {
			t.Errorf("admin keys %d, %v; want 1", n, err)
		}
		k, err := s.Authenticate(ctx, key)
		if err != nil || k.Role != models.RoleAdmin || k.Name != "bootstrap" || k.KeyHash != models.HashKey(key) {
			t.Errorf("bootstrap key authenticates as %+v, %v", k, err)
		}

		for _, bad := range []string{
			"", models.AdminKeyPrefix + "short",
			models.ClientKeyPrefix + "bootstrapbootstrapbootstrap0",
			"bootstrapbootstrapbootstrapbootstrap",
		} {
			created, err := s.EnsureAdminKey(ctx, bad, "x")
			if created {
				t.Errorf("EnsureAdminKey(%q) created a key", bad)
			}
			wantError(t, err, models.KindInvalid, "invalid_key")
		}
		if n := countRows(t, db, "api_keys"); n != 1 {
			t.Errorf("%d keys, want 1", n)
		}
	})
}

// ---- users ----

func TestCreateUser(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		const pw = "correct horse battery staple"
		u, err := s.CreateUser(ctx, models.UserInput{Email: "Admin@Acme.COM", Password: pw, Role: models.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(u.ID, models.PrefixUser) || u.Email != "admin@acme.com" || u.Role != models.RoleAdmin || u.ClientID != nil {
			t.Errorf("user %+v", u)
		}
		var row models.User
		if err := db.Gorm.Where("id = ?", u.ID).Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		if row.PasswordHash == pw || strings.Contains(row.PasswordHash, pw) || row.Email != "admin@acme.com" {
			t.Errorf("stored row %+v", row)
		}
		if err := bcrypt.CompareHashAndPassword([]byte(row.PasswordHash), []byte(pw)); err != nil {
			t.Errorf("stored hash does not verify the password: %v", err)
		}
		if err := bcrypt.CompareHashAndPassword([]byte(row.PasswordHash), []byte(pw+"x")); err == nil {
			t.Error("stored hash verifies a wrong password")
		}
		var clear int
		if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE password_hash LIKE "+placeholder(db),
			"%"+pw+"%").Scan(&clear); err != nil || clear != 0 {
			t.Errorf("password stored in clear (%d rows, %v)", clear, err)
		}
		if ok, err := s.UserExists(ctx, "ADMIN@acme.com"); err != nil || !ok {
			t.Errorf("UserExists = %v, %v", ok, err)
		}
		if ok, err := s.UserExists(ctx, "nobody@acme.com"); err != nil || ok {
			t.Errorf("UserExists(nobody) = %v, %v", ok, err)
		}

		_, err = s.CreateUser(ctx, models.UserInput{Email: "ADMIN@acme.com", Password: "another password", Role: models.RoleAdmin})
		wantError(t, err, models.KindConflict, "email_taken", "email")

		_, err = s.CreateUser(ctx, models.UserInput{Email: "x", Password: "short", Role: "root"})
		wantError(t, err, models.KindInvalid, "invalid_user", "email", "password", "role")
		_, err = s.CreateUser(ctx, models.UserInput{Email: "c@acme.com", Password: pw, Role: models.RoleClient})
		wantError(t, err, models.KindInvalid, "invalid_user", "client_id")
		_, err = s.CreateUser(ctx, models.UserInput{Email: "c@acme.com", Password: strings.Repeat("p", 73), Role: models.RoleAdmin})
		wantError(t, err, models.KindInvalid, "invalid_user", "password")
		_, err = s.CreateUser(ctx, models.UserInput{Email: "c@acme.com", Password: pw, Role: models.RoleClient,
			ClientID: "cli_01ARZ3NDEKTSV4RRFFQ69G5FAV"})
		wantError(t, err, models.KindNotFound, "not_found")

		c := mustClient(t, s, "Acme", "owner@acme.com")
		cu, err := s.CreateUser(ctx, models.UserInput{Email: "c@acme.com", Password: pw, Role: models.RoleClient, ClientID: c.ID})
		if err != nil || cu.ClientID == nil || *cu.ClientID != c.ID || cu.Role != models.RoleClient {
			t.Errorf("client user %+v, %v", cu, err)
		}
		if n := countRows(t, db, "users"); n != 2 {
			t.Errorf("%d users, want 2", n)
		}
	})
}

func TestSandboxState(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		ctx := context.Background()
		if _, found, err := s.LoadSandboxState(ctx, "twilio"); err != nil || found {
			t.Fatalf("empty store: found=%v err=%v", found, err)
		}
		if err := s.SaveSandboxState(ctx, "twilio", []byte(`{"v":1}`)); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveSandboxState(ctx, "twilio", []byte(`{"v":2}`)); err != nil {
			t.Fatal(err)
		}
		data, found, err := s.LoadSandboxState(ctx, "twilio")
		if err != nil || !found || string(data) != `{"v":2}` {
			t.Fatalf("load: %q found=%v err=%v", data, found, err)
		}
	})
}
