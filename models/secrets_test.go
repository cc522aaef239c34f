package models_test

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

func TestKeyRing(t *testing.T) {
	old := models.NewKeyRingValue("old")
	cur := models.NewKeyRingValue("new")
	ringOld, err := models.ParseKeyRing(old)
	if err != nil {
		t.Fatal(err)
	}
	id, ct := ringOld.Seal("dom_1", []byte("secret-token"))
	if id != "old" || bytes.Contains(ct, []byte("secret-token")) {
		t.Fatalf("seal: id %q, ciphertext contains the plaintext: %v", id, bytes.Contains(ct, []byte("secret-token")))
	}
	// Rotation: the new key seals, the old one still opens.
	ring, err := models.ParseKeyRing(cur + "," + old)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ring.Open(id, "dom_1", ct); err != nil || string(got) != "secret-token" {
		t.Fatalf("open with the rotated ring: %q %v", got, err)
	}
	if id2, _ := ring.Seal("dom_1", []byte("x")); id2 != "new" {
		t.Fatalf("rotated ring seals with %q, want new", id2)
	}
	// The row id is bound: a value moved to another row does not open.
	if _, err := ring.Open(id, "dom_2", ct); err == nil {
		t.Fatal("ciphertext opened under another row id")
	}
	ct[len(ct)-1] ^= 1
	if _, err := ring.Open(id, "dom_1", ct); err == nil {
		t.Fatal("tampered ciphertext opened")
	}
	for _, bad := range []string{"", "nokey", "k:short", "k:" + strings.Repeat("A", 44) + "," + "k:" + strings.Repeat("A", 44)} {
		if _, err := models.ParseKeyRing(bad); err == nil {
			t.Errorf("ParseKeyRing(%q) accepted", bad)
		}
	}
}

func TestDNSCredentialsEncryptedAtRest(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db, nil)
		ring, _ := models.ParseKeyRing(models.NewKeyRingValue("k1"))
		c, err := s.CreateClient(ctx, models.ClientInput{Name: "Acme", Email: "o@acme.com"})
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.CreateDomain(ctx, models.Scope{}, c.ID, models.DomainInput{Domain: "acme.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		const token = "cf-token-0123456789-very-secret"
		err = s.Tx(ctx, func(tx *gorm.DB, _ *sqlTx) error {
			return s.SaveDNSCredentialsTx(tx, ring, d.ID, models.DNSAccess{Provider: "cloudflare",
				Credentials: map[string]string{"api_token": token}, ZoneID: "zone-1", ZoneName: "acme.com"})
		})
		if err != nil {
			t.Fatal(err)
		}
		var raw []byte
		if err := db.SQL.QueryRowContext(ctx, "SELECT ciphertext FROM dns_credentials WHERE domain_id = $1", d.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(token)) || len(raw) == 0 {
			t.Fatal("the token is stored in clear")
		}
		a, err := s.DNSCredentials(ctx, ring, d.ID)
		if err != nil || a.Provider != "cloudflare" || a.Credentials["api_token"] != token {
			t.Fatalf("read back: %q %v %v", a.Provider, a.Credentials, err)
		}
		if a.ZoneID != "zone-1" || a.ZoneName != "acme.com" {
			t.Fatalf("zone read back as %q %q, want zone-1 acme.com", a.ZoneID, a.ZoneName)
		}
		if err := s.Tx(ctx, func(tx *gorm.DB, _ *sqlTx) error { return s.DeleteDNSCredentialsTx(tx, d.ID) }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DNSCredentials(ctx, ring, d.ID); err == nil {
			t.Fatal("credentials still there after delete")
		}
	})
}

type sqlTx = sql.Tx
