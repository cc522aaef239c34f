package models

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// The domain list's page in one query (GET /api/v1/domains runs it on
// every request): the domains' rows with their Messaging Services and
// pools aggregated by correlated subqueries (in FillDomains' order), and
// scanned by hand rather than by GORM's reflection (40 % of the handler's
// time in cmd/lgload before).

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

// scanDomainPage runs tx (a query on domains: filters, order, limit) with
// domainPageSelect and reads its rows.
func (s *Store) scanDomainPage(tx *gorm.DB) ([]*Domain, error) {
	rows, err := tx.Select(s.domainPageSelect()).Rows()
	if err != nil {
		return nil, internal("list domains", err)
	}
	defer rows.Close()
	var out []*Domain
	for rows.Next() {
		d, err := scanDomain(rows)
		if err != nil {
			return nil, internal("list domains", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list domains", err)
	}
	return out, nil
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
	d.MessagingServiceSIDs, d.PoolIDs = splitAgg(sids), splitAgg(pools)
	return d, nil
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

func splitAgg(s sql.NullString) []string {
	if !s.Valid || s.String == "" {
		return nil
	}
	return strings.Split(s.String, ",")
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
func (s *Store) hostSearch(ctx context.Context, tx *gorm.DB, q string) *gorm.DB {
	if s.db.Dialect != SQLite || utf8.RuneCountInString(q) < 3 || strings.ContainsAny(q, `%_\`) {
		return tx.Where(`host LIKE ? ESCAPE '\'`, likePattern(q))
	}
	phrase := `"` + strings.ReplaceAll(strings.ToLower(q), `"`, `""`) + `"`
	return tx.Where(`id IN (?)`, s.gorm(ctx).Table("domain_hosts").Select("domain_id").
		Where("rowid IN (SELECT rowid FROM domain_hosts_fts WHERE domain_hosts_fts MATCH ?)", phrase))
}
