package noweb

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/linkpreview"
)

// replyContext is the context info of a message quoting r in chat: the quoted
// id and sender, and its text when the store has it (as WhatsApp shows it).
func (e *Engine) replyContext(ctx context.Context, cli *whatsmeow.Client, chat engines.ChatID, r *engines.MessageID) *waE2E.ContextInfo {
	if r == nil {
		return nil
	}
	to := toJID(chat)
	ci := &waE2E.ContextInfo{StanzaID: proto.String(r.ID)}
	id := *r
	if e.chats != nil {
		if q, err := e.chats.GetMessage(ctx, e.name, chat.String(), r.ID); err == nil {
			if full, err := engines.ParseMessageID(q.Message.ID); err == nil {
				id = full // a bare id's direction and sender
			}
			if q.Message.Body != "" {
				ci.QuotedMessage = &waE2E.Message{Conversation: proto.String(q.Message.Body)}
			}
		}
	}
	if !id.Bare {
		ci.Participant = proto.String(sender(cli, id, to).String())
	}
	return ci
}

func (e *Engine) SendText(ctx context.Context, req engines.SendText) (*engines.Message, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	to := toJID(req.Chat)
	ci := e.replyContext(ctx, cli, req.Chat, req.ReplyTo)
	mentions, err := e.mentions(ctx, cli, to, req)
	if err != nil {
		return nil, err
	}
	if len(mentions) > 0 {
		if ci == nil {
			ci = &waE2E.ContextInfo{}
		}
		ci.MentionedJID = mentions
	}
	ext := &waE2E.ExtendedTextMessage{Text: proto.String(req.Text), ContextInfo: ci}
	preview := req.Preview
	if preview == nil && req.LinkPreview {
		preview = e.fetchPreview(ctx, req.Text, req.LinkPreviewHighQuality)
	}
	if preview != nil {
		if err := e.addPreview(ctx, cli, ext, preview); err != nil {
			return nil, err
		}
	}
	msg := &waE2E.Message{ExtendedTextMessage: ext}
	if ci == nil && preview == nil {
		msg = &waE2E.Message{Conversation: proto.String(req.Text)}
	}
	return e.send(ctx, cli, to, msg, req.ID)
}

// mentions are the JIDs a text mentions: the ones given, or every member of the
// group for MentionAll.
func (e *Engine) mentions(ctx context.Context, cli *whatsmeow.Client, to types.JID, req engines.SendText) ([]string, error) {
	var out []string
	for _, m := range req.Mentions {
		out = append(out, toJID(m).String())
	}
	if req.MentionAll {
		info, err := cli.GetGroupInfo(ctx, to)
		if err != nil {
			return nil, fmt.Errorf("members of %s to mention: %w", to, err)
		}
		for _, p := range info.Participants {
			if p.JID.User != cli.Store.ID.User {
				out = append(out, p.JID.ToNonAD().String())
			}
		}
	}
	return out, nil
}

// fetchPreview is the preview of the text's first link, nil when it has none or
// the page gives none: the text goes without a card then, as from a phone.
func (e *Engine) fetchPreview(ctx context.Context, text string, hq bool) *engines.LinkPreview {
	link := linkpreview.FindLink(text)
	if link == "" {
		return nil
	}
	p, err := linkpreview.Fetch(ctx, e.f.fetch, link)
	if err != nil {
		e.log.Info("no link preview", "url", link, "err", err)
		return nil
	}
	if _, _, _, err := linkpreview.Thumbnail(p.Image, linkpreview.InlineSide); len(p.Image) > 0 && err != nil {
		p.Image = nil // a picture WhatsApp cannot show: the card goes without it
	}
	return &engines.LinkPreview{URL: p.URL, Title: p.Title, Description: p.Description, Image: p.Image, HighQuality: hq}
}

