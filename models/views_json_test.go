package models_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
)

// AppendJSON writes the bytes encoding/json writes, for every shape of
// view: empty and full optional fields, odd strings, times with and
// without fractions and zones.
func TestDomainViewAppendJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 4, 5, 6, 7, 890123000, time.UTC)
	whole := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("X", 3600))
	mode, reason, sid := models.SetupMode("managed"), "why <b>&</b> \"quoted\"\n\t\u2028", "DN123"
	views := []models.DomainView{
		{},
		{ID: "dom_1", ClientID: "cli_1", Host: "ls.example.com", Apex: "example.com", Subdomain: "ls",
			Purpose: "link_shortening", SetupMode: &mode, Status: "configured", StatusReason: &reason,
			DNSStatus: "ok", SSLStatus: "active",
			DNSRecords:           []models.DNSRecordView{{Type: "CNAME", Name: "ls", Host: "ls.example.com", Value: "t.example.", TTL: 600}},
			DomainSID:            &sid,
			Certificate:          models.CertificateView{Status: "active", ExpiresAt: &at},
			MessagingServiceSIDs: []string{"MG1", "MG2"}, MessagesSent: 1 << 40, LastUsedAt: &whole, ArchivedAt: &at,
			PoolIDs: []string{}, CreatedAt: at, UpdatedAt: whole},
		{Host: "bad\xffutf8\x00\x1f\u00e9\U0001F600\\/", DNSRecords: []models.DNSRecordView{}, MessagingServiceSIDs: []string{}},
	}
	for i, v := range views {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.AppendJSON(nil); !bytes.Equal(got, want) {
			t.Errorf("view %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a", "<>&", "\u2028\u2029", "\xff", "\x7f\x00\b\f", "é😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := models.AppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q:\n got %s\nwant %s", s, got, want)
		}
	})
}
