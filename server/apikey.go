package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// APIKey checks presented keys against the configured one. Only the key's SHA-512
// is held, and comparisons take the same time whatever the input.
type APIKey struct {
	hash [sha512.Size]byte
}

// NewAPIKey takes a plain key or "sha512:<hex of sha512(key)>".
func NewAPIKey(configured string) (*APIKey, error) {
	k := &APIKey{}
	if h, ok := strings.CutPrefix(configured, "sha512:"); ok {
		raw, err := hex.DecodeString(strings.TrimSpace(h))
		if err != nil || len(raw) != sha512.Size {
			return nil, errors.New("api key: sha512: must be followed by 128 hex digits")
		}
		copy(k.hash[:], raw)
		return k, nil
	}
	if configured == "" {
		return nil, errors.New("api key: empty")
	}
	k.hash = sha512.Sum512([]byte(configured))
	return k, nil
}

// Matches reports whether key is the API key, in constant time.
func (k *APIKey) Matches(key string) bool {
	h := sha512.Sum512([]byte(key))
	return subtle.ConstantTimeCompare(h[:], k.hash[:]) == 1
}

// Derive is a secret of its own for label, made from the key: the dashboard signs
// its logins with one, so replicas that share the key accept each other's logins
// and a new key ends them all. The key cannot be found from it.
func (k *APIKey) Derive(label string) []byte {
	m := hmac.New(sha512.New, k.hash[:])
	m.Write([]byte(label))
	return m.Sum(nil)
}

// KeyFile is where a generated key is kept in the data dir.
const KeyFile = "api-key"

// LoadOrGenerateKey returns the configured key; without one, the key kept in
// dataDir, generating and keeping a new one on first start (generated reports that,
// so the caller can show it once).
func LoadOrGenerateKey(configured, dataDir string) (key *APIKey, plain string, generated bool, err error) {
	if configured != "" {
		k, err := NewAPIKey(configured)
		return k, "", false, err
	}
	path := filepath.Join(dataDir, KeyFile)
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		plain = strings.TrimSpace(string(raw))
		k, err := NewAPIKey(plain)
		if err != nil {
			return nil, "", false, fmt.Errorf("read %s: %w", path, err)
		}
		return k, plain, false, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, "", false, fmt.Errorf("read api key: %w", err)
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return nil, "", false, fmt.Errorf("generate api key: %w", err)
	}
	plain = hex.EncodeToString(b)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, "", false, fmt.Errorf("create data dir: %w", err)
	}
	if err := os.WriteFile(path, []byte(plain+"\n"), 0o600); err != nil {
		return nil, "", false, fmt.Errorf("keep api key: %w", err)
	}
	k, err := NewAPIKey(plain)
	return k, plain, true, err
}
