package webhooks

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// verify checks body and headers with the official Standard Webhooks Go
// library, the outside oracle.
func verify(t *testing.T, secret string, body []byte, h http.Header) error {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("NewWebhook: %v", err)
	}
	return wh.Verify(body, h)
}

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		s := NewSecret()
		enc, ok := strings.CutPrefix(s, "whsec_")
		if !ok {
			t.Fatalf("secret %q lacks whsec_", s)
		}
		key, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			t.Fatalf("secret %q: %v", s, err)
		}
		if len(key) < 24 || len(key) > 32 {
			t.Fatalf("secret key is %d bytes, want 24..32", len(key))
		}
		if seen[s] {
			t.Fatalf("secret %q repeated", s)
		}
		seen[s] = true
	}
}

func TestSignMatchesOracle(t *testing.T) {
	secret := NewSecret()
	ts := time.Now()
	body := []byte(`{"type":"domain.created","timestamp":"2026-11-22T10:00:00Z","data":{}}`)
	got, err := Sign(secret, "msg_1", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	wh, _ := standardwebhooks.NewWebhook(secret)
	want, _ := wh.Sign("msg_1", ts, body)
	if got != want {
		t.Fatalf("Sign = %q, oracle %q", got, want)
	}
	if !strings.HasPrefix(got, "v1,") {
		t.Fatalf("signature %q lacks v1,", got)
	}
}

func TestSignKnownVector(t *testing.T) {
	// The example of the Standard Webhooks specification.
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	const id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	ts := time.Unix(1614265330, 0)
	body := []byte(`{"test": 2432232314}`)
	got, err := Sign(secret, id, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

func TestHeadersVerifyWithOracle(t *testing.T) {
	secret := NewSecret()
	body, err := json.Marshal(Payload{
		Type:      EventDomainStatusChanged,
		Timestamp: time.Now().UTC(),
		Data:      map[string]any{"domain": map[string]any{"name": "ls.acme.com"}, "previous_status": "pending"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Now()
	h, err := Headers([]string{secret}, "msg_2", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Get("webhook-id"); got != "msg_2" {
		t.Errorf("webhook-id = %q", got)
	}
	if got := h.Get("webhook-timestamp"); got != strconv.FormatInt(ts.Unix(), 10) {
		t.Errorf("webhook-timestamp = %q", got)
	}
	if err := verify(t, secret, body, h); err != nil {
		t.Fatalf("oracle refused a valid delivery: %v", err)
	}

	// Tampered body.
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)-2] ^= 1
	if err := verify(t, secret, tampered, h); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
		t.Errorf("tampered body: err = %v, want ErrNoMatchingSignature", err)
	}
	// Tampered timestamp (still within the tolerance, so only the signature
	// can catch it).
	h2 := h.Clone()
	h2.Set("webhook-timestamp", strconv.FormatInt(ts.Unix()-1, 10))
	if err := verify(t, secret, body, h2); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
		t.Errorf("tampered timestamp: err = %v, want ErrNoMatchingSignature", err)
	}
	// Tampered id.
	h3 := h.Clone()
	h3.Set("webhook-id", "msg_3")
	if err := verify(t, secret, body, h3); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
		t.Errorf("tampered id: err = %v, want ErrNoMatchingSignature", err)
	}
	// Another secret.
	if err := verify(t, NewSecret(), body, h); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
		t.Errorf("wrong secret: err = %v, want ErrNoMatchingSignature", err)
	}
}

func TestHeadersRotationBothSecretsVerify(t *testing.T) {
	oldSecret, newSecret := NewSecret(), NewSecret()
	body := []byte(`{"type":"webhook.ping","timestamp":"2026-11-22T10:00:00Z","data":{}}`)
	h, err := Headers([]string{oldSecret, newSecret}, "msg_rot", time.Now(), body)
	if err != nil {
		t.Fatal(err)
	}
	sigs := strings.Split(h.Get("webhook-signature"), " ")
	if len(sigs) != 2 || !strings.HasPrefix(sigs[0], "v1,") || !strings.HasPrefix(sigs[1], "v1,") || sigs[0] == sigs[1] {
		t.Fatalf("webhook-signature = %q, want two distinct v1 signatures", h.Get("webhook-signature"))
	}
	for name, s := range map[string]string{"old": oldSecret, "new": newSecret} {
		if err := verify(t, s, body, h); err != nil {
			t.Errorf("receiver with the %s secret refused the delivery: %v", name, err)
		}
	}
	// Each signature alone verifies with its own secret only.
	for i, s := range []string{oldSecret, newSecret} {
		one := h.Clone()
		one.Set("webhook-signature", sigs[i])
		if err := verify(t, s, body, one); err != nil {
			t.Errorf("signature %d alone: %v", i, err)
		}
		other := []string{newSecret, oldSecret}[i]
		if err := verify(t, other, body, one); err == nil {
			t.Errorf("signature %d verified with the other secret", i)
		}
	}
	if err := verify(t, NewSecret(), body, h); err == nil {
		t.Error("a third secret verified the rotated delivery")
	}
}

func TestSignRejectsBadInput(t *testing.T) {
	now := time.Now()
	for _, s := range []string{"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_!!!notbase64"} {
		if _, err := Sign(s, "msg", now, nil); !errors.Is(err, ErrInvalidSecret) {
			t.Errorf("Sign(secret %q) err = %v, want ErrInvalidSecret", s, err)
		}
	}
	if _, err := Sign(NewSecret(), "", now, nil); err == nil {
		t.Error("Sign with an empty id succeeded")
	}
	if _, err := Headers(nil, "msg", now, nil); !errors.Is(err, ErrInvalidSecret) {
		t.Errorf("Headers(no secrets) err = %v", err)
	}
	if _, err := Headers([]string{NewSecret(), "bad"}, "msg", now, nil); !errors.Is(err, ErrInvalidSecret) {
		t.Errorf("Headers(one bad secret) err = %v", err)
	}
}

func TestPayloadJSON(t *testing.T) {
	p := Payload{
		Type:      EventDomainFailed,
		Timestamp: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		Data:      map[string]string{"id": "dom_1"},
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"domain.failed","timestamp":"2026-11-22T10:00:00Z","data":{"id":"dom_1"}}`
	if string(b) != want {
		t.Fatalf("payload = %s, want %s", b, want)
	}
}
