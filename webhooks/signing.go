package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/linkgate/linkgate/models"
)

// Standard Webhooks header names (lower case, as the specification writes
// them; http.Header canonicalises them on Set and Get).
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every endpoint secret.
const SecretPrefix = "whsec_"

// ErrInvalidSecret is wrapped when a secret is not "whsec_" + base64 of a
// non-empty key.
var ErrInvalidSecret = errors.New("invalid webhook secret")

// NewSecret returns a fresh endpoint secret: "whsec_" followed by the
// standard base64 of 32 random bytes.
func NewSecret() string { return models.NewWebhookSecret() }

// secretKey decodes the HMAC key of a "whsec_..." secret.
func secretKey(secret string) ([]byte, error) {
	enc, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: missing %q prefix", ErrInvalidSecret, SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSecret, err)
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("%w: empty key", ErrInvalidSecret)
	}
	return key, nil
}

// Sign returns the Standard Webhooks signature "v1,<base64 HMAC-SHA256>" of
// msgID + "." + ts in Unix seconds + "." + body, keyed with the decoded
// secret.
func Sign(secret, msgID string, ts time.Time, body []byte) (string, error) {
	key, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	if msgID == "" {
		return "", errors.New("webhooks: empty message id")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// Headers returns the Standard Webhooks headers of one delivery: webhook-id,
// webhook-timestamp and webhook-signature carrying one "v1,..." signature
// per secret, space-separated (during a rotation both the old and the new
// secret sign, and a receiver holding either verifies). At least one secret
// is required.
func Headers(secrets []string, msgID string, ts time.Time, body []byte) (http.Header, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("%w: no secret to sign with", ErrInvalidSecret)
	}
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		sig, err := Sign(s, msgID, ts, body)
		if err != nil {
			return nil, err
		}
		sigs = append(sigs, sig)
	}
	h := http.Header{}
	h.Set(HeaderID, msgID)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, strings.Join(sigs, " "))
	return h, nil
}

// Payload is the JSON body of every delivery:
// {"type": "...", "timestamp": "RFC 3339", "data": {...}}, data a full
// snapshot of the resource the event is about (models writes it with the
// event).
type Payload = models.WebhookPayload
