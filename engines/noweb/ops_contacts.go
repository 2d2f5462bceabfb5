package noweb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/wagate/wagate/engines"
	"github.com/wagate/wagate/engines/chatstore"
)

// CheckNumber asks WhatsApp (a usync contact query) whether phone is on
// WhatsApp; the answer's JID is the number as WhatsApp knows it, which is the
// chat id to use. The person's LID is learnt on the way, so the LID endpoints
// and the contact know both ids at once.
func (e *Engine) CheckNumber(ctx context.Context, phone string) (engines.NumberStatus, error) {
	cli, err := e.client()
	if err != nil {
		return engines.NumberStatus{}, err
	}
	res, err := cli.IsOnWhatsApp(ctx, []string{"+" + phone})
	if err != nil {
		return engines.NumberStatus{}, fmt.Errorf("usync query: %w", err)
	}
	for _, r := range res {
		if !r.IsIn || r.JID.Server != types.DefaultUserServer {
			continue
		}
		pn := r.JID.ToNonAD()
		if _, err := e.learnLID(ctx, cli, pn); err != nil {
			e.log.Warn("learn the LID of a number", "number", pn.User, "err", err)
		}
		return engines.NumberStatus{NumberExists: true, ChatID: wahaID(pn)}, nil
	}
	return engines.NumberStatus{NumberExists: false}, nil
}

// learnLID is the LID of a phone number: from whatsmeow's LID map, else asked
// of WhatsApp (a usync LID query, which whatsmeow adds to its map). The pair is
// stored as the person's contact. EmptyJID when WhatsApp has no such user.
func (e *Engine) learnLID(ctx context.Context, cli *whatsmeow.Client, pn types.JID) (types.JID, error) {
	lid, err := cli.Store.LIDs.GetLIDForPN(ctx, pn)
	if err != nil || lid.IsEmpty() {
		info, err := cli.GetUserInfo(ctx, []types.JID{pn})
		if err != nil {
			return types.EmptyJID, fmt.Errorf("usync lid query: %w", err)
		}
		lid = info[pn].LID
	}
	if lid.IsEmpty() {
		return types.EmptyJID, nil
	}
	lid = lid.ToNonAD()
	if e.chats != nil {
		if err := e.chats.SaveContacts(ctx, e.name, []chatstore.Contact{{ID: wahaID(pn), LID: wahaID(lid)}}); err != nil {
			return lid, err
		}
	}
	return lid, nil
}

// learnPN is the phone number of a LID: whatsmeow's LID map, else EmptyJID (a
// usync query needs the number; WhatsApp tells it with the person's messages).
func (e *Engine) learnPN(ctx context.Context, cli *whatsmeow.Client, lid types.JID) (types.JID, error) {
	pn, err := cli.Store.LIDs.GetPNForLID(ctx, lid)
	if err != nil || pn.IsEmpty() {
		return types.EmptyJID, err
	}
	pn = pn.ToNonAD()
	if e.chats != nil {
		if err := e.chats.SaveContacts(ctx, e.name, []chatstore.Contact{{ID: wahaID(pn), LID: wahaID(lid)}}); err != nil {
			return pn, err
		}
	}
	return pn, nil
}

func (e *Engine) ListContacts(ctx context.Context, q engines.ContactQuery) ([]engines.Contact, error) {
	st, err := e.store("listing contacts")
	if err != nil {
		return nil, err
	}
	rows, err := st.ListContacts(ctx, e.name, q)
	if err != nil {
		return nil, err
	}
	blocked := e.blocklist(ctx)
	out := make([]engines.Contact, len(rows))
	for i, r := range rows {
		out[i] = e.contactOf(r, blocked)
	}
	return out, nil
}

// GetContact finds a person by either id; one the store has not met yet is
// looked up: a LID in whatsmeow's map, a phone number on WhatsApp.
func (e *Engine) GetContact(ctx context.Context, id engines.ChatID) (*engines.Contact, error) {
	st, err := e.store("getting contacts")
	if err != nil {
		return nil, err
	}
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	if id.IsGroup() {
		c, err := st.GetChat(ctx, e.name, id.String())
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", id, err)
		}
		k := engines.Contact{ID: c.ID, IsGroup: true, IsWAContact: true}
		if c.Name != "" {
			k.Name = &c.Name
		}
		return &k, nil
	}
	row, err := st.GetContact(ctx, e.name, id.String())
	if errors.Is(err, engines.ErrNotFound) {
		// Not met yet: learn the other id (which stores the contact).
		j := toJID(id)
		var found types.JID
		if j.Server == types.HiddenUserServer {
			found, err = e.learnPN(ctx, cli, j)
		} else {
			found, err = e.learnLID(ctx, cli, j)
		}
		if err != nil {
			return nil, err
		}
		if found.IsEmpty() {
			return nil, fmt.Errorf("contact %s: %w", id, engines.ErrNotFound)
		}
		row, err = st.GetContact(ctx, e.name, id.String())
	}
	if err != nil {
		return nil, err
	}
	k := e.contactOf(*row, e.blocklist(ctx))
	return &k, nil
}

