package webjs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wagate/wagate/engines"
)

// The people operations of the page (js/55_people.js). Ids are checked here
// before any page call, as everywhere in the driver.

// personID normalizes a person's (or group's) id for the page.
func personID(id string) (string, error) {
	n, err := NormalizeChatID(id)
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(n, "@c.us") && !strings.HasSuffix(n, "@lid") && !strings.HasSuffix(n, "@g.us") {
		return "", fmt.Errorf("%w: %s is not a person or group", ErrInvalid, n)
	}
	return n, nil
}

// CheckNumber asks WhatsApp whether phone (digits) is on it.
func (d *Driver) CheckNumber(ctx context.Context, phone string) (engines.NumberStatus, error) {
	var st engines.NumberStatus
	err := d.call(ctx, "checkNumber", map[string]string{"phone": phone}, &st)
	return st, err
}

// Contacts lists the account's contacts, one per person.
func (d *Driver) Contacts(ctx context.Context, q engines.ContactQuery) ([]engines.Contact, error) {
	var out []engines.Contact
	err := d.call(ctx, "contacts", map[string]any{"limit": q.Limit, "offset": q.Offset, "sortBy": q.SortBy, "sortOrder": q.SortOrder}, &out)
	return out, err
}

// Contact is one contact by either of its ids.
func (d *Driver) Contact(ctx context.Context, id string) (engines.Contact, error) {
	var k engines.Contact
	n, err := personID(id)
	if err != nil {
		return k, err
	}
	err = d.call(ctx, "contact", map[string]string{"id": n}, &k)
	return k, err
}

// About is a person's about text, nil when hidden or unset.
func (d *Driver) About(ctx context.Context, id string) (*string, error) {
	var about *string
	n, err := personID(id)
	if err != nil {
		return nil, err
	}
	err = d.call(ctx, "about", map[string]string{"id": n}, &about)
	return about, err
}

// Block blocks or unblocks a person.
func (d *Driver) Block(ctx context.Context, id string, block bool) error {
	n, err := personID(id)
	if err != nil {
		return err
	}
	return d.call(ctx, "block", map[string]any{"id": n, "block": block}, nil)
}

// SaveContact saves a phone number (digits) in the address book.
func (d *Driver) SaveContact(ctx context.Context, phone, firstName, lastName string) error {
	return d.call(ctx, "saveContact", map[string]string{"phone": phone, "firstName": firstName, "lastName": lastName}, nil)
}

// LIDs pages the LID map the page knows; LIDCount counts it.
func (d *Driver) LIDs(ctx context.Context, limit, offset int) ([]engines.LIDMapping, error) {
	var out []engines.LIDMapping
	err := d.call(ctx, "lids", map[string]int{"limit": limit, "offset": offset}, &out)
	return out, err
}

func (d *Driver) LIDCount(ctx context.Context) (int, error) {
	var n int
	err := d.call(ctx, "lidsCount", nil, &n)
	return n, err
}

// PNForLID and LIDForPN map one id of a person to the other (ErrNotFound if unknown).
func (d *Driver) PNForLID(ctx context.Context, lid string) (engines.LIDMapping, error) {
	var m engines.LIDMapping
	err := d.call(ctx, "pnForLid", map[string]string{"lid": lid}, &m)
	return m, err
}

func (d *Driver) LIDForPN(ctx context.Context, pn string) (engines.LIDMapping, error) {
	var m engines.LIDMapping
	err := d.call(ctx, "lidForPn", map[string]string{"pn": pn}, &m)
	return m, err
}

// SetPresence sends online/offline, or a chat state to chatID.
func (d *Driver) SetPresence(ctx context.Context, p engines.Presence, chatID string) error {
	args := map[string]string{"presence": string(p)}
	if p.ChatScoped() {
		n, err := personID(chatID)
		if err != nil {
			return err
		}
		args["chatId"] = n
	}
	return d.call(ctx, "setPresence", args, nil)
}

// SubscribePresence follows a person's presence.
func (d *Driver) SubscribePresence(ctx context.Context, chatID string) error {
	n, err := personID(chatID)
	if err != nil {
		return err
	}
	return d.call(ctx, "subscribePresence", map[string]string{"chatId": n}, nil)
}

// Presence is a chat's presences (subscribing first if needed); Presences all.
func (d *Driver) Presence(ctx context.Context, chatID string) (engines.ChatPresences, error) {
	var p engines.ChatPresences
	n, err := personID(chatID)
	if err != nil {
		return p, err
	}
	err = d.call(ctx, "presence", map[string]string{"chatId": n}, &p)
	return p, err
}

func (d *Driver) Presences(ctx context.Context) ([]engines.ChatPresences, error) {
	var out []engines.ChatPresences
	err := d.call(ctx, "presences", nil, &out)
	return out, err
}

// Profile is the own profile.
func (d *Driver) Profile(ctx context.Context) (engines.MyProfile, error) {
	var p engines.MyProfile
	err := d.call(ctx, "profile", nil, &p)
	return p, err
}

func (d *Driver) SetProfileName(ctx context.Context, name string) error {
	return d.call(ctx, "setProfileName", map[string]string{"name": name}, nil)
}

func (d *Driver) SetProfileAbout(ctx context.Context, about string) error {
	return d.call(ctx, "setProfileAbout", map[string]string{"about": about}, nil)
}

// SetProfilePicture sets the own picture from prepared JPEGs.
func (d *Driver) SetProfilePicture(ctx context.Context, pic engines.ProfilePicture) error {
	b64 := base64.StdEncoding.EncodeToString
	return d.call(ctx, "setProfilePicture", map[string]string{"jpeg": b64(pic.JPEG), "thumbnail": b64(pic.Thumbnail)}, nil)
}

func (d *Driver) DeleteProfilePicture(ctx context.Context) error {
	return d.call(ctx, "deleteProfilePicture", nil, nil)
}

// RejectCall declines a call offer.
func (d *Driver) RejectCall(ctx context.Context, from, id string) error {
	n, err := personID(from)
	if err != nil {
		return err
	}
	return d.call(ctx, "rejectCall", map[string]string{"from": n, "id": id}, nil)
}

// CallEvent is a call offer the page saw (WAHA's CallData).
type CallEvent struct {
	ID        string          `json:"id"`
	From      string          `json:"from"`
	Timestamp int64           `json:"timestamp"`
	IsVideo   bool            `json:"isVideo"`
	IsGroup   bool            `json:"isGroup"`
	Raw       json.RawMessage `json:"_data"`
}
