package noweb

import (
	"context"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/wagate/wagate/engines"
)

// wahaID writes a whatsmeow JID as WAHA does: s.whatsapp.net becomes c.us and the
// device part is dropped.
func wahaID(j types.JID) string {
	if j.IsEmpty() {
		return ""
	}
	j = j.ToNonAD()
	if j.Server == types.DefaultUserServer {
		return j.User + "@" + engines.ServerUser
	}
	return j.User + "@" + j.Server
}

// toJID is the whatsmeow JID of a WAHA chat id.
func toJID(c engines.ChatID) types.JID {
	if c.Server == engines.ServerUser {
		return types.NewJID(c.User, types.DefaultUserServer)
	}
	return types.NewJID(c.User, c.Server)
}

// canonical is the JID a person's chat is kept under: their phone number when
// whatsmeow's LID map knows it, so one person is one chat whether WhatsApp
// addressed them by LID or by number.
func canonical(ctx context.Context, cli *whatsmeow.Client, j types.JID) types.JID {
	j = j.ToNonAD()
	if j.Server != types.HiddenUserServer {
		return j
	}
	pn, err := cli.Store.LIDs.GetPNForLID(ctx, j)
	if err != nil || pn.IsEmpty() {
		return j
	}
	return pn.ToNonAD()
}

// messageID is the serialized id of a message: {fromMe}_{chat}_{id}[_{participant}].
func messageID(fromMe bool, chat types.JID, id string, participant types.JID) string {
	c, _ := engines.ParseChatID(wahaID(chat))
	m := engines.MessageID{FromMe: fromMe, Chat: c, ID: id}
	if chat.Server == types.GroupServer || chat.Server == types.BroadcastServer {
		m.Participant, _ = engines.ParseChatID(wahaID(participant))
	}
	return m.String()
}
