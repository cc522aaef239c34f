package models

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// On SQLite the domain page's columns other than its times come packed in
// one JSON array a row (json_array), the times beside it. modernc's driver
// makes three locked calls into SQLite for every value it reads (the
// value's type, its text, and the column's declared type, to find times),
// which cost a 51-row page more than its query: one value instead of 23
// made the list page (BenchmarkDomainSearchSQLite, list/after) about a
// third faster. The times stay columns: the driver parses them, in the
// formats it wrote them in.

// sqlitePackedColumns are domainPageColumns (and the lists) for SQLite, in
// scanPackedDomain's order; %s is the two lists' subqueries.
const sqlitePackedColumns = `json_array(domains.id, domains.client_id, domains.host, domains.apex, domains.subdomain,
 domains.purpose, domains.setup_mode, domains.status, domains.status_reason, domains.dns_status, domains.ssl_status,
 domains.cname_target, domains.cname_ttl, domains.domain_sid, domains.failed_step, domains.version, domains.failure_kind,
 domains.failure_detail, domains.messages_sent, domains.archived_from, domains.carrier_filtered, %s),
 domains.cert_expires_at, domains.created_at, domains.updated_at, domains.status_changed_at, domains.last_used_at,
 domains.configured_at, domains.archived_at, domains.archive_warned_at`

// packedValues is how many values sqlitePackedColumns' array holds.
const packedValues = 23

var errPacked = errors.New("models: malformed packed domain row")

// scanPackedDomain reads a row of sqlitePackedColumns; vals is scratch
// space, returned for the next row.
func scanPackedDomain(rows *sql.Rows, vals []string) (*Domain, []string, error) {
	d := &Domain{}
	var packed string
	var certExpires, lastUsed, configured, archived, warned sql.NullTime
	if err := rows.Scan(&packed, &certExpires, &d.CreatedAt, &d.UpdatedAt, &d.StatusChangedAt,
		&lastUsed, &configured, &archived, &warned); err != nil {
		return nil, vals, err
	}
	vals, err := jsonScalars(packed, vals[:0])
	if err != nil {
		return nil, vals, err
	}
	if len(vals) != packedValues {
		return nil, vals, fmt.Errorf("%w: %d values", errPacked, len(vals))
	}
	d.ID, d.ClientID, d.Host, d.Apex, d.Subdomain = vals[0], vals[1], vals[2], vals[3], vals[4]
	d.Purpose, d.SetupMode, d.Status, d.StatusReason = Purpose(vals[5]), SetupMode(vals[6]), Status(vals[7]), vals[8]
	d.DNSStatus, d.SSLStatus, d.CNAMETarget = DNSStatus(vals[9]), SSLStatus(vals[10]), vals[11]
	d.DomainSID, d.FailedStep, d.FailureKind, d.FailureDetail = vals[13], vals[14], FailureKind(vals[16]), vals[17]
	d.ArchivedFrom = Status(vals[19])
	var ttl, version int64
	for _, n := range []struct {
		v   string
		dst *int64
	}{{vals[12], &ttl}, {vals[15], &version}, {vals[18], &d.MessagesSent}, {vals[20], &d.CarrierFiltered}} {
		if *n.dst, err = strconv.ParseInt(n.v, 10, 64); err != nil {
			return nil, vals, fmt.Errorf("%w: %v", errPacked, err)
		}
	}
	d.CNAMETTL, d.Version = int(ttl), int(version)
	d.MessagingServiceSIDs, d.PoolIDs = splitAgg(vals[21]), splitAgg(vals[22])
	d.CertExpiresAt, d.LastUsedAt, d.ConfiguredAt = nullTime(certExpires), nullTime(lastUsed), nullTime(configured)
	d.ArchivedAt, d.ArchiveWarnedAt = nullTime(archived), nullTime(warned)
	return d, vals, nil
}

// jsonScalars appends to dst the values of a JSON array of strings,
// numbers and nulls as SQLite's json_array writes it (no white space): a
// string unquoted, a number as written, null as "". A string without
// escapes is a slice of s; one with escapes is decoded by encoding/json.
// (encoding/json decodes an array only into []any, whose boxed values
// cost more than the driver's columns did.)
func jsonScalars(s string, dst []string) ([]string, error) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return dst, errPacked
	}
	if s == "[]" {
		return dst, nil
	}
	i := 1
	for {
		if s[i] == '"' {
			j, escaped := i+1, false
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' {
					escaped = true
					j++
				}
			}
			if j >= len(s) {
				return dst, errPacked
			}
			if escaped {
				var v string
				if err := json.Unmarshal([]byte(s[i:j+1]), &v); err != nil {
					return dst, fmt.Errorf("%w: %v", errPacked, err)
				}
				dst = append(dst, v)
			} else {
				dst = append(dst, s[i+1:j])
			}
			i = j + 1
		} else {
			j := i
			for j < len(s) && s[j] != ',' && s[j] != ']' {
				j++
			}
			switch tok := s[i:j]; tok {
			case "":
				return dst, errPacked
			case "null":
				dst = append(dst, "")
			default:
				dst = append(dst, tok)
			}
			i = j
		}
		switch {
		case i == len(s)-1 && s[i] == ']':
			return dst, nil
		case i >= len(s)-1 || s[i] != ',':
			return dst, errPacked
		}
		i++
	}
}
