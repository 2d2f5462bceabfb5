package fakeweb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxUpload bounds one upload to the fake media host.
const maxUpload = 128 << 20

// serveUpload is the media host's upload (WAWebMediaMmsV4Upload's POST): the
// encrypted blob, whose token is its SHA-256 (URL-safe base64), as WhatsApp's
// host checks. It answers with the url and direct path the message carries.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	blob, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpload))
	if err != nil {
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	}
	sum := sha256.Sum256(blob)
	if r.PathValue("token") != base64.URLEncoding.EncodeToString(sum[:]) {
		http.Error(w, "hash mismatch", http.StatusBadRequest)
		return
	}
	token := randomToken()
	s.mu.Lock()
	s.media[token] = media{mimetype: r.URL.Query().Get("mimetype"), data: blob}
	s.mu.Unlock()
	path := "/__fakeweb/mms/" + token
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"url": "https://mmg.whatsapp.net" + path, "direct_path": path})
}

// SentMedia is the file of a media message the account sent, as its recipient
// gets it: downloaded from the media host and decrypted with the message's key.
type SentMedia struct {
	Type     string // the message's type: image, video, audio, ptt, document, sticker
	Mimetype string
	Filename string
	Caption  string
	Data     []byte
	Seconds  int
	Width    int
	Height   int
	Waveform []byte
	Preview  []byte // the JPEG thumbnail in the message's body
	QuotedID string // stanza id of the message it replies to
	Mentions []string
}

// SentFile downloads and decrypts the media of message msgID, checking the
// hashes the message carries.
func (s *Server) SentFile(ctx context.Context, msgID string) (*SentMedia, error) {
	var m *struct {
		MessageState
		Media *struct {
			DirectPath     string   `json:"directPath"`
			MediaKey       string   `json:"mediaKey"`
			Filehash       string   `json:"filehash"`
			EncFilehash    string   `json:"encFilehash"`
			Mimetype       string   `json:"mimetype"`
			Filename       string   `json:"filename"`
			Duration       int      `json:"duration"`
			Width          int      `json:"width"`
			Height         int      `json:"height"`
			Waveform       []int    `json:"waveform"`
			Preview        string   `json:"preview"`
			QuotedStanzaID string   `json:"quotedStanzaID"`
			Mentions       []string `json:"mentions"`
		} `json:"media"`
	}
	if err := s.Do(ctx, "message", map[string]any{"id": msgID}, &m); err != nil {
		return nil, err
	}
	if m == nil || m.Media == nil {
		return nil, fmt.Errorf("fakeweb: message %s has no media", msgID)
	}
	md := m.Media
	token := strings.TrimPrefix(md.DirectPath, "/__fakeweb/mms/")
	s.mu.Lock()
	stored, ok := s.media[token]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("fakeweb: the media host has nothing at %s", md.DirectPath)
	}
	b64 := base64.StdEncoding
	if sum := sha256.Sum256(stored.data); b64.EncodeToString(sum[:]) != md.EncFilehash {
		return nil, fmt.Errorf("fakeweb: the blob of %s does not match its encFilehash", msgID)
	}
	key, err := b64.DecodeString(md.MediaKey)
	if err != nil {
		return nil, fmt.Errorf("fakeweb: media key of %s: %w", msgID, err)
	}
	plain, err := decryptMedia(m.Type, key, stored.data)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(plain); b64.EncodeToString(sum[:]) != md.Filehash {
		return nil, fmt.Errorf("fakeweb: the file of %s does not match its filehash", msgID)
	}
	out := &SentMedia{Type: m.Type, Mimetype: md.Mimetype, Filename: md.Filename, Caption: m.Caption, Data: plain,
		Seconds: md.Duration, Width: md.Width, Height: md.Height, QuotedID: md.QuotedStanzaID, Mentions: md.Mentions}
	for _, v := range md.Waveform {
		out.Waveform = append(out.Waveform, byte(v))
	}
	if p, err := b64.DecodeString(md.Preview); err == nil && bytes.HasPrefix(p, []byte{0xFF, 0xD8}) {
		out.Preview = p
	}
	return out, nil
}