// addPreview puts a link's card on a text: title, description, the link it
// matches, and the picture, inline or (high quality) uploaded.
func (e *Engine) addPreview(ctx context.Context, cli *whatsmeow.Client, ext *waE2E.ExtendedTextMessage, p *engines.LinkPreview) error {
	ext.MatchedText = proto.String(p.URL)
	ext.Title = proto.String(p.Title)
	ext.Description = proto.String(p.Description)
	ext.PreviewType = waE2E.ExtendedTextMessage_NONE.Enum()
	if len(p.Image) == 0 {
		return nil
	}
	thumb, _, _, err := linkpreview.Thumbnail(p.Image, linkpreview.InlineSide)
	if err != nil {
		return fmt.Errorf("link preview: %w: %w", engines.ErrInvalid, err)
	}
	ext.JPEGThumbnail = thumb
	if !p.HighQuality {
		return nil
	}
	full, w, h, err := linkpreview.Thumbnail(p.Image, linkpreview.HQSide)
	if err != nil {
		return err
	}
	up, err := cli.Upload(ctx, full, whatsmeow.MediaLinkThumbnail)
	if err != nil {
		return fmt.Errorf("upload link preview image: %w", err)
	}
	ext.ThumbnailDirectPath = proto.String(up.DirectPath)
	ext.ThumbnailSHA256, ext.ThumbnailEncSHA256 = up.FileSHA256, up.FileEncSHA256
	ext.MediaKey, ext.MediaKeyTimestamp = up.MediaKey, proto.Int64(time.Now().Unix())
	ext.ThumbnailWidth, ext.ThumbnailHeight = proto.Uint32(uint32(w)), proto.Uint32(uint32(h))
	return nil
}

func (e *Engine) NewMessageID(context.Context) (string, error) {
	cli, err := e.client()
	if err != nil {
		return "", err
	}
	return cli.GenerateMessageID(), nil
}

func (e *Engine) SendLocation(ctx context.Context, req engines.SendLocation) (*engines.Message, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	loc := &waE2E.LocationMessage{
		DegreesLatitude: proto.Float64(req.Latitude), DegreesLongitude: proto.Float64(req.Longitude),
		ContextInfo: e.replyContext(ctx, cli, req.Chat, req.ReplyTo),
	}
	if req.Title != "" {
		loc.Name = proto.String(req.Title)
	}
	if req.Address != "" {
		loc.Address = proto.String(req.Address)
	}
	if req.URL != "" {
		loc.URL = proto.String(req.URL)
	}
	return e.send(ctx, cli, toJID(req.Chat), &waE2E.Message{LocationMessage: loc}, req.ID)
}

func (e *Engine) SendContacts(ctx context.Context, req engines.SendContacts) (*engines.Message, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	ci := e.replyContext(ctx, cli, req.Chat, req.ReplyTo)
	cards := make([]*waE2E.ContactMessage, len(req.Contacts))
	for i, c := range req.Contacts {
		cards[i] = &waE2E.ContactMessage{DisplayName: proto.String(c.DisplayName), Vcard: proto.String(c.VCard)}
	}
	var msg *waE2E.Message
	if len(cards) == 1 {
		cards[0].ContextInfo = ci
		msg = &waE2E.Message{ContactMessage: cards[0]}
	} else {
		msg = &waE2E.Message{ContactsArrayMessage: &waE2E.ContactsArrayMessage{
			DisplayName: proto.String(fmt.Sprintf("%d contacts", len(cards))), Contacts: cards, ContextInfo: ci,
		}}
	}
	return e.send(ctx, cli, toJID(req.Chat), msg, req.ID)
}

func (e *Engine) SendPoll(ctx context.Context, req engines.SendPoll) (*engines.Message, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	selectable := 1
	if req.MultipleAnswers {
		selectable = 0 // any number
	}
	msg := cli.BuildPollCreation(req.Name, req.Options, selectable)
	msg.PollCreationMessage.ContextInfo = e.replyContext(ctx, cli, req.Chat, req.ReplyTo)
	return e.send(ctx, cli, toJID(req.Chat), msg, req.ID)
}

// pollOf finds a poll the store knows: its message, options and whatsmeow info.
func (e *Engine) pollOf(ctx context.Context, cli *whatsmeow.Client, chat engines.ChatID, id engines.MessageID) (*pollInfo, error) {
	st, err := e.store("voting on a poll")
	if err != nil {
		return nil, err
	}
	r, err := st.GetMessage(ctx, e.name, chat.String(), id.ID)
	if err != nil {
		return nil, fmt.Errorf("poll %s: %w", id, err)
	}
	opts, selectable, ok := pollOptions(r.Message.Data)
	if !ok {
		return nil, fmt.Errorf("message %s is not a poll: %w", id, engines.ErrInvalid)
	}
	full, err := engines.ParseMessageID(r.Message.ID)
	if err != nil {
		return nil, err
	}
	to := toJID(chat)
	info := types.MessageInfo{
		MessageSource: types.MessageSource{Chat: to, Sender: sender(cli, full, to), IsFromMe: full.FromMe, IsGroup: to.Server == types.GroupServer},
		ID:            full.ID,
	}
	return &pollInfo{info: info, options: opts, selectable: selectable}, nil
}

