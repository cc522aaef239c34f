package models

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Hand-written JSON of the views the list endpoints write many of: the
// same bytes encoding/json writes for them (TestDomainViewAppendJSON
// compares), without its reflection (a fifth of the domain list's time in
// cmd/lgload before).

// AppendJSON appends v as encoding/json would marshal it.
func (v *DomainView) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = AppendJSONString(b, v.ID)
	b = append(b, `,"client_id":`...)
	b = AppendJSONString(b, v.ClientID)
	b = append(b, `,"host":`...)
	b = AppendJSONString(b, v.Host)
	b = append(b, `,"apex":`...)
	b = AppendJSONString(b, v.Apex)
	b = append(b, `,"subdomain":`...)
	b = AppendJSONString(b, v.Subdomain)
	b = append(b, `,"purpose":`...)
	b = AppendJSONString(b, string(v.Purpose))
	b = append(b, `,"setup_mode":`...)
	b = appendOptString(b, v.SetupMode)
	b = append(b, `,"status":`...)
	b = AppendJSONString(b, string(v.Status))
	b = append(b, `,"status_reason":`...)
	b = appendOptString(b, v.StatusReason)
	b = append(b, `,"dns_status":`...)
	b = AppendJSONString(b, string(v.DNSStatus))
	b = append(b, `,"ssl_status":`...)
	b = AppendJSONString(b, string(v.SSLStatus))
	b = append(b, `,"dns_records":`...)
	if v.DNSRecords == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range v.DNSRecords {
			if i > 0 {
				b = append(b, ',')
			}
			r := &v.DNSRecords[i]
			b = append(b, `{"type":`...)
			b = AppendJSONString(b, r.Type)
			b = append(b, `,"name":`...)
			b = AppendJSONString(b, r.Name)
			b = append(b, `,"host":`...)
			b = AppendJSONString(b, r.Host)
			b = append(b, `,"value":`...)
			b = AppendJSONString(b, r.Value)
			b = append(b, `,"ttl":`...)
			b = strconv.AppendInt(b, int64(r.TTL), 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"domain_sid":`...)
	b = appendOptString(b, v.DomainSID)
	b = append(b, `,"certificate":{"status":`...)
	b = AppendJSONString(b, string(v.Certificate.Status))
	b = append(b, `,"expires_at":`...)
	b = appendOptTime(b, v.Certificate.ExpiresAt)
	b = append(b, `},"messaging_service_sids":`...)
	b = appendStrings(b, v.MessagingServiceSIDs)
	b = append(b, `,"messages_sent":`...)
	b = strconv.AppendInt(b, v.MessagesSent, 10)
	b = append(b, `,"last_used_at":`...)
	b = appendOptTime(b, v.LastUsedAt)
	b = append(b, `,"archived_at":`...)
	b = appendOptTime(b, v.ArchivedAt)
	b = append(b, `,"pool_ids":`...)
	b = appendStrings(b, v.PoolIDs)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, v.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, v.UpdatedAt)
	return append(b, '}')
}

func appendOptString[T ~string](b []byte, s *T) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return AppendJSONString(b, string(*s))
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, s)
	}
	return append(b, ']')
}

func appendOptTime(b []byte, t *time.Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	return appendTime(b, *t)
}

// appendTime is time.Time's MarshalJSON (RFC 3339 with nanoseconds) for
// the years it accepts, which are the only ones linkgate stores.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string the way encoding/json does:
// HTML-safe (<, > and & escaped), U+2028 and U+2029 escaped, invalid
// UTF-8 replaced by U+FFFD.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
