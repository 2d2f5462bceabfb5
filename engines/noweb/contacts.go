package noweb

import (
	"context"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wagate/wagate/engines/chatstore"
)

// ingestContacts stores the people an event tells about: a history sync's push
// names, phone-number↔LID pairs and person chats, a changed push name or
// business name, a contact app-state change, and the other party of a one-to-one
// message (with the phone-number↔LID pair it carries). The contact store also
// names the people's chats; it runs after ingest, so chats the event created are
// named too.
func (e *Engine) ingestContacts(ctx context.Context, cli *whatsmeow.Client, evt any) error {
	if e.chats == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, ingestTimeout)
	defer cancel()
	var ks []chatstore.Contact
	switch v := evt.(type) {
	case *events.HistorySync:
		ks = historyContacts(v)
	case *events.PushName:
		ks = append(ks, person(ctx, cli, v.JID, v.JIDAlt, chatstore.Contact{PushName: v.NewPushName}))
	case *events.BusinessName:
		ks = append(ks, person(ctx, cli, v.JID, types.EmptyJID, chatstore.Contact{BusinessName: v.NewBusinessName}))
	case *events.Contact:
		a := v.Action
		alt, _ := types.ParseJID(a.GetLidJID())
		if v.JID.Server == types.HiddenUserServer {
			alt, _ = types.ParseJID(a.GetPnJID())
		}
		ks = append(ks, person(ctx, cli, v.JID, alt, chatstore.Contact{Name: a.GetFullName(), ShortName: a.GetFirstName()}))
	case *events.Message:
		// The person of a one-to-one chat is a contact: with the LID map's pair
		// when the message tells both ids, and naming the chat (which may be new)
		// from what is known of them.
		if v.Info.IsGroup || v.Info.Chat.Server != types.DefaultUserServer && v.Info.Chat.Server != types.HiddenUserServer {
			return nil
		}
		if v.Info.IsFromMe {
			ks = append(ks, person(ctx, cli, v.Info.Chat, v.Info.RecipientAlt, chatstore.Contact{}))
		} else {
			ks = append(ks, person(ctx, cli, v.Info.Sender, v.Info.SenderAlt, chatstore.Contact{PushName: v.Info.PushName}))
		}
	default:
		return nil
	}
	var out []chatstore.Contact
	var seen []string
	for _, k := range ks {
		if k.ID == "" {
			continue
		}
		if _, ok := evt.(*events.Message); ok {
			key := k.ID + "\x00" + k.LID + "\x00" + k.PushName
			if _, dup := e.contactsSeen.Load(key); dup {
				continue
			}
			seen = append(seen, key)
		}
		out = append(out, k)
	}
	if len(out) == 0 {
		return nil
	}
	if err := e.chats.SaveContacts(ctx, e.name, out); err != nil {
		return err
	}
	for _, key := range seen {
		e.contactsSeen.Store(key, struct{}{})
	}
	return nil
}

// person is a contact under its phone-number id with its LID when either id, the
// other one (alt) or whatsmeow's LID map tells both; a LID alone otherwise. Only
// people: groups, newsletters and the like give an empty contact.
func person(ctx context.Context, cli *whatsmeow.Client, j, alt types.JID, k chatstore.Contact) chatstore.Contact {
	j, alt = j.ToNonAD(), alt.ToNonAD()
	var pn, lid types.JID
	for _, x := range []types.JID{j, alt} {
		switch x.Server {
		case types.DefaultUserServer:
			pn = x
		case types.HiddenUserServer:
			lid = x
		}
	}
	switch {
	case pn.IsEmpty() && lid.IsEmpty():
		return chatstore.Contact{}
	case pn.IsEmpty():
		pn = canonical(ctx, cli, lid)
		if pn.Server != types.DefaultUserServer {
			pn = types.EmptyJID
		}
	case lid.IsEmpty():
		if l, err := cli.Store.LIDs.GetLIDForPN(ctx, pn); err == nil && !l.IsEmpty() {
			lid = l.ToNonAD()
		}
	}
	if pn.IsEmpty() {
		k.ID = wahaID(lid)
	} else {
		k.ID = wahaID(pn)
		if !lid.IsEmpty() {
			k.LID = wahaID(lid)
		}
	}
	return k
}

// historyContacts are the people of one history-sync chunk: its phone-number↔LID
// pairs, push names, and the ids of its person chats.
func historyContacts(evt *events.HistorySync) []chatstore.Contact {
	h := evt.Data
	if h == nil {
		return nil
	}
	var ks []chatstore.Contact
	pnOf := map[types.JID]types.JID{}
	for _, m := range h.GetPhoneNumberToLidMappings() {
		lid, err1 := types.ParseJID(m.GetLidJID())
		pn, err2 := types.ParseJID(m.GetPnJID())
		if err1 != nil || err2 != nil || lid.Server != types.HiddenUserServer || pn.Server != types.DefaultUserServer {
			continue
		}
		pnOf[lid.ToNonAD()] = pn.ToNonAD()
		ks = append(ks, chatstore.Contact{ID: wahaID(pn.ToNonAD()), LID: wahaID(lid.ToNonAD())})
	}
	for _, conv := range h.GetConversations() {
		pn, _ := types.ParseJID(conv.GetPnJID())
		lid, _ := types.ParseJID(conv.GetLidJID())
		if id, err := types.ParseJID(conv.GetID()); err == nil {
			switch id.Server {
			case types.DefaultUserServer:
				pn = id
			case types.HiddenUserServer:
				lid = id
			}
		}
		if pn.Server == types.DefaultUserServer && lid.Server == types.HiddenUserServer {
			ks = append(ks, chatstore.Contact{ID: wahaID(pn.ToNonAD()), LID: wahaID(lid.ToNonAD())})
		}
	}
	for _, p := range h.GetPushnames() {
		j, err := types.ParseJID(p.GetID())
		if err != nil || p.GetPushname() == "" {
			continue
		}
		j = j.ToNonAD()
		if pn, ok := pnOf[j]; ok {
			j = pn
		}
		if j.Server != types.DefaultUserServer && j.Server != types.HiddenUserServer {
			continue
		}
		ks = append(ks, chatstore.Contact{ID: wahaID(j), PushName: p.GetPushname()})
	}
	return ks
}
