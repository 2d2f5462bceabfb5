package fakeweb

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http/httptest"
	"testing"
)

func TestMediaCryptRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 5000} {
		plain := bytes.Repeat([]byte{7}, n)
		enc, err := encryptMedia("ptt", plain)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decryptMedia("ptt", enc.mediaKey, enc.blob)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%d bytes: got %d, %v", n, len(got), err)
		}
		enc.blob[0] ^= 1
		if _, err := decryptMedia("ptt", enc.mediaKey, enc.blob); err == nil {
			t.Fatalf("%d bytes: a tampered blob decrypted", n)
		}
	}
}

// TestUploadChecksItsToken: as WhatsApp's media host, the fake takes an upload
// only under its SHA-256.
func TestUploadChecksItsToken(t *testing.T) {
	s := New(Options{})
	blob := []byte("encrypted")
	sum := sha256.Sum256(blob)
	for token, want := range map[string]int{
		base64.URLEncoding.EncodeToString(sum[:]):           200,
		base64.URLEncoding.EncodeToString(make([]byte, 32)): 400,
	} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/__fakeweb/upload/image/"+token, bytes.NewReader(blob)))
		if rec.Code != want {
			t.Fatalf("token %s: %d, want %d", token, rec.Code, want)
		}
	}
	if len(s.media) != 1 {
		t.Fatalf("stored %d uploads", len(s.media))
	}
}
