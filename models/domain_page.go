package models

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// The domain list's page in one query (GET /api/v1/domains runs it on
// every request; on SQLite a search may try one or two walks first, see
// hostSearch): the domains' rows with their Messaging Services and
// pools aggregated by correlated subqueries (in FillDomains' order). The
// statement is written here rather than by GORM, and its rows are scanned
// by hand: on PostgreSQL through pgx itself on a connection of the pool,
// without database/sql's per-value conversions (cmd/lgload measured GORM's
// statement building and database/sql's scanning as most of the
// handler's time).

// domainPageColumns are Domain's columns in scanDomain's order.
const domainPageColumns = `domains.id, domains.client_id, domains.host, domains.apex, domains.subdomain, domains.purpose,
 domains.setup_mode, domains.status, domains.status_reason, domains.dns_status, domains.ssl_status, domains.cname_target,
 domains.cname_ttl, domains.domain_sid, domains.cert_expires_at, domains.failed_step, domains.version, domains.created_at,
 domains.updated_at, domains.status_changed_at, domains.failure_kind, domains.failure_detail, domains.messages_sent,
 domains.last_used_at, domains.configured_at, domains.archived_at, domains.archived_from, domains.archive_warned_at,
 domains.carrier_filtered`

// domainPageSelect is domainPageColumns and the two lists, comma-joined
// (Messaging Service SIDs and pool ids hold no commas), per engine.
func (s *Store) domainPageSelect() string {
	agg := "string_agg"
	if s.db.Dialect == SQLite {
		agg = "group_concat"
	}
	return domainPageColumns + `,
 (SELECT ` + agg + `(m.messaging_service_sid, ',' ORDER BY m.attached_at, m.messaging_service_sid)
   FROM domain_messaging_services m WHERE m.domain_id = domains.id),
 (SELECT ` + agg + `(p.pool_id, ',' ORDER BY p.pool_id) FROM pool_domains p WHERE p.domain_id = domains.id)`
}

// sqlCond is one condition of a WHERE clause, with ? for its arguments
// (GORM's Where takes it as it is; domainPageStatement numbers them for
// PostgreSQL).
type sqlCond struct {
	sql  string
	args []any
}

// DomainPageStatement is the statement ListDomains runs for q and its
// arguments, in the engine's placeholders, with what ListDomains checks
// first (q's fields, the pool's visibility) checked the same way. On
// SQLite a search may first try the walk (domainPageWalk); this is the
// statement that answers every page. cmd/lgload runs it bare as the
// baseline of the list API.
func (s *Store) DomainPageStatement(ctx context.Context, sc Scope, q DomainQuery) (string, []any, error) {
	p, err := s.domainPage(ctx, sc, q)
	return p.stmt, p.args, err
}

// pageStatements are a page's statement and, for a search on SQLite, the
// walk tried first (walk is "" otherwise).
type pageStatements struct {
	stmt, walk     string
	args, walkArgs []any
	limit          int
	// windowArg is the index in walkArgs of the walk's window: how many
	// of the newest domains in the filter it tests at most.
	windowArg int
}

// A search page's walk on SQLite (ListDomains) first tests the newest
// firstWalk domains of the filter. A page it does not fill is walked
// again only if the share of hosts matching there says the page fills
// within maxWalk domains (with a margin of two); otherwise the trigram
// index answers. So a rare word costs the trigram index and a walk of
// firstWalk, and a word in about 0.7 % of the filter's domains or more
// (7 of the first 1,024 for a page of 50) costs at most two walks.
const (
	firstWalk = 1024
	maxWalk   = 16384
)

// domainPage builds ListDomains' statements; limit is the page's size
// (the statements ask for one row more, to know whether a next page
// exists).
func (s *Store) domainPage(ctx context.Context, sc Scope, q DomainQuery) (pageStatements, error) {
	limit, err := q.limit()
	if err != nil {
		return pageStatements{}, err
	}
	conds, search, err := s.domainConds(ctx, sc, q)
	if err != nil {
		return pageStatements{}, err
	}
	if q.Cursor != "" {
		after, err := decodeCursor(PrefixDomain, q.Cursor)
		if err != nil {
			return pageStatements{}, err
		}
		conds = append(conds, sqlCond{"id < ?", []any{after}})
	}
	p := pageStatements{limit: limit}
	var b strings.Builder
	b.Grow(1024)
	b.WriteString("SELECT ")
	b.WriteString(s.domainPageSelect())
	b.WriteString("\n FROM domains")
	head := b.String()
	all := conds
	if search != nil {
		all = append(slices.Clip(conds), search.match)
	}
	p.args = s.writeWhere(&b, all, nil)
	b.WriteString(" ORDER BY id DESC LIMIT ")
	p.args = s.writeSQL(&b, sqlCond{"?", []any{limit + 1}}, p.args)
	p.stmt = b.String()
	if search != nil && search.walk != nil {
		// SQLite only: ? placeholders.
		b.Reset()
		b.WriteString(head)
		b.WriteString(" WHERE id IN (SELECT id FROM (SELECT id, host FROM domains")
		p.walkArgs = s.writeWhere(&b, conds, nil)
		b.WriteString(" ORDER BY id DESC LIMIT ?) WHERE ")
		p.windowArg = len(p.walkArgs)
		p.walkArgs = append(p.walkArgs, firstWalk)
		p.walkArgs = s.writeSQL(&b, *search.walk, p.walkArgs)
		b.WriteString(" ORDER BY id DESC LIMIT ?) ORDER BY id DESC LIMIT ?")
		p.walkArgs = append(p.walkArgs, limit+1, limit+1)
		p.walk = b.String()
	}
	return p, nil
}