type pollInfo struct {
	info       types.MessageInfo
	options    []string
	selectable uint32 // 0: any number
}

func (e *Engine) SendPollVote(ctx context.Context, req engines.SendPollVote) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	p, err := e.pollOf(ctx, cli, req.Chat, req.Poll)
	if err != nil {
		return err
	}
	for _, v := range req.Votes {
		found := false
		for _, o := range p.options {
			found = found || o == v
		}
		if !found {
			return fmt.Errorf("%q is not an option of poll %s (its options: %q): %w", v, req.Poll, p.options, engines.ErrInvalid)
		}
	}
	if p.selectable == 1 && len(req.Votes) > 1 {
		return fmt.Errorf("poll %s takes one answer, got %d: %w", req.Poll, len(req.Votes), engines.ErrInvalid)
	}
	vote, err := cli.BuildPollVote(ctx, &p.info, req.Votes)
	if err != nil {
		return fmt.Errorf("encrypt the vote: %w", err)
	}
	if _, err := cli.SendMessage(ctx, p.info.Chat, vote); err != nil {
		return fmt.Errorf("send the vote: %w", err)
	}
	return nil
}

func (e *Engine) SendButtons(ctx context.Context, req engines.SendButtons) (*engines.Message, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	msg, err := buttonsMessage(req)
	if err != nil {
		return nil, err
	}
	// whatsmeow tags lists and button replies for the server, not native-flow
	// buttons: the biz node says what the message is, as WhatsApp's own clients do.
	biz := []waBinary.Node{nativeFlowBiz()}
	return e.sendWith(ctx, cli, toJID(req.Chat), "", msg, "", whatsmeow.SendRequestExtra{AdditionalNodes: &biz})
}

func (e *Engine) SendList(ctx context.Context, req engines.SendList) (*engines.Message, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	list := &waE2E.ListMessage{
		Title: proto.String(req.Title), Description: proto.String(req.Description), ButtonText: proto.String(req.Button),
		ListType:    waE2E.ListMessage_SINGLE_SELECT.Enum(),
		ContextInfo: e.replyContext(ctx, cli, req.Chat, req.ReplyTo),
	}
	if req.Footer != "" {
		list.FooterText = proto.String(req.Footer)
	}
	for _, s := range req.Sections {
		sec := &waE2E.ListMessage_Section{Title: proto.String(s.Title)}
		for _, r := range s.Rows {
			row := &waE2E.ListMessage_Row{RowID: proto.String(r.ID), Title: proto.String(r.Title)}
			if r.Description != "" {
				row.Description = proto.String(r.Description)
			}
			sec.Rows = append(sec.Rows, row)
		}
		list.Sections = append(list.Sections, sec)
	}
	return e.send(ctx, cli, toJID(req.Chat), &waE2E.Message{ListMessage: list}, "")
}

func (e *Engine) SendButtonReply(ctx context.Context, req engines.SendButtonReply) (*engines.Message, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	msg := &waE2E.Message{ButtonsResponseMessage: &waE2E.ButtonsResponseMessage{
		SelectedButtonID: proto.String(req.ButtonID),
		Response:         &waE2E.ButtonsResponseMessage_SelectedDisplayText{SelectedDisplayText: req.DisplayText},
		Type:             waE2E.ButtonsResponseMessage_DISPLAY_TEXT.Enum(),
		ContextInfo:      e.replyContext(ctx, cli, req.Chat, req.ReplyTo),
	}}
	return e.send(ctx, cli, toJID(req.Chat), msg, "")
}

func (e *Engine) ForwardMessage(ctx context.Context, req engines.Forward) (*engines.Message, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	st, err := e.store("forwarding a message")
	if err != nil {
		return nil, err
	}
	orig, err := st.GetMessage(ctx, e.name, req.Message.Chat.String(), req.Message.ID)
	if err != nil {
		return nil, fmt.Errorf("message %s: %w", req.Message, err)
	}
	msg, err := forwarded(orig.Message.Data)
	if err != nil {
		return nil, err
	}
	return e.send(ctx, cli, toJID(req.Chat), msg, req.ID)
}

