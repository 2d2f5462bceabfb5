package webjs

import (
	"context"
	"fmt"

	"github.com/wagate/wagate/engines"
)

// peoplePage is what the people operations need of the page (the Driver has it).
type peoplePage interface {
	CheckNumber(ctx context.Context, phone string) (engines.NumberStatus, error)
	Contacts(ctx context.Context, q engines.ContactQuery) ([]engines.Contact, error)
	Contact(ctx context.Context, id string) (engines.Contact, error)
	About(ctx context.Context, id string) (*string, error)
	Block(ctx context.Context, id string, block bool) error
	SaveContact(ctx context.Context, phone, firstName, lastName string) error
	LIDs(ctx context.Context, limit, offset int) ([]engines.LIDMapping, error)
	LIDCount(ctx context.Context) (int, error)
	PNForLID(ctx context.Context, lid string) (engines.LIDMapping, error)
	LIDForPN(ctx context.Context, pn string) (engines.LIDMapping, error)
	SetPresence(ctx context.Context, p engines.Presence, chatID string) error
	SubscribePresence(ctx context.Context, chatID string) error
	Presence(ctx context.Context, chatID string) (engines.ChatPresences, error)
	Presences(ctx context.Context) ([]engines.ChatPresences, error)
	Profile(ctx context.Context) (engines.MyProfile, error)
	SetProfileName(ctx context.Context, name string) error
	SetProfileAbout(ctx context.Context, about string) error
	SetProfilePicture(ctx context.Context, pic engines.ProfilePicture) error
	DeleteProfilePicture(ctx context.Context) error
	RejectCall(ctx context.Context, from, id string) error
}

var _ peoplePage = (*Driver)(nil)

// onPage runs an operation on the running page, as the driver interface P
// that has it, and maps its errors.
func onPage[P, T any](e *Engine, what string, f func(P) (T, error)) (T, error) {
	var zero T
	pg, err := e.running()
	if err != nil {
		return zero, err
	}
	p, ok := pg.(P)
	if !ok {
		return zero, fmt.Errorf("webjs: %s: this page driver lacks the operation", what)
	}
	v, err := f(p)
	if err != nil {
		return zero, e.mapErr(what, err)
	}
	return v, nil
}

// do runs a people operation on the page.
func do[T any](e *Engine, what string, f func(peoplePage) (T, error)) (T, error) {
	return onPage(e, what, f)
}

func (e *Engine) CheckNumber(ctx context.Context, phone string) (engines.NumberStatus, error) {
	return do(e, "check number", func(p peoplePage) (engines.NumberStatus, error) { return p.CheckNumber(ctx, phone) })
}

func (e *Engine) ListContacts(ctx context.Context, q engines.ContactQuery) ([]engines.Contact, error) {
	return do(e, "list contacts", func(p peoplePage) ([]engines.Contact, error) { return p.Contacts(ctx, q) })
}

func (e *Engine) GetContact(ctx context.Context, id engines.ChatID) (*engines.Contact, error) {
	return do(e, "get contact", func(p peoplePage) (*engines.Contact, error) {
		k, err := p.Contact(ctx, id.String())
		return &k, err
	})
}

func (e *Engine) About(ctx context.Context, id engines.ChatID) (*string, error) {
	return do(e, "get about", func(p peoplePage) (*string, error) { return p.About(ctx, id.String()) })
}

func (e *Engine) Block(ctx context.Context, id engines.ChatID, block bool) error {
	_, err := do(e, "block contact", func(p peoplePage) (struct{}, error) { return struct{}{}, p.Block(ctx, id.String(), block) })
	return err
}

// SaveContact saves a person by phone number; a LID is mapped to its number first.
func (e *Engine) SaveContact(ctx context.Context, id engines.ChatID, firstName, lastName string) error {
	_, err := do(e, "save contact", func(p peoplePage) (struct{}, error) {
		phone := id.User
		if id.Server == engines.ServerLID {
			m, err := p.PNForLID(ctx, id.String())
			if err != nil || m.PN == nil {
				return struct{}{}, fmt.Errorf("%w: the phone number of %s is not known; save the contact by its number", engines.ErrInvalid, id)
			}
			pn, perr := engines.ParseChatID(*m.PN)
			if perr != nil {
				return struct{}{}, perr
			}
			phone = pn.User
		}
		return struct{}{}, p.SaveContact(ctx, phone, firstName, lastName)
	})
	return err
}