// contactOf is a stored person as WAHA shows a contact.
func (e *Engine) contactOf(r chatstore.Contact, blocked map[string]bool) engines.Contact {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	k := engines.Contact{
		ID: r.ID, Name: opt(r.Name), PushName: opt(r.PushName), ShortName: opt(r.ShortName),
		LID: opt(r.LID), IsWAContact: true, IsMyContact: r.Name != "",
		IsBlocked: blocked[r.ID] || r.LID != "" && blocked[r.LID],
	}
	if r.BusinessName != "" && k.Name == nil {
		k.Name = opt(r.BusinessName)
	}
	if user, ok := strings.CutSuffix(r.ID, "@"+engines.ServerUser); ok {
		k.Number = &user
	}
	e.mu.Lock()
	me := e.me
	e.mu.Unlock()
	k.IsMe = me != nil && (me.ID == r.ID || me.LID != "" && me.LID == r.ID)
	return k
}

// blocklist is the account's blocked people by WAHA id (both ids where the
// LID map knows them): fetched from WhatsApp once per run, then kept up to
// date from blocklist notifications and our own changes. A failed fetch
// reads as nobody blocked, and is tried again next time.
func (e *Engine) blocklist(ctx context.Context) map[string]bool {
	e.mu.Lock()
	cached, cli := e.blocked, e.cli
	e.mu.Unlock()
	if cached != nil || cli == nil {
		return cached
	}
	list, err := cli.GetBlocklist(ctx)
	if err != nil {
		e.log.Warn("get blocklist", "err", err)
		return nil
	}
	return e.setBlocklist(ctx, cli, list.JIDs)
}

func (e *Engine) setBlocklist(ctx context.Context, cli *whatsmeow.Client, jids []types.JID) map[string]bool {
	m := make(map[string]bool, 2*len(jids))
	for _, j := range jids {
		e.markBlocked(ctx, cli, m, j, true)
	}
	e.mu.Lock()
	e.blocked = m
	e.mu.Unlock()
	return m
}

// markBlocked sets j (and its other id) blocked or not in m.
func (e *Engine) markBlocked(ctx context.Context, cli *whatsmeow.Client, m map[string]bool, j types.JID, blocked bool) {
	j = j.ToNonAD()
	ids := []types.JID{j}
	switch j.Server {
	case types.HiddenUserServer:
		if pn, err := cli.Store.LIDs.GetPNForLID(ctx, j); err == nil && !pn.IsEmpty() {
			ids = append(ids, pn)
		}
	case types.DefaultUserServer:
		if lid, err := cli.Store.LIDs.GetLIDForPN(ctx, j); err == nil && !lid.IsEmpty() {
			ids = append(ids, lid)
		}
	}
	for _, id := range ids {
		if blocked {
			m[wahaID(id)] = true
		} else {
			delete(m, wahaID(id))
		}
	}
}

// onBlocklist applies a blocklist notification (another device blocked or
// unblocked someone): a "modify" without changes means fetch it again.
func (e *Engine) onBlocklist(ctx context.Context, cli *whatsmeow.Client, evt *events.Blocklist) {
	if evt.Action == events.BlocklistActionModify && len(evt.Changes) == 0 {
		e.mu.Lock()
		e.blocked = nil
		e.mu.Unlock()
		return
	}
	e.mu.Lock()
	m := e.blocked
	e.mu.Unlock()
	if m == nil {
		return // fetched whole on next use
	}
	next := make(map[string]bool, len(m))
	for k, v := range m {
		next[k] = v
	}
	for _, c := range evt.Changes {
		e.markBlocked(ctx, cli, next, c.JID, c.Action == events.BlocklistChangeActionBlock)
	}
	e.mu.Lock()
	e.blocked = next
	e.mu.Unlock()
}

func (e *Engine) Block(ctx context.Context, id engines.ChatID, block bool) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	action := events.BlocklistChangeActionBlock
	if !block {
		action = events.BlocklistChangeActionUnblock
	}
	list, err := cli.UpdateBlocklist(ctx, toJID(id), action)
	if err != nil {
		return fmt.Errorf("update blocklist: %w", err)
	}
	e.setBlocklist(ctx, cli, list.JIDs)
	return nil
}

func (e *Engine) About(ctx context.Context, id engines.ChatID) (*string, error) {
	cli, err := e.client()
	if err != nil {
		return nil, err
	}
	j := toJID(id)
	if j.Server == types.HiddenUserServer {
		// usync asks by phone number.
		if pn, err := e.learnPN(ctx, cli, j); err == nil && !pn.IsEmpty() {
			j = pn
		}
	}
	info, err := cli.GetUserInfo(ctx, []types.JID{j})
	if err != nil {
		return nil, fmt.Errorf("usync status query: %w", err)
	}
	u, ok := info[j]
	if !ok {
		return nil, fmt.Errorf("%s is not on WhatsApp: %w", id, engines.ErrNotFound)
	}
	if u.Status == "" {
		return nil, nil
	}
	return &u.Status, nil
}

