package simnet

import (
	"bytes"
	"context"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types/events"
)

// Chatting is what a phone saw of the message kinds beyond text and media, as
// it decrypted them.
type Chatting struct {
	Location *Location `json:"location,omitempty"`
	// VCards are a contact message's cards; CardNames their display names.
	VCards    []string `json:"vCards,omitempty"`
	CardNames []string `json:"cardNames,omitempty"`
	// Poll is a poll's question; Options its options (a vote: the options
	// chosen, by name); Selectable how many may be chosen (0: any).
	Poll       string   `json:"poll,omitempty"`
	Options    []string `json:"options,omitempty"`
	Selectable *uint32  `json:"selectable,omitempty"`
	// Reaction is the emoji of a reaction ("" when taken back); ID is then the
	// message it is on.
	Reaction string `json:"reaction,omitempty"`
	// Forwarded marks a forwarded message, Score how many times it was.
	Forwarded bool   `json:"forwarded,omitempty"`
	Score     uint32 `json:"forwardingScore,omitempty"`
	// Preview is the link card of a text: its title, description, link and
	// whether it has an inline or an uploaded picture.
	Preview *Preview `json:"preview,omitempty"`
	// Mentions are the ids a text mentions.
	Mentions []string `json:"mentions,omitempty"`
	// Buttons are the labels of a buttons or list message (a list's rows),
	// ButtonID the choice of a buttons reply.
	Buttons  []string `json:"buttons,omitempty"`
	ButtonID string   `json:"buttonId,omitempty"`
	// QuotedID is the message a message replies to.
	QuotedID string `json:"quotedId,omitempty"`
}

// Preview is a link card as received.
type Preview struct {
	URL         string `json:"url"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Thumbnail   bool   `json:"thumbnail,omitempty"`   // an inline JPEG
	HighQuality bool   `json:"highQuality,omitempty"` // an uploaded picture
}

// describeChatting fills e from a message of the kinds above; reactions and
// votes become events of their own type.
func (p *Phone) describeChatting(v *events.Message, e *Event) {
	m := v.Message
	if inner := m.GetViewOnceMessage().GetMessage(); inner != nil {
		m = inner
	}
	var ci *waE2E.ContextInfo
	switch {
	case m.GetReactionMessage() != nil:
		r := m.GetReactionMessage()
		e.Type, e.ID, e.Reaction = "reaction", r.GetKey().GetID(), r.GetText()
		return
	case m.GetPollUpdateMessage() != nil:
		e.Type = "poll_vote"
		e.ID = m.GetPollUpdateMessage().GetPollCreationMessageKey().GetID()
		e.Options = p.votedFor(v)
		return
	case m.GetExtendedTextMessage() != nil:
		x := m.GetExtendedTextMessage()
		ci = x.GetContextInfo()
		if x.GetTitle() != "" {
			e.Preview = &Preview{URL: x.GetMatchedText(), Title: x.GetTitle(), Description: x.GetDescription(),
				Thumbnail: len(x.GetJPEGThumbnail()) > 0, HighQuality: x.GetThumbnailDirectPath() != ""}
		}
	case m.GetLocationMessage() != nil:
		x := m.GetLocationMessage()
		ci = x.GetContextInfo()
		e.Location = &Location{Latitude: x.GetDegreesLatitude(), Longitude: x.GetDegreesLongitude(), Name: x.GetName(), Address: x.GetAddress(), URL: x.GetURL()}
	case m.GetContactMessage() != nil:
		x := m.GetContactMessage()
		ci = x.GetContextInfo()
		e.VCards, e.CardNames = []string{x.GetVcard()}, []string{x.GetDisplayName()}
	case m.GetContactsArrayMessage() != nil:
		x := m.GetContactsArrayMessage()
		ci = x.GetContextInfo()
		for _, c := range x.GetContacts() {
			e.VCards = append(e.VCards, c.GetVcard())
			e.CardNames = append(e.CardNames, c.GetDisplayName())
		}
	case m.GetPollCreationMessage() != nil || m.GetPollCreationMessageV3() != nil:
		x := m.GetPollCreationMessage()
		if x == nil {
			x = m.GetPollCreationMessageV3()
		}
		ci = x.GetContextInfo()
		e.Poll = x.GetName()
		n := x.GetSelectableOptionsCount()
		e.Selectable = &n
		for _, o := range x.GetOptions() {
			e.Options = append(e.Options, o.GetOptionName())
		}
		p.rememberPoll(v.Info.Chat, v.Info.ID, e.Options)
	case m.GetInteractiveMessage() != nil:
		x := m.GetInteractiveMessage()
		ci = x.GetContextInfo()
		e.Text = x.GetBody().GetText()
		for _, b := range x.GetNativeFlowMessage().GetButtons() {
			e.Buttons = append(e.Buttons, b.GetName()+":"+b.GetButtonParamsJSON())
		}
	case m.GetListMessage() != nil:
		x := m.GetListMessage()
		ci = x.GetContextInfo()
		e.Text = x.GetDescription()
		for _, s := range x.GetSections() {
			for _, r := range s.GetRows() {
				e.Buttons = append(e.Buttons, r.GetRowID()+":"+r.GetTitle())
			}
		}
	case m.GetButtonsResponseMessage() != nil:
		x := m.GetButtonsResponseMessage()
		ci = x.GetContextInfo()
		e.Text, e.ButtonID = x.GetSelectedDisplayText(), x.GetSelectedButtonID()
	default:
		for _, x := range []interface{ GetContextInfo() *waE2E.ContextInfo }{
			m.GetImageMessage(), m.GetVideoMessage(), m.GetAudioMessage(), m.GetDocumentMessage(), m.GetStickerMessage(),
		} {
			if c := x.GetContextInfo(); c != nil {
				ci = c
			}
		}
	}
	e.Forwarded, e.Score = ci.GetIsForwarded(), ci.GetForwardingScore()
	e.Mentions = ci.GetMentionedJID()
	e.QuotedID = ci.GetStanzaID()
}

// votedFor decrypts a vote with its poll's secret and names the options chosen.
func (p *Phone) votedFor(v *events.Message) []string {
	ctx, cancel := context.WithTimeout(p.srv.ctx, p.srv.opts.RequestTimeout)
	defer cancel()
	vote, err := p.client.DecryptPollVote(ctx, v)
	if err != nil {
		p.log.Warn("simnet: undecryptable poll vote", "id", v.Info.ID, "err", err)
		return nil
	}
	opts := p.pollOptions(v.Info.Chat, v.Message.GetPollUpdateMessage().GetPollCreationMessageKey().GetID())
	hashes := whatsmeow.HashPollOptions(opts)
	names := []string{}
	for _, h := range vote.GetSelectedOptions() {
		for i, oh := range hashes {
			if bytes.Equal(h, oh) {
				names = append(names, opts[i])
			}
		}
	}
	return names
}

// chattingEvent is an event of the phone's client about stars (chat states are
// people's: chat_state).
func chattingEvent(evt any) (Event, bool) {
	switch v := evt.(type) {
	case *events.Star:
		return Event{Type: "star", Chat: v.ChatJID.String(), Sender: v.SenderJID.String(), ID: v.MessageID,
			FromMe: v.IsFromMe, Value: v.Action.GetStarred(), Raw: v}, true
	}
	return Event{}, false
}