// writeWhere writes " WHERE c1 AND c2 …" (nothing for no conditions)
// with writeSQL, and returns args and the conditions' arguments.
func (s *Store) writeWhere(b *strings.Builder, conds []sqlCond, args []any) []any {
	for i, c := range conds {
		if i == 0 {
			b.WriteString(" WHERE ")
		} else {
			b.WriteString(" AND ")
		}
		args = s.writeSQL(b, c, args)
	}
	return args
}

// writeSQL writes c, its placeholders numbered after args on PostgreSQL,
// and returns args and c's arguments.
func (s *Store) writeSQL(b *strings.Builder, c sqlCond, args []any) []any {
	n := len(args)
	for j := 0; j < len(c.sql); j++ {
		if c.sql[j] != '?' || s.db.Dialect != Postgres {
			b.WriteByte(c.sql[j])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return append(args, c.args...)
}

// queryDomainPage runs the page's statement and reads its rows.
func (s *Store) queryDomainPage(ctx context.Context, stmt string, args []any, limit int) ([]*Domain, error) {
	var out []*Domain
	var err error
	if s.db.Dialect == Postgres {
		out, err = s.pgxDomainPage(ctx, stmt, args, limit)
	} else {
		out, err = s.sqlDomainPage(ctx, stmt, args, limit)
	}
	if err != nil {
		return nil, internal("list domains", err)
	}
	return out, nil
}

// errNotPgx: the pool's connections are not pgx's (never with Open's).
var errNotPgx = errors.New("models: not a pgx connection")

// pgxDomainPage reads the page through pgx on one of the pool's
// connections (its statement cache and settings included).
func (s *Store) pgxDomainPage(ctx context.Context, stmt string, args []any, limit int) ([]*Domain, error) {
	conn, err := s.db.SQL.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var out []*Domain
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return errNotPgx
		}
		rows, err := c.Conn().Query(ctx, stmt, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		all := make([]Domain, 0, limit+1) // one allocation for the page
		var sids, pools pgtype.Text
		for rows.Next() {
			all = append(all, Domain{})
			d := &all[len(all)-1]
			if err := rows.Scan(domainDests(d, &sids, &pools)...); err != nil {
				return err
			}
			d.MessagingServiceSIDs, d.PoolIDs = splitAgg(sids.String), splitAgg(pools.String)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		out = make([]*Domain, len(all))
		for i := range all {
			out[i] = &all[i]
		}
		return nil
	})
	if errors.Is(err, errNotPgx) {
		return s.sqlDomainPage(ctx, stmt, args, limit)
	}
	return out, err
}

// domainDests are the scan destinations of domainPageSelect's columns for
// pgx, which reads NULL into a nil pointer and a NULL list as "".
func domainDests(d *Domain, sids, pools *pgtype.Text) []any {
	return []any{&d.ID, &d.ClientID, &d.Host, &d.Apex, &d.Subdomain, (*string)(&d.Purpose),
		(*string)(&d.SetupMode), (*string)(&d.Status), &d.StatusReason, (*string)(&d.DNSStatus), (*string)(&d.SSLStatus), &d.CNAMETarget,
		&d.CNAMETTL, &d.DomainSID, &d.CertExpiresAt, &d.FailedStep, &d.Version, &d.CreatedAt,
		&d.UpdatedAt, &d.StatusChangedAt, (*string)(&d.FailureKind), &d.FailureDetail, &d.MessagesSent,
		&d.LastUsedAt, &d.ConfiguredAt, &d.ArchivedAt, (*string)(&d.ArchivedFrom), &d.ArchiveWarnedAt,
		&d.CarrierFiltered, sids, pools}
}

// sqlDomainPage reads the page through database/sql (SQLite), the
// statement prepared once.
func (s *Store) sqlDomainPage(ctx context.Context, stmt string, args []any, limit int) ([]*Domain, error) {
	rows, err := s.db.hotQuery(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]*Domain, 0, limit+1)
	for rows.Next() {
		d, err := scanDomain(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func scanDomain(rows *sql.Rows) (*Domain, error) {
	d := &Domain{}
	var certExpires, lastUsed, configured, archived, warned sql.NullTime
	var sids, pools sql.NullString
	err := rows.Scan(&d.ID, &d.ClientID, &d.Host, &d.Apex, &d.Subdomain, (*string)(&d.Purpose),
		(*string)(&d.SetupMode), (*string)(&d.Status), &d.StatusReason, (*string)(&d.DNSStatus), (*string)(&d.SSLStatus), &d.CNAMETarget,
		&d.CNAMETTL, &d.DomainSID, &certExpires, &d.FailedStep, &d.Version, &d.CreatedAt,
		&d.UpdatedAt, &d.StatusChangedAt, (*string)(&d.FailureKind), &d.FailureDetail, &d.MessagesSent,
		&lastUsed, &configured, &archived, (*string)(&d.ArchivedFrom), &warned,
		&d.CarrierFiltered, &sids, &pools)
	if err != nil {
		return nil, err
	}
	d.CertExpiresAt, d.LastUsedAt, d.ConfiguredAt = nullTime(certExpires), nullTime(lastUsed), nullTime(configured)
	d.ArchivedAt, d.ArchiveWarnedAt = nullTime(archived), nullTime(warned)
	d.MessagingServiceSIDs, d.PoolIDs = splitAgg(sids.String), splitAgg(pools.String)
	return d, nil
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

// splitAgg splits a comma-joined list; "" (or NULL) is no list.
func splitAgg(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// hostMatch keeps the domains whose host contains a search's word:
// match through an index; on SQLite also walk, the same test made on
// each host (domainPage's walk), or nil.
type hostMatch struct {
	match sqlCond
	walk  *sqlCond
}

// hostSearch keeps the domains whose host contains q (case-insensitive),
// through an index on both engines: on PostgreSQL host LIKE uses the
// pg_trgm GIN indexes; on SQLite the FTS5 trigram index domain_hosts_fts
// (migration 0024) answers a phrase query, which for the trigram
// tokenizer matches exactly the hosts holding q as a substring (several
// times faster than LIKE on the same index, which checks every candidate
// again). A q of fewer than three characters has no trigram, and one
// holding LIKE's wildcards or escape (never in a host) is matched by the
// plain LIKE, as before.
//
// The trigram index reads the trigrams of every matching host, however
// few the page needs: a word in 1 % of the hosts was slower through it
// than walking the newest domains until the page is full. So on SQLite
// ListDomains walks first, from covering indexes (migration 0028), at
// most maxWalk domains (firstWalk, then as many as the share of matches
// there says the page needs); a page the walk does not fill (a rare word,
// the last page) is asked of the trigram index.
func (s *Store) hostSearch(q string) hostMatch {
	if s.db.Dialect != SQLite || utf8.RuneCountInString(q) < 3 || strings.ContainsAny(q, `%_\`) {
		return hostMatch{match: sqlCond{`host LIKE ? ESCAPE '\'`, []any{likePattern(q)}}}
	}
	lower := strings.ToLower(q)
	phrase := `"` + strings.ReplaceAll(lower, `"`, `""`) + `"`
	return hostMatch{
		match: sqlCond{`id IN (SELECT domain_id FROM domain_hosts WHERE rowid IN (SELECT rowid FROM domain_hosts_fts WHERE domain_hosts_fts MATCH ?))`, []any{phrase}},
		// Hosts are lower-case ASCII (hostname.Parse), so instr finds
		// what LIKE would, and SQLite need not prepare the statement
		// again for every pattern as it does for a LIKE's.
		walk: &sqlCond{`instr(host, ?) > 0`, []any{lower}},
	}
}

// walkPage tries p's walk (domainPage) and returns the page if the walk
// filled it, or nil.
func (s *Store) walkPage(ctx context.Context, p pageStatements) ([]*Domain, error) {
	rows, err := s.queryDomainPage(ctx, p.walk, p.walkArgs, p.limit)
	if err != nil || len(rows) > p.limit {
		return rows, err
	}
	// m matches among firstWalk domains: limit+1 take about
	// (limit+1)·firstWalk/m.
	m := len(rows)
	if m == 0 || 2*(p.limit+1)*firstWalk/m > maxWalk {
		return nil, nil
	}
	args := slices.Clone(p.walkArgs)
	args[p.windowArg] = 2 * (p.limit + 1) * firstWalk / m
	rows, err = s.queryDomainPage(ctx, p.walk, args, p.limit)
	if err != nil || len(rows) > p.limit {
		return rows, err
	}
	return nil, nil
}
