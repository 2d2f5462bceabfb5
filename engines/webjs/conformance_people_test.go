package webjs

import (
	"context"
	"fmt"

	"github.com/wagate/wagate/engines/enginetest"
	"github.com/wagate/wagate/engines/webjs/fakeweb"
	"github.com/wagate/wagate/internal/wait"
)

// The people side of the fake network: every account is known to every
// tab's server (on WhatsApp, with a LID, push name, about, picture), as
// WhatsApp's server knows every user; a change of one is told to all.

var _ enginetest.PeoplePhone = fakePhone{}

// setPeer records an account as WhatsApp's server knows it, on every tab.
func (n *fakewebNet) setPeer(ctx context.Context, peer fakeweb.Peer) error {
	n.mu.Lock()
	n.peers[peer.Phone] = peer
	tabs := make([]*fakeweb.Server, 0, len(n.tabs))
	for _, s := range n.tabs {
		tabs = append(tabs, s)
	}
	n.mu.Unlock()
	for _, s := range tabs {
		if err := s.SetPeer(ctx, peer); err != nil {
			return err
		}
	}
	return nil
}

func (n *fakewebNet) peer(phone string) fakeweb.Peer {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.peers[phone]
}

// connectedTabs are the tabs with a page open.
func (n *fakewebNet) connectedTabs() []*fakeweb.Server {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []*fakeweb.Server
	for _, s := range n.tabs {
		if s.Connected() {
			out = append(out, s)
		}
	}
	return out
}

func (p fakePhone) SetProfile(ctx context.Context, ch enginetest.ProfileChange) error {
	peer := p.n.peer(p.number)
	if ch.Name != nil {
		peer.PushName = *ch.Name
	}
	if ch.About != nil {
		about := *ch.About
		peer.About = &about
	}
	if ch.Picture != nil {
		peer.Picture = ch.Picture
	}
	if ch.DeletePicture {
		peer.Picture = nil
	}
	return p.n.setPeer(ctx, peer)
}

// Peer is what the server has of the account `of` (the tab it is linked
// to): what its contacts see.
func (p fakePhone) Peer(ctx context.Context, of string) (enginetest.Peer, error) {
	tab, err := p.n.tabOf(of)
	if err != nil {
		return enginetest.Peer{}, err
	}
	own := tab.Own()
	out := enginetest.Peer{PushName: own.PushName, HasPicture: own.Picture != nil}
	if own.About != nil {
		out.About = *own.About
	}
	return out, nil
}

func (p fakePhone) SetOnline(ctx context.Context, online bool) error {
	for _, tab := range p.n.connectedTabs() {
		if err := tab.PeerPresence(ctx, p.number, online); err != nil {
			return err
		}
	}
	return nil
}

func (p fakePhone) SetChatState(ctx context.Context, chat, state string) error {
	tab, err := p.n.tabOf(chat)
	if err != nil {
		return err
	}
	return tab.PeerChatState(ctx, p.number, state)
}

// WaitChatState: the tab of `from` sent the chat state to this phone's chat.
func (p fakePhone) WaitChatState(ctx context.Context, from, state string) error {
	tab, err := p.n.tabOf(from)
	if err != nil {
		return err
	}
	want := map[string]string{"typing": "composing", "recording": "recording", "paused": "paused"}[state]
	return wait.PollContext(ctx, func() error {
		sent, err := tab.ChatStates(ctx)
		for _, cs := range sent {
			if cs.ChatID == p.number+"@c.us" && cs.State == want {
				return nil
			}
		}
		return fmt.Errorf("%s never saw %s %s: %w", p.number, from, state, orNotYet(err))
	})
}

func (p fakePhone) Call(ctx context.Context, to string, video bool) (string, error) {
	tab, err := p.n.tabOf(to)
	if err != nil {
		return "", err
	}
	id, err := tab.IncomingCall(ctx, p.number+"@c.us", video)
	if err != nil {
		return "", err
	}
	p.n.mu.Lock()
	p.n.calls[id] = tab
	p.n.mu.Unlock()
	return id, nil
}

func (p fakePhone) WaitCallRejected(ctx context.Context, id string) error {
	p.n.mu.Lock()
	tab := p.n.calls[id]
	p.n.mu.Unlock()
	if tab == nil {
		return fmt.Errorf("no call %s was placed", id)
	}
	return wait.PollContext(ctx, func() error {
		rejected, err := tab.RejectedCalls(ctx)
		for _, c := range rejected {
			if c.ID == id && c.To == p.number+"@c.us" {
				return nil
			}
		}
		return fmt.Errorf("call %s was never rejected: %w", id, orNotYet(err))
	})
}

// WaitContactName: the tab this phone is linked to has the contact saved.
func (p fakePhone) WaitContactName(ctx context.Context, number, name string) error {
	tab, err := p.n.tabOf(p.number)
	if err != nil {
		return err
	}
	return wait.PollContext(ctx, func() error {
		ks, err := tab.Contacts(ctx)
		for _, k := range ks {
			if k.ID == number+"@c.us" && k.Name == name && k.Type == "in" {
				return nil
			}
		}
		return fmt.Errorf("%s's address book never had %s as %q: %w", p.number, number, name, orNotYet(err))
	})
}