func (e *Engine) ListLIDs(ctx context.Context, limit, offset int) ([]engines.LIDMapping, error) {
	return do(e, "list lids", func(p peoplePage) ([]engines.LIDMapping, error) { return p.LIDs(ctx, limit, offset) })
}

func (e *Engine) CountLIDs(ctx context.Context) (int, error) {
	return do(e, "count lids", func(p peoplePage) (int, error) { return p.LIDCount(ctx) })
}

func (e *Engine) PNForLID(ctx context.Context, lid engines.ChatID) (engines.LIDMapping, error) {
	return do(e, "phone number of a lid", func(p peoplePage) (engines.LIDMapping, error) { return p.PNForLID(ctx, lid.String()) })
}

func (e *Engine) LIDForPN(ctx context.Context, pn engines.ChatID) (engines.LIDMapping, error) {
	return do(e, "lid of a phone number", func(p peoplePage) (engines.LIDMapping, error) { return p.LIDForPN(ctx, pn.String()) })
}

func (e *Engine) SetPresence(ctx context.Context, pr engines.Presence, chat engines.ChatID) error {
	_, err := do(e, "set presence", func(p peoplePage) (struct{}, error) { return struct{}{}, p.SetPresence(ctx, pr, chat.String()) })
	return err
}

func (e *Engine) SubscribePresence(ctx context.Context, chat engines.ChatID) error {
	_, err := do(e, "subscribe to presence", func(p peoplePage) (struct{}, error) { return struct{}{}, p.SubscribePresence(ctx, chat.String()) })
	return err
}

func (e *Engine) Presences(ctx context.Context) ([]engines.ChatPresences, error) {
	return do(e, "list presences", func(p peoplePage) ([]engines.ChatPresences, error) { return p.Presences(ctx) })
}

func (e *Engine) Presence(ctx context.Context, chat engines.ChatID) (engines.ChatPresences, error) {
	return do(e, "get presence", func(p peoplePage) (engines.ChatPresences, error) { return p.Presence(ctx, chat.String()) })
}

func (e *Engine) Profile(ctx context.Context) (engines.MyProfile, error) {
	return do(e, "get profile", func(p peoplePage) (engines.MyProfile, error) { return p.Profile(ctx) })
}

func (e *Engine) SetProfileName(ctx context.Context, name string) error {
	_, err := do(e, "set profile name", func(p peoplePage) (struct{}, error) { return struct{}{}, p.SetProfileName(ctx, name) })
	if err == nil {
		e.mu.Lock()
		if e.me != nil {
			me := *e.me
			me.PushName = name
			e.me = &me
		}
		me := e.me
		e.mu.Unlock()
		e.host.SetMe(me)
	}
	return err
}

func (e *Engine) SetProfileAbout(ctx context.Context, about string) error {
	_, err := do(e, "set about", func(p peoplePage) (struct{}, error) { return struct{}{}, p.SetProfileAbout(ctx, about) })
	return err
}

func (e *Engine) SetProfilePicture(ctx context.Context, pic engines.ProfilePicture) error {
	_, err := do(e, "set profile picture", func(p peoplePage) (struct{}, error) { return struct{}{}, p.SetProfilePicture(ctx, pic) })
	return err
}

func (e *Engine) DeleteProfilePicture(ctx context.Context) error {
	_, err := do(e, "delete profile picture", func(p peoplePage) (struct{}, error) { return struct{}{}, p.DeleteProfilePicture(ctx) })
	return err
}

func (e *Engine) RejectCall(ctx context.Context, from engines.ChatID, id string) error {
	_, err := do(e, "reject call", func(p peoplePage) (struct{}, error) { return struct{}{}, p.RejectCall(ctx, from.String(), id) })
	return err
}