// SaveContact saves the person in the account's address book: a contact
// mutation of the critical_unblock_low collection, as the phone writes it,
// which every device of the account (the phone too) applies.
func (e *Engine) SaveContact(ctx context.Context, id engines.ChatID, firstName, lastName string) error {
	cli, err := e.client()
	if err != nil {
		return err
	}
	j := toJID(id)
	if j.Server == types.HiddenUserServer {
		pn, err := e.learnPN(ctx, cli, j)
		if err != nil {
			return err
		}
		if pn.IsEmpty() {
			return fmt.Errorf("%w: the phone number of %s is not known; save the contact by its number", engines.ErrInvalid, id)
		}
		j = pn
	}
	full := strings.TrimSpace(firstName + " " + lastName)
	action := &waSyncAction.ContactAction{
		FullName: proto.String(full), FirstName: proto.String(firstName),
		SaveOnPrimaryAddressbook: proto.Bool(true),
	}
	lid, err := e.learnLID(ctx, cli, j)
	if err != nil {
		return err
	}
	if !lid.IsEmpty() {
		action.LidJID = proto.String(lid.String())
	}
	patch := appstate.PatchInfo{
		Type: appstate.WAPatchCriticalUnblockLow,
		Mutations: []appstate.MutationInfo{{
			Index: []string{appstate.IndexContact, j.String()}, Version: 2,
			Value: &waSyncAction.SyncActionValue{ContactAction: action},
		}},
	}
	if err := cli.SendAppState(ctx, patch); err != nil {
		return fmt.Errorf("send contact app state patch: %w", err)
	}
	if e.chats == nil {
		return nil
	}
	k := chatstore.Contact{ID: wahaID(j), Name: full, ShortName: firstName}
	if !lid.IsEmpty() {
		k.LID = wahaID(lid)
	}
	return e.chats.SaveContacts(ctx, e.name, []chatstore.Contact{k})
}

// ListLIDs pages the LID map the engine has built from everything WhatsApp
// told it (messages, history syncs, usync answers).
func (e *Engine) ListLIDs(ctx context.Context, limit, offset int) ([]engines.LIDMapping, error) {
	st, err := e.store("listing lids")
	if err != nil {
		return nil, err
	}
	rows, err := st.ListLIDs(ctx, e.name, limit, offset)
	if err != nil {
		return nil, err
	}
	out := make([]engines.LIDMapping, len(rows))
	for i, r := range rows {
		pn := r.ID
		out[i] = engines.LIDMapping{LID: r.LID, PN: &pn}
	}
	return out, nil
}

func (e *Engine) CountLIDs(ctx context.Context) (int, error) {
	st, err := e.store("counting lids")
	if err != nil {
		return 0, err
	}
	return st.CountLIDs(ctx, e.name)
}

func (e *Engine) PNForLID(ctx context.Context, lid engines.ChatID) (engines.LIDMapping, error) {
	cli, err := e.client()
	if err != nil {
		return engines.LIDMapping{}, err
	}
	if e.chats != nil {
		if k, err := e.chats.GetContact(ctx, e.name, lid.String()); err == nil && k.LID == lid.String() {
			return engines.LIDMapping{LID: k.LID, PN: &k.ID}, nil
		}
	}
	pn, err := e.learnPN(ctx, cli, toJID(lid))
	if err != nil {
		return engines.LIDMapping{}, err
	}
	if pn.IsEmpty() {
		return engines.LIDMapping{}, fmt.Errorf("not known to this session (WhatsApp tells it with the person's messages): %w", engines.ErrNotFound)
	}
	s := wahaID(pn)
	return engines.LIDMapping{LID: lid.String(), PN: &s}, nil
}

func (e *Engine) LIDForPN(ctx context.Context, pn engines.ChatID) (engines.LIDMapping, error) {
	cli, err := e.client()
	if err != nil {
		return engines.LIDMapping{}, err
	}
	if e.chats != nil {
		if k, err := e.chats.GetContact(ctx, e.name, pn.String()); err == nil && k.LID != "" {
			return engines.LIDMapping{LID: k.LID, PN: &k.ID}, nil
		}
	}
	lid, err := e.learnLID(ctx, cli, toJID(pn))
	if err != nil {
		return engines.LIDMapping{}, err
	}
	if lid.IsEmpty() {
		return engines.LIDMapping{}, fmt.Errorf("not on WhatsApp: %w", engines.ErrNotFound)
	}
	s := pn.String()
	return engines.LIDMapping{LID: wahaID(lid), PN: &s}, nil
}
