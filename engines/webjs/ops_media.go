package webjs

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
)

// SendMediaRequest is a file to send, on disk.
type SendMediaRequest struct {
	ChatID   string   `json:"chatId"`
	Path     string   `json:"-"`
	Mimetype string   `json:"mimetype"`
	Filename string   `json:"filename"`
	Caption  string   `json:"caption,omitempty"`
	ReplyTo  string   `json:"replyTo,omitempty"`  // serialized message id
	Mentions []string `json:"mentions,omitempty"` // chat ids
	Kind     string   `json:"kind"`               // image, file, voice, video
	// Waveform is a voice note's loudness, when the gateway measured it; the
	// page computes one otherwise, as whatsapp-web.js does.
	Waveform []int `json:"waveform,omitempty"`
}

// mediaChunk is how much of a file one page call carries (before base64).
const mediaChunk = 768 << 10

// SendMedia hands the file to the page in pieces, then has the page prepare,
// encrypt, upload and send it as whatsapp-web.js does. beforeSend, when set, is
// called with the message's id once the page holds the file and before it
// sends: the engine keeps the file under that id there. The answer is the
// message as added to the chat.
func (d *Driver) SendMedia(ctx context.Context, req SendMediaRequest, beforeSend func(messageID string)) (Message, error) {
	id, err := NormalizeChatID(req.ChatID)
	if err != nil {
		return Message{}, err
	}
	req.ChatID = id
	if req.ReplyTo != "" {
		if _, err := ParseMessageID(req.ReplyTo); err != nil {
			return Message{}, err
		}
	}
	for i, m := range req.Mentions {
		n, err := NormalizeChatID(m)
		if err != nil {
			return Message{}, err
		}
		req.Mentions[i] = n
	}
	f, err := os.Open(req.Path)
	if err != nil {
		return Message{}, fmt.Errorf("webjs: sendMedia: open file: %w", err)
	}
	defer f.Close()
	var begun struct {
		UploadID  string `json:"uploadId"`
		MessageID string `json:"messageId"`
	}
	if err := d.call(ctx, "mediaBegin", nil, &begun); err != nil {
		return Message{}, err
	}
	sent := false
	defer func() {
		if !sent {
			_ = d.call(context.WithoutCancel(ctx), "mediaAbort", map[string]string{"uploadId": begun.UploadID}, nil)
		}
	}()
	buf := make([]byte, mediaChunk)
	for {
		n, rerr := io.ReadFull(f, buf)
		if n > 0 {
			args := map[string]string{"uploadId": begun.UploadID, "data": base64.StdEncoding.EncodeToString(buf[:n])}
			if err := d.call(ctx, "mediaChunk", args, nil); err != nil {
				return Message{}, err
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return Message{}, fmt.Errorf("webjs: sendMedia: read file: %w", rerr)
		}
	}
	if beforeSend != nil {
		beforeSend(begun.MessageID)
	}
	args := struct {
		UploadID string `json:"uploadId"`
		SendMediaRequest
	}{begun.UploadID, req}
	var m Message
	sent = true // the page dropped the upload when it took it
	err = d.call(ctx, "sendMedia", args, &m)
	return m, err
}
