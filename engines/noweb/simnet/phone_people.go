package simnet

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

// What a phone does about people: its own presence and profile, seen by
// others; its blocklist; calls; and what it sees of another account.

// SetOnline sends the phone's presence (with its push name), which the
// server relays to everyone subscribed to it.
func (p *Phone) SetOnline(ctx context.Context, online bool) error {
	state := types.PresenceUnavailable
	if online {
		state = types.PresenceAvailable
	}
	if err := p.client.SendPresence(ctx, state); err != nil {
		return fmt.Errorf("simnet: phone %s presence: %w", p.pn.User, err)
	}
	return nil
}

// ChatState is typing, recording or paused, as a phone shows it in a chat.
type ChatState string

const (
	StateTyping    ChatState = "typing"
	StateRecording ChatState = "recording"
	StatePaused    ChatState = "paused"
)

// SetChatState shows the phone typing, recording or paused in chat.
func (p *Phone) SetChatState(ctx context.Context, chat string, state ChatState) error {
	to, err := p.chatJID(chat)
	if err != nil {
		return err
	}
	switch state {
	case StateTyping:
		err = p.client.SendChatPresence(ctx, to, types.ChatPresenceComposing, types.ChatPresenceMediaText)
	case StateRecording:
		err = p.client.SendChatPresence(ctx, to, types.ChatPresenceComposing, types.ChatPresenceMediaAudio)
	case StatePaused:
		err = p.client.SendChatPresence(ctx, to, types.ChatPresencePaused, "")
	default:
		return fmt.Errorf("simnet: unknown chat state %q (want typing, recording or paused)", state)
	}
	if err != nil {
		return fmt.Errorf("simnet: phone %s chat state: %w", p.pn.User, err)
	}
	return nil
}

// SetAbout sets the phone's about text.
func (p *Phone) SetAbout(ctx context.Context, about string) error {
	if err := p.client.SetStatusMessage(ctx, about); err != nil {
		return fmt.Errorf("simnet: phone %s about: %w", p.pn.User, err)
	}
	return nil
}

// SetPushName renames the account as a phone does: the setting in app state
// (its companions apply it) and a presence carrying it (the server learns it,
// so the next messages are signed with it).
func (p *Phone) SetPushName(ctx context.Context, name string) error {
	if err := p.appState(ctx, "push name", appstate.BuildSettingPushName(name)); err != nil {
		return err
	}
	p.client.Store.PushName = name
	if err := p.client.Store.Save(ctx); err != nil {
		return fmt.Errorf("simnet: phone %s save push name: %w", p.pn.User, err)
	}
	return p.SetOnline(ctx, false)
}

// SetPicture sets the account's profile picture (a JPEG); nil removes it.
func (p *Phone) SetPicture(ctx context.Context, jpeg []byte) error {
	if _, err := p.client.SetGroupPhoto(ctx, types.EmptyJID, jpeg); err != nil {
		return fmt.Errorf("simnet: phone %s profile picture: %w", p.pn.User, err)
	}
	return nil
}

// Block blocks (or unblocks) the account of chat.
func (p *Phone) Block(ctx context.Context, chat string, block bool) error {
	j, err := p.chatJID(chat)
	if err != nil {
		return err
	}
	action := events.BlocklistChangeActionBlock
	if !block {
		action = events.BlocklistChangeActionUnblock
	}
	if _, err := p.client.UpdateBlocklist(ctx, j, action); err != nil {
		return fmt.Errorf("simnet: phone %s blocklist: %w", p.pn.User, err)
	}
	return nil
}

// Call places a voice (or video) call to chat, as the phone's call offer; it
// returns the call id. The callee's devices ring; see Event types call_accept,
// call_reject and call_terminate for how it ends.
func (p *Phone) Call(ctx context.Context, chat string, video bool) (string, error) {
	to, err := p.chatJID(chat)
	if err != nil {
		return "", err
	}
	callID := strings.ToUpper(strings.ReplaceAll(newID()+newID(), "-", ""))
	media := []waBinary.Node{
		{Tag: "audio", Attrs: waBinary.Attrs{"enc": "opus", "rate": "16000"}},
		{Tag: "audio", Attrs: waBinary.Attrs{"enc": "opus", "rate": "8000"}},
	}
	if video {
		media = append(media, waBinary.Node{Tag: "video", Attrs: waBinary.Attrs{"enc": "vp8", "dec": "vp8", "orientation": "0", "screen_width": "1080", "screen_height": "1920", "device_orientation": "0"}})
	}
	media = append(media, waBinary.Node{Tag: "net", Attrs: waBinary.Attrs{"medium": "3"}}, waBinary.Node{Tag: "encopt", Attrs: waBinary.Attrs{"keygen": "2"}})
	node := waBinary.Node{
		Tag:   "call",
		Attrs: waBinary.Attrs{"id": p.client.GenerateMessageID(), "to": to, "platform": "android", "version": "2.26.1.1"},
		Content: []waBinary.Node{{
			Tag:     "offer",
			Attrs:   waBinary.Attrs{"call-id": callID, "call-creator": p.pn},
			Content: media,
		}},
	}
	if err := p.client.DangerousInternals().SendNode(ctx, node); err != nil {
		return "", fmt.Errorf("simnet: phone %s call %s: %w", p.pn.User, to, err)
	}
	p.record(Event{Type: "call_offer", Chat: to.String(), ID: callID, FromMe: true, Value: video})
	return callID, nil
}

