package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// The domain list's page in one query (GET /api/v1/domains runs it on
// every request; on SQLite a search walks trigram postings within it, see
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

// domainPageSelects are the page's select lists per engine, written once:
// domainPageColumns and the two lists, comma-joined (Messaging Service
// SIDs and pool ids hold no commas); on SQLite all but the times packed in
// one value (sqlitePackedColumns).
var domainPageSelects = map[Dialect]string{
	Postgres: domainPageColumns + ",\n " + domainPageLists("string_agg"),
	SQLite:   fmt.Sprintf(sqlitePackedColumns, domainPageLists("group_concat")),
}

// domainPageLists are the two lists' correlated subqueries, aggregated by
// the engine's agg.
func domainPageLists(agg string) string {
	return `(SELECT ` + agg + `(m.messaging_service_sid, ',' ORDER BY m.attached_at, m.messaging_service_sid)
   FROM domain_messaging_services m WHERE m.domain_id = domains.id),
 (SELECT ` + agg + `(p.pool_id, ',' ORDER BY p.pool_id) FROM pool_domains p WHERE p.domain_id = domains.id)`
}

// statusCond is the condition of a status filter (domainConds); the
// trigram postings' walk puts its own in its place (domainPage).
const statusCond = "status = ?"

// sqlCond is one condition of a WHERE clause, with ? for its arguments
// (GORM's Where takes it as it is; domainPageStatement numbers them for
// PostgreSQL).
type sqlCond struct {
	sql  string
	args []any
}

// DomainPageStatement is the statement ListDomains runs for q and its
// arguments, in the engine's placeholders, with what ListDomains checks
// first (q's fields, the pool's visibility) checked the same way.
// cmd/lgload runs it bare as the baseline of the list API.
func (s *Store) DomainPageStatement(ctx context.Context, sc Scope, q DomainQuery) (string, []any, error) {
	p, err := s.domainPage(ctx, sc, q)
	return p.stmt, p.args, err
}

// pageStatements are a page's statement, its arguments and its size.
type pageStatements struct {
	stmt  string
	args  []any
	limit int
}

