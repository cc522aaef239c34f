package models

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeyRing encrypts secrets at rest with AES-256-GCM. The first key seals;
// every key opens, so keys can be rotated by putting a new one first. The
// key id is stored with each value and the row id is the associated data,
// so a ciphertext cannot be moved to another row.
type KeyRing struct {
	ids   []string
	aeads map[string]cipher.AEAD
}

// ParseKeyRing reads "id1:base64key1,id2:base64key2" (32-byte keys,
// standard or URL base64); the first key is the current one.
func ParseKeyRing(s string) (*KeyRing, error) {
	kr := &KeyRing{aeads: map[string]cipher.AEAD{}}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, b64, ok := strings.Cut(part, ":")
		if !ok || id == "" {
			return nil, errors.New("secret keys: each key must be id:base64")
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			key, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(b64, "="))
		}
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("secret keys: key %q must be 32 bytes in base64", id)
		}
		if _, dup := kr.aeads[id]; dup {
			return nil, fmt.Errorf("secret keys: key id %q appears twice", id)
		}
		block, _ := aes.NewCipher(key)
		aead, _ := cipher.NewGCM(block)
		kr.ids = append(kr.ids, id)
		kr.aeads[id] = aead
	}
	if len(kr.ids) == 0 {
		return nil, errors.New("secret keys: none given")
	}
	return kr, nil
}

// NewKeyRingValue returns a fresh "id:base64key" for LINKGATE_SECRET_KEYS.
func NewKeyRingValue(id string) string {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return id + ":" + base64.StdEncoding.EncodeToString(k)
}

// Seal encrypts plaintext bound to aad (the row id).
func (kr *KeyRing) Seal(aad string, plaintext []byte) (keyID string, ciphertext []byte) {
	id := kr.ids[0]
	aead := kr.aeads[id]
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return id, aead.Seal(nonce, nonce, plaintext, []byte(aad))
}

// Open decrypts what Seal made for the same aad.
func (kr *KeyRing) Open(keyID, aad string, ciphertext []byte) ([]byte, error) {
	aead, ok := kr.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("secret keys: no key %q in the ring", keyID)
	}
	if len(ciphertext) < aead.NonceSize() {
		return nil, errors.New("secret keys: ciphertext too short")
	}
	nonce, body := ciphertext[:aead.NonceSize()], ciphertext[aead.NonceSize():]
	out, err := aead.Open(nil, nonce, body, []byte(aad))
	if err != nil {
		return nil, errors.New("secret keys: cannot decrypt (wrong key or tampered value)")
	}
	return out, nil
}
