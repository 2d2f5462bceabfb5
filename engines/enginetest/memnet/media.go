package memnet

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/media"
)

// file is a media message's file, in memory: the network is a test's.
type file struct {
	Type     string // image, video, audio, ptt, document, sticker
	Mimetype string
	Filename string
	Data     []byte
	Seconds  int
	Waveform []byte
	Thumb    bool
}

// typeOf is the phone-side type a sent kind of message arrives as.
func typeOf(kind engines.MediaKind) string {
	switch kind {
	case engines.MediaImage:
		return "image"
	case engines.MediaVoice:
		return "ptt"
	case engines.MediaVideo:
		return "video"
	}
	return "document"
}

// deliverMedia is deliver for a media message: the events of the recipient's
// sessions carry media.url, each session having saved the file. Called with
// n.mu held.
func (n *Network) deliverMedia(from, to *account, f *file, caption string, reply *engines.ReplyTo) (sent engines.Message, emits []emit) {
	sent, _ = n.deliver(from, to, caption, reply)
	raw := sent.ID[strings.LastIndex(sent.ID, "_")+1:]
	for _, a := range []*account{from, to} {
		for i := range a.messages {
			if m := &a.messages[i]; m.raw == raw {
				m.HasMedia, m.file = true, f
				if !m.FromMe {
					emits = append(emits, n.mediaEventsFor(a, "message", m.Message, raw, f)...)
				}
				emits = append(emits, n.mediaEventsFor(a, "message.any", m.Message, raw, f)...)
				if m.FromMe {
					sent = m.Message
				}
			}
		}
	}
	return sent, emits
}

// mediaEventsFor are eventsFor of a media message, its file saved by each session.
func (n *Network) mediaEventsFor(acct *account, event string, m engines.Message, raw string, f *file) []emit {
	var out []emit
	for session, e := range n.running {
		if n.links[session] == acct.phone {
			out = append(out, func() { e.emit(context.Background(), event, e.withFile(m, raw, f)) })
		}
	}
	return out
}

// withFile is m with its file saved in the session's media directory.
func (e *Engine) withFile(m engines.Message, raw string, f *file) engines.Message {
	if e.files == nil || f == nil {
		return m
	}
	name := raw + "." + media.Extension(f.Mimetype, f.Filename)
	if !e.files.Exists(e.session, name) {
		p, err := e.files.Create(e.session, name)
		if err != nil {
			return m
		}
		if _, err := p.Write(f.Data); err != nil {
			p.Abort()
			return m
		}
		if err := p.Commit(); err != nil {
			return m
		}
	}
	url := e.files.URL(e.session, name)
	mt := f.Mimetype
	m.Media, m.MediaURL = &engines.Media{URL: &url, Mimetype: &mt}, &url
	if f.Filename != "" {
		fn := f.Filename
		m.Media.Filename = &fn
	}
	return m
}

// SendMedia sends a file to another account.
func (e *Engine) SendMedia(_ context.Context, req engines.SendMedia) (out *engines.Message, err error) {
	data, err := os.ReadFile(req.File.Path)
	if err != nil {
		return nil, fmt.Errorf("memnet: read file: %w", err)
	}
	f := &file{Type: typeOf(req.Kind), Mimetype: req.File.Mimetype, Filename: req.File.Filename, Data: data,
		Seconds: req.File.Seconds, Waveform: req.File.Waveform, Thumb: len(req.File.Thumbnail) > 0}
	var emits []emit
	err = e.locked(func(a *account) error {
		peer, ok := e.n.accounts[req.Chat.User]
		if !ok {
			return fmt.Errorf("memnet: no account %s: %w", req.Chat, engines.ErrNotFound)
		}
		var reply *engines.ReplyTo
		if req.ReplyTo != nil {
			reply = &engines.ReplyTo{ID: req.ReplyTo.ID}
		}
		m, em := e.n.deliverMedia(a, peer, f, req.Caption, reply)
		m = e.withFile(m, m.ID[strings.LastIndex(m.ID, "_")+1:], f)
		out, emits = &m, em
		return nil
	})
	run(emits)
	return out, err
}

// Media is a file a phone sends or received.
type Media struct {
	Type     string // image, video, audio, ptt, document, sticker
	Mimetype string
	Filename string
	Caption  string
	Data     []byte
	Seconds  int
	Waveform []byte
	// Thumbnail: the message came with one.
	Thumbnail bool
}

// SendMedia sends a media message to another account.
func (p *Phone) SendMedia(_ context.Context, to string, m Media) (string, error) {
	p.n.mu.Lock()
	peer, ok := p.n.accounts[strings.TrimSuffix(to, "@c.us")]
	if !ok {
		p.n.mu.Unlock()
		return "", fmt.Errorf("memnet: no account %s", to)
	}
	f := &file{Type: m.Type, Mimetype: m.Mimetype, Filename: m.Filename, Data: bytes.Clone(m.Data), Seconds: m.Seconds, Waveform: m.Waveform}
	sent, emits := p.n.deliverMedia(p.n.accounts[p.phone], peer, f, m.Caption, nil)
	p.n.mu.Unlock()
	run(emits)
	return sent.ID[strings.LastIndex(sent.ID, "_")+1:], nil
}

// WaitMedia waits until this phone has received the media message raw from a number.
func (p *Phone) WaitMedia(ctx context.Context, from, raw string) (Media, error) {
	for {
		p.n.mu.Lock()
		for _, m := range p.n.accounts[p.phone].messages {
			if !m.FromMe && m.chat == from+"@c.us" && m.raw == raw && m.file != nil {
				f := m.file
				p.n.mu.Unlock()
				out := Media{Type: f.Type, Mimetype: f.Mimetype, Filename: f.Filename, Data: f.Data, Seconds: f.Seconds, Waveform: f.Waveform, Thumbnail: f.Thumb}
				out.Caption = m.Body
				return out, nil
			}
		}
		p.n.mu.Unlock()
		select {
		case <-ctx.Done():
			return Media{}, fmt.Errorf("memnet: %s never got media %s from %s: %w", p.phone, raw, from, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}