// domainPage builds ListDomains' statement; limit is the page's size (the
// statement asks for one row more, to know whether a next page exists).
// The limit is written into the text, not bound: SQLite (3.4x) marks a
// statement whose LIMIT is a parameter to be prepared again whenever that
// parameter is bound, that is on every run, which cost a search page
// about a sixth of its time. So a page size has its own cached statement
// (at most MaxPageLimit of them per filter shape).
func (s *Store) domainPage(ctx context.Context, sc Scope, q DomainQuery) (pageStatements, error) {
	limit, err := q.limit()
	if err != nil {
		return pageStatements{}, err
	}
	conds, search, err := s.domainConds(ctx, sc, q)
	if err != nil {
		return pageStatements{}, err
	}
	var after string
	if q.Cursor != "" {
		if after, err = decodeCursor(PrefixDomain, q.Cursor); err != nil {
			return pageStatements{}, err
		}
	}
	p := pageStatements{limit: limit}
	var b strings.Builder
	b.Grow(1024)
	b.WriteString("SELECT ")
	b.WriteString(domainPageSelects[s.db.Dialect])
	if search != nil && search.postings != nil {
		// SQLite: the newest postings of the word's rarest trigram of the
		// status asked for, each domain read (by its primary key) and
		// tested, host then filters, as it comes, until the page is
		// full; the lists are read for the page's domains only. The
		// status is the posting's (the triggers keep it the domain's),
		// so a posting of another status is passed over unread; and it
		// stands alone, because where ANALYZE has run, SQLite samples an
		// index's values and prepares a statement again on every run
		// whose bound values its plan weighed (the one over status
		// would be). The filters name domains' columns unqualified: the
		// postings table has none of those names.
		t := search.postings
		conds = slices.DeleteFunc(slices.Clone(conds), func(c sqlCond) bool { return c.sql == statusCond })
		b.WriteString("\n FROM domain_trigrams t JOIN domains ON domains.id = t.domain_id WHERE t.tri = ")
		b.WriteString(rarestTrigram)
		p.args = []any{t.trigrams}
		if after != "" {
			b.WriteString(" AND t.domain_id < ?")
			p.args = append(p.args, after)
		}
		if q.Status != "" {
			b.WriteString(" AND t.domain_status = ?")
			p.args = append(p.args, string(q.Status))
		}
		b.WriteString(" AND instr(domains.host, ?) > 0")
		p.args = append(p.args, t.word)
		for _, c := range conds {
			b.WriteString(" AND ")
			p.args = s.writeSQL(&b, c, p.args)
		}
		b.WriteString(" ORDER BY t.domain_id DESC LIMIT ")
		b.WriteString(strconv.Itoa(limit + 1))
		p.stmt = b.String()
		return p, nil
	}
	b.WriteString("\n FROM domains")
	if after != "" {
		conds = append(conds, sqlCond{"id < ?", []any{after}})
	}
	if search != nil {
		conds = append(slices.Clip(conds), search.match)
	}
	p.args = s.writeWhere(&b, conds, nil)
	b.WriteString(" ORDER BY id DESC LIMIT ")
	b.WriteString(strconv.Itoa(limit + 1))
	p.stmt = b.String()
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

// domainDests are the scan destinations of domainPageSelects' columns for
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
	var vals []string
	for rows.Next() {
		var d *Domain
		if s.db.Dialect == SQLite {
			d, vals, err = scanPackedDomain(rows, vals)
		} else {
			d, err = scanDomain(rows)
		}
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

// hostMatch keeps the domains whose host contains a search's word: match
// is a condition on domains for any statement; on SQLite postings says how
// a page walks the trigram postings instead (domainPage).
type hostMatch struct {
	match    sqlCond
	postings *trigramSearch
}

// trigramSearch is a SQLite search of three characters or more: the word's
// trigrams as a JSON array (for rarestTrigram) and the word, lower-case.
type trigramSearch struct {
	trigrams, word string
}

// rarestTrigram is the subquery choosing, among the trigrams of a word
// (a JSON array, its one argument), the one fewest hosts hold: one no host
// holds (no count, or 0) comes first, and finds nothing.
const rarestTrigram = `(SELECT j.value FROM json_each(?) j LEFT JOIN domain_trigram_counts c ON c.tri = j.value ORDER BY coalesce(c.n, 0) LIMIT 1)`

// hostSearch keeps the domains whose host contains q (case-insensitive),
// through an index on both engines. On PostgreSQL host LIKE uses the
// pg_trgm GIN indexes. On SQLite the trigram postings (migration 0029)
// hold, under each three-character substring of a host, its domains in id
// order: a search reads the postings of the rarest of q's trigrams, newest
// first, and keeps the hosts containing q (instr: hosts are lower-case
// ASCII, hostname.Parse; q's wildcards match only themselves), so a page
// of a common word reads about as many postings as it shows, and a rare
// word has few. A q of fewer than three characters has no trigram and is
// matched by the plain LIKE.
func (s *Store) hostSearch(q string) hostMatch {
	if s.db.Dialect != SQLite || utf8.RuneCountInString(q) < 3 {
		return hostMatch{match: sqlCond{`host LIKE ? ESCAPE '\'`, []any{likePattern(q)}}}
	}
	lower := strings.ToLower(q)
	r := []rune(lower)
	tris := make([]string, 0, len(r)-2)
	for i := 0; i+3 <= len(r); i++ {
		tris = append(tris, string(r[i:i+3]))
	}
	arr, _ := json.Marshal(tris) // strings always encode
	t := &trigramSearch{trigrams: string(arr), word: lower}
	return hostMatch{
		match: sqlCond{`id IN (SELECT domain_id FROM domain_trigrams WHERE tri = ` + rarestTrigram + `) AND instr(host, ?) > 0`,
			[]any{t.trigrams, t.word}},
		postings: t,
	}
}