func (e *Engine) React(ctx context.Context, id engines.MessageID, emoji string) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	if e.chats != nil {
		m, err := e.chats.GetMessage(ctx, e.name, id.Chat.String(), id.ID)
		if err != nil {
			return fmt.Errorf("message %s: %w", id, err)
		}
		if full, err := engines.ParseMessageID(m.Message.ID); err == nil {
			id = full // the participant of a group message
		}
	}
	to := toJID(id.Chat)
	msg := cli.BuildReaction(to, sender(cli, id, to), id.ID, emoji)
	resp, err := cli.SendMessage(ctx, to, msg)
	if err != nil {
		return fmt.Errorf("send reaction: %w", err)
	}
	// message.reaction, as when the reaction comes from another device or a contact.
	evt := own(cli, to, resp.ID, msg, resp.Timestamp)
	return e.recordReaction(ctx, cli, evt, canonical(ctx, cli, to), cli.Store.ID.ToNonAD(), msg.GetReactionMessage(), "api")
}

func (e *Engine) StarMessage(ctx context.Context, chat engines.ChatID, id engines.MessageID, star bool) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	if e.chats != nil {
		m, err := e.chats.GetMessage(ctx, e.name, chat.String(), id.ID)
		if err != nil {
			return fmt.Errorf("message %s: %w", id, err)
		}
		if full, err := engines.ParseMessageID(m.Message.ID); err == nil {
			id = full
		}
	}
	if id.Bare {
		return fmt.Errorf("message %s: a bare id needs the message store to say who sent it: %w", id, engines.ErrInvalid)
	}
	to := toJID(chat)
	s := sender(cli, id, to)
	if id.FromMe {
		s = to // WhatsApp writes an own message's sender as "0", as BuildStar does for the chat itself
	}
	if err := cli.SendAppState(ctx, appstate.BuildStar(to, s, id.ID, id.FromMe, star)); err != nil {
		return fmt.Errorf("send star: %w", err)
	}
	return nil
}

func (e *Engine) SendSeen(ctx context.Context, req engines.SendSeen) ([]string, error) {
	if len(req.Messages) == 0 {
		return e.ReadMessages(ctx, req.Chat, engines.ReadQuery{})
	}
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	jid := toJID(req.Chat)
	bySender := map[types.JID][]types.MessageID{}
	var order []types.JID
	var ids []string
	for _, m := range req.Messages {
		if m.FromMe {
			continue // receipts are for what others sent
		}
		s := jid
		switch {
		case !m.Participant.IsZero():
			s = toJID(m.Participant)
		case !req.Participant.IsZero():
			s = toJID(req.Participant)
		case req.Chat.IsGroup():
			if e.chats == nil {
				return nil, fmt.Errorf("message %s: a group message's sender is needed (participant): %w", m, engines.ErrInvalid)
			}
			r, err := e.chats.GetMessage(ctx, e.name, req.Chat.String(), m.ID)
			if err != nil {
				return nil, fmt.Errorf("message %s: %w", m, err)
			}
			if r.Message.Participant == nil {
				return nil, fmt.Errorf("message %s: its sender is unknown; give participant: %w", m, engines.ErrInvalid)
			}
			p, err := engines.ParseChatID(*r.Message.Participant)
			if err != nil {
				return nil, err
			}
			s = toJID(p)
		}
		if _, ok := bySender[s]; !ok {
			order = append(order, s)
		}
		bySender[s] = append(bySender[s], m.ID)
		ids = append(ids, m.String())
	}
	for _, s := range order {
		if err := cli.MarkRead(ctx, bySender[s], time.Now(), jid, s); err != nil {
			return nil, fmt.Errorf("send read receipts: %w", err)
		}
		if e.chats != nil {
			if _, err := e.chats.SetAck(ctx, e.name, req.Chat.String(), bySender[s], engines.AckRead); err != nil {
				return nil, err
			}
		}
	}
	return ids, nil
}

func (e *Engine) SetTyping(ctx context.Context, chat engines.ChatID, typing bool) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	state := types.ChatPresencePaused
	if typing {
		state = types.ChatPresenceComposing
	}
	if err := cli.SendChatPresence(ctx, toJID(chat), state, types.ChatPresenceMediaText); err != nil {
		return fmt.Errorf("send chat state: %w", err)
	}
	return nil
}
