package noweb

import (
	"context"
	"strings"

	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/noweb/simnet"
)

var _ enginetest.PeoplePhone = simnetPhone{}

func (s simnetPhone) SetProfile(ctx context.Context, ch enginetest.ProfileChange) error {
	if ch.Name != nil {
		if err := s.p.SetPushName(ctx, *ch.Name); err != nil {
			return err
		}
	}
	if ch.About != nil {
		if err := s.p.SetAbout(ctx, *ch.About); err != nil {
			return err
		}
	}
	if ch.Picture != nil || ch.DeletePicture {
		return s.p.SetPicture(ctx, ch.Picture)
	}
	return nil
}

func (s simnetPhone) Peer(ctx context.Context, of string) (enginetest.Peer, error) {
	p, err := s.p.PeerProfile(ctx, of)
	return enginetest.Peer{PushName: p.PushName, About: p.About, HasPicture: p.PictureID != ""}, err
}

func (s simnetPhone) SetOnline(ctx context.Context, online bool) error {
	return s.p.SetOnline(ctx, online)
}

func (s simnetPhone) SetChatState(ctx context.Context, chat, state string) error {
	return s.p.SetChatState(ctx, chat, simnet.ChatState(state))
}

// WaitChatState: the phone's chat_state events say composing (typing),
// composingaudio (recording) or paused.
func (s simnetPhone) WaitChatState(ctx context.Context, from, state string) error {
	want := map[string]string{"typing": "composing", "recording": "composingaudio", "paused": "paused"}[state]
	_, err := s.p.WaitFor(ctx, func(e simnet.Event) bool {
		return e.Type == "chat_state" && e.Text == want && (strings.HasPrefix(e.Sender, from+"@") || strings.HasPrefix(e.Chat, from+"@"))
	})
	return err
}

func (s simnetPhone) Call(ctx context.Context, to string, video bool) (string, error) {
	return s.p.Call(ctx, to, video)
}

func (s simnetPhone) WaitCallRejected(ctx context.Context, id string) error {
	_, err := s.p.WaitFor(ctx, func(e simnet.Event) bool { return e.Type == "call_reject" && e.ID == id })
	return err
}

func (s simnetPhone) WaitContactName(ctx context.Context, number, name string) error {
	_, err := s.p.WaitFor(ctx, func(e simnet.Event) bool {
		return e.Type == "contact" && e.Text == name && strings.HasPrefix(e.Chat, number+"@")
	})
	return err
}