// PeerProfile is what a phone sees of another account.
type PeerProfile struct {
	PushName   string `json:"pushName"`   // as the last message from them carried it
	About      string `json:"about"`      // from a usync status query; "" when hidden
	PictureID  string `json:"pictureId"`  // "" when none or hidden
	PictureURL string `json:"pictureUrl"` // where it is served
}

// PeerProfile asks the server (usync, picture query) what the phone may see of
// chat's account, with the push name its messages carried.
func (p *Phone) PeerProfile(ctx context.Context, chat string) (PeerProfile, error) {
	j, err := p.chatJID(chat)
	if err != nil {
		return PeerProfile{}, err
	}
	var out PeerProfile
	if c, err := p.client.Store.Contacts.GetContact(ctx, j); err == nil {
		out.PushName = c.PushName
	}
	info, err := p.client.GetUserInfo(ctx, []types.JID{j})
	if err != nil {
		return out, fmt.Errorf("simnet: phone %s usync: %w", p.pn.User, err)
	}
	out.About = info[j].Status
	pic, err := p.client.GetProfilePictureInfo(ctx, j, &whatsmeow.GetProfilePictureParams{})
	switch {
	case errors.Is(err, whatsmeow.ErrProfilePictureNotSet), errors.Is(err, whatsmeow.ErrProfilePictureUnauthorized):
	case err != nil:
		return out, fmt.Errorf("simnet: phone %s picture query: %w", p.pn.User, err)
	case pic != nil:
		out.PictureID, out.PictureURL = pic.ID, pic.URL
	}
	return out, nil
}

// onCall records the call stanzas a phone gets.
func (p *Phone) onCall(evt any) {
	switch v := evt.(type) {
	case *events.CallOffer:
		_, video := v.Data.GetOptionalChildByTag("video")
		p.record(Event{Type: "call_offer", Chat: v.From.String(), Sender: v.CallCreator.String(), ID: v.CallID, Value: video, Time: v.Timestamp, Raw: v})
	case *events.CallAccept:
		p.record(Event{Type: "call_accept", Chat: v.From.String(), Sender: v.CallCreator.String(), ID: v.CallID, Time: v.Timestamp, Raw: v})
	case *events.CallReject:
		p.record(Event{Type: "call_reject", Chat: v.From.String(), Sender: v.CallCreator.String(), ID: v.CallID, Time: v.Timestamp, Raw: v})
	case *events.CallTerminate:
		p.record(Event{Type: "call_terminate", Chat: v.From.String(), Sender: v.CallCreator.String(), ID: v.CallID, Text: v.Reason, Time: v.Timestamp, Raw: v})
	case *events.Presence:
		p.record(Event{Type: "presence", Chat: v.From.String(), Value: !v.Unavailable, Raw: v})
	case *events.ChatPresence:
		p.record(Event{Type: "chat_state", Chat: v.Chat.String(), Sender: v.Sender.String(), Text: string(v.State) + string(v.Media), Raw: v})
	case *events.Contact:
		p.record(Event{Type: "contact", Chat: v.JID.String(), Text: v.Action.GetFullName(), Raw: v})
	case *events.PushName:
		p.record(Event{Type: "push_name", Chat: v.JID.String(), Text: v.NewPushName, Raw: v})
	}
}

// RejectCall declines a call ringing the phone (from: the caller), as the
// phone's reject: the caller and the account's other devices learn it.
func (p *Phone) RejectCall(ctx context.Context, from, callID string) error {
	j, err := p.chatJID(from)
	if err != nil {
		return err
	}
	if err := p.client.RejectCall(ctx, j, callID); err != nil {
		return fmt.Errorf("simnet: phone %s reject call %s: %w", p.pn.User, callID, err)
	}
	return nil
}
