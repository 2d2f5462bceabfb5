package fakeweb

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
)

// WhatsApp's media encryption, so the fake CDN serves what the real one
// does and the page's downloadAndMaybeDecrypt really decrypts: keys from
// HKDF-SHA256(mediaKey, info by type) → iv | cipherKey | macKey; the blob is
// AES-256-CBC(PKCS#7) followed by the first 10 bytes of
// HMAC-SHA256(macKey, iv | ciphertext).

var mediaInfo = map[string]string{
	"image":    "WhatsApp Image Keys",
	"sticker":  "WhatsApp Image Keys",
	"video":    "WhatsApp Video Keys",
	"gif":      "WhatsApp Video Keys",
	"audio":    "WhatsApp Audio Keys",
	"ptt":      "WhatsApp Audio Keys",
	"document": "WhatsApp Document Keys",
}

type encryptedMedia struct {
	mediaKey    []byte
	blob        []byte
	fileSHA256  []byte // of the plaintext
	encSHA256   []byte // of the blob
	mediaTypeID string
}

func encryptMedia(mediaType string, plain []byte) (encryptedMedia, error) {
	info, ok := mediaInfo[mediaType]
	if !ok {
		return encryptedMedia{}, fmt.Errorf("fakeweb: unknown media type %q", mediaType)
	}
	mediaKey := make([]byte, 32)
	if _, err := rand.Read(mediaKey); err != nil {
		return encryptedMedia{}, err
	}
	keys, err := hkdf.Key(sha256.New, mediaKey, nil, info, 112)
	if err != nil {
		return encryptedMedia{}, fmt.Errorf("fakeweb: deriving media keys: %w", err)
	}
	iv, cipherKey, macKey := keys[:16], keys[16:48], keys[48:80]
	block, err := aes.NewCipher(cipherKey)
	if err != nil {
		return encryptedMedia{}, err
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	padded := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(pad)}, pad)...)
	enc := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(enc, padded)
	mac := hmac.New(sha256.New, macKey)
	mac.Write(iv)
	mac.Write(enc)
	blob := append(enc, mac.Sum(nil)[:10]...)
	fileSum := sha256.Sum256(plain)
	encSum := sha256.Sum256(blob)
	return encryptedMedia{mediaKey: mediaKey, blob: blob, fileSHA256: fileSum[:], encSHA256: encSum[:], mediaTypeID: mediaType}, nil
}

// decryptMedia opens a blob the page encrypted and uploaded, checking its MAC.
func decryptMedia(mediaType string, mediaKey, blob []byte) ([]byte, error) {
	info, ok := mediaInfo[mediaType]
	if !ok {
		return nil, fmt.Errorf("fakeweb: unknown media type %q", mediaType)
	}
	if len(blob) < 10+aes.BlockSize || (len(blob)-10)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("fakeweb: media blob of %d bytes is not AES-CBC plus a MAC", len(blob))
	}
	keys, err := hkdf.Key(sha256.New, mediaKey, nil, info, 112)
	if err != nil {
		return nil, fmt.Errorf("fakeweb: deriving media keys: %w", err)
	}
	iv, cipherKey, macKey := keys[:16], keys[16:48], keys[48:80]
	enc, mac := blob[:len(blob)-10], blob[len(blob)-10:]
	h := hmac.New(sha256.New, macKey)
	h.Write(iv)
	h.Write(enc)
	if !hmac.Equal(h.Sum(nil)[:10], mac) {
		return nil, fmt.Errorf("fakeweb: media MAC mismatch")
	}
	block, err := aes.NewCipher(cipherKey)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(enc))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, enc)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > aes.BlockSize || !bytes.Equal(plain[len(plain)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, fmt.Errorf("fakeweb: bad media padding")
	}
	return plain[:len(plain)-pad], nil
}
