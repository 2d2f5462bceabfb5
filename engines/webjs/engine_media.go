package webjs

import (
	"context"
	"fmt"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/media"
)

var _ engines.MediaSender = (*Engine)(nil)

// SendMedia sends an image, document, voice note or video through WhatsApp
// Web. The sent file is kept as the message's media file.
func (e *Engine) SendMedia(ctx context.Context, req engines.SendMedia) (*engines.Message, error) {
	if req.AsNote {
		return nil, fmt.Errorf("%w: WhatsApp Web sends no round video notes (asNote); send it as a video", engines.ErrNotAllowed)
	}
	pg, err := e.running()
	if err != nil {
		return nil, err
	}
	r := SendMediaRequest{
		ChatID: req.Chat.String(), Path: req.File.Path, Mimetype: req.File.Mimetype, Filename: req.File.Filename,
		Caption: req.Caption, Kind: string(req.Kind),
	}
	for _, b := range req.File.Waveform {
		r.Waveform = append(r.Waveform, int(b))
	}
	for _, m := range req.Mentions {
		r.Mentions = append(r.Mentions, m.String())
	}
	if req.ReplyTo != nil {
		q, err := e.find(ctx, pg, req.Chat, *req.ReplyTo)
		if err != nil {
			return nil, err
		}
		r.ReplyTo = q.ID
	}
	kept := ""
	keep := func(messageID string) {
		files := e.f.opts.Media
		if files == nil {
			return
		}
		name := messageID + "." + media.Extension(req.File.Mimetype, req.File.Filename)
		if err := files.Keep(e.name, name, req.File.Path); err != nil {
			e.log.Warn("keep sent file", "id", messageID, "err", err)
			return
		}
		kept = name
	}
	m, err := pg.SendMedia(ctx, r, keep)
	if err != nil {
		if kept != "" {
			e.f.opts.Media.Remove(e.name, kept)
		}
		return nil, e.mapErr("send "+string(req.Kind), err)
	}
	m.Source = "api"
	out := toMessage(m)
	if kept != "" {
		url := e.f.opts.Media.URL(e.name, kept)
		out.Media = &engines.Media{URL: &url, Mimetype: &req.File.Mimetype}
		if m.Media != nil && m.Media.Filename != "" {
			out.Media.Filename = &m.Media.Filename
		}
		out.MediaURL = &url
	}
	return &out, nil
}

// incoming is a new message as its events show it: a media message's file is
// downloaded first (through the page, which decrypts it) when media.* wants it,
// so the events carry media.url as WAHA's do.
func (e *Engine) incoming(ctx context.Context, pg browserPage, m Message) engines.Message {
	out := toMessage(m)
	files := e.f.opts.Media
	if !m.HasMedia || files == nil {
		return out
	}
	info := MediaInfo{}
	if m.Media != nil {
		info = *m.Media
	}
	ok, reason := files.Wants(info.Mimetype, info.Size)
	if !ok {
		if reason != "" {
			out.Media = &engines.Media{Mimetype: nonEmpty(info.Mimetype), Filename: nonEmpty(info.Filename), Error: &engines.MediaError{Message: reason}}
		}
		return out
	}
	e.attachMedia(ctx, pg, &out, m)
	return out
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
