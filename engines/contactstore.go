package engines

import "context"

// ContactStore keeps the people a session knows: their names (address book,
// push name, business name) and both their ids, phone number and LID, so one
// person is one contact. Filled from history sync, push names, contact app state
// and the LID map; package store implements it.
type ContactStore interface {
	// SaveContacts creates contacts or updates them: non-empty fields replace
	// stored ones, empty ones keep them. A contact given with both ID (a phone
	// number) and LID absorbs a contact stored under that LID; a contact given
	// under a LID whose phone number is known updates the phone-number contact.
	// Chats of the contacts take their names: the address-book name (or business
	// name) always, a push name only when the chat has none.
	SaveContacts(ctx context.Context, session string, contacts []StoredContact) error
	// GetContact finds a contact by its id or its LID; ErrNotFound when unknown.
	GetContact(ctx context.Context, session, id string) (*StoredContact, error)
	// ListContacts pages the session's contacts by id.
	ListContacts(ctx context.Context, session string, limit, offset int) ([]StoredContact, error)
	// DeleteSessionContacts removes every contact of a session.
	DeleteSessionContacts(ctx context.Context, session string) error
}

// StoredContact is one person.
type StoredContact struct {
	// ID is 123@c.us, or 123@lid while the phone number is unknown.
	ID string
	// LID is the person's 123@lid when ID is a phone number and the LID is known.
	LID          string
	Name         string // full name in the account's address book
	ShortName    string // first name in the address book
	PushName     string // the name the person set for themselves
	BusinessName string // verified business name
}

// DisplayName is the name to show: address book, else business, else push name.
func (c StoredContact) DisplayName() string {
	switch {
	case c.Name != "":
		return c.Name
	case c.BusinessName != "":
		return c.BusinessName
	}
	return c.PushName
}
