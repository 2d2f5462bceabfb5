package simnet

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"

	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/hkdf"
)

// noisePattern is whatsmeow's socket.NoiseStartPattern: exactly 32 bytes, so
// it is used as the initial hash as is.
const noisePattern = "Noise_XX_25519_AESGCM_SHA256\x00\x00\x00\x00"

// noiseState is the responder side of whatsmeow's Noise XX handshake. It
// mirrors socket.NoiseHandshake, which we cannot reuse because its chaining
// key (salt) is unexported and the final split needs it.
type noiseState struct {
	hash    []byte
	salt    []byte
	aead    cipher.AEAD
	counter uint32
}

func newNoiseState(header []byte) (*noiseState, error) {
	h := []byte(noisePattern)
	aead, err := newGCM(h)
	if err != nil {
		return nil, err
	}
	ns := &noiseState{hash: h, salt: h, aead: aead}
	ns.authenticate(header)
	return ns, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes cipher: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	return gcm, nil
}

// noiseIV is eight zero bytes followed by the big-endian counter.
func noiseIV(n uint32) []byte {
	iv := make([]byte, 12)
	binary.BigEndian.PutUint32(iv[8:], n)
	return iv
}

func (ns *noiseState) authenticate(data []byte) {
	sum := sha256.Sum256(append(append([]byte{}, ns.hash...), data...))
	ns.hash = sum[:]
}

func (ns *noiseState) encrypt(plaintext []byte) []byte {
	ct := ns.aead.Seal(nil, noiseIV(ns.counter), plaintext, ns.hash)
	ns.counter++
	ns.authenticate(ct)
	return ct
}

func (ns *noiseState) decrypt(ciphertext []byte) ([]byte, error) {
	pt, err := ns.aead.Open(nil, noiseIV(ns.counter), ciphertext, ns.hash)
	ns.counter++
	if err != nil {
		return nil, fmt.Errorf("noise decrypt: %w", err)
	}
	ns.authenticate(ciphertext)
	return pt, nil
}

func extractAndExpand(salt, ikm []byte) ([]byte, []byte, error) {
	out := make([]byte, 64)
	if _, err := io.ReadFull(hkdf.New(sha256.New, ikm, salt, nil), out); err != nil {
		return nil, nil, fmt.Errorf("hkdf: %w", err)
	}
	return out[:32], out[32:], nil
}

func (ns *noiseState) mixIntoKey(ikm []byte) error {
	ns.counter = 0
	salt, key, err := extractAndExpand(ns.salt, ikm)
	if err != nil {
		return err
	}
	ns.salt = salt
	ns.aead, err = newGCM(key)
	return err
}

func (ns *noiseState) mixSharedSecret(priv, pub []byte) error {
	secret, err := curve25519.X25519(priv, pub)
	if err != nil {
		return fmt.Errorf("x25519: %w", err)
	}
	return ns.mixIntoKey(secret)
}

// split derives the transport keys. The client writes with the first key
// and reads with the second, so the server reads with the first.
func (ns *noiseState) split() (read, write cipher.AEAD, err error) {
	c2s, s2c, err := extractAndExpand(ns.salt, nil)
	if err != nil {
		return nil, nil, err
	}
	if read, err = newGCM(c2s); err != nil {
		return nil, nil, err
	}
	if write, err = newGCM(s2c); err != nil {
		return nil, nil, err
	}
	return read, write, nil
}
